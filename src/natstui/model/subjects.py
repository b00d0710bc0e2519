"""Subjects: NATS wildcard matching and a trie of what has been seen, with counts and rates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

DEFAULT_MAX_NODES = 200_000


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS semantics: ``*`` matches one token, a final ``>`` one or more."""
    return SubjectPattern(pattern).matches(subject)


class SubjectPattern:
    """A compiled subject wildcard."""

    __slots__ = ("pattern", "_tokens", "_tail", "_literal")

    def __init__(self, pattern: str) -> None:
        pattern = pattern.strip()
        if not pattern:
            raise ValueError("empty subject pattern")
        tokens = pattern.split(".")
        if any(t == "" for t in tokens):
            raise ValueError(f"empty token in subject pattern {pattern!r}")
        if any(">" in t and t != ">" for t in tokens) or ">" in tokens[:-1]:
            raise ValueError("'>' may only be the last token")
        if any("*" in t and t != "*" for t in tokens):
            raise ValueError("'*' must be a whole token")
        self.pattern = pattern
        self._tail = tokens[-1] == ">"
        self._tokens = tokens[:-1] if self._tail else tokens
        self._literal = not self._tail and "*" not in tokens

    def matches(self, subject: str) -> bool:
        if self._literal:
            return subject == self.pattern
        parts = subject.split(".")
        n = len(self._tokens)
        if self._tail:
            if len(parts) <= n:
                return False
        elif len(parts) != n:
            return False
        return all(not (want != "*" and want != got) for want, got in zip(self._tokens, parts))

    def __repr__(self) -> str:
        return f"SubjectPattern({self.pattern!r})"


class SubjectNode:
    """One token of the subject hierarchy.

    ``count`` includes every message below this node; ``own`` only those
    whose subject ends here. ``rate`` is messages per second over the last
    sampling window.
    """

    __slots__ = ("token", "parent", "children", "count", "own", "rate", "_sampled", "child_version")

    def __init__(self, token: str, parent: SubjectNode | None) -> None:
        self.token = token
        self.parent = parent
        self.children: dict[str, SubjectNode] = {}
        self.count = 0
        self.own = 0
        self.rate = 0.0
        self._sampled = 0
        self.child_version = 0

    @property
    def path(self) -> str:
        tokens = []
        node: SubjectNode | None = self
        while node is not None and node.parent is not None:
            tokens.append(node.token)
            node = node.parent
        return ".".join(reversed(tokens))

    @property
    def wildcard(self) -> str:
        """The filter that selects this node's subtree (and the node itself)."""
        path = self.path
        if not path:
            return ">"
        return f"{path}.>" if self.children else path

    def sorted_children(self) -> list[SubjectNode]:
        return [self.children[k] for k in sorted(self.children)]


class SubjectTrie:
    """Every subject seen, split into tokens, with counts and rates.

    Fed in batches (``add_many``) from the UI's timer, not per message.
    When ``max_nodes`` is reached, new subjects are counted on their deepest
    known ancestor instead of growing the trie without bound.
    """

    def __init__(self, max_nodes: int = DEFAULT_MAX_NODES) -> None:
        self.root = SubjectNode("", None)
        self.max_nodes = max_nodes
        self.node_count = 0
        self.version = 0
        self._paths: dict[str, tuple[SubjectNode, ...]] = {}
        self._touched: set[SubjectNode] = set()
        self._active: set[SubjectNode] = set()
        self._last_sample: float | None = None

    def add(self, subject: str, n: int = 1) -> None:
        self.add_many(Counter({subject: n}))

    def add_many(self, counts: Counter[str] | dict[str, int]) -> None:
        paths = self._paths
        touched = self._touched
        root = self.root
        for subject, n in counts.items():
            path = paths.get(subject)
            if path is None:
                path = self._path_for(subject)
            root.count += n
            for node in path:
                node.count += n
            (path[-1] if path else root).own += n
            touched.update(path)
        touched.add(root)

    def _path_for(self, subject: str) -> tuple[SubjectNode, ...]:
        node = self.root
        path: list[SubjectNode] = []
        complete = True
        for token in subject.split("."):
            child = node.children.get(token)
            if child is None:
                if self.node_count >= self.max_nodes:
                    complete = False
                    break
                child = SubjectNode(token, node)
                node.children[token] = child
                node.child_version += 1
                self.node_count += 1
                self.version += 1
            path.append(child)
            node = child
        result = tuple(path)
        if complete:
            self._paths[subject] = result
        return result

    def find(self, subject: str) -> SubjectNode | None:
        node = self.root
        if not subject:
            return node
        for token in subject.split("."):
            node = node.children.get(token)  # type: ignore[assignment]
            if node is None:
                return None
        return node

    def sample(self, now: float) -> None:
        """Update ``rate`` of every node touched since the last sample."""
        if self._last_sample is None:
            self._last_sample = now
            for node in self._touched:
                node._sampled = node.count
            self._touched.clear()
            return
        dt = now - self._last_sample
        if dt <= 0:
            return
        self._last_sample = now
        for node in self._active - self._touched:
            node.rate = 0.0
        for node in self._touched:
            node.rate = (node.count - node._sampled) / dt
            node._sampled = node.count
        self._active = self._touched
        self._touched = set()

    def walk(self) -> Iterable[SubjectNode]:
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children.values())

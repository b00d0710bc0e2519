"""Interest on the subject tree: how many subscriptions match each node, wildcard aware.

The subscriptions' subjects (from ``SUBSZ``, natstui's own left out) go into a trie of their tokens,
``*`` a child like any other and ``P.>`` counted on ``P``'s node. A subject-tree node is matched by
walking that trie with the node's tokens, keeping the set of trie nodes still matching (the literal
child and the ``*`` child of each); a ``>`` met on the way matches everything below. Each node's
walk starts from its parent's (kept per node until the next refresh), so a node costs the width of
that set, not the number of subscriptions: O(nodes × states), whatever the subscription count.

For a node, ``exact`` is how many subscriptions a message published on its subject would reach;
``under`` how many would receive something published on its subject or below it (``orders`` and
``orders.>``): the figure the tree shows. A node published to with ``exact`` 0 has no interest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from natstui.model.subjects import SubjectNode


class _Node:
    __slots__ = ("children", "end", "tail", "total")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.end = 0  # subscriptions whose subject ends here
        self.tail = 0  # subscriptions to this node's subject followed by '>'
        self.total = 0  # every subscription at or below this node (ends, tails, children's)


@dataclass(frozen=True)
class Match:
    exact: int  # subscriptions that receive a message on the node's subject
    under: int  # subscriptions that receive something on the node's subject or below it


class SubscriptionIndex:
    """The subjects of many subscriptions (repeats count), matched against subject-tree nodes."""

    def __init__(self, subjects: Iterable[str] = ()) -> None:
        self.root = _Node()
        self.count = 0
        for subject in subjects:
            self.add(subject)
        self._totals()
        self._memo: dict[SubjectNode, tuple[int, tuple[_Node, ...]]] = {}

    def add(self, subject: str) -> None:
        tokens = subject.split(".")
        if not subject or any(not t for t in tokens):
            return  # not a subject a server would hold
        node = self.root
        for i, token in enumerate(tokens):
            if token == ">" and i == len(tokens) - 1:
                node.tail += 1
                self.count += 1
                return
            child = node.children.get(token)
            if child is None:
                child = node.children[token] = _Node()
            node = child
        node.end += 1
        self.count += 1

    def _totals(self) -> None:
        order: list[_Node] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(node.children.values())
        for node in reversed(order):  # children before their parent
            node.total = node.end + node.tail + sum(c.total for c in node.children.values())

    # -- matching -------------------------------------------------------------------------------
    def _step(self, tails: int, states: tuple[_Node, ...], token: str) -> tuple[int, tuple[_Node, ...]]:
        following: list[_Node] = []
        for state in states:
            tails += state.tail  # 'P.>' takes this token and everything after it
            child = state.children.get(token)
            if child is not None:
                following.append(child)
            if token != "*":
                star = state.children.get("*")
                if star is not None:
                    following.append(star)
        return tails, tuple(following)

    def _walk(self, node: SubjectNode) -> tuple[int, tuple[_Node, ...]]:
        memo = self._memo
        found = memo.get(node)
        if found is not None:
            return found
        pending: list[SubjectNode] = []
        current: SubjectNode | None = node
        while current is not None and current.parent is not None and current not in memo:
            pending.append(current)
            current = current.parent
        tails, states = memo[current] if current is not None and current in memo else (0, (self.root,))
        for step in reversed(pending):
            tails, states = self._step(tails, states, step.token)
            memo[step] = (tails, states)
        return tails, states

    def match(self, node: SubjectNode) -> Match:
        if node.parent is None:  # the root: every subscription
            return Match(0, self.count)
        tails, states = self._walk(node)
        return Match(tails + sum(s.end for s in states), tails + sum(s.total for s in states))

    def match_subject(self, subject: str) -> Match:
        tails = 0
        states: tuple[_Node, ...] = (self.root,)
        for token in subject.split("."):
            tails, states = self._step(tails, states, token)
        return Match(tails + sum(s.end for s in states), tails + sum(s.total for s in states))


@dataclass
class InterestSnapshot:
    """One refresh: the index, or why there is none."""

    index: SubscriptionIndex | None = None
    servers: int = 0
    account: str = ""
    reason: str = ""  # without the system account (or when asking failed): what is needed, in words
    at: float = 0.0  # time.time() of the answers
    pages: int = 0  # SUBSZ requests made (a server with many subscriptions is read in pages)

    def node_mark(self, node: SubjectNode) -> tuple[int, bool] | None:
        """(subscriptions matching the node or below it, no interest) for the tree; None without an index.

        No interest: a subject published to (messages end on it) that no subscription would receive,
        or a node nothing under which has any subscription."""
        if self.index is None:
            return None
        found = self.index.match(node)
        return found.under, (found.under == 0 or (node.own > 0 and found.exact == 0))

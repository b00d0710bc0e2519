"""The subject tree: tokens of every subject seen, with counts and rates.

Children are created lazily, only under expanded nodes, and the whole tree
is brought up to date from the trie in one batch a few times a second.
"""

from __future__ import annotations

import re
from bisect import bisect

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from natstui.model.interest import InterestSnapshot
from natstui.model.sanitize import escape_line
from natstui.model.subjects import SubjectNode, SubjectTrie
from natstui.ui.palette import palette

_DIGITS = re.compile(r"(\d+)")


def natural_key(token: str) -> tuple:
    """Sort ``node2`` before ``node10``."""
    # Numbers compare by length, then digits: no int() (it refuses '²' and runs over 4,300 digits).
    # The token itself breaks ties ('node2' / 'node02'), so the order never depends on arrival order.
    return tuple(
        (0, len(p.lstrip("0")), p.lstrip("0")) if p.isdecimal() else (1, 0, p) for p in _DIGITS.split(token) if p
    ) + ((2, 0, token),)


def format_count(n: int) -> str:
    if n < 100_000:
        return f"{n:,}"
    if n < 10_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def format_rate(rate: float) -> str:
    if rate <= 0:
        return ""
    if rate < 10:
        return f"{rate:.1f}/s"
    if rate < 10_000:
        return f"{rate:.0f}/s"
    return f"{rate / 1000:.0f}k/s"


class SubjectTree(Tree[SubjectNode]):
    BINDING_GROUP_TITLE = "Subject tree"

    DEFAULT_CSS = """
    SubjectTree { height: 1fr; }
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Filter to subtree", show=False, id="tree.select"),
        Binding("right,l", "expand_node", "Expand", show=False, id="tree.expand"),
        Binding("left,h", "collapse_node", "Collapse", show=False, id="tree.collapse"),
    ]

    class ScopeChanged(Message):
        """The user selected a node: filter the stream to its subtree ('' for everything)."""

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    interest: InterestSnapshot | None = None  # subscriptions matching each node (i in Live); read while built

    def __init__(self, trie: SubjectTrie, *, id: str | None = None) -> None:
        super().__init__(Text("all subjects"), data=trie.root, id=id)
        self.trie = trie
        self.auto_expand = False
        self.show_root = True
        # Two columns per level instead of four: a token seven levels down still starts at column 16.
        self.guide_depth = 2
        self._versions: dict[int, int] = {}
        self._counted = -1

    def on_mount(self) -> None:
        self.root.expand()

    # -- batch update ----------------------------------------------------------
    def sync(self) -> None:
        """Bring expanded nodes' children and every visible count up to date."""
        if self.trie.root.count == self._counted and self.trie.version == self._versions.get(-1):
            return
        self._counted = self.trie.root.count
        self._versions[-1] = self.trie.version
        stack = [self.root]
        while stack:
            tnode = stack.pop()
            data = tnode.data
            if data is None:
                continue
            has_children = bool(data.children)
            if tnode.allow_expand != has_children:
                tnode.allow_expand = has_children
            if tnode.is_expanded:
                if self._versions.get(tnode.id) != data.child_version:
                    self._add_missing(tnode, data)
                stack.extend(tnode.children)
        self._clear_line_cache()
        self.refresh()

    def _add_missing(self, tnode: TreeNode[SubjectNode], data: SubjectNode) -> None:
        present = {child.data.token for child in tnode.children if child.data is not None}
        keys = [natural_key(child.data.token) for child in tnode.children if child.data is not None]
        for token in sorted((t for t in data.children if t not in present), key=natural_key):
            key = natural_key(token)
            i = bisect(keys, key)
            child = data.children[token]
            tnode.add(
                Text(escape_line(token)),
                child,
                before=i if i < len(keys) else None,
                allow_expand=bool(child.children),
            )
            keys.insert(i, key)
        self._versions[tnode.id] = data.child_version

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        data = event.node.data
        if data is not None and self._versions.get(event.node.id) != data.child_version:
            self._add_missing(event.node, data)

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()

    def action_collapse_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node is not self.root:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def _on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        self.post_message(self.ScopeChanged(data.path if data is not None else ""))

    # -- sideways scrolling -------------------------------------------------------
    def scroll_to_line(self, line: int, animate: bool = True) -> None:
        """Scroll up or down to the line, and sideways so that its node's name shows whole.

        Textual's Tree never scrolls sideways; here a name that ends past the right edge
        scrolls into view, and a line that fits from column 0 scrolls back to the left.
        """
        super().scroll_to_line(line, animate=animate)
        self._scroll_sideways(line)

    def _scroll_sideways(self, line: int) -> None:
        try:
            tree_line = self._tree_lines[line]
        except IndexError:
            return
        start = tree_line._get_guide_width(self.guide_depth, self.show_root)
        end = start + 2 + cell_len(str(tree_line.node.label))  # the expand icon (or its blank), then the name
        width = self.scrollable_content_region.width
        # from the left edge if it fits; else the name's end at the right edge, or, for a name
        # wider than the pane, the name's start (the expand icon gives way first)
        x = 0 if end <= width else min(start + 2, end - width)
        if x != round(self.scroll_x):
            self.scroll_to(x=x, animate=False, immediate=True)

    def on_resize(self) -> None:
        # A narrower (or wider) pane: the highlighted name is kept in view.
        self.call_after_refresh(self._scroll_sideways, self.cursor_line)

    def set_interest(self, interest: InterestSnapshot | None) -> None:
        """Show (or, with None, stop showing) each node's matching subscriptions: every label again."""
        self.interest = interest
        self._clear_line_cache()
        self.refresh()

    # -- drawing ---------------------------------------------------------------
    def render_label(self, node: TreeNode[SubjectNode], base_style: Style, style: Style) -> Text:
        data = node.data
        label = Text(node.label) if isinstance(node.label, str) else node.label.copy()
        label.stylize(style)
        if node.allow_expand:
            prefix = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE, base_style)
        else:
            prefix = ("  ", base_style)
        if data is None:
            return Text.assemble(prefix, label)
        rate = format_rate(data.rate)
        text = Text.assemble(
            prefix,
            label,
            (f" {format_count(data.count)}", palette.muted),
            (f" {rate}" if rate else "", palette.rate),
        )
        mark = self.interest.node_mark(data) if self.interest is not None else None
        if mark is not None:
            subs, none = mark
            if none:
                text.append(
                    " no interest" + (f" ({subs} below)" if subs else ""), style=Style(dim=True) + palette.warning
                )
            else:
                text.append(f" {format_count(subs)} sub{'' if subs == 1 else 's'}", style=palette.accent)
        return text


class SubjectPath(Widget):
    """The full subject of the tree's highlighted node, wrapped at its dots to the pane's width.

    Shown under the tree, so that a deep node is readable however narrow the tree is.
    """

    DEFAULT_CSS = """
    SubjectPath {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._path: str | None = None

    @property
    def path(self) -> str | None:
        return self._path

    def show(self, path: str | None) -> None:
        """``path`` is a subject (hostile text: escaped when drawn); '' is the root; None is nothing."""
        if path != self._path:
            self._path = path
            self.refresh(layout=True)

    MAX_LINES = 4

    def lines(self, width: int) -> list[str]:
        """The path in lines of at most ``width`` cells, broken after a dot where it can be."""
        if self._path is None:
            return [""]
        if not self._path:
            return ["all subjects"]
        width = max(1, width)
        tokens = escape_line(self._path).split(".")
        lines: list[str] = []
        current = ""
        for i, token in enumerate(tokens):
            piece = token + ("." if i < len(tokens) - 1 else "")
            if current and cell_len(current) + cell_len(piece) > width:
                lines.append(current)
                current = ""
            if cell_len(piece) > width:  # longer than a line: cut where the lines end
                *whole, piece = chop_cells(piece, width)
                lines.extend(whole)
            current += piece
        lines.append(current)
        if len(lines) > self.MAX_LINES:  # the deepest tokens matter most: the start gives way
            lines = ["…" + lines[-self.MAX_LINES][1:], *lines[-self.MAX_LINES + 1 :]]
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n".join(self.lines(self.content_size.width)), no_wrap=True, overflow="crop")


class InterestLine(Widget):
    """Above the tree while interest is shown: whose subscriptions are counted, or what is needed."""

    DEFAULT_CSS = """
    InterestLine {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text("")

    def show(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._text.wrap(self.app.console, max(1, width))))

    def render(self) -> Text:
        return self._text


def interest_text(interest: InterestSnapshot | None) -> Text:
    """The line above the tree: what the counts are, or why there are none."""
    from natstui.model.timefmt import format_clock

    text = Text("interest ", style="bold")
    if interest is None:
        text.append("asking the servers…", style="dim")
    elif interest.index is None:
        text.append(escape_line(interest.reason), style=palette.warning)
    else:
        count, servers = interest.index.count, interest.servers
        text.append(f"{count:,} sub{'' if count == 1 else 's'}", style=palette.accent)
        text.append(f" of {escape_line(interest.account)}, {servers} server{'' if servers == 1 else 's'}")
        text.append(f", {format_clock(interest.at)[:8]}", style="dim")
    return text

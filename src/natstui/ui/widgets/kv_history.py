"""The history of one key: every stored revision, a mark, and the pair of revisions to compare."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from natstui.client.kv import Revision
from natstui.model import kv as kvmodel
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size, preview
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

COLUMNS = (
    ColumnSpec("mark", "Mark", priority=1, ellipsis=False),
    ColumnSpec("revision", "Revision", priority=0, ellipsis=False, justify="right"),
    ColumnSpec("op", "Op", priority=2, ellipsis=False),
    ColumnSpec("created", "Created", priority=4, ellipsis=False),
    ColumnSpec("size", "Size", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("value", "Value", priority=5, min_width=8),  # last: it takes what is left
)
OP_ROLE = {"PUT": ("ok", False), "DEL": ("error", True), "PURGE": ("accent", True)}  # palette name, bold


def op_style(op: str) -> Style:
    role, bold = OP_ROLE.get(op, ("", False))
    style = getattr(palette, role, Style()) if role else Style()
    return style + BOLD if bold else style


class HistoryPane(Vertical):
    """Revisions newest first; the highlighted one is posted as :class:`Highlighted`."""

    DEFAULT_CSS = """
    HistoryPane {
        display: none;
        height: 45%;
        border-top: hkey $surface-lighten-2;
        &.-open { display: block; }
        DataTable { height: 1fr; }
    }
    """

    class Highlighted(Message):
        def __init__(self, revision: Revision) -> None:
            super().__init__()
            self.revision = revision

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.key: str | None = None
        self.revisions: list[Revision] = []  # oldest first
        self.marked: int | None = None

    def compose(self) -> ComposeResult:
        yield TextLine(id="kv-history-title", classes="view-title")
        yield Table(COLUMNS, id="kv-history")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def table(self) -> Table:
        return self.query_one("#kv-history", Table)

    def open(self) -> None:
        self.add_class("-open")
        self.table.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def show(self, key: str | None, revisions: list[Revision]) -> None:
        if key != self.key:
            self.marked = None
        self.key = key
        self.revisions = revisions
        self._fill()

    def holds(self, key: str | None) -> bool:
        return bool(self.revisions) and self.key == key

    def _fill(self) -> None:
        table = self.table
        keep = table.cursor_row
        table.clear()
        for rev in reversed(self.revisions):
            table.add_row(
                Text("◆" if rev.revision == self.marked else "", style=palette.warning + BOLD),
                Text(f"{rev.revision:,}", style=palette.number, justify="right"),
                Text(rev.op, style=op_style(rev.op)),
                Text(kvmodel.fmt_time(rev.created), style="dim"),
                Text(human_size(rev.size), justify="right"),
                Text(preview(rev.value, limit=80)),
                key=str(rev.revision),
            )
        if self.revisions:
            table.move_cursor(row=min(max(0, keep), len(self.revisions) - 1))
        title = Text("History", style="bold")
        if self.key:
            title.append(f" of {escape_line(self.key)}: {len(self.revisions)} revision(s)", style="bold")
            title.append("   m marks one, d compares with the mark (or the one before), R reverts to it", style="dim")
        self.query_one("#kv-history-title", TextLine).set_text(title)

    def highlighted(self) -> Revision | None:
        if not self.revisions:
            return None
        ordered = list(reversed(self.revisions))
        row = self.table.cursor_row
        return ordered[row] if 0 <= row < len(ordered) else ordered[0]

    def toggle_mark(self) -> None:
        rev = self.highlighted()
        if rev is not None:
            self.marked = None if self.marked == rev.revision else rev.revision
            self._fill()

    def pair(self) -> tuple[Revision, Revision] | None:
        """(older, newer): the highlighted revision and the marked one, or the one before it."""
        current = self.highlighted()
        if current is None:
            return None
        other = next((r for r in self.revisions if r.revision == self.marked), None)
        if other is None or other.revision == current.revision:
            older = [r for r in self.revisions if r.revision < current.revision]
            other = older[-1] if older else None
        if other is None:
            return None
        old, new = sorted((current, other), key=lambda r: r.revision)
        return old, new

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is None:
            return
        revision = int(event.row_key.value)
        for rev in self.revisions:
            if rev.revision == revision:
                self.post_message(self.Highlighted(rev))

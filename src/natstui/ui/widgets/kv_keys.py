"""The keys of a bucket: a virtual Line-API list over a ``KeyIndex`` (100,000 keys cost one screenful)."""

from __future__ import annotations

import time

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.message import Message
from textual.strip import Strip

from natstui.model import kv as kvmodel
from natstui.model.kv import KeyIndex
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.cursorlist import CursorList
from natstui.ui.widgets.rowtable import Column, fit_widths

REV_W = 9
OP_W = 6
SIZE_W = 9
TIME_W = 19

# the key takes the rest of the width; narrow, the creation time goes first, then the operation
COLUMNS = (
    Column("Key", None, priority=0, min_width=12),
    Column("Revision", REV_W, "right", priority=1),
    Column("Op", OP_W, priority=3),
    Column("Size", SIZE_W, "right", priority=2),
    Column("Created", TIME_W, priority=4),
)

STYLE_HEADER = Style(bold=True, underline=True)
STRUCK = Style(strike=True, dim=True)


def size_text(n: int) -> str:
    if n < 10_000:
        return f"{n:,} B"
    return kvmodel.fmt_bytes(n)


class KeyList(CursorList):
    """Rows of a :class:`KeyIndex`; the cursor is a key, so it stays put while keys are inserted."""

    BINDING_GROUP_TITLE = "Keys"
    HEADER = 1

    DEFAULT_CSS = """
    KeyList { scrollbar-gutter: stable; height: 1fr; }
    """

    BINDINGS = [
        Binding("home,g", "first", "First key", show=False, id="kv.keys.first"),
        Binding("end,G", "last", "Last key", show=False, id="kv.keys.last"),
    ]

    class Selected(Message):
        """The cursor moved to another key (None: no key)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = KeyIndex()
        self.cursor_key: str | None = None
        self._version = -1
        self._cache: LRUCache[tuple, Strip] = LRUCache(256)
        self._fresh_shown = False
        self._cursor_pos: int | None = None
        self._layout: tuple = (-1, [])

    # -- updates from the screen's timer --------------------------------------------------------
    def set_index(self, index: KeyIndex) -> None:
        self.index = index
        self.cursor_key = None
        self._version = -1
        self._cache.clear()
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.sync()

    def sync(self, touched: bool = False) -> None:
        """Redraw after the index took in a batch (``touched``: existing rows changed)."""
        index = self.index
        now = time.monotonic()
        fresh = index.any_fresh(now)
        if index.version != self._version:
            old_row = None
            if self.cursor_key is not None:
                # keep the cursor's key on the same screen row while keys are inserted above it
                old_row = self._cursor_pos - int(self.scroll_y) if self._cursor_pos is not None else None
            self._version = index.version
            self.set_virtual_rows(len(index) + 1)
            pos = index.index_of(self.cursor_key)
            self._cursor_pos = pos
            if pos is not None and old_row is not None:
                self.scroll_to(y=max(0, pos - old_row), animate=False, immediate=True, force=True)
            elif self.cursor_key is not None and pos is None and len(index):
                self.select_index(index.nearest(self.cursor_key))
            self.refresh()
        elif touched or fresh or self._fresh_shown:
            self.refresh()
        self._fresh_shown = fresh

    def on_resize(self) -> None:
        self._cache.clear()
        self.set_virtual_rows(len(self.index) + 1)

    # -- drawing ---------------------------------------------------------------------------------
    def _columns(self, width: int) -> list:
        """(column index, width) of the columns shown (after the two-cell change mark)."""
        if self._layout[0] != width:
            self._layout = (width, fit_widths(COLUMNS, max(1, width - 2)))
        return self._layout[1]

    @staticmethod
    def _cell(text: str, width: int, right: bool, style: Style | None) -> Segment:
        if cell_len(text) > width:
            text = set_cell_size(text, width - 1) + "…"
        return Segment(text.rjust(width) if right else set_cell_size(text, width), style)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        row = int(self.scroll_y) + y - 1
        keys = self.index.keys
        if row >= len(keys):
            return Strip.blank(width, self.rich_style)
        key = keys[row]
        entry = self.index.entries[key]
        selected = key == self.cursor_key
        fresh = self.index.fresh(key)
        cache_key = (key, entry.revision, width, selected, fresh, key in self.index.changed, palette.generation)
        strip = self._cache.get(cache_key)
        if strip is None:
            strip = self._render_entry(entry, width, selected, fresh)
            self._cache[cache_key] = strip
        return strip

    def _header(self, width: int) -> Strip:
        parts = [Segment("  ")]
        for n, (i, w) in enumerate(self._columns(width)):
            if n:
                parts.append(Segment(" "))
            parts.append(self._cell(COLUMNS[i].label, w, COLUMNS[i].justify == "right", STYLE_HEADER))
        return Strip(parts).crop_extend(0, width, None).apply_style(self.rich_style)

    def _render_entry(self, entry, width: int, selected: bool, fresh: bool) -> Strip:
        changed = entry.key in self.index.changed
        dead = entry.op != "PUT"
        key_style = palette.subject + STRUCK if dead else palette.subject
        cells = (
            (escape_line(entry.key) + (f"  ttl {escape_line(entry.ttl)}" if entry.ttl else ""), key_style),
            (f"{entry.revision:,}", palette.number),
            (
                entry.op,
                {"PUT": palette.ok, "DEL": palette.error + BOLD, "PURGE": palette.accent + BOLD}.get(
                    entry.op, palette.muted
                ),
            ),
            (size_text(entry.size), None),
            (kvmodel.fmt_time(entry.created), palette.muted),
        )
        parts = [Segment("● " if changed else "  ", palette.warning + BOLD)]
        for n, (i, w) in enumerate(self._columns(width)):
            if n:
                parts.append(Segment(" "))
            text, style = cells[i]
            parts.append(self._cell(text, w, COLUMNS[i].justify == "right", style))
        strip = Strip(parts).crop_extend(0, width, None)
        if selected:
            strip = strip.apply_style(palette.cursor)
        elif fresh:
            strip = strip.apply_style(palette.highlight)
        return strip.apply_style(self.rich_style)

    # -- cursor ----------------------------------------------------------------------------------
    @property
    def cursor_index(self) -> int | None:
        return self.index.index_of(self.cursor_key)

    def select_key(self, key: str) -> bool:
        pos = self.index.index_of(key)
        if pos is None:
            return False
        self.select_index(pos)
        return True

    def select_index(self, row: int) -> None:
        keys = self.index.keys
        if not keys:
            return
        row = max(0, min(len(keys) - 1, row))
        key = keys[row]
        self._cursor_pos = row
        self.scroll_to_row(row)
        if key != self.cursor_key:
            self.cursor_key = key
            self.post_message(self.Selected(key))
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        pos = self.cursor_index
        self.select_index(int(self.scroll_y) if pos is None else pos + delta)

    def action_page(self, direction: int) -> None:
        pos = self.cursor_index
        self.select_index((int(self.scroll_y) if pos is None else pos) + direction * self.page_step)

    def action_first(self) -> None:
        self.select_index(0)

    def action_last(self) -> None:
        self.select_index(len(self.index) - 1)

    def on_click(self, event) -> None:
        row = self.row_at(event.y)
        self.focus()
        if 0 <= row < len(self.index):
            self.select_index(row)

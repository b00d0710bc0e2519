"""A table drawn line by line: a page of rows replaced at once costs only the rows on screen.

Textual's ``DataTable`` renders every cell through Rich (padding, wrapping, measuring) and
rebuilds its caches when cleared: about 40 ms for a page of 50 rows, so paging a stream
was bound by the table, not by the server (a batched direct get takes ~1 ms). This table
holds rows as tuples of ``Text`` cells in fixed-width columns (one column may take the rest
of the width), renders a row to one strip the first time it is shown and keeps it until the
rows change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from natstui.model.columns import ColumnSpec, fit_columns
from natstui.ui.widgets.cursorlist import CursorList


@dataclass(frozen=True)
class Column:
    label: str
    width: int | None = None  # None: the rest of the width
    justify: str = "left"
    priority: int = 50  # lower is kept first when the table is too narrow for every column
    min_width: int | None = None  # the narrowest it may be cut to (None: shown at its width or left out)


def fit_widths(columns: Sequence[Column], width: int) -> list[tuple[int, int]]:
    """(column index, width) of the columns that fit ``width`` cells with one space between them.

    Fixed columns keep their width unless they have a ``min_width``; the rest column (width None)
    takes what is left; the least useful columns (``priority``) are left out when all do not fit.
    """
    specs = []
    content = {}
    for i, column in enumerate(columns):
        rest = column.width is None
        minimum = column.min_width if column.min_width is not None else (8 if rest else column.width or 0)
        specs.append(
            ColumnSpec(
                str(i),
                column.label,
                priority=column.priority,
                min_width=minimum,
                ellipsis=rest or column.min_width is not None,
                justify=column.justify,
            )
        )
        content[str(i)] = width if rest else (column.width or 0)
    fitted = fit_columns(specs, width + 1, content, gap=1)  # n columns have n-1 gaps
    if not fitted:  # not even the first column fits: show it cut
        first = min(range(len(columns)), key=lambda i: (columns[i].priority, i))
        return [(first, max(1, width))]
    return [(int(spec.key), w) for spec, w in fitted]


class RowTable(CursorList):
    """A header line, then rows; the cursor is a row index."""

    HEADER = 1
    COMPONENT_CLASSES = {"rowtable--header", "rowtable--cursor"}
    DEFAULT_CSS = """
    RowTable {
        scrollbar-gutter: stable;
        background: $surface;
        .rowtable--header { text-style: bold; color: $text-accent; background: $panel; }
        .rowtable--cursor { background: $block-cursor-blurred-background; }
        &:focus .rowtable--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    }
    """

    BINDINGS = [
        Binding("home", "to(0)", "First row", show=False, id="rowtable.home"),
        Binding("end", "to(-1)", "Last row", show=False, id="rowtable.end"),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row (or the rows changed under it)."""

        def __init__(self, table: RowTable, index: int | None) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.rows: Sequence[tuple[Text, ...]] = []
        self.cursor_row: int | None = None
        self._cache: dict[tuple[int, bool, int], Strip] = {}
        self._style_key: tuple | None = None
        self._base = Style()
        self._cursor_style = Style()
        self._header_style = Style()
        self._layout: tuple[int, list[tuple[int, int]]] = (-1, [])

    # -- content -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[tuple[Text, ...]], cursor: int | None = 0, *, copy: bool = True) -> None:
        """Replace every row; the cursor goes to ``cursor`` (clamped; None for no cursor).

        ``copy=False`` keeps ``rows`` itself: a sequence that makes a row's cells when it is
        first drawn (thousands of rows, a screenful made)."""
        self.rows = list(rows) if copy else rows
        self._cache.clear()
        if self.set_virtual_rows(len(self.rows) + 1):
            # the scroll position was clamped to the new height; the target of the next wheel step too
            self.scroll_target_y = self.scroll_y
        self.cursor_row = None
        if cursor is not None and self.rows:
            self._move(cursor, force=True)
        else:
            self.post_message(self.RowHighlighted(self, None))
        self.refresh()

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Replace the columns (e.g. a header that marks the sort column); rows are drawn again."""
        columns = list(columns)
        if columns != self.columns:
            self.columns = columns
            self._layout = (-1, [])
            self._cache.clear()
            self.refresh()

    def shown(self, width: int) -> list[tuple[int, int]]:
        """(column index, width) of the columns shown at ``width`` cells."""
        if self._layout[0] != width:
            self._layout = (width, fit_widths(self.columns, width))
        return self._layout[1]

    # -- drawing -------------------------------------------------------------------------------
    def render_lines(self, crop):
        base = self.rich_style  # read once per paint, not once per row (it walks the DOM)
        cursor = self.get_component_rich_style("rowtable--cursor", partial=True)
        header = self.get_component_rich_style("rowtable--header", partial=True)
        key = (base, cursor, header)
        if key != self._style_key:
            self._style_key = key
            self._base, self._cursor_style, self._header_style = base, base + cursor, base + header
            self._cache.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip([Text(c.label) for c in self.columns], width, self._header_style)
        index = int(self.scroll_y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self._base)
        selected = index == self.cursor_row
        key = (index, selected, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._strip(self.rows[index], width, self._cursor_style if selected else self._base)
            self._cache[key] = strip
        return strip

    def _strip(self, cells: Sequence[Text], width: int, style: Style) -> Strip:
        segments: list[Segment] = []
        console = self.app.console
        for n, (i, cell_width) in enumerate(self.shown(width)):
            column = self.columns[i]
            if n:
                segments.append(Segment(" ", style))
            cell = cells[i] if i < len(cells) else Text()
            cell = cell.copy()
            cell.truncate(cell_width, overflow="ellipsis")
            pad = cell_width - cell.cell_len
            if pad > 0 and column.justify == "right":
                segments.append(Segment(" " * pad, style))
                pad = 0
            # Text.render leaves out the Text's own style (Rich adds it when printing): add it here
            cell_style = style + console.get_style(cell.style) if cell.style else style
            for segment in cell.render(console, end=""):
                segments.append(Segment(segment.text, cell_style + segment.style if segment.style else cell_style))
            if pad > 0:
                segments.append(Segment(" " * pad, style))
        return Strip(segments).crop_extend(0, width, style)

    # -- cursor --------------------------------------------------------------------------------
    def _move(self, index: int, force: bool = False) -> None:
        if not self.rows:
            return
        index = max(0, min(len(self.rows) - 1, index))
        moved = index != self.cursor_row or force
        self.cursor_row = index
        self._show_cursor()  # also when it did not move but was scrolled out of view
        if moved:
            self.refresh()
            self.post_message(self.RowHighlighted(self, index))

    def _show_cursor(self) -> None:
        if self.cursor_row is not None:
            self.scroll_to_row(self.cursor_row)

    def move_cursor(self, index: int) -> None:
        self._move(index)

    def action_cursor(self, delta: int) -> None:
        self._move((self.cursor_row if self.cursor_row is not None else -delta) + delta)

    def action_page(self, direction: int) -> None:
        self._move((self.cursor_row or 0) + direction * self.page_step)

    def action_to(self, index: int) -> None:
        self._move(index if index >= 0 else len(self.rows) - 1)

    def on_resize(self) -> None:
        self._cache.clear()
        size = Size(self.scrollable_content_region.width, len(self.rows) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
        self.call_after_refresh(self._show_cursor)  # a shorter table keeps its cursor in view

    def on_click(self, event) -> None:
        if event.y < 1:
            return
        index = self.row_at(event.y)
        if 0 <= index < len(self.rows):
            self.focus()
            self._move(index)

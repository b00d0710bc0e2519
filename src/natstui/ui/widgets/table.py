"""The app's one DataTable: the same row keys everywhere, and columns chosen by the width it has.

``Home``/``End`` go to the first/last row and ``PageUp``/``PageDown`` move the cursor a page
(Textual's DataTable scrolls sideways on Home/End in a row table, leaving the cursor, and with
it the row the actions act on, where it was).

A table given :class:`ColumnSpec` columns (``set_columns``) keeps every row's full cells and
shows the columns that fit its width (``natstui.model.columns.fit_columns``), cutting long
values with an ellipsis; it chooses again when it is resized and when rows are filled.
Without specs it is a plain DataTable with those keys.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from natstui.model.columns import ColumnSpec, fit_columns

Layout = tuple[tuple[str, int], ...]


def _width(value: object) -> int:
    return value.cell_len if isinstance(value, Text) else len(str(value))


class Table(DataTable):
    BINDING_GROUP_TITLE = "Every table"

    DEFAULT_CSS = """
    Table { overflow-x: hidden; }
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False, id="table.first"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="table.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
    ]

    def __init__(self, columns: Sequence[ColumnSpec] = (), **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
        self.specs: list[ColumnSpec] = list(columns)
        self._full: dict[RowKey, list[object]] = {}
        self._content: dict[str, int] = {}
        self._layout: Layout = ()
        self._refit_pending = False

    # -- columns ---------------------------------------------------------------------------------
    def set_columns(self, specs: Sequence[ColumnSpec]) -> None:
        self.specs = list(specs)
        self._layout = ()
        self._refit()

    def on_mount(self) -> None:
        if self.specs and not self.columns:
            self._refit()

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns shown now."""
        return [key for key, _ in self._layout]

    def _available(self) -> int:
        # room for a vertical scrollbar kept whether it shows or not, so that it never hides a column
        # (``scrollbar-gutter: stable`` would also add a line to an auto-height table)
        return self.content_region.width - self.styles.scrollbar_size_vertical

    def _fit(self) -> Layout:
        fitted = fit_columns(self.specs, self._available(), self._content, gap=2 * self.cell_padding)
        if not fitted and self.specs:  # not even the first column fits: show it cut
            first = min(self.specs, key=lambda s: s.priority)
            fitted = [(first, max(1, self._available() - 2 * self.cell_padding))]
        return tuple((spec.key, width) for spec, width in fitted)

    def _cells(self, full: Sequence[object]) -> list[object]:
        index = {spec.key: i for i, spec in enumerate(self.specs)}
        cells = []
        for key, width in self._layout:
            value = full[index[key]] if index[key] < len(full) else Text()
            cells.append(self._clip(value, width))
        return cells

    @staticmethod
    def _clip(value: object, width: int) -> object:
        if not isinstance(value, Text):
            value = Text(str(value))
        if value.cell_len <= width:
            return value
        value = value.copy()
        value.truncate(width, overflow="ellipsis")
        return value

    def _refit(self) -> None:
        """Show the columns that fit now; rebuild the rows when that changed."""
        self._refit_pending = False
        if not self.specs or not self.is_mounted:
            return
        if self._available() <= 0:  # not laid out yet (or hidden): every column until it has a width
            if self._layout:
                return
            layout = tuple((spec.key, spec.widths(self._content.get(spec.key, 0))[1]) for spec in self.specs)
        else:
            layout = self._fit()
        if layout == self._layout and self.columns:
            return
        self._layout = layout
        keep = self.cursor_row if self.row_count else 0
        rows = [(row_key, self._full[row_key]) for row_key in self.rows if row_key in self._full]
        super().clear(columns=True)
        labels = {spec.key: spec for spec in self.specs}
        for key, width in layout:
            spec = labels[key]
            super().add_column(Text(spec.label, justify=spec.justify), key=key, width=width)  # type: ignore[arg-type]
        for row_key, full in rows:
            super().add_row(*self._cells(full), key=row_key.value)
        if self.row_count:
            self.move_cursor(row=min(max(keep, 0), self.row_count - 1), animate=False)

    def _schedule_refit(self) -> None:
        if not self._refit_pending:
            self._refit_pending = True
            self.call_later(self._refit)

    def on_resize(self) -> None:
        if self.specs:
            self._schedule_refit()

    def _measure(self, full: Sequence[object]) -> bool:
        grew = False
        for spec, value in zip(self.specs, full):
            width = _width(value)
            if width > self._content.get(spec.key, 0):
                self._content[spec.key] = width
                grew = True
        return grew

    # -- rows ------------------------------------------------------------------------------------
    def add_row(
        self, *cells: CellType, height: int | None = 1, key: str | None = None, label: object | None = None
    ) -> RowKey:
        if not self.specs:
            return super().add_row(*cells, height=height, key=key, label=label)  # type: ignore[arg-type]
        if not self._layout:
            self._refit()
        row_key = super().add_row(*self._cells(cells), height=height, key=key, label=label)  # type: ignore[arg-type]
        self._full[row_key] = list(cells)
        if self._measure(cells):
            self._schedule_refit()
        return row_key

    def set_rows(self, rows: Sequence[tuple[Hashable, Sequence[object]]]) -> None:
        """Replace every row with ``(key, cells)``, keeping the cursor on the same key."""
        keep = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value if self.row_count else None
        self.clear()
        if self.specs:
            for _, cells in rows:
                self._measure(cells)
            self._refit()
        for key, cells in rows:
            self.add_row(*cells, key=key)  # type: ignore[arg-type]
        keys = [key for key, _ in rows]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), animate=False)

    def clear(self, columns: bool = False) -> Table:
        self._full.clear()
        self._content = {}
        if columns:
            self._layout = ()
        super().clear(columns=columns)
        return self

    def remove_row(self, row_key) -> None:
        super().remove_row(row_key)
        self._full.pop(row_key if isinstance(row_key, RowKey) else RowKey(row_key), None)

    def update_cell(self, row_key, column_key, value: CellType, *, update_width: bool = False) -> None:
        if not self.specs:
            super().update_cell(row_key, column_key, value, update_width=update_width)
            return
        row_key = row_key if isinstance(row_key, RowKey) else RowKey(row_key)
        key = str(column_key.value if isinstance(column_key, ColumnKey) else column_key)
        index = next((i for i, spec in enumerate(self.specs) if spec.key == key), None)
        full = self._full.get(row_key)
        if index is None or full is None:
            raise KeyError(f"no cell {row_key!r}, {key!r}")
        while len(full) <= index:
            full.append(Text())
        full[index] = value
        if self._measure([full[i] if i == index else "" for i in range(index + 1)]):
            self._schedule_refit()
        width = dict(self._layout).get(key)
        if width is not None:
            super().update_cell(row_key, key, self._clip(value, width))

    def get_full_cell(self, row_key, column_key: str) -> object:
        """The whole value of a cell (shown or not)."""
        row_key = row_key if isinstance(row_key, RowKey) else RowKey(row_key)
        index = next(i for i, spec in enumerate(self.specs) if spec.key == column_key)
        return self._full[row_key][index]

"""Grouped label/value rows (configuration, state) as one Rich table; every value escaped."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, UNDERLINE, palette

Section = tuple[str, list[tuple[str, str]]]


def render_sections(sections: Sequence[Section]) -> Table:
    table = Table.grid(padding=(0, 1))
    # labels (some are subjects from the wire) fold past 22 cells instead of pushing the values out of a narrow pane
    table.add_column(style="bold", overflow="fold", max_width=22)
    table.add_column(overflow="fold")
    for i, (title, rows) in enumerate(sections):
        if i:
            table.add_row("", "")
        table.add_row(Text(escape_line(title), style=palette.accent + BOLD + UNDERLINE), "")
        for label, value in rows:
            table.add_row(Text(escape_line(label)), Text(escape_line(str(value))))
    return table


def cursor_key(table) -> str | None:
    """The row key under a DataTable's cursor, or None when the table is empty."""
    if table.row_count == 0:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except Exception:
        return None

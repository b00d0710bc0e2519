"""Which table columns fit a width: the most useful ones, each as wide as it can be.

A table describes its columns once (:class:`ColumnSpec`: a label, a priority, the narrowest
useful width, the widest it grows to and whether its values may be cut with an ellipsis);
:func:`fit_columns` picks, for the width the table has, the columns to show and their widths.
Headers are never cut: a column is at least as wide as its label, or it is left out. Values of a
column with ``ellipsis=False`` (numbers, states) are never cut either: the column shows its widest
value whole, or it is left out. No Textual here: the UI applies the result (``ui/widgets/table.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    priority: int = 50  # lower is kept first; ties keep the left one first
    min_width: int = 8  # the narrowest useful width of a cut value (the label's width is a floor)
    max_width: int | None = None  # the widest it grows to (None: its widest value)
    ellipsis: bool = True  # values may be cut with "…"; False: shown whole or the column left out
    justify: str = "left"

    @property
    def label_width(self) -> int:
        return cell_len(self.label)

    def widths(self, content: int) -> tuple[int, int]:
        """(needed, preferred) widths for values at most ``content`` cells wide."""
        label = self.label_width
        full = max(label, content)
        if self.max_width is not None and self.ellipsis:
            full = max(label, min(full, self.max_width))
        if not self.ellipsis:
            return full, full
        return max(label, min(self.min_width, full)), full


def fit_columns(
    specs: Sequence[ColumnSpec], available: int, content: Mapping[str, int] | None = None, gap: int = 2
) -> list[tuple[ColumnSpec, int]]:
    """The columns to show in ``available`` cells, in table order, with their widths.

    ``content`` gives each column's widest value (cells); ``gap`` is the space each shown column
    takes besides its width (a table's cell padding). Columns are taken by priority while their
    needed width fits (a column's ``min_width`` says how narrow it may be cut: a wider minimum keeps
    more of it at the cost of less useful columns); then, again by priority, each grows towards its
    preferred width. No column is shown when the most useful one does not fit.
    """
    content = content or {}
    sizes = {spec.key: spec.widths(content.get(spec.key, 0)) for spec in specs}
    order = sorted(range(len(specs)), key=lambda i: (specs[i].priority, i))
    chosen: dict[int, int] = {}
    used = 0
    for i in order:
        need = sizes[specs[i].key][0]
        if used + need + gap <= available:
            chosen[i] = need
        elif not chosen:
            return []  # no room for the most useful column (the identity): the others alone say nothing
        else:
            continue
        used += chosen[i] + gap
    spare = available - used
    for i in order:
        if i not in chosen or spare <= 0:
            continue
        grow = min(spare, sizes[specs[i].key][1] - chosen[i])
        chosen[i] += grow
        spare -= grow
    return [(specs[i], chosen[i]) for i in sorted(chosen)]


def clip(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending with an ellipsis when it was cut."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    return set_cell_size(text, width - 1) + ELLIPSIS


def fit_parts(parts: Sequence[tuple[int, str]], width: int, sep: str = "  ") -> list[int]:
    """Indexes of the ``(priority, text)`` parts of a summary line that fit ``width``, in order.

    Parts are kept by priority (lower first) while the line fits; the ones left out are the
    least useful, so a summary line loses whole parts instead of being cut in the middle.
    """
    order = sorted(range(len(parts)), key=lambda i: (parts[i][0], i))
    kept: list[int] = []
    used = 0
    for i in order:
        extra = cell_len(parts[i][1]) + (cell_len(sep) if kept else 0)
        if used + extra <= width:
            kept.append(i)
            used += extra
    return sorted(kept)

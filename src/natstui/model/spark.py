"""Sparklines: a series of numbers as one line of block characters."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int | None = None) -> str:
    """The last ``width`` values, each a block as high as its share of the largest (a space for 0)."""
    if width is not None:
        values = list(values)[-width:]
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    last = len(BLOCKS) - 1
    return "".join(BLOCKS[0 if v <= 0 else max(1, round(v / top * last))] for v in values)

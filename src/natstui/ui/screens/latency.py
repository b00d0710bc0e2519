"""The Latency view: requests seen in the live stream, paired with their replies, per subject.

The pairing itself is the monitor's (``model/latency.py``), fed from the store at the frame rate, so
it goes on while the stream is paused and while another view is shown; this view only draws it,
once a second. Subjects that differ only in ids are one row. ``s``/``S`` sort by the next column or
reverse the order, ``t`` sets the reply timeout, ``x`` starts counting afresh.
"""

from __future__ import annotations

from typing import Any

from rich.style import StyleType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from natstui.model.columns import ColumnSpec
from natstui.model.latency import GroupStats, LatencyTracker
from natstui.model.sanitize import escape_line
from natstui.model.spark import sparkline
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.widgets.line import WrapLine
from natstui.ui.widgets.svc_tables import sync_table
from natstui.ui.widgets.table import Table

SPARK_WIDTH = 20

COLUMNS = (
    # wide enough at 80 columns to tell subjects apart that differ only at their end; Answered (the
    # requests less the unanswered and waiting) gives way to the percentiles first
    ColumnSpec("group", "Request subject", priority=0, min_width=26, max_width=60),
    ColumnSpec("requests", "Requests", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("answered", "Answered", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("unanswered", "Unanswered", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("waiting", "Waiting", priority=8, ellipsis=False, justify="right"),
    ColumnSpec("no_responders", "No resp.", priority=9, ellipsis=False, justify="right"),
    ColumnSpec("p50", "p50", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("p90", "p90", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("p99", "p99", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("max", "Max", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("rate", "Requests/s (1 min)", priority=10, ellipsis=False),
)
SORT_KEYS = [spec.key for spec in COLUMNS if spec.key != "rate"]


def format_latency(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"


def sort_value(stats: GroupStats, key: str) -> Any:
    if key == "group":
        return stats.group
    if key in ("p50", "p90", "p99"):
        value = stats.percentiles()[("p50", "p90", "p99").index(key)]
        return -1.0 if value is None else value
    return getattr(stats, key)


def group_cells(stats: GroupStats, now: float) -> list[Text]:
    p50, p90, p99 = stats.percentiles()

    def num(n: int, style: StyleType = "") -> Text:
        return Text(f"{n:,}", style=style if n else "", justify="right")

    return [
        Text(escape_line(stats.group), style=palette.name),
        num(stats.requests),
        num(stats.answered),
        num(stats.unanswered, palette.error + BOLD),
        num(stats.waiting),
        num(stats.no_responders, palette.warning),
        Text(format_latency(p50), justify="right"),
        Text(format_latency(p90), justify="right"),
        Text(format_latency(p99), justify="right"),
        Text(format_latency(stats.max if stats.answered else None), justify="right"),
        Text(sparkline(stats.spark(now), SPARK_WIDTH), style=palette.accent),
    ]


class LatencyScreen(ViewScreen):
    VIEW_NAME = "latency"

    DEFAULT_CSS = """
    #latency-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("s", "sort", "Sort by next column", id="latency.sort"),
        Binding("S", "reverse", "Reverse order", id="latency.reverse"),
        Binding("t", "timeout", "Timeout", id="latency.timeout"),
        Binding("x", "reset", "Reset", id="latency.reset"),
    ]

    def compose_body(self) -> ComposeResult:
        yield WrapLine(id="latency-info", classes="view-title")
        yield Table(COLUMNS, id="latency-table", zebra_stripes=False)

    def on_mount(self) -> None:
        if not self.query("#latency-table"):
            return
        self.table = self.query_one("#latency-table", Table)
        self.info = self.query_one("#latency-info", WrapLine)
        self.sort_key = "requests"
        self.descending = True
        self._last_draw = 0.0
        self.table.focus()
        self.redraw()
        self.ready = True

    @property
    def tracker(self) -> LatencyTracker:
        return self.app.monitor.latency

    def slow_tick(self) -> None:
        super().slow_tick()
        now = self.tracker.clock()
        if now - self._last_draw >= 1.0:
            self.redraw()

    def redraw(self) -> None:
        tracker = self.tracker
        now = tracker.clock()
        self._last_draw = now
        groups = sorted(tracker.groups.values(), key=lambda g: sort_value(g, self.sort_key), reverse=self.descending)
        sync_table(self.table, [(g.group, group_cells(g, now)) for g in groups])
        text = WrapLine.wrapping(Text())  # the timeout at the end is read whole at 80 columns
        if not groups:
            text.append(
                "No requests seen yet: messages with a reply subject appear here, paired with their replies",
                style="bold",
            )
        else:
            requests = sum(g.requests for g in groups)
            text.append(f"{len(groups)} request subjects, {requests:,} requests", style="bold")
        arrow = "▼" if self.descending else "▲"
        label = next(spec.label for spec in COLUMNS if spec.key == self.sort_key)
        text.append(f"  · sorted by {label} {arrow} · unanswered after {tracker.timeout:g}s", style="dim")
        self.info.set_text(text)

    def action_sort(self) -> None:
        index = SORT_KEYS.index(self.sort_key)
        self.sort_key = SORT_KEYS[(index + 1) % len(SORT_KEYS)]
        self.descending = self.sort_key != "group"
        self.redraw()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.redraw()

    def action_reset(self) -> None:
        self.tracker.reset()
        self.redraw()

    def action_timeout(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            try:
                seconds = float(value.strip().rstrip("s"))
                if seconds <= 0:
                    raise ValueError
            except ValueError:
                self.app.notify(f"Not a timeout: {value!r} (seconds, more than 0).", severity="warning", markup=False)
                return
            self.tracker.timeout = seconds
            self.redraw()

        self.app.push_screen(
            PromptScreen(
                "Reply timeout in seconds (a request is unanswered after it):", value=f"{self.tracker.timeout:g}"
            ),
            done,
        )

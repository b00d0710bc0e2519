"""The live stream: a virtual Line-API list of records, redrawn in batches."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.strip import Strip

from natstui.model.decode import preview
from natstui.model.records import Record
from natstui.model.sanitize import escape_line
from natstui.model.timefmt import format_clock
from natstui.model.view import StreamView
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.following import FollowingList

TIME_W = 12
SUBJECT_W_MIN = 16
SUBJECT_W_MAX = 40
SIZE_W = 7
MARK_W = 2
INVALID_MARK = "✗"  # in the space after the marks: the payload fails its rule's JSON Schema
MARK_BUDGET = 0.003  # seconds of JSON Schema validation for the marks per paint; the rest waits a frame

STYLE_PREVIEW = Style()  # the other columns' colours are the theme's: see _styles


format_time = format_clock  # the clock of a row, in the zone times are shown in (model/timefmt.py)


def format_size(n: int) -> str:
    if n < 10_000:
        return f"{n:>{SIZE_W}}"
    if n < 1024 * 1024:
        return f"{n / 1024:>{SIZE_W - 1}.1f}K"
    return f"{n / (1024 * 1024):>{SIZE_W - 1}.1f}M"


def subject_width(width: int) -> int:
    return max(SUBJECT_W_MIN, min(SUBJECT_W_MAX, (width - TIME_W - SIZE_W - MARK_W - 4) // 2))


class MessageStream(FollowingList):
    """Rows of the :class:`StreamView`; the cursor is a store sequence, so it survives eviction."""

    BINDING_GROUP_TITLE = "Live stream"

    DEFAULT_CSS = """
    MessageStream { scrollbar-gutter: stable; }
    """

    BINDINGS = [
        Binding("home,g", "first", "First", show=False, id="stream.first"),
        Binding("end,G", "last", "Last (follow)", show=False, id="stream.last"),
    ]

    class Selected(FollowingList.Selected):
        """The cursor moved to another record."""

    def __init__(self, view: StreamView, *, id: str | None = None) -> None:
        super().__init__(view, id=id)
        self.view = view
        self._time_fmt: Callable[[float], str] = format_time
        self._style_key: tuple | None = None
        self._base_style = Style()
        self._style_cache: tuple = ()
        self.marks_pending = False
        self._unjudged = False
        self._mark_deadline = 0.0

    # -- batch update from the timer -----------------------------------------
    def sync(self) -> None:
        """Take in what the view has gained since the last call and redraw once."""
        if self.marks_pending:  # rows drawn without their mark last paint
            self.marks_pending = False
            self.refresh()
        super().sync()

    @property
    def new_count(self) -> int:
        """Rows that arrived since the stream stopped following, still in the buffer."""
        return self.view.new_rows

    @property
    def passed_over(self) -> int:
        """Rows that arrived since the stream stopped following and left the buffer unseen."""
        return self.view.passed_over

    def watch_following(self, following: bool) -> None:
        self.view.count_new(not following)

    # -- drawing ---------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        seq = self.view.seq_at(index)
        if seq is None:
            return Strip.blank(width, self._base_style)
        selected = seq == self.cursor_seq
        key = (seq, width, selected)
        strip = self._strips.get(key)
        if strip is None:
            record = self.view.store.get(seq)
            self._unjudged = False
            strip = self._render_record(record, width, selected) if record else Strip.blank(width)
            if self._unjudged:  # drawn without its mark (no time left this paint): drawn again next frame
                self.marks_pending = True
            else:
                self._strips[key] = strip
        return strip

    def render_lines(self, crop):
        # The widget's style is read once per paint, not once per row (it walks the DOM).
        self._base_style = self.rich_style
        if self.view.validity is not None:
            self.view.validity.spent = False
            self._mark_deadline = time.perf_counter() + MARK_BUDGET
        if self._style_key is not None and self._style_key[2] != palette.generation:
            self._strips.clear()  # another theme: the rows drawn in the old one's colours go
        return super().render_lines(crop)

    def _styles(self, selected: bool) -> tuple:
        """Column styles with the widget's own style (and the cursor's) folded in, computed once per change."""
        base = self._base_style
        key = (base, selected, palette.generation)
        if self._style_key != key:
            over = base + palette.cursor if selected else base
            self._style_key = key
            self._style_cache = (
                over,
                over + palette.muted,
                over + palette.subject,
                over + palette.number,
                over + palette.accent + BOLD,
                over + palette.ok + BOLD,
                over + STYLE_PREVIEW,
                over + palette.error + BOLD,
            )
        return self._style_cache

    def _render_record(self, record: Record, width: int, selected: bool) -> Strip:
        """One row as a single strip of exactly ``width`` cells: no cropping or restyling passes."""
        msg = record.msg
        plain, s_time, s_subject, s_size, s_h, s_r, s_preview, s_bad = self._styles(selected)
        subject_w = subject_width(width)
        subject = escape_line(msg.subject)
        if len(subject) > subject_w:
            subject = subject[: subject_w - 1] + "…"
        rest = width - TIME_W - subject_w - SIZE_W - MARK_W - 4
        data = msg.data or b""
        segments = [
            Segment(self._time_fmt(record.time), s_time),
            Segment(" ", plain),
            Segment(set_cell_size(subject, subject_w), s_subject),
            Segment(" ", plain),
            Segment(format_size(len(data)), s_size),
            Segment(" ", plain),
            Segment("H" if msg.headers else " ", s_h),
            Segment("R" if msg.reply else " ", s_r),
            Segment(" ", plain),
        ]
        validity = self.view.validity
        if validity is not None:  # fails its JSON Schema: judged for the rows drawn only, a few ms a paint
            may_check = not validity.spent or time.perf_counter() < self._mark_deadline
            invalid = validity.invalid(record.seq, msg.subject, data, may_check)
            if invalid:
                segments[-1] = Segment(INVALID_MARK, s_bad)
            elif invalid is None:
                self._unjudged = True
        if rest > 0:
            segments.append(Segment(set_cell_size(preview(data, limit=max(rest * 4, 16)), rest), s_preview))
            return Strip(segments, width)
        return Strip(segments).crop_extend(0, width, plain)

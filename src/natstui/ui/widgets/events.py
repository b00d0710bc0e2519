"""The event list: one line in words per event, drawn line by line, in batches."""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.strip import Strip

from natstui.model.events import Event, EventIndex, describe
from natstui.model.timefmt import format_clock
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.following import FollowingList

KIND_W = 10
NARROW = 100  # below this width a line's time has no milliseconds


def kind_style(kind: str) -> Style:
    """The colour of a kind (its tag on each line)."""
    return {
        "delivery": palette.warning,
        "stream": palette.subject,
        "consumer": palette.accent,
        "cluster": palette.info,
        "api": palette.muted,
        "metric": palette.muted,
        "connection": palette.ok,
        "auth": palette.error,
        "server": palette.error,
    }.get(kind, Style())


def severity_style(event: Event) -> Style:
    """The colour of an event's words."""
    if event.raw:
        return palette.muted
    return {
        "error": palette.error + BOLD,
        "warning": palette.warning,
        "ok": palette.ok,
    }.get(event.severity, Style())


class EventList(FollowingList):
    """Rows of an :class:`EventIndex`; the cursor is an event's sequence, so it survives eviction.
    Follows the newest event while the view is at the end (Up stops following, End follows)."""

    BINDING_GROUP_TITLE = "Event list"

    DEFAULT_CSS = """
    EventList { scrollbar-gutter: stable; height: 1fr; }
    """

    BINDINGS = [
        Binding("home,g", "first", "First", show=False, id="events.first"),
        Binding("end,G", "last", "Last (follow)", show=False, id="events.last"),
    ]

    class Selected(FollowingList.Selected):
        """The cursor moved to another event."""

    def __init__(self, index: EventIndex, *, id: str | None = None) -> None:
        super().__init__(index, id=id)
        self.index = index
        self._events: LRUCache[int, Event] = LRUCache(1024)
        self._base = Style()
        self._generation = -1

    # -- the events ---------------------------------------------------------------------------
    def event(self, seq: int) -> Event | None:
        """The event of sequence ``seq`` in words (parsed once, then cached), or None if gone."""
        event = self._events.get(seq)
        if event is None:
            record = self.index.store.get(seq)
            if record is None:
                return None
            event = describe(record.msg.subject, record.msg.data)
            self._events[seq] = event
        return event

    # -- drawing ------------------------------------------------------------------------------
    def render_lines(self, crop):
        self._base = self.rich_style  # read once per paint (it walks the DOM)
        if self._generation != palette.generation:
            self._generation = palette.generation
            self._strips.clear()  # another theme: the lines drawn in the old colours go
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        seq = self.index.seq_at(int(self.scroll_y) + y)
        if seq is None:
            return Strip.blank(width, self._base)
        selected = seq == self.cursor_seq
        key = (seq, width, selected, self._base)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_event(seq, width, selected)
            self._strips[key] = strip
        return strip

    def _render_event(self, seq: int, width: int, selected: bool) -> Strip:
        record = self.index.store.get(seq)
        event = self.event(seq)
        base = self._base + palette.cursor if selected else self._base
        if record is None or event is None:
            return Strip.blank(width, base)
        clock = format_clock(record.time)
        if width < NARROW:  # the seconds are enough: the words need the room
            clock = clock[:8]
        rest = max(0, width - len(clock) - KIND_W - 2)
        segments = [
            Segment(clock, base + palette.muted),
            Segment(" ", base),
            Segment(set_cell_size(event.kind, KIND_W), base + kind_style(event.kind)),
            Segment(" ", base),
            Segment(set_cell_size(event.text, rest), base + severity_style(event)),
        ]
        return Strip(segments).crop_extend(0, width, base)

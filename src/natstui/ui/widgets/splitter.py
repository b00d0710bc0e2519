"""A one-column divider between two side-by-side panes, dragged with the mouse to resize one of them."""

from __future__ import annotations

from rich.segment import Segment
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget


class Splitter(Widget):
    """Drag it left or right: it asks for a new width of the pane it resizes (``target``).

    ``side`` says where that pane is: ``"left"`` (dragging right widens it) or ``"right"``
    (dragging left widens it). The screen applies the width (it knows the limits) and saves it
    when the drag ends.
    """

    DEFAULT_CSS = """
    Splitter {
        width: 1;
        height: 1fr;
        color: $surface-lighten-2;
    }
    Splitter:hover, Splitter.-dragging {
        color: $primary;
        background: $boost;
    }
    """

    class Resized(Message):
        """The divider was dragged: ``width`` is the pane's wanted width; ``done`` when the drag ended."""

        def __init__(self, splitter: Splitter, width: int, done: bool) -> None:
            super().__init__()
            self.splitter = splitter
            self.width = width
            self.done = done

        @property
        def control(self) -> Splitter:
            return self.splitter

    def __init__(self, target: Widget, side: str = "left", *, char: str = "▕", id: str | None = None) -> None:
        super().__init__(id=id)
        self.target = target
        self.side = side
        self.char = char
        self._start: tuple | None = None  # (screen x at mouse down, the pane's width then)

    def render_line(self, y: int) -> Strip:
        return Strip([Segment(self.char, self.rich_style)], 1)

    def _wanted(self, screen_x: int) -> int:
        assert self._start is not None
        x0, width0 = self._start
        delta = screen_x - x0
        return width0 + delta if self.side == "left" else width0 - delta

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button not in (0, 1):
            return
        event.stop()
        self._start = (event.screen_x, self.target.outer_size.width)
        self.add_class("-dragging")
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._start is None:
            return
        event.stop()
        self.post_message(self.Resized(self, self._wanted(event.screen_x), done=False))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._start is None:
            return
        event.stop()
        width = self._wanted(event.screen_x)
        self._start = None
        self.remove_class("-dragging")
        self.release_mouse()
        self.post_message(self.Resized(self, width, done=True))

    def on_mouse_release(self, event: events.MouseRelease) -> None:
        if self._start is not None:  # the capture ended without a mouse up (e.g. another screen opened)
            self._start = None
            self.remove_class("-dragging")

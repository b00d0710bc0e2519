"""A one-line text widget that redraws without a layout pass."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from natstui.model.columns import fit_parts


class TextLine(Widget):
    """``Static.update`` asks for a layout of the whole screen; a fixed-height
    line does not need one, so updating this costs only its own repaint."""

    DEFAULT_CSS = """
    TextLine { height: 1; width: 1fr; }
    """

    def __init__(self, text: Text | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text or Text()

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    @property
    def text(self) -> Text:
        return self._text

    def render(self) -> Text:
        return self._text


class WrapLine(TextLine):
    """A line that can wrap onto more rows when its text is wider than the screen: for a sentence that
    must be read whole (why a view has no system account, and the fix), marked with ``wrapping``; a
    changing summary (``no_wrap``) stays one line, cut with an ellipsis."""

    DEFAULT_CSS = """
    WrapLine { height: auto; }
    """

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._text.no_wrap:
            return 1  # cut at the edge, as a TextLine
        return super().get_content_height(container, viewport, width)

    @staticmethod
    def wrapping(text: Text) -> Text:
        """``text`` set to wrap (a line that is cut at the edge otherwise)."""
        text.no_wrap, text.overflow = False, "fold"
        return text


class PartsLine(TextLine):
    """A summary line of parts, each with a priority: at any width it shows the parts that fit whole
    (the most useful first, in their order), instead of cutting the line at the right edge."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._parts: list[tuple[int, Text]] = []

    def set_parts(self, parts: Sequence[tuple[int, Text]]) -> None:
        parts = list(parts)
        if parts != self._parts:
            self._parts = parts
            self._text = Text("  ").join(text for _, text in parts)
            self.refresh()

    def render(self) -> Text:
        if not self._parts:
            return self._text
        kept = fit_parts([(priority, text.plain) for priority, text in self._parts], self.content_region.width)
        return Text("  ").join(self._parts[i][1] for i in kept)

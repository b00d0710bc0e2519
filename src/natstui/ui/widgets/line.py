"""A one-line text widget that redraws without a layout pass."""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual.widget import Widget


class TextLine(Widget):
    """``Static.update`` asks for a layout of the whole screen; a fixed-height
    line does not need one, so updating this costs only its own repaint."""

    DEFAULT_CSS = """
    TextLine { height: 1; width: 1fr; }
    """

    def __init__(self, text: Optional[Text] = None, *, id: Optional[str] = None, classes: Optional[str] = None) -> None:
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

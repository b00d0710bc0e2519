"""What every view has: the status bar on top, the footer below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from natstui.ui.widgets.status import StatusBar


class ViewScreen(Screen):
    """A main view. Subclasses compose their body in ``compose_body``."""

    VIEW_NAME = ""
    ready = False  # set once the body is mounted; the app's timers wait for it

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:  # pragma: no cover - abstract
        return iter(())

    def tick(self) -> None:
        """Called by the app at the stream's frame rate (~30 Hz)."""

    def slow_tick(self) -> None:
        """Called by the app a few times a second."""

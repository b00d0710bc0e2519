"""The Streams view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class StreamsScreen(ViewScreen):
    VIEW_NAME = "streams"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Streams: not built yet."), id="streams-body")

    def on_mount(self) -> None:
        self.ready = True

"""The Consumers view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class ConsumersScreen(ViewScreen):
    VIEW_NAME = "consumers"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Consumers: not built yet."), id="consumers-body")

    def on_mount(self) -> None:
        self.ready = True

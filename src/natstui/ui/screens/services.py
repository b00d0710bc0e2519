"""The Services view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class ServicesScreen(ViewScreen):
    VIEW_NAME = "services"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Services: not built yet."), id="services-body")

    def on_mount(self) -> None:
        self.ready = True

"""The Server view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class ServerScreen(ViewScreen):
    VIEW_NAME = "server"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Server: not built yet."), id="server-body")

    def on_mount(self) -> None:
        self.ready = True

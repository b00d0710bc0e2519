"""The Key-Value view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class KeyValueScreen(ViewScreen):
    VIEW_NAME = "kv"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Key-Value: not built yet."), id="kv-body")

    def on_mount(self) -> None:
        self.ready = True

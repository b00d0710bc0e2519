"""The Object Store view (being built)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from natstui.ui.screens.base import ViewScreen


class ObjectStoreScreen(ViewScreen):
    VIEW_NAME = "objects"

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Object Store: not built yet."), id="objects-body")

    def on_mount(self) -> None:
        self.ready = True

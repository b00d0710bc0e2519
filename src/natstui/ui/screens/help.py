"""The help screen: every key, from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from natstui.ui.palette import palette
from natstui.ui.screens.dialog import Dialog


def binding_rows(sections: Iterable[tuple[str, list[Binding]]], key_display) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column(style=palette.name, no_wrap=True)
    table.add_column()
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for b in bindings:
            if not isinstance(b, Binding) or not b.description:
                continue
            table.add_row(Text(key_display(b)), Text(b.description))
        table.add_row("", "")
    return table


class HelpScreen(Dialog[None]):
    BINDINGS = [
        Binding("q,question_mark", "cancel", "Close", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("natstui keys", style="bold"), id="help-title")
            yield Static(binding_rows(self.sections, self._key_display))
            yield Static(
                Text(
                    "ctrl+p opens the command palette: type a view's name (Live, …) to go there. Esc closes.",
                    style="dim",
                )
            )

    def _key_display(self, binding: Binding) -> str:
        keymap = getattr(self.app, "keymap", {})  # the keymap in force (see natstui.ui.keymap)
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        names = [k.strip() for k in keys.split(",") if k.strip()]
        return " / ".join(self.app.get_key_display(Binding(k, binding.action)) for k in names)

"""Confirmation before anything destructive; optionally the user must type a name."""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from natstui.model.sanitize import escape_line


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only when confirmed (and, if asked, the name typed exactly)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, question: str, *, danger: bool = True, type_to_confirm: Optional[str] = None,
                 confirm_label: str = "Confirm") -> None:
        super().__init__()
        self.question = question
        self.danger = danger
        self.type_to_confirm = type_to_confirm
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(Text(escape_line(self.question) if "\n" not in self.question else self.question), id="confirm-question")
            if self.type_to_confirm is not None:
                yield Static(Text.assemble("Type ", (escape_line(self.type_to_confirm), "bold"), " to confirm:"))
                yield Input(placeholder=escape_line(self.type_to_confirm), id="confirm-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, variant="error" if self.danger else "primary", id="confirm-yes",
                             disabled=self.type_to_confirm is not None)
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        if self.type_to_confirm is not None:
            self.query_one("#confirm-input", Input).focus()
        else:
            self.query_one("#confirm-no", Button).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm-yes", Button).disabled = event.value != self.type_to_confirm

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.type_to_confirm:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptScreen(ModalScreen[Optional[str]]):
    """Asks for one value; dismisses with the text, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, *, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box", classes="dialog"):
            yield Static(Text(self.question))
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="prompt-ok")
                yield Button("Cancel", id="prompt-cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one("#prompt-input", Input).value if event.button.id == "prompt-ok" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)

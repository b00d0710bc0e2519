"""Confirmations and one-value prompts.

The rule every confirmation follows: a non-destructive one (``danger=False``:
put, create, upload) focuses its action, so Enter does what was asked; a
destructive one (delete, purge, replace) focuses Cancel, so Enter alone
changes nothing. Cancelled, a confirmation always says what was not done
(``not_done``), and a dialog that asked for it (a ``Dialog`` with ``confirm``) stays
open with what was typed, so no draft is lost.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from natstui.model.sanitize import escape_line
from natstui.ui.screens.dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    """Dismisses with True only when confirmed (and, if asked, the name typed exactly).

    ``danger`` picks the default focus: Cancel when destructive, the action
    otherwise. ``not_done`` is the notice shown when it is cancelled (e.g.
    "Not saved: key a.b in bucket CFG.").
    """

    CANCELLED = False

    def __init__(
        self,
        question: str,
        *,
        danger: bool = True,
        type_to_confirm: str | None = None,
        confirm_label: str = "Confirm",
        not_done: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.danger = danger
        self.type_to_confirm = type_to_confirm
        self.confirm_label = confirm_label
        self.not_done = not_done or f"Cancelled: {confirm_label.lower()} not done."

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog" if self.danger else "dialog -safe"):
            yield Static(
                Text(escape_line(self.question) if "\n" not in self.question else self.question), id="confirm-question"
            )
            if self.type_to_confirm is not None:
                yield Static(Text.assemble("Type ", (escape_line(self.type_to_confirm), "bold"), " to confirm:"))
                yield Input(placeholder=escape_line(self.type_to_confirm), id="confirm-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    self.confirm_label,
                    variant="error" if self.danger else "primary",
                    id="confirm-yes",
                    disabled=self.type_to_confirm is not None,
                )
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        if self.type_to_confirm is not None:
            self.query_one("#confirm-input", Input).focus()
        else:
            self.query_one("#confirm-no" if self.danger else "#confirm-yes", Button).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm-yes", Button).disabled = event.value != self.type_to_confirm

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.type_to_confirm:
            self.close(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm-yes":
            self.close(True)
        else:
            self.action_cancel()


class PromptScreen(Dialog[str | None]):
    """Asks for one value; dismisses with the text, or None when cancelled."""

    def __init__(self, question: str, *, value: str = "", placeholder: str = "", not_done: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.not_done = not_done  # said when cancelled, for a prompt that leads to a change

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
        self.close(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "prompt-ok":
            self.close(self.query_one("#prompt-input", Input).value)
        else:
            self.action_cancel()

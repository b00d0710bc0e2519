"""The filter dialog: subject wildcards and a text or regex to find in payloads."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from natstui.model.view import MessageFilter
from natstui.ui.palette import palette
from natstui.ui.screens.dialog import Dialog


class FilterScreen(Dialog[MessageFilter | None]):
    """Returns the new filter, or None when cancelled."""

    DEFAULT_CSS = """
    #filter-checks { height: auto; }
    """

    def __init__(self, current: MessageFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-box"):
            yield Label("Filter the live stream")
            yield Input(
                self.current.subject, placeholder="subjects, e.g. orders.*.created sensors.>", id="filter-subject"
            )
            yield Static(
                Text("* one token, > the rest; several subjects: comma or space separated", style="dim"),
                id="filter-subject-hint",
                classes="hint",
            )
            yield Input(self.current.text, placeholder="text to find in the payload", id="filter-text")
            with Horizontal(id="filter-checks"):
                regex = Checkbox("regular expression", self.current.regex, id="filter-regex")
                regex.styles.margin = (0, 2, 1, 0)  # apart from the box beside it
                yield regex
                if self.app.view.validity is not None:  # only with rules that have a json_schema
                    yield Checkbox("only invalid (JSON Schema)", self.current.invalid, id="filter-invalid")
            yield Static("", id="filter-error")
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", variant="primary", id="filter-apply")
                yield Button("Clear", id="filter-clear")
                yield Button("Cancel", id="filter-cancel")

    def _build(self) -> MessageFilter | None:
        try:
            return MessageFilter(
                subject=self.query_one("#filter-subject", Input).value,
                text=self.query_one("#filter-text", Input).value,
                regex=self.query_one("#filter-regex", Checkbox).value,
                scope=self.current.scope,
                invalid=bool(self.query("#filter-invalid")) and self.query_one("#filter-invalid", Checkbox).value,
                checker=self.app.view.validity,
            )
        except ValueError as exc:
            error = self.query_one("#filter-error", Static)
            error.update(Text(f"⚠ {exc}", style=palette.error))
            error.display = True
            return None

    def on_input_submitted(self) -> None:
        self._apply()

    def _apply(self) -> None:
        flt = self._build()
        if flt is not None:
            self.close(flt)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "filter-apply":
            self._apply()
        elif event.button.id == "filter-clear":
            self.close(MessageFilter(scope=self.current.scope))
        else:
            self.action_cancel()

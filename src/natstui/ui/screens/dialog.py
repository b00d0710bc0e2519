"""The base of every natstui dialog (confirmations, prompts, forms, editors, help)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import getters, on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from natstui.model.sanitize import escape_line

if TYPE_CHECKING:
    from natstui.ui.app import NatsTuiApp
    from natstui.ui.screens.confirm import ConfirmScreen

ResultT = TypeVar("ResultT")


def after(act: Callable[[], object]) -> Callable[[object], None]:
    """A dialog's callback that runs ``act`` whatever the dialog answered (e.g. list again)."""

    def done(_result: object) -> None:
        act()

    return done


def when_confirmed(act: Callable[[], object]) -> Callable[[bool | None], None]:
    """A ConfirmScreen's callback that runs ``act`` only when confirmed."""

    def done(confirmed: bool | None) -> None:
        if confirmed:
            act()

    return done


class Dialog(ModalScreen[ResultT]):
    """Every natstui dialog: Esc cancels, it closes once (a second key in quick succession
    is ignored), a cancelled change says what was not done (``not_done``), and a result
    may need a confirmation before it closes (``confirm``, given by whoever opens it,
    builds the ConfirmScreen for a result or returns None; cancelled, the dialog stays
    open with everything typed)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    CANCELLED: Any = None  # what a cancelled dialog dismisses with
    # A form: the id of its submit button; that button and Enter in a field call ``submit``, any
    # other button cancels. '' for a dialog that handles its buttons itself.
    SUBMIT_BUTTON = ""
    not_done = ""  # the notice when it is cancelled; '' for a dialog that changes nothing

    if TYPE_CHECKING:  # natstui's app, typed for the dialogs (at run time Textual's own property)
        app = getters.app(NatsTuiApp)

    def __init__(self, *, confirm: Callable[[Any], ConfirmScreen | None] | None = None) -> None:
        super().__init__()
        self.confirm = confirm

    def action_cancel(self) -> None:
        if not self.is_current:
            return
        self.on_cancel()
        notice = self.cancel_notice()
        if notice:
            self.app.notify(escape_line(notice), title="Cancelled", severity="warning", timeout=6, markup=False)
        self.dismiss(self.CANCELLED)

    def mounted(self) -> None:
        """A subclass's own setup, called at the end of its base's ``on_mount``. (Textual calls the
        ``on_mount`` of every class of the MRO, subclass first: an override that also calls
        ``super().on_mount()`` runs the base's twice, the second time after its own.)"""

    def submit(self) -> None:
        """A form's submit: check what was typed and ``close`` with the result, or say what is wrong."""

    @on(Input.Submitted)
    def _form_input_submitted(self) -> None:
        if self.SUBMIT_BUTTON:
            self.submit()

    @on(Button.Pressed)
    def _form_button_pressed(self, event: Button.Pressed) -> None:
        if not self.SUBMIT_BUTTON:
            return
        if event.button.id == self.SUBMIT_BUTTON:
            self.submit()
        else:
            self.action_cancel()

    def cancel_notice(self) -> str:
        """What a cancel says was not done ('' says nothing)."""
        return self.not_done

    def on_cancel(self) -> None:
        """Called before a cancelled dialog closes (to keep a draft)."""

    def close(self, result: Any) -> None:
        """Close with ``result``, after its confirmation if one is asked for."""
        if not self.is_current:
            return
        question = self.confirm(result) if self.confirm is not None else None
        if question is None:
            self.dismiss(result)
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss(result)

        self.app.push_screen(question, answered)

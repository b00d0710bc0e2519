"""The base of every natstui dialog (confirmations, prompts, forms, editors, help)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

from natstui.model.sanitize import escape_line

if TYPE_CHECKING:
    from natstui.ui.screens.confirm import ConfirmScreen

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """Every natstui dialog: Esc cancels, it closes once (a second key in quick succession
    is ignored), a cancelled change says what was not done (``not_done``), and a result
    may need a confirmation before it closes (``confirm``, given by whoever opens it,
    builds the ConfirmScreen for a result or returns None; cancelled, the dialog stays
    open with everything typed)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    CANCELLED: Any = None  # what a cancelled dialog dismisses with
    not_done = ""  # the notice when it is cancelled; '' for a dialog that changes nothing

    def __init__(self, *, confirm: Optional[Callable[[Any], Optional[ConfirmScreen]]] = None) -> None:
        super().__init__()
        self.confirm = confirm

    def action_cancel(self) -> None:
        if not self.is_current:
            return
        self.on_cancel()
        if self.not_done:
            self.app.notify(escape_line(self.not_done), title="Cancelled", severity="warning", timeout=6, markup=False)
        self.dismiss(self.CANCELLED)

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

        def answered(confirmed: Optional[bool]) -> None:
            if confirmed:
                self.dismiss(result)

        self.app.push_screen(question, answered)

"""Find by content in the message browser: the dialog, and the part of the browser that runs a find.

``f`` asks what to find (text, ``/regex/`` or a JSON condition, a subject filter, a range) and
scans forward from the selected message; ``F`` scans backward. Each match stops the scan with the
message selected and the match highlighted; ``f``/``F`` again goes on from there. ``esc`` cancels
a running scan; pressed again it forgets the find, and then leaves the browser.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from natstui.model.find import Query, QueryError, parse_query, parse_range
from natstui.model.sanitize import escape_line
from natstui.model.subjects import SubjectPattern
from natstui.ui.palette import palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.dialog import Dialog
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import PartsLine
from natstui.ui.widgets.rowtable import RowTable

if TYPE_CHECKING:
    from natstui.client.find import Finder
    from natstui.client.jetstream import StoredMessage


@dataclass
class FindRequest:
    query: Query
    subject: str
    range: str


class FindDialog(Dialog[FindRequest | None]):
    """What to find, where; checked before anything is read."""

    SUBMIT_BUTTON = "find-ok"

    DEFAULT_CSS = "FindDialog #find-box { max-width: 100%; }"

    def __init__(self, *, query: str = "", subject: str = "", range_text: str = "", backward: bool = False) -> None:
        super().__init__()
        self.initial = (query, subject, range_text)
        self.backward = backward

    def compose(self) -> ComposeResult:
        query, subject, range_text = self.initial
        with Vertical(classes="dialog form-dialog", id="find-box"):
            yield Static(Text("Find a message " + ("backward" if self.backward else "forward"), style="bold"))
            yield Static(
                Text(
                    'text (any case unless it has a capital), /regex/ or /regex/i, or a JSON condition: .customer.country == "DE"'
                    " (==, !=, <, >, contains, exists)",
                    style="dim",
                )
            )
            with Vertical(classes="form-grid"):
                yield Label("Find")
                yield Input(query, placeholder="e.g. order-42, /err(or)?/i, .total > 100", id="find-query")
                yield Label("Subject")
                yield Input(subject, placeholder="all (wildcards allowed)", id="find-subject")
                yield Label("Range")
                yield Input(range_text, placeholder="all; or 1000..2000, 10:00..11:30", id="find-range")
            yield Static("", classes="form-error", id="find-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Find", variant="primary", id="find-ok")
                yield Button("Cancel", id="find-cancel")

    def on_mount(self) -> None:
        self.query_one("#find-query", Input).focus()

    def submit(self) -> None:
        error = self.query_one("#find-error", Static)
        try:
            query = parse_query(self.query_one("#find-query", Input).value)
        except QueryError as exc:
            error.update(Text(f"⚠ Find: {exc}"))
            return
        subject = self.query_one("#find-subject", Input).value.strip()
        if subject:
            try:
                SubjectPattern(subject)
            except ValueError as exc:
                error.update(Text(f"⚠ Subject: {exc}"))
                return
        self.close(FindRequest(query, subject, self.query_one("#find-range", Input).value.strip()))


class FindInBrowser(ViewScreen):
    """The find part of the message browser (``StreamMessagesScreen`` is one)."""

    finder: Finder | None = None
    find_request: FindRequest | None = None
    find_status: str = ""
    _find_timer: Any = None
    _find_open_end = True

    if TYPE_CHECKING:  # what the browser provides
        stream: str
        subject: str | None
        info: dict[str, Any]

        @property
        def selected_message(self) -> StoredMessage | None: ...
        @property
        def direct(self) -> bool: ...
        @property
        def first_seq(self) -> int: ...
        @property
        def last_seq(self) -> int: ...
        def load(self, start: int = 0) -> Any: ...

    @property
    def finding(self) -> bool:
        return self.finder is not None and self.finder.running

    def action_find(self) -> None:
        self._find(backward=False)

    def action_find_backward(self) -> None:
        self._find(backward=True)

    def _find(self, backward: bool) -> None:
        if self.finding:
            return
        if self.finder is not None:
            self.find_next(backward)
            return
        previous = self.find_request

        def done(request: FindRequest | None) -> None:
            if request is not None:
                self.start_find(request, backward)

        self.app.push_screen(
            FindDialog(
                query=previous.query.source if previous else "",
                subject=previous.subject if previous else (self.subject or ""),
                range_text=previous.range if previous else "",
                backward=backward,
            ),
            done,
        )

    def cancel_or_clear_find(self) -> bool:
        """esc: cancel a running scan, or forget the find; False when there was none."""
        if self.finding:
            self.workers.cancel_group(self, "messages-find")
            return True
        if self.finder is not None:
            self._forget_finder()
            self.find_status = ""
            self.query_one(Inspector).set_highlight(None)
            self._show_find()
            return True
        return False

    def on_unmount(self) -> None:
        self._forget_finder()  # its subscription goes with the browser

    def _forget_finder(self) -> None:
        finder, self.finder = self.finder, None
        if finder is not None:
            asyncio.ensure_future(finder.close())

    @work(exclusive=True, group="messages-find", exit_on_error=False)
    async def start_find(self, request: FindRequest, backward: bool) -> None:
        from natstui.client.find import Finder, resolve_range

        js = self.app.jetstream()
        try:
            self.info = await js.stream_info(self.stream)
            first, last = await resolve_range(
                js, self.stream, request.range, self.first_seq, self.last_seq, request.subject or None, self.direct
            )
        except ValueError as exc:
            self.app.notify(f"Range: {exc}", severity="warning", markup=False)
            return
        except Exception as exc:
            self.find_status = self.app.report_error(f"finding in {self.stream} failed", exc)
            self._show_find()
            return
        self._forget_finder()
        self.find_request = request
        self._find_open_end = not parse_range(request.range)[1]
        self.finder = Finder(
            js, self.stream, request.query, first=first, last=last, subject=request.subject or None, direct=self.direct
        )
        self.query_one(Inspector).set_highlight(request.query.highlight())
        await self._run_find(backward, from_selected=True)

    def find_next(self, backward: bool) -> None:
        self._find_again(backward)

    @work(exclusive=True, group="messages-find", exit_on_error=False)
    async def _find_again(self, backward: bool) -> None:
        await self._run_find(backward, from_selected=False)

    async def _run_find(self, backward: bool, from_selected: bool) -> None:
        finder = self.finder
        if finder is None:
            return
        if self._find_open_end:
            try:  # messages stored since the find began are looked at too
                self.info = await self.app.jetstream().stream_info(self.stream)
                finder.last = max(finder.last, self.last_seq)
            except Exception:
                pass
        selected = self.selected_message
        if selected is not None and finder.first <= selected.seq <= finder.last:
            start = selected.seq - 1 if backward else selected.seq + 1
            if from_selected and selected.seq in (finder.first, finder.last):
                start = selected.seq  # a find from the first (or last) message looks at it too
        else:  # nothing selected, or outside the range: the whole range
            start = finder.last if backward else finder.first
        if self._find_timer is None:
            self._find_timer = self.set_interval(0.2, self._show_find)
        self.find_status = ""
        self._show_find()
        try:
            found = await finder.find(start, backward)
        except asyncio.CancelledError:
            self.find_status = f"cancelled at #{finder.seq:,} after {finder.scanned:,} messages"
            self._show_find()
            raise
        except Exception as exc:
            self.find_status = self.app.report_error(f"finding in {self.stream} failed", exc)
            self._show_find()
            return
        query = finder.query.describe()
        if found is None:
            if backward:
                where = (
                    f"from #{start:,} back to #{finder.first:,}" if start >= finder.first else f"before #{start + 1:,}"
                )
            else:
                where = f"from #{start:,} to #{finder.last:,}" if start <= finder.last else f"after #{start - 1:,}"
            self.find_status = f"no match {where}"
            self.app.notify(f"{query}: no match {where} ({finder.scanned:,} messages read).", markup=False)
        else:
            self.find_status = f"match at #{found.seq:,}"
            self.show_found(found)
        self._show_find()

    def show_found(self, found: StoredMessage) -> None:
        """Select the match: on the page shown if it is there, else on a page that starts with it."""
        rows: list[Any] = getattr(self, "rows", [])
        for index, row in enumerate(rows):
            if getattr(row, "seq", None) == found.seq:  # a message, not a gap
                self.query_one("#messages-table", RowTable).move_cursor(index)
                return
        self.load(start=found.seq)

    def _show_find(self) -> None:
        finder = self.finder
        line = self.query_one("#messages-find", PartsLine)
        if finder is None:
            line.display = False
            return
        line.display = True
        assert self.find_request is not None
        # (priority, part): narrow, the outcome (a match, none, cancelled) stays first, then the query,
        # the progress and the matches; the range and the key hint give way first
        parts = [(1, Text.assemble(("Find ", "bold"), (escape_line(finder.query.describe()), palette.accent)))]
        if finder.subject:
            parts.append((2, Text(f"on {escape_line(finder.subject)}", style=palette.subject)))
        parts.append((3, Text(f"#{finder.first:,}–{finder.last:,}", style="dim")))
        if finder.running:
            parts.append((1, Text(f"reading #{finder.seq:,}", style="bold")))
            parts.append((2, Text(f"{finder.rate:,.0f} msg/s")))
        parts.append((1, Text(f"{finder.matches:,} match" + ("" if finder.matches == 1 else "es"))))
        if self.find_status:
            parts.append((0, Text(self.find_status, style=palette.warning)))
        parts.append((4, Text("esc cancels" if finder.running else "f next · F back · esc ends", style="dim")))
        line.set_parts(parts)

"""Browse a stream's messages by page without consuming them; the inspector shows the selected one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from natstui.client.jetstream import StoredMessage
from natstui.model.decode import preview
from natstui.model.jetstream import Gap, parse_ts, stream_row, with_gaps
from natstui.model.msgfeatures import list_mark
from natstui.model.records import Record
from natstui.model.sanitize import escape_line
from natstui.model.subjects import SubjectPattern
from natstui.model.timefmt import format_clock, format_datetime, parse_user_time, zone_name
from natstui.ui.palette import palette
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.find import FindInBrowser
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import PartsLine, TextLine
from natstui.ui.widgets.rowtable import Column, RowTable
from natstui.ui.widgets.stream import format_size

PAGE_SIZE = 50
# narrow: the sequence, the subject (cut), the payload (what is left), then the time, size and header mark
COLUMNS = (
    Column("Seq", 11, "right", priority=0),
    Column("Time", 12, priority=3),
    Column("Subject", 28, priority=1, min_width=10),
    Column("Size", 7, "right", priority=4),
    Column("H", 1, priority=5),
    Column("Payload", priority=2),
)


def stored_record(message: StoredMessage) -> Record:
    """A stream message for the inspector, with its place in the stream."""
    return Record.stored(
        message.subject,
        message.data,
        message.headers,
        message.timestamp,
        sections=[
            (
                "Stream message",
                [
                    ("Stream", message.stream),
                    ("Sequence", f"{message.seq:,}"),
                    ("Stored at", format_datetime(message.time)),
                    ("Msg-Id", (message.headers or {}).get("Nats-Msg-Id", "—")),
                ],
            )
        ],
        seq=message.seq,
    )


def parse_when(text: str) -> datetime:
    """``2026-11-28 07:30``, ``07:30`` (today), or ISO 8601 with a zone; in the zone times are shown in when none is given."""
    return parse_user_time(text)


class StreamMessagesScreen(FindInBrowser):
    """Reads with direct gets (one request per page) or message gets: never a consumer, never an ack."""

    BINDING_GROUP_TITLE = "Stream messages"

    VIEW_NAME = "streams"

    BINDINGS = [
        Binding("escape", "back", "Back", id="messages.back"),
        Binding("n", "next_page", "Next page", id="messages.next"),
        Binding("b", "previous_page", "Prev page", id="messages.previous"),
        Binding("g", "first_page", "First", id="messages.first"),
        Binding("G", "last_page", "Last", id="messages.last"),
        Binding("s", "seek_sequence", "Seq…", id="messages.seek_sequence"),
        Binding("t", "seek_time", "Time…", id="messages.seek_time"),
        Binding("slash", "filter", "Subject…", id="messages.filter"),
        Binding("v", "cycle_view", "Payload view", id="messages.cycle_view"),
        Binding("x", "delete_message", "Delete msg", id="messages.delete"),
        Binding("f", "find", "Find…", id="messages.find"),
        Binding("F", "find_backward", "Find back…", id="messages.find_backward"),
        Binding("T", "trace", "Trace", show=False, id="messages.trace"),
    ]

    def __init__(self, stream: str, info: dict[str, Any]) -> None:
        super().__init__()
        self.stream = stream
        self.info = info
        self.subject: str | None = None
        self.page: list[StoredMessage] = []
        self.page_start = 0  # the sequence the page was read from
        self._lead: int | None = None  # requested start, to show deleted sequences before the first row
        self.rows: list[StoredMessage | Gap] = []
        self.status = "loading…"
        self.note = ""  # what the last jump found, shown until the next page is read

    def compose_body(self) -> ComposeResult:
        yield TextLine(id="messages-title", classes="view-title")
        yield PartsLine(id="messages-find")  # narrow, the range and the key hint give way first
        with Horizontal(id="messages-body"):
            yield RowTable(COLUMNS, id="messages-table")
            yield Inspector(id="messages-inspector")

    def on_mount(self) -> None:
        self.query_one("#messages-table", RowTable).focus()
        self.ready = True
        self._title()
        self._show_find()
        self.load(start=int(self.info.get("state", {}).get("first_seq", 1) or 1))

    # -- reading ---------------------------------------------------------------------------
    @property
    def direct(self) -> bool:
        return stream_row(self.info).allow_direct

    @property
    def first_seq(self) -> int:
        return int(self.info.get("state", {}).get("first_seq", 1) or 1)

    @property
    def last_seq(self) -> int:
        return int(self.info.get("state", {}).get("last_seq", 0) or 0)

    @work(exclusive=True, group="messages-page", exit_on_error=False)
    async def load(
        self, start: int = 0, before: int | None = None, when: datetime | None = None, last: bool = False
    ) -> None:
        js = self.app.jetstream()
        self.status = "loading…"
        self.note = ""
        self._title()
        try:
            if last or before is None and not (self.page and start == self.page[-1].seq + 1):
                # bounds matter for first/last/seek; the next page reuses the last answer
                self.info = await js.stream_info(self.stream)
            if last:
                before = self.last_seq + 1
            if before is not None:
                page = await js.read_before(self.stream, before, PAGE_SIZE, self.first_seq, self.subject, self.direct)
            elif when is not None:
                seek = await js.seek_time(self.stream, when, self.first_seq, self.last_seq, self.subject, self.direct)
                if seek.message is None:
                    self.status = f"no message at or after {format_datetime(when)}"
                    if self.info.get("state", {}).get("last_ts"):
                        self.status += f" (the last is at {format_datetime(parse_ts(self.info['state']['last_ts']))})"
                    self._title()
                    return
                page = await js.read(self.stream, seek.message.seq, PAGE_SIZE, self.subject, direct=self.direct)
                requests = f"{seek.requests} request" + ("" if seek.requests == 1 else "s")
                note = f"first at or after {format_datetime(when)}: #{seek.message.seq:,}, found in {requests}"
                self.app.notify(f"{note} ({seek.how}).", markup=False)
            else:
                page = await js.read(self.stream, start, PAGE_SIZE, self.subject, when, self.direct)
        except Exception as exc:
            self.status = self.app.report_error(f"reading {self.stream} failed", exc)
            self._title()
            return
        if not page and (before is not None or start > self.first_seq) and self.page:
            self.status = "no more messages that way"
            self._title()
            return
        self.page = page
        self.page_start = page[0].seq if page else start
        self._lead = start if (before is None and when is None and start and not self.subject) else None
        self.status = ""
        if when is not None:
            self.note = note
        self._fill(select_last=last)

    def _fill(self, select_last: bool = False) -> None:
        by_seq = {m.seq: m for m in self.page}
        self.rows = []
        cells: list[tuple[Text, ...]] = []
        seqs = [m.seq for m in self.page]
        items = seqs if self.subject else with_gaps(seqs, start=self._lead)
        for item in items:
            if isinstance(item, Gap):
                self.rows.append(item)
                label = f"{item.first:,}" if item.count == 1 else f"{item.first:,}–{item.last:,}"
                cells.append(
                    (Text(label, style="dim"), Text(""), Text(f"⋯ {item.count:,} deleted", style="dim italic"))
                )
                continue
            message = by_seq[item]
            self.rows.append(message)
            cells.append(
                (
                    Text(f"{message.seq:,}"),
                    Text(format_clock(message.timestamp), style=palette.muted),
                    Text(escape_line(message.subject), style=palette.subject),
                    Text(format_size(len(message.data)).strip(), style=palette.number),
                    Text("H" if message.headers else "", style=palette.accent),
                    Text.assemble(
                        (escape_line(list_mark(message.headers)), palette.accent), preview(message.data, limit=160)
                    ),
                )
            )
        self._title()
        self.query_one("#messages-table", RowTable).set_rows(cells, cursor=len(cells) - 1 if select_last else 0)

    def _title(self) -> None:
        text = Text.assemble(("Stream ", "bold"), (escape_line(self.stream), palette.name))
        text.append(f"  sequences {self.first_seq:,}–{self.last_seq:,}")
        if self.page:
            text.append(f"  page {self.page[0].seq:,}–{self.page[-1].seq:,} ({len(self.page)})", style="bold")
        elif not self.status:
            text.append("  no messages here", style="dim")
        if self.note:
            text.append(f"  {self.note}", style=palette.ok)
        if self.subject:
            text.append(f"  subject {escape_line(self.subject)}", style=palette.warning)
        text.append("  direct get" if self.direct else "  message get", style="dim")
        if self.status:
            text.append(f"  {self.status}", style=palette.warning)
        self.query_one("#messages-title", TextLine).set_text(text)

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        index = event.index
        row = self.rows[index] if index is not None and 0 <= index < len(self.rows) else None
        self.query_one(Inspector).show(stored_record(row) if isinstance(row, StoredMessage) else None)

    @property
    def selected_message(self) -> StoredMessage | None:
        row = self.query_one("#messages-table", RowTable).cursor_row
        item = self.rows[row] if row is not None and 0 <= row < len(self.rows) else None
        return item if isinstance(item, StoredMessage) else None

    # -- paging ---------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.cancel_or_clear_find():
            return
        self.app.pop_screen()

    def action_next_page(self) -> None:
        if self.page:
            self.load(start=self.page[-1].seq + 1)

    def action_previous_page(self) -> None:
        if self.page:
            self.load(before=self.page[0].seq)

    def action_first_page(self) -> None:
        self.load(start=self.first_seq)

    def action_last_page(self) -> None:
        self.load(last=True)

    def action_seek_sequence(self) -> None:
        def done(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                seq = int(value.strip().replace(",", ""))
            except ValueError:
                self.app.notify("A sequence is a whole number.", severity="warning", markup=False)
                return
            self.load(start=seq)

        self.app.push_screen(PromptScreen(f"Jump to sequence ({self.first_seq:,}–{self.last_seq:,}):"), done)

    def action_seek_time(self) -> None:
        def done(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                when = parse_when(value)
            except ValueError as exc:
                self.app.notify(str(exc), severity="warning", markup=False)
                return
            self.load(when=when)

        self.app.push_screen(
            PromptScreen(f"Jump to the first message at or after (HH:MM[:SS] or YYYY-MM-DD HH:MM, {zone_name()}):"),
            done,
        )

    def action_filter(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            value = value.strip()
            if value:
                try:
                    SubjectPattern(value)
                except ValueError as exc:
                    self.app.notify(f"Subject filter: {exc}", severity="warning", markup=False)
                    return
            self.subject = value or None
            self.load(start=self.first_seq)

        self.app.push_screen(
            PromptScreen("Only messages on subject (wildcards allowed; empty for all):", value=self.subject or ""), done
        )

    def action_cycle_view(self) -> None:
        self.query_one(Inspector).action_cycle_view()

    def action_trace(self) -> None:
        """Trace the selected stored message: a trace-only copy of its subject, headers and payload."""
        from natstui.ui.screens.trace import open_trace

        message = self.selected_message
        if message is None:
            open_trace(self.app, None)
            return
        open_trace(self.app, message.subject, message.data, message.headers)

    # -- admin ---------------------------------------------------------------------------------
    def action_delete_message(self) -> None:
        message = self.selected_message
        if message is None or not self.app.allow_change(f"deleting message {message.seq} of {self.stream}"):
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.delete_message(message.seq)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete message {message.seq:,} from stream {escape_line(self.stream)}?",
                confirm_label="Delete message",
                not_done=f"Not deleted: message {message.seq:,} of {self.stream}.",
            ),
            done,
        )

    @work(group="messages-admin", exit_on_error=False)
    async def delete_message(self, seq: int) -> None:
        try:
            await self.app.jetstream().delete_message(self.stream, seq)
        except Exception as exc:
            self.app.report_error(f"deleting message {seq} failed", exc)
            return
        self.app.notify(f"Message {seq:,} deleted from {self.stream}.", markup=False)
        self.load(start=self.page_start)

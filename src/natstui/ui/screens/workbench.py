"""The ack workbench: fetch messages from a consumer and ack, nak, extend or term them by hand."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable

from natstui.client.workbench import (
    ACKED,
    EXPIRED,
    IN_PROGRESS,
    NAKED,
    PENDING,
    TERMED,
    DeadLetter,
    Workbench,
    WorkError,
    WorkItem,
)
from natstui.model.columns import ColumnSpec
from natstui.model.decode import preview
from natstui.model.jetstream import consumer_row, format_duration, ns_to_seconds
from natstui.model.records import Record
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, DIM, palette
from natstui.ui.screens.base import Refresher, ViewScreen
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.consumer_pause import pause_or_resume, pause_text
from natstui.ui.screens.messages import stored_record
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import PartsLine, TextLine
from natstui.ui.widgets.stream import format_time
from natstui.ui.widgets.table import Table

# the state and its deadline first, then which message, then what was done and the payload
COLUMNS = (
    ColumnSpec("#", "#", priority=8, ellipsis=False, justify="right"),
    ColumnSpec("State", "State", priority=0, ellipsis=False),
    ColumnSpec("Deadline", "Deadline", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("Seq", "Seq", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("Dlv", "Dlv", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("Subject", "Subject", priority=4, min_width=8, max_width=40),
    ColumnSpec("Note", "Note", priority=5, min_width=6, max_width=40),
    ColumnSpec("Payload", "Payload", priority=6, min_width=7),
)
DEAD_COLUMNS = (
    ColumnSpec("Time", "Time", priority=3, ellipsis=False),
    ColumnSpec("Kind", "Kind", priority=1, ellipsis=False),
    ColumnSpec("Stream seq", "Stream seq", priority=0, ellipsis=False, justify="right"),
    ColumnSpec("Deliveries", "Deliveries", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("Reason", "Reason", priority=4, min_width=8),
)


def state_style(state: str) -> Style:
    """The style of a work item's state, in the theme's colours (the palette)."""
    return {
        PENDING: palette.warning + BOLD,
        IN_PROGRESS: palette.name,
        ACKED: palette.ok + BOLD,
        NAKED: palette.accent + BOLD,
        TERMED: palette.error + BOLD,
        EXPIRED: palette.error + DIM,
    }[state]


def work_record(item: WorkItem) -> Record:
    """The fetched message for the inspector: nats-py's Msg, so its JetStream metadata shows."""
    return Record(item.index, item.received, item.msg)


class WorkbenchScreen(ViewScreen):
    BINDING_GROUP_TITLE = "Ack workbench"

    VIEW_NAME = "consumers"

    BINDINGS = [
        Binding("escape", "back", "Back", id="workbench.back"),
        Binding("f", "fetch(1)", "Fetch", id="workbench.fetch"),
        Binding("F", "fetch_batch", "Fetch N…", id="workbench.fetch_batch"),
        Binding("a", "ack", "Ack", id="workbench.ack"),
        Binding("n", "nak", "Nak…", id="workbench.nak"),
        Binding("w", "in_progress", "Working", id="workbench.in_progress"),
        Binding("t", "term", "Term…", id="workbench.term"),
        Binding("d", "open_dead_letter", "Dead letter", id="workbench.dead_letter"),
        Binding("b", "bind", "Bind", id="workbench.bind"),
        Binding("v", "cycle_view", "Payload view", id="workbench.cycle_view"),
        Binding("z", "pause", "Pause/resume", id="workbench.pause"),
    ]

    def __init__(self, stream: str, consumer: str) -> None:
        super().__init__()
        self.stream = stream
        self.consumer = consumer
        self.bench: Workbench | None = None
        self._shown_version = -1
        self._shown_letters = 0
        self._busy = False
        # a push consumer: "asking", "declined", "read-only" until bound ("" for a pull consumer)
        self.push_state = ""

    def compose_body(self) -> ComposeResult:
        yield TextLine(id="workbench-title", classes="view-title")
        yield PartsLine(id="workbench-numbers")
        with Horizontal(id="workbench-body"):
            with Vertical(id="workbench-left"):
                yield Table(COLUMNS, id="workbench-table")
                yield TextLine(Text("Dead letters (max deliveries, terminated)", style="bold"), id="dead-title")
                yield Table(DEAD_COLUMNS, id="dead-table")
            yield Inspector(id="workbench-inspector")

    def on_mount(self) -> None:
        table = self.query_one("#workbench-table", Table)
        dead = self.query_one("#dead-table", Table)
        self.table, self.dead = table, dead
        table.focus()
        self.ready = True
        self._title()
        self.start()
        self.refreshers = (Refresher(self, 2.0, self.refresh_numbers),)

    async def on_unmount(self) -> None:
        if self.bench is not None:
            await self.bench.close()

    # -- binding and numbers ------------------------------------------------------------------
    @work(exclusive=True, group="workbench-start", exit_on_error=False)
    async def start(self) -> None:
        app = self.app
        self.bench = Workbench(app.session.nc, app.jetstream(), self.stream, self.consumer)
        try:
            await self.bench.refresh()
            await self.bench.follow_dead_letters()
            if app.settings.read_only:
                self.push_state = "" if self.bench.is_pull else "read-only"
            elif self.bench.is_pull:
                await self.bench.bind()  # a pull subscription receives nothing until a fetch
            else:
                self._ask_to_bind()
        except Exception as exc:
            app.report_error(f"opening consumer {self.consumer} failed", exc)
        self._title()
        self._numbers()

    def _ask_to_bind(self) -> None:
        """Binding a push consumer makes the server deliver to natstui at once: only when confirmed."""
        bench = self.bench
        if bench is None:
            return
        self.push_state = "asking"
        config = bench.config
        backoff = config.get("backoff") or []
        wait = (
            f"backoff {' '.join(format_duration(ns_to_seconds(b) or 0) for b in backoff)}"
            if backoff
            else format_duration(ns_to_seconds(config.get("ack_wait")) or 30.0)
        )
        question = (
            f"Bind to push consumer {escape_line(self.consumer)} of stream {escape_line(self.stream)}?\n\n"
            f"Binding makes the server deliver this consumer's messages to natstui; messages you do "
            f"not ack will be redelivered after ack wait ({wait})."
        )
        group = config.get("deliver_group")
        if group:
            question += (
                f" natstui joins its queue group {escape_line(str(group))} and takes a share of the "
                "deliveries from the other members."
            )

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.bind_push()
            else:
                self.push_state = "declined"
                self._title()
                self.refresh_bindings()

        self.app.push_screen(
            ConfirmScreen(
                question,
                danger=False,
                confirm_label="Bind",
                not_done="Not bound: nothing is delivered to natstui (b binds).",
            ),
            done,
        )

    @work(exclusive=True, group="workbench-start", exit_on_error=False)
    async def bind_push(self) -> None:
        if self.bench is None:
            return
        try:
            await self.bench.bind()
        except Exception as exc:
            self.push_state = "declined"
            self.app.report_error(f"binding consumer {self.consumer} failed", exc)
        else:
            self.push_state = ""
        self._title()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "bind":  # only for a push consumer not bound yet
            return self.bench is not None and bool(self.bench.info) and not self.bench.is_pull and not self.bench.bound
        return super().check_action(action, parameters)

    def action_bind(self) -> None:
        if self.bench is None or self.bench.is_pull or self.bench.bound or self.push_state == "asking":
            return
        if not self.app.allow_change(f"binding push consumer {self.consumer} (the server delivers to natstui)"):
            return
        self._ask_to_bind()

    @work(exclusive=True, group="workbench-numbers", exit_on_error=False)
    async def refresh_numbers(self) -> None:
        if self.bench is None:
            return
        try:
            await self.bench.refresh()
        except Exception:
            return
        self._numbers()
        self._title()  # the time a pause has left

    def _title(self) -> None:
        text = Text.assemble(
            ("Workbench ", "bold"),
            ("stream ", ""),
            (escape_line(self.stream), palette.name),
            ("  consumer ", ""),
            (escape_line(self.consumer), palette.name),
        )
        if self.bench is not None and self.bench.info:
            row = consumer_row(self.bench.info)
            # a push consumer's binding first: it is what a narrow terminal must not cut off
            if row.pull:
                text.append("  pull,", style="dim")
            elif self.bench.bound:
                text.append("  push consumer: bound, its messages arrive by themselves;", style="dim")
            else:
                why = {"read-only": " (read-only)", "declined": " (b to bind)"}.get(self.push_state, "")
                text.append(f"  push consumer: not bound{why};", style=palette.warning + BOLD)
            if row.paused:
                text.append(f"  {pause_text(self.bench.info)};", style=palette.warning + BOLD)
            text.append(
                f" ack {row.ack_policy}, ack wait {format_duration(row.ack_wait)}, "
                f"max deliver {'∞' if row.max_deliver < 0 else row.max_deliver}",
                style="dim",
            )
        self.query_one("#workbench-title", TextLine).set_text(text)

    def _numbers(self) -> None:
        if self.bench is None or not self.bench.info:
            return
        info = self.bench.info
        row = consumer_row(info)
        floor = info.get("ack_floor") or {}
        # (priority, part): a narrow screen drops the least useful parts whole instead of cutting the line
        parts = [
            (0, Text.assemble(("Consumer: ", "bold"), ("pending ", ""), (f"{row.pending:,}", "bold"))),
            (1, Text.assemble(("ack pending ", ""), (f"{row.ack_pending:,}", palette.warning + BOLD))),
            (
                2,
                Text.assemble(
                    ("redelivered ", ""), (f"{row.redelivered:,}", palette.error + BOLD if row.redelivered else "bold")
                ),
            ),
            (
                3,
                Text.assemble(
                    ("ack floor ", ""),
                    (f"stream {floor.get('stream_seq', 0)} / consumer {floor.get('consumer_seq', 0)}", "bold"),
                ),
            ),
            (4, Text.assemble(("last delivered ", ""), (f"{row.delivered_stream}/{row.delivered_consumer}", "bold"))),
        ]
        if row.pull:
            parts.append((5, Text.assemble(("waiting pulls ", ""), (f"{row.waiting}", "bold"))))
        else:  # the server's push_bound: natstui's or another subscriber's interest
            parts.append(
                (5, Text.assemble(("active interest ", ""), ("yes" if info.get("push_bound") else "no", "bold")))
            )
        self.query_one("#workbench-numbers", PartsLine).set_parts(parts)

    # -- the work list, redrawn on the app's timer ------------------------------------------------
    def tick(self) -> None:
        bench = self.bench
        if bench is None:
            return
        now = bench.monotonic()
        table = self.table
        if bench.version != self._shown_version:
            self._shown_version = bench.version
            self._rebuild(table, now)
        else:
            # countdowns only
            for i, item in enumerate(bench.items):
                state = item.current_state(now)
                table.update_cell(str(i), "State", Text(state, style=state_style(state)))
                table.update_cell(str(i), "Deadline", self._deadline(item, state, now))
        if len(bench.dead_letters) != self._shown_letters:
            self._fill_dead_letters()

    def _deadline(self, item: WorkItem, state: str, now: float) -> Text:
        if state not in (PENDING, IN_PROGRESS):
            return Text("—", style="dim")
        left = item.remaining(now)
        return Text(f"{left:5.1f}s", style=palette.error + BOLD if left < 5 else "")

    def _rebuild(self, table: Table, now: float) -> None:
        keep = table.cursor_row
        table.clear()
        for i, item in enumerate(self.bench.items):  # type: ignore[union-attr]
            state = item.current_state(now)
            meta = item.msg.metadata
            table.add_row(
                Text(str(item.index)),
                Text(state, style=state_style(state)),
                self._deadline(item, state, now),
                Text(str(meta.sequence.stream), justify="right"),
                Text(str(meta.num_delivered), justify="right", style=palette.error if meta.num_delivered > 1 else ""),
                Text(escape_line(item.msg.subject), style=palette.subject),
                Text(escape_line(item.note), style="dim"),
                Text(preview(item.msg.data or b"", limit=120)),
                key=str(i),
            )
        if table.row_count:
            table.move_cursor(row=min(max(keep, 0), table.row_count - 1), animate=False)

    def _fill_dead_letters(self) -> None:
        dead = self.dead
        letters = self.bench.dead_letters if self.bench else []
        for letter in letters[self._shown_letters :]:
            dead.add_row(
                Text(format_time(letter.time.timestamp()) if letter.time else "—"),
                Text(letter.kind, style=palette.error + BOLD),
                Text(str(letter.stream_seq), justify="right"),
                Text(str(letter.deliveries), justify="right"),
                Text(escape_line(letter.reason) or "—"),
            )
        self._shown_letters = len(letters)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "workbench-table" and self.bench and 0 <= event.cursor_row < len(self.bench.items):
            self.query_one(Inspector).show(work_record(self.bench.items[event.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "dead-table":
            self.action_open_dead_letter()

    @property
    def selected(self) -> WorkItem | None:
        if self.bench is None:
            return None
        row = self.query_one("#workbench-table", DataTable).cursor_row
        return self.bench.items[row] if 0 <= row < len(self.bench.items) else None

    # -- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cycle_view(self) -> None:
        self.query_one(Inspector).action_cycle_view()

    def action_fetch(self, count: int = 1) -> None:
        if self.bench is not None and self.bench.info and not self.bench.is_pull:
            when = "" if self.bench.bound else " once bound (b)"
            self.app.notify(f"Push consumer: nothing to fetch, its messages arrive by themselves{when}.", markup=False)
            return
        if not self.app.allow_change(f"fetching from consumer {self.consumer} (it starts the ack timer)"):
            return
        self.fetch(count)

    def action_fetch_batch(self) -> None:
        def done(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                count = int(value)
                if not 1 <= count <= 1000:
                    raise ValueError
            except ValueError:
                self.app.notify("Fetch 1 to 1000 messages.", severity="warning", markup=False)
                return
            self.action_fetch(count)

        self.app.push_screen(
            PromptScreen(
                "How many messages to fetch?", value="10", not_done="Not fetched: nothing was asked of the server."
            ),
            done,
        )

    @work(exclusive=True, group="workbench-fetch", exit_on_error=False)
    async def fetch(self, count: int) -> None:
        if self.bench is None:
            return
        try:
            got = await self.bench.fetch(count)
        except WorkError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        except Exception as exc:
            self.app.report_error("fetch failed", exc)
            return
        if not got:
            self.app.notify("No message waiting for this consumer.", markup=False)
        else:
            table = self.query_one("#workbench-table", DataTable)
            self.tick()
            table.move_cursor(row=len(self.bench.items) - len(got), animate=False)
        await self._after_action()

    def _act(self, label: str, action, *args) -> None:
        item = self.selected
        if item is None:
            self.app.notify("Fetch a message first (f).", severity="warning", markup=False)
            return
        if not self.app.allow_change(f"{label} a message"):
            return
        self.settle(label, action, item, *args)

    @work(group="workbench-action", exit_on_error=False)
    async def settle(self, label: str, action: Any, item: WorkItem, *args: Any) -> None:
        try:
            await action(item, *args)
        except WorkError as exc:
            self.app.notify(str(exc), title="Not done", severity="warning", markup=False)
            return
        except Exception as exc:
            self.app.report_error(f"{label} failed", exc)
            return
        self.app.notify(f"Message {item.msg.metadata.sequence.stream}: {item.state} ({item.note}).", markup=False)
        await self._after_action()

    async def _after_action(self) -> None:
        if self.bench is None:
            return
        try:
            await self.bench.refresh()
        except Exception as exc:
            self.app.report_error("reading the consumer failed", exc)
        self._numbers()

    def _selected_seq(self) -> str:
        item = self.selected
        return f"{item.msg.metadata.sequence.stream:,}" if item is not None else "—"

    def action_ack(self) -> None:
        if self.bench:
            self._act("acking", self.bench.ack)

    def action_in_progress(self) -> None:
        if self.bench:
            self._act("marking in progress", self.bench.in_progress)

    def action_nak(self) -> None:
        if self.bench is None or self.selected is None:
            self._act("naking", None)
            return

        def done(value: str | None) -> None:
            if value is None:
                return
            delay: float | None = None
            if value.strip():
                try:
                    from natstui.model.jetstream import parse_duration

                    delay = parse_duration(value)
                except ValueError as exc:
                    self.app.notify(str(exc), severity="warning", markup=False)
                    return
            self._act("naking", self.bench.nak, delay)  # type: ignore[union-attr]

        self.app.push_screen(
            PromptScreen(
                "Redeliver after a delay? (e.g. 10s, 2m; empty: now)",
                not_done=f"Not naked: message {self._selected_seq()} stays as it was.",
            ),
            done,
        )

    def action_term(self) -> None:
        if self.bench is None or self.selected is None:
            self._act("terminating", None)
            return

        def done(value: str | None) -> None:
            if value is not None:
                self._act("terminating", self.bench.term, value.strip())  # type: ignore[union-attr]

        self.app.push_screen(
            PromptScreen(
                "Terminate: no more deliveries. Reason (optional):",
                not_done=f"Not terminated: message {self._selected_seq()} stays as it was.",
            ),
            done,
        )

    def action_open_dead_letter(self) -> None:
        if self.bench is None or not self.bench.dead_letters:
            self.app.notify("No dead letters yet.", markup=False)
            return
        row = self.query_one("#dead-table", DataTable).cursor_row
        letter = self.bench.dead_letters[max(0, min(row, len(self.bench.dead_letters) - 1))]
        self.open_letter(letter)

    @work(exclusive=True, group="workbench-letter", exit_on_error=False)
    async def open_letter(self, letter: DeadLetter) -> None:
        try:
            message = await self.bench.stream_message(letter.stream_seq)  # type: ignore[union-attr]
        except Exception as exc:
            self.app.report_error(f"reading message {letter.stream_seq} failed", exc)
            return
        if message is None:
            self.app.notify(
                f"Message {letter.stream_seq} is no longer in stream {self.stream} "
                "(work-queue streams remove terminated messages).",
                severity="warning",
                markup=False,
            )
            return
        self.query_one(Inspector).show(stored_record(message))

    def action_pause(self) -> None:
        info = self.bench.info if self.bench is not None else {}
        pause_or_resume(self.app, self.stream, self.consumer, info or {}, self.refresh_numbers)

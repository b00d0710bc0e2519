"""The Consumers view: consumers of the selected stream, their configuration and state."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Select, Static

from natstui.client.session import describe_error
from natstui.model.columns import ColumnSpec
from natstui.model.consumer_report import ConsumerReport, ReportRow, sparkline, split_key
from natstui.model.jetstream import age, consumer_details, consumer_row, format_duration
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, ViewScreen
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.consumer_pause import pause_or_resume, pause_text
from natstui.ui.screens.dialog import after
from natstui.ui.textual_internals import set_select_blank_allowed
from natstui.ui.widgets.details import cursor_key, render_sections
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

REFRESH_SECONDS = 3.0
# identity first, then the numbers that matter (pending, ack pending, redelivered), then the configuration
COLUMNS = (
    ColumnSpec("Name", "Name", priority=0, min_width=14, max_width=32),
    ColumnSpec("Kind", "Kind", priority=5, ellipsis=False),
    ColumnSpec("Deliver", "Deliver", priority=10, ellipsis=False),
    ColumnSpec("Ack", "Ack", priority=8, ellipsis=False),
    ColumnSpec("Filter", "Filter", priority=6, min_width=14, max_width=30),
    ColumnSpec("Ack wait", "Ack wait", priority=9, ellipsis=False),
    ColumnSpec("Max dlv", "Max dlv", priority=11, ellipsis=False, justify="right"),
    ColumnSpec("Pending", "Pending", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("Ack pend", "Ack pend", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("Redeliv", "Redeliv", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("Waiting", "Waiting", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("Last dlv", "Last dlv", priority=12, ellipsis=False, justify="right"),
    ColumnSpec("Paused", "Paused", priority=4, ellipsis=False),
)
# the report: every consumer of every stream, the most unprocessed (pending + ack pending) first
REPORT_COLUMNS = (
    ColumnSpec("Stream", "Stream", priority=0, min_width=10, max_width=24),
    ColumnSpec("Consumer", "Consumer", priority=0, min_width=10, max_width=28),
    ColumnSpec("Unprocessed", "Unprocessed", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("Pending", "Pending", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("Ack pend", "Ack pend", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("Redeliv", "Redeliv", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("Waiting", "Waiting", priority=8, ellipsis=False, justify="right"),
    ColumnSpec("Last active", "Last active", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("Dlv/s", "Dlv/s", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("Delivery rate", "Delivery rate", priority=7, ellipsis=False),
)
SPARK_WIDTH = 16


class ConsumersScreen(ViewScreen):
    VIEW_NAME = "consumers"

    BINDINGS = [
        Binding("enter", "workbench", "Workbench", priority=True, id="consumers.workbench"),
        Binding("n", "create", "New", id="consumers.create"),
        Binding("D", "delete", "Delete", id="consumers.delete"),
        Binding("s", "pick_stream", "Stream…", id="consumers.pick_stream"),
        Binding("ctrl+r,f5", "refresh", "Refresh", id="consumers.refresh"),
        Binding("e", "edit", "Edit", id="consumers.edit"),
        Binding("z", "pause", "Pause/resume", id="consumers.pause"),
        Binding("R", "report", "Report", id="consumers.report"),
    ]

    report = False  # the consumer report: every consumer of every stream
    wanted: str | None = None  # a consumer to select once listed (another view asked for it)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="consumers-top", classes="view-title"):
            yield TextLine(Text("Consumers", style="bold"), id="consumers-title")
        yield Select([], prompt="stream", id="consumers-stream", allow_blank=True)
        with Horizontal(id="consumers-body"):
            yield Table(COLUMNS, id="consumers-table", zebra_stripes=True)
            with VerticalScroll(id="consumers-detail"):
                yield Static(Text("Select a consumer.", style="dim"), id="consumers-detail-text")

    def on_mount(self) -> None:
        table = self.query_one("#consumers-table", Table)
        self.consumers: dict[str, dict[str, Any]] = {}
        self.stream_names: list[str] = []
        self.report_model = ConsumerReport()
        self.report_rows: dict[str, ReportRow] = {}
        self.ready = True
        table.focus()
        self.refreshers = (Refresher(self, REFRESH_SECONDS, self.refresh_consumers),)
        self.slow_tick()

    def on_screen_suspend(self) -> None:
        # An open picker never stays open under another screen, to take the keys on return.
        if getattr(self, "ready", False):
            self.query_one("#consumers-stream", Select).expanded = False

    @property
    def stream(self) -> str | None:
        return self.app.selected_stream

    @property
    def selected(self) -> str | None:
        return cursor_key(self.query_one("#consumers-table", DataTable))

    # -- data ---------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.refresh_consumers()

    @work(exclusive=True, group="consumers-list", exit_on_error=False)
    async def refresh_consumers(self) -> None:
        if not self.connected:
            self._title("not connected")
            return
        if self.report:
            await self._refresh_report()
            return
        js = self.app.jetstream()
        try:
            streams = sorted(s["config"]["name"] for s in await js.list_streams())
            self._set_streams(streams)
            if streams and self.stream is None:  # none chosen yet: the first
                self.app.selected_stream = streams[0]
            if self.stream is None:
                self._fill([])
                self._title("no streams in this account")
                return
            if self.stream not in streams:  # asked for (--stream) or deleted meanwhile: said, not replaced
                self._fill([])
                self._title("stream not found; s picks another", error=True)
                return
            infos = await js.list_consumers(self.stream)
        except Exception as exc:
            self._title(self.app.session.safe(describe_error(exc)), error=True)
            return
        self._fill(sorted(infos, key=lambda i: i.get("name", "")))
        self._title()

    def _set_streams(self, names: list[str]) -> None:
        if names == self.stream_names:
            return
        self.stream_names = names
        select = self.query_one("#consumers-stream", Select)
        with self.prevent(Select.Changed):
            # The blank "stream" prompt is only for while no stream is known: once there are
            # streams, every entry of the picker is a stream (Select has no public setter).
            set_select_blank_allowed(select, not names)
            select.set_options([(n, n) for n in names])
            if self.stream in names:
                select.value = self.stream

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK and event.value != self.stream:
            self.app.selected_stream = str(event.value)
            self.refresh_consumers()
            self.query_one("#consumers-table", DataTable).focus()

    def action_pick_stream(self) -> None:
        select = self.query_one("#consumers-stream", Select)
        select.focus()
        select.expanded = True

    def _title(self, note: str = "", error: bool = False) -> None:
        if self.report:
            self._report_title(note, error)
            return
        text = Text.assemble(("Consumers", "bold"))
        if self.stream:
            text.append(" of stream ")
            text.append(escape_line(self.stream), style=palette.name)
            text.append(f"  {len(self.consumers)}")
        if note:
            text.append(f"  {note}", style=palette.error if error else "dim")
        self.query_one("#consumers-title", TextLine).set_text(text)
        select = self.query_one("#consumers-stream", Select)
        if self.stream in self.stream_names and select.value != self.stream:
            with self.prevent(Select.Changed):
                select.value = self.stream

    def _fill(self, infos: list[dict[str, Any]]) -> None:
        table = self.query_one("#consumers-table", Table)
        keep = self.wanted or self.selected
        self.consumers = {i["name"]: i for i in infos}
        if self.wanted in self.consumers:
            self.wanted = None
        rows = []
        for info in infos:
            row = consumer_row(info)
            rows.append(
                (
                    row.name,
                    (
                        Text(escape_line(row.name), style=palette.name),
                        Text(f"{'durable' if row.durable else 'ephemeral'} {'pull' if row.pull else 'push'}"),
                        Text(row.deliver_policy),
                        Text(row.ack_policy),
                        Text(escape_line(row.filters)),
                        Text(format_duration(row.ack_wait) if row.ack_policy != "none" else "—"),
                        Text("∞" if row.max_deliver < 0 else str(row.max_deliver), justify="right"),
                        Text(f"{row.pending:,}", justify="right"),
                        Text(f"{row.ack_pending:,}", justify="right", style=palette.warning if row.ack_pending else ""),
                        Text(f"{row.redelivered:,}", justify="right", style=palette.error if row.redelivered else ""),
                        Text(f"{row.waiting:,}", justify="right"),
                        Text(f"{row.delivered_stream:,}/{row.delivered_consumer:,}", justify="right"),
                        Text(pause_text(info) if row.paused else "", style=palette.warning + BOLD),
                    ),
                )
            )
        table.set_rows(rows)
        if keep in self.consumers:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        name = self.selected
        widget = self.query_one("#consumers-detail-text", Static)
        if self.report:
            row = self.report_rows.get(name) if name else None
            info = row.info if row is not None else None
            empty = "No consumers in this account." if not self.report_rows else "Select a consumer."
        else:
            info = self.consumers.get(name) if name else None
            empty = "No consumers on this stream." if not self.consumers else "Select a consumer."
        if info is None:
            widget.update(Text(empty, style="dim"))
            return
        widget.update(render_sections(consumer_details(info)))

    # -- actions ------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_workbench()

    def _target(self) -> tuple[str | None, str | None]:
        """(stream, consumer) of the selected row (consumer None when no row is selected)."""
        name = self.selected
        if not self.report:
            return self.stream, name
        if name is None:
            return None, None
        return split_key(name)

    def action_workbench(self) -> None:
        stream, name = self._target()
        if name is None or stream is None:
            return
        from natstui.ui.screens.workbench import WorkbenchScreen

        self.app.push_screen(WorkbenchScreen(stream, name))

    def action_create(self) -> None:
        stream = self._target()[0] if self.report else self.stream
        if stream is None or not self.app.allow_change("creating a consumer"):
            return
        from natstui.ui.screens.jetstream_forms import ConsumerCreateScreen

        self.app.push_screen(ConsumerCreateScreen(stream), after(self.refresh_consumers))

    def action_delete(self) -> None:
        stream, name = self._target()
        if name is None or stream is None or not self.app.allow_change(f"deleting consumer {name}"):
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.delete_consumer(stream, name)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete consumer {escape_line(name)} of stream {escape_line(stream)}?",
                confirm_label="Delete consumer",
                not_done=f"Not deleted: consumer {name} of {stream}.",
            ),
            done,
        )

    @work(group="consumers-admin", exit_on_error=False)
    async def delete_consumer(self, stream: str, name: str) -> None:
        try:
            await self.app.jetstream().delete_consumer(stream, name)
        except Exception as exc:
            self.app.report_error(f"deleting consumer {name} failed", exc)
            return
        self.app.notify(f"Consumer {name} deleted.", markup=False)
        self.refresh_consumers()

    def action_edit(self) -> None:
        name, stream = self.selected, self.stream
        if name is None or stream is None or not self.app.allow_change(f"editing consumer {name}"):
            return
        self.open_editor(stream, name)

    @work(exclusive=True, group="consumers-edit", exit_on_error=False)
    async def open_editor(self, stream: str, name: str) -> None:
        """The edit form, filled from the consumer's configuration as the server holds it now."""
        from natstui.ui.screens.jetstream_edit import ConsumerEditScreen

        try:
            config = (await self.app.jetstream().consumer_info(stream, name))["config"]
        except Exception as exc:
            self.app.report_error(f"cannot read consumer {name}", exc)
            return
        self.app.push_screen(ConsumerEditScreen(stream, config), after(self.refresh_consumers))

    def action_pause(self) -> None:
        name, stream = self.selected, self.stream
        if name is None or stream is None:
            return
        pause_or_resume(self.app, stream, name, self.consumers.get(name, {}), self.refresh_consumers)

    # -- the consumer report ----------------------------------------------------------------
    def action_report(self) -> None:
        self.set_report(not self.report)

    def set_report(self, on: bool) -> None:
        """Show the report (every consumer of every stream) or one stream's consumers."""
        if on == self.report:
            return
        self.report = on
        self.query_one("#consumers-stream", Select).display = not on
        table = self.query_one("#consumers-table", Table)
        table.clear(columns=True)
        table.set_columns(REPORT_COLUMNS if on else COLUMNS)
        self.consumers, self.report_rows = {}, {}
        self._title("loading…")
        self._show_detail()
        self.refresh_consumers()

    def show_consumer(self, stream: str, name: str) -> None:
        """Select consumer ``name`` of ``stream`` (now if listed, else once the next listing has it)."""
        self.set_report(False)
        if stream != self.app.selected_stream:
            self.app.selected_stream = stream
        self.wanted = name
        if name in self.consumers:
            table = self.query_one("#consumers-table", Table)
            table.move_cursor(row=table.get_row_index(name), animate=False)
            self.wanted = None
        self.refresh_consumers()

    async def _refresh_report(self) -> None:
        """One poll: the stream list, then each stream's consumers (1 + one request per stream,
        more for a stream with more consumers than a page holds)."""
        js = self.app.jetstream()
        try:
            streams = sorted(s["config"]["name"] for s in await js.list_streams())
            found: list[tuple[str, dict[str, Any]]] = []
            for stream in streams:
                try:
                    infos = await js.list_consumers(stream)
                except Exception:
                    continue  # deleted meanwhile: its consumers went with it
                found.extend((stream, info) for info in infos)
        except Exception as exc:
            self._title(self.app.session.safe(describe_error(exc)), error=True)
            return
        if not self.report:  # left the report while this poll ran
            return
        self._fill_report(self.report_model.update(found, time.monotonic()), len(streams))

    def _report_title(self, note: str = "", error: bool = False) -> None:
        rows = self.report_rows
        text = Text.assemble(("Consumer report", "bold"))
        streams = len({row.stream for row in rows.values()})
        text.append(f"  {len(rows):,} consumers of {streams:,} streams, the most unprocessed first")
        if note:
            text.append(f"  {note}", style=palette.error if error else "dim")
        else:
            text.append("  R: one stream", style="dim")
        self.query_one("#consumers-title", TextLine).set_text(text)

    def _fill_report(self, rows: list[ReportRow], streams: int) -> None:
        table = self.query_one("#consumers-table", Table)
        self.report_rows = {row.key: row for row in rows}
        cells = []
        for row in rows:
            unprocessed_style = palette.warning + BOLD if row.unprocessed else ""
            cells.append(
                (
                    row.key,
                    (
                        Text(escape_line(row.stream), style=palette.name),
                        Text(escape_line(row.name), style=palette.subject),
                        Text(f"{row.unprocessed:,}", justify="right", style=unprocessed_style),
                        Text(f"{row.pending:,}", justify="right"),
                        Text(f"{row.ack_pending:,}", justify="right", style=palette.warning if row.ack_pending else ""),
                        Text(f"{row.redelivered:,}", justify="right", style=palette.error if row.redelivered else ""),
                        Text(f"{row.waiting:,}", justify="right"),
                        Text(age(row.last_active) if row.last_active else "never", justify="right"),
                        Text("…" if row.rate is None else f"{row.rate:,.1f}", justify="right"),
                        Text(sparkline(row.rates, SPARK_WIDTH), style=palette.rate),
                    ),
                )
            )
        table.set_rows(cells)
        self._title()
        self._show_detail()


def open_report(app) -> None:
    """The command palette's "Consumer report": the Consumers view, in its report mode."""

    async def show() -> None:
        await app.switch_mode("consumers")
        screen = app.screen
        if isinstance(screen, ConsumersScreen):
            screen.set_report(True)

    app.run_worker(show(), group="consumer-report", exit_on_error=False)

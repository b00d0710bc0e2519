"""The Streams view: every stream of the account, its configuration and state, and admin actions."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.jetstream import age, stream_details, stream_row
from natstui.model.sanitize import escape_line
from natstui.ui.palette import palette
from natstui.ui.screens.backup import StreamTransfers
from natstui.ui.screens.base import Refresher, ViewScreen
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.dialog import after, when_confirmed
from natstui.ui.widgets.details import cursor_key, render_sections
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

REFRESH_SECONDS = 3.0
# identity first, then the numbers that matter, then the configuration
COLUMNS = (
    ColumnSpec("Name", "Name", priority=0, min_width=16, max_width=32),
    ColumnSpec("Subjects", "Subjects", priority=3, min_width=12, max_width=40),
    ColumnSpec("Retention", "Retention", priority=7, ellipsis=False),
    ColumnSpec("Storage", "Storage", priority=6, ellipsis=False),
    ColumnSpec("R", "R", priority=8, ellipsis=False),
    ColumnSpec("Messages", "Messages", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("Bytes", "Bytes", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("First", "First", priority=9, ellipsis=False, justify="right"),
    ColumnSpec("Last", "Last", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("Cons", "Cons", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("Last msg", "Last msg", priority=5, ellipsis=False, justify="right"),
)


class StreamsScreen(StreamTransfers, ViewScreen):
    VIEW_NAME = "streams"

    BINDINGS = [
        Binding("enter", "browse", "Browse", priority=True, id="streams.browse"),
        Binding("c", "consumers", "Consumers", id="streams.consumers"),
        Binding("n", "create", "New", id="streams.create"),
        Binding("P", "purge", "Purge", id="streams.purge"),
        Binding("D", "delete", "Delete", id="streams.delete"),
        Binding("ctrl+r,f5", "refresh", "Refresh", id="streams.refresh"),
        Binding("e", "edit", "Edit", id="streams.edit"),
        Binding("S", "seal", "Seal", id="streams.seal"),
        Binding("B", "backup", "Backup…", id="streams.backup"),
        Binding("R", "restore", "Restore…", id="streams.restore"),
        Binding("X", "export", "Export…", id="streams.export"),
    ]

    def compose_body(self) -> ComposeResult:
        yield TextLine(Text("Streams", style="bold"), id="streams-title", classes="view-title")
        with Horizontal(id="streams-body"):
            yield Table(COLUMNS, id="streams-table", zebra_stripes=True)
            with VerticalScroll(id="streams-detail"):
                yield Static(Text("Select a stream.", style="dim"), id="streams-detail-text")

    def on_mount(self) -> None:
        table = self.query_one("#streams-table", Table)
        self.streams: dict[str, dict[str, Any]] = {}
        self.error = ""
        self.ready = True
        table.focus()
        self.refreshers = (Refresher(self, REFRESH_SECONDS, self.refresh_streams),)
        self.slow_tick()

    # -- data --------------------------------------------------------------------------
    @property
    def selected(self) -> str | None:
        return cursor_key(self.query_one("#streams-table", DataTable))

    def action_refresh(self) -> None:
        self.refresh_streams()

    @work(exclusive=True, group="streams-list", exit_on_error=False)
    async def refresh_streams(self) -> None:
        if not self.connected:
            self._show_title("not connected")
            return
        try:
            infos = await self.app.jetstream().list_streams()
        except Exception as exc:
            from natstui.client.session import describe_error

            self.error = self.app.session.safe(describe_error(exc))
            self._show_title(self.error, error=True)
            return
        self.error = ""
        self._fill(sorted(infos, key=lambda i: i.get("config", {}).get("name", "")))
        self._show_detail()

    def _show_title(self, note: str = "", error: bool = False) -> None:
        text = Text.assemble(("Streams", "bold"), f"  {len(getattr(self, 'streams', {}))} in the account")
        if note:
            text.append(f"  {note}", style=palette.error if error else "dim")
        self.query_one("#streams-title", TextLine).set_text(text)

    def _fill(self, infos: list[dict[str, Any]]) -> None:
        table = self.query_one("#streams-table", Table)
        keep = self.wanted or self.selected or self.app.selected_stream
        if self.wanted in {i["config"]["name"] for i in infos}:
            self.wanted = None
        self.streams = {i["config"]["name"]: i for i in infos}
        rows = []
        for info in infos:
            row = stream_row(info)
            rows.append(
                (
                    row.name,
                    (
                        Text(escape_line(row.name), style=palette.name),
                        Text(escape_line(row.subjects)),
                        Text(row.retention),
                        Text(row.storage),
                        Text(str(row.replicas)),
                        Text(f"{row.messages:,}", justify="right"),
                        Text(human_size(row.bytes), justify="right"),
                        Text(f"{row.first_seq:,}", justify="right"),
                        Text(f"{row.last_seq:,}", justify="right"),
                        Text(str(row.consumers), justify="right"),
                        Text(age(row.last_ts), justify="right"),
                    ),
                )
            )
        table.set_rows(rows)
        if keep in self.streams:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._show_title()

    wanted: str | None = None  # a stream to select once listed (another view asked for it)

    def show_stream(self, name: str) -> None:
        """Select the stream ``name`` (now if listed, else once the next listing has it)."""
        self.wanted = name
        if name in getattr(self, "streams", {}):
            table = self.query_one("#streams-table", Table)
            table.move_cursor(row=table.get_row_index(name), animate=False)
            self.wanted = None
        self.refresh_streams()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = event.row_key.value if event.row_key is not None else None
        if name is not None and name in getattr(self, "streams", {}):
            changed = self.app.selected_stream != name
            self.app.selected_stream = name
            self._show_detail()
            if changed or "subjects" not in self.streams[name].get("state", {}):
                self.load_detail(name)

    def _show_detail(self) -> None:
        name = self.selected
        info = self.streams.get(name) if name else None
        widget = self.query_one("#streams-detail-text", Static)
        if info is None:
            widget.update(Text("No streams." if not self.streams else "Select a stream.", style="dim"))
            return
        widget.update(render_sections(stream_details(info)))

    @work(exclusive=True, group="streams-detail", exit_on_error=False)
    async def load_detail(self, name: str) -> None:
        """Subjects with counts come from a fuller stream info than the list gives."""
        try:
            info = await self.app.jetstream().stream_info(name, subjects=True)
        except Exception:
            return
        if name == self.selected:
            self.streams[name] = info
            self._show_detail()

    # -- actions --------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_browse()

    def action_browse(self) -> None:
        name = self.selected
        if name is None:
            return
        from natstui.ui.screens.messages import StreamMessagesScreen

        self.app.push_screen(StreamMessagesScreen(name, self.streams[name]))

    def action_consumers(self) -> None:
        if self.selected:
            self.app.selected_stream = self.selected
        self.app.action_show_view("consumers")

    def action_create(self) -> None:
        if not self.app.allow_change("creating a stream"):
            return
        from natstui.ui.screens.jetstream_forms import StreamCreateScreen

        def done(config: dict[str, Any] | None) -> None:
            if config is not None:
                self.app.selected_stream = config["name"]
                self.refresh_streams()

        self.app.push_screen(StreamCreateScreen(), done)

    def action_purge(self) -> None:
        name = self.selected
        if name is None or not self.app.allow_change(f"purging stream {name}"):
            return
        from natstui.ui.screens.jetstream_forms import PurgeScreen

        self.app.push_screen(PurgeScreen(name), after(self.refresh_streams))

    def action_delete(self) -> None:
        name = self.selected
        if name is None or not self.app.allow_change(f"deleting stream {name}"):
            return
        info = self.streams.get(name, {})
        count = int(info.get("state", {}).get("messages", 0))
        question = f"Delete stream {escape_line(name)} and its {count:,} messages? This cannot be undone."

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.delete_stream(name)

        self.app.push_screen(
            ConfirmScreen(
                question, type_to_confirm=name, confirm_label="Delete stream", not_done=f"Not deleted: stream {name}."
            ),
            done,
        )

    @work(group="streams-admin", exit_on_error=False)
    async def delete_stream(self, name: str) -> None:
        try:
            await self.app.jetstream().delete_stream(name)
        except Exception as exc:
            self.app.report_error(f"deleting stream {name} failed", exc)
            return
        self.app.notify(f"Stream {name} deleted.", markup=False)
        self.refresh_streams()

    def action_edit(self) -> None:
        name = self.selected
        if name is None or not self.app.allow_change(f"editing stream {name}"):
            return
        self.open_editor(name)

    @work(exclusive=True, group="streams-edit", exit_on_error=False)
    async def open_editor(self, name: str) -> None:
        """The edit form, filled from the stream's configuration as the server holds it now."""
        from natstui.ui.screens.jetstream_edit import StreamEditScreen

        try:
            config = (await self.app.jetstream().stream_info(name))["config"]
        except Exception as exc:
            self.app.report_error(f"cannot read stream {name}", exc)
            return
        self.app.push_screen(StreamEditScreen(config), after(self.refresh_streams))

    def action_seal(self) -> None:
        name = self.selected
        if name is None or not self.app.allow_change(f"sealing stream {name}"):
            return
        if self.streams.get(name, {}).get("config", {}).get("sealed"):
            self.app.notify(f"Stream {name} is already sealed.", markup=False)
            return
        question = (
            f"Seal stream {escape_line(name)}? It will refuse new messages, deletes and purges, "
            "and the server cannot unseal it. Its messages stay readable."
        )
        self.app.push_screen(
            ConfirmScreen(
                question, type_to_confirm=name, confirm_label="Seal stream", not_done=f"Not sealed: stream {name}."
            ),
            when_confirmed(lambda: self.seal_stream(name)),
        )

    @work(group="streams-admin", exit_on_error=False)
    async def seal_stream(self, name: str) -> None:
        if not self.app.allow_change(f"sealing stream {name}"):
            return
        try:
            await self.app.jetstream().seal_stream(name)
        except Exception as exc:
            self.app.report_error(f"sealing stream {name} failed", exc)
            return
        self.app.notify(f"Stream {name} sealed.", markup=False)
        self.refresh_streams()

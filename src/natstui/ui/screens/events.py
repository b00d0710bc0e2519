"""The Events view: the system's own events (JetStream advisories and metrics, connections, auth
errors, servers going away), one line each in words, the full JSON in the inspector."""

from __future__ import annotations

import inspect
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Select

from natstui.client.events import EventSources
from natstui.model.events import KIND_NAMES, KINDS, Event, EventIndex
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.widgets.events import EventList, kind_style
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import TextLine, WrapLine

NO_SYSTEM = "connections, auth errors and servers need the system account: --system-context NAME or --system-creds FILE"
ALL = "all"


class EventsScreen(ViewScreen):
    VIEW_NAME = "events"

    BINDINGS = [
        Binding("enter", "jump", "Go to", priority=True, id="events.jump"),
        Binding("slash", "pick_kind", "Kind…", id="events.kind"),
        Binding("f", "follow", "Follow", id="events.follow"),
        Binding("v", "cycle_view", "Payload view", id="events.cycle_view"),
        Binding("escape", "clear_kind", "All kinds", show=False, id="events.clear_kind"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sources = EventSources()
        self.index = EventIndex(self.sources.store)
        self.system_reason = ""  # why the system account's events are not shown ("" when they are)
        self._following_busy = False
        self._title_key: tuple | None = None

    def compose_body(self) -> ComposeResult:
        yield TextLine(Text("Events", style="bold"), id="events-title", classes="view-title")
        with Horizontal(id="events-bar"):
            options = [
                (Text.assemble((f"{name:<11}", kind_style(name)), (about, "dim")), name) for name, about in KINDS
            ]
            yield Select([("every kind", ALL), *options], value=ALL, allow_blank=False, id="events-kind")
            yield WrapLine(id="events-system")
        with Horizontal(id="events-body"):
            yield EventList(self.index, id="events-list")
            yield Inspector(id="events-inspector")

    def on_mount(self) -> None:
        self.list = self.query_one(EventList)
        self.inspector = self.query_one(Inspector)
        self.list.focus()
        self.ready = True
        self._update_title()
        self._check_sources()
        # Also while another view is shown (a screen's timers run under another mode): after a new
        # connection the events are collected again without the view being opened again.
        self.set_interval(1.0, self._check_sources, name="events-sources")

    # -- the feeds: the user's connection, and the system account's ------------------------------
    def slow_tick(self) -> None:
        super().slow_tick()
        self._update_title()

    def _check_sources(self) -> None:
        if not self._following_busy and self.connected:
            session_nc = self.app.session.nc
            if self.sources.jetstream.nc is not session_nc or self._system_changed():
                self._following_busy = True
                self.follow_sources()

    def _system_changed(self) -> bool:
        access = getattr(self, "_access", None)
        return access is not None and getattr(access, "nc", None) is not self.sources.system.nc

    async def _system_access(self) -> Any:
        """The app's system-account access (``app.system_access()``), or None where the app has none."""
        get = getattr(self.app, "system_access", None)
        if get is None:
            return None
        access = get()
        if inspect.isawaitable(access):
            access = await access
        return access

    @work(exclusive=True, group="events-follow", exit_on_error=False)
    async def follow_sources(self) -> None:
        try:
            access = await self._system_access()
            self._access = access
            system_nc = getattr(access, "nc", None)
            self.system_reason = "" if system_nc is not None else (getattr(access, "reason", "") or NO_SYSTEM)
            await self.sources.follow(self.app.session.nc, system_nc)
        finally:
            self._following_busy = False
        self._update_title()

    # -- drawing --------------------------------------------------------------------------------
    def tick(self) -> None:
        self.list.sync()

    def _update_title(self) -> None:
        index, sources = self.index, self.sources
        store = sources.store
        key = (
            len(index),
            store.total,
            index.kind,
            self.list.following if self.is_mounted else True,
            self.system_reason,
            sources.jetstream.error,
            sources.system.error,
            self.connected,
        )
        if key == self._title_key:
            return
        self._title_key = key
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Events", style="bold")
        if index.kind:
            title.append(f"  {len(index):,} of {len(store):,}  ")
            title.append(f"kind {index.kind}", style=kind_style(index.kind))
        else:
            title.append(f"  {len(store):,}")
        if store.total > len(store):
            title.append(f" (the newest {store.capacity:,} kept; {store.total:,} in all)", style=palette.muted)
        if not self.list.following and len(index):
            title.append("  f follows", style=palette.name)
        self.query_one("#events-title", TextLine).set_text(title)
        line = Text(no_wrap=True, overflow="ellipsis")
        if not self.connected:
            line.append("Not connected: events need a server.", style=palette.warning)
        elif sources.jetstream.error:
            line.append(escape_line(self.app.session.safe(sources.jetstream.error)), style=palette.error + BOLD)
        elif sources.system.error:
            line.append(escape_line(self.app.session.safe(sources.system.error)), style=palette.error + BOLD)
        elif self.system_reason:
            line.append("JetStream only: ", style=palette.muted)
            WrapLine.wrapping(line).append(escape_line(self.system_reason), style=palette.warning)
        else:
            WrapLine.wrapping(line).append(
                "advisories, metrics, connections, auth errors, servers", style=palette.muted
            )
        self.query_one("#events-system", WrapLine).set_text(line)

    # -- the inspector ----------------------------------------------------------------------------
    def on_event_list_selected(self, message: EventList.Selected) -> None:
        record = message.record
        if record is not None and record.sections is None:
            event = self.list.event(record.seq)
            if event is not None:
                record.sections = [("Event", _event_rows(event))]
        self.inspector.show(record)

    def action_cycle_view(self) -> None:
        self.inspector.action_cycle_view()

    def action_follow(self) -> None:
        self.list.action_last()

    # -- the kind filter -------------------------------------------------------------------------
    def action_pick_kind(self) -> None:
        select = self.query_one("#events-kind", Select)
        select.focus()
        select.expanded = True

    def action_clear_kind(self) -> None:
        self.query_one("#events-kind", Select).value = ALL

    @on(Select.Changed, "#events-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        kind = None if event.value in (ALL, Select.BLANK) else str(event.value)
        self.set_kind(kind)
        self.list.focus()

    def set_kind(self, kind: str | None) -> None:
        if kind is not None and kind not in KIND_NAMES:
            raise ValueError(f"not a kind of event: {kind}")
        self.index.update()  # what arrived is classified before the rows are rebuilt
        self.index.set_kind(kind)
        self.list.reset()
        self._update_title()

    def on_screen_suspend(self) -> None:
        if self.ready:
            self.query_one("#events-kind", Select).expanded = False

    # -- enter: what the event names ----------------------------------------------------------------
    def action_jump(self) -> None:
        seq = self.list.cursor_seq
        event = self.list.event(seq) if seq is not None else None
        if event is None:
            self.notify("Select an event first.", markup=False)
            return
        target = event.target
        if target == "" and event.gone:
            self.notify(f"The {event.gone} was deleted: there is nothing to open.", markup=False)
        elif target == "":
            self.notify("This event names no stream, consumer or connection.", markup=False)
        elif target == "connection":
            self.jump_to_connection(event)
        else:
            self.jump_to_jetstream(event)

    @work(group="events-jump", exit_on_error=False)
    async def jump_to_jetstream(self, event: Event) -> None:
        app = self.app
        app.selected_stream = event.stream
        mode = "consumers" if event.consumer else "streams"
        await app.switch_mode(mode)
        screen = app.screen
        show = getattr(screen, "show_consumer" if event.consumer else "show_stream", None)
        if show is not None:
            show(*([event.stream, event.consumer] if event.consumer else [event.stream]))

    @work(group="events-jump", exit_on_error=False)
    async def jump_to_connection(self, event: Event) -> None:
        app = self.app
        where = f"connection cid {event.cid}" + (f" on server {event.server}" if event.server else "")
        if event.cid is None:
            self.notify(f"This event names no connection id ({where}).", markup=False)
            return
        await app.switch_mode("connections")
        show = getattr(app.screen, "show_connection", None)
        if show is not None:
            show(event.cid, event.server)


def _event_rows(event: Event) -> list[tuple[str, str]]:
    rows = [("Kind", event.kind), ("Type", event.type or "—"), ("In words", event.text)]
    if event.stream:
        rows.append(("Stream", event.stream))
    if event.consumer:
        rows.append(("Consumer", event.consumer))
    if event.cid is not None:
        rows.append(("Connection", f"cid {event.cid}"))
    if event.server:
        rows.append(("Server", event.server))
    if event.account:
        rows.append(("Account", event.account))
    target = {"stream": "the stream", "consumer": "the consumer", "connection": "the connection"}.get(event.target)
    if target:
        rows.append(("enter", f"goes to {target}"))
    return rows

"""nats CLI contexts in the app: list them, switch to one without restarting, create and edit them.

A switch is a new connection and a new start for every view: the views of the first system
are taken down (their screens, subscriptions, watches, scans, dialogs) and built again for
the new one, and the live buffer starts empty, so nothing of the first system stays on screen.
While the new connection is made, and if it fails, the ``context`` mode's screen says so, with
the way back to the previous connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, Static

from natstui.client.session import ConnState
from natstui.client.system import SystemLink
from natstui.config import ConfigError, ConnectionSettings, resolve_connection, resolve_system
from natstui.contexts import (
    EDITABLE,
    ContextSummary,
    list_contexts,
    read_context,
    save_context,
    select_context,
    valid_name,
)
from natstui.contexts import selected as selected_context
from natstui.model.columns import ColumnSpec
from natstui.model.sanitize import escape_line, redact_url
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.dialog import Dialog
from natstui.ui.screens.jetstream_forms import FormScreen
from natstui.ui.views import VIEWS
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

if TYPE_CHECKING:
    from natstui.ui.app import NatsTuiApp

SWITCH_MODE = "context"  # the mode shown while switching, and after a failed switch


def connection_label(settings: ConnectionSettings | None) -> str:
    """How a connection is named to the user: its context, else its servers (no user info)."""
    if settings is None:
        return ""
    return escape_line(settings.context) if settings.context else settings.display_servers


# -- switching ------------------------------------------------------------------------------------
def switch_to_context(app: NatsTuiApp, name: str) -> None:
    """Connect every view to the nats CLI context ``name`` (read afresh from its file)."""
    try:
        settings = resolve_connection(context=name)
    except ConfigError as exc:
        app.notify(f"Cannot use context {escape_line(name)}: {exc}", severity="error", timeout=10, markup=False)
        return
    settings.name = app.settings.connection.name
    switch_connection(app, settings)


def switch_connection(app: NatsTuiApp, settings: ConnectionSettings) -> None:
    if not app._connect:
        app.notify("No connection to switch: this is a recording or an offline view.", severity="warning")
        return
    app.run_worker(
        _switch(app, settings), group="connection", exclusive=True, exit_on_error=False, name="switch-context"
    )


def back_to_previous(app: NatsTuiApp) -> None:
    previous = app.previous_connection
    if previous is None:
        app.notify("No previous connection to go back to.", severity="warning", markup=False)
        return
    switch_connection(app, previous)


def system_settings_for(app: NatsTuiApp, settings: ConnectionSettings) -> ConnectionSettings | None:
    """The system account connection to use with ``settings``: the one given at start for the first
    connection, else the ``system_context``/``system_creds`` keys of the context (None without)."""
    if settings is app.first_connection:
        return app.first_system
    try:
        return resolve_system(settings)
    except ConfigError:
        return None


async def _switch(app: NatsTuiApp, settings: ConnectionSettings) -> None:
    from natstui.client.feed import LiveFeed
    from natstui.client.session import ConnectError, Session
    from natstui.model.monitor import Monitor
    from natstui.model.store import RingStore
    from natstui.model.view import StreamView

    view_modes = {v.mode for v in VIEWS}
    if app.current_mode in view_modes:
        app.return_mode = app.current_mode
    old = app.settings.connection
    if old is not settings:
        app.previous_connection = old
    app.switch_error = ""
    app.switching = True  # until the new session is in place: the first one is not the one to wait for
    # 1. The switch screen, then every view taken down (screens, dialogs, watches, workers)
    # and made again from scratch the next time it is shown.
    if SWITCH_MODE not in app._modes:
        app.add_mode(SWITCH_MODE, SwitchScreen)
    await app.switch_mode(SWITCH_MODE)
    for view in VIEWS:
        if view.mode in app._modes and view.mode != app.current_mode:
            await app.remove_mode(view.mode)
            app.add_mode(view.mode, view.factory())
    # 2. The first connection closed; a new session, an empty buffer. The live subscriptions open
    # now (added or changed in the Subscriptions view) are made again on the new one; a responder
    # is not: it would answer requests of the other system.
    carried = [entry.spec for entry in app.feed.entries if entry.responder is None and not entry.finished]
    old_session = app.session
    try:
        await app.feed.stop()
    except Exception:
        pass
    await old_session.close()
    store = app.store
    app.store = RingStore(store.capacity, clock=store.clock)
    app.monitor = Monitor(app.store, clock=app.monitor.clock)
    app.view = StreamView(app.store)
    app.settings.connection = settings
    app.session = Session(settings)
    app.session.error_listeners.append(app._on_session_error)
    app.feed = LiveFeed(
        app.session, app.store, app.settings.subjects, app.settings.queue, specs=carried or app.settings.subscriptions
    )
    app._jetstream = None
    # the system account of the new system: its context's own system keys (the --system-* flags
    # given at start belong to the first connection, and come back with it)
    await app.system_link.close()
    app.system_link = SystemLink(system_settings_for(app, settings))
    app.selected_stream = None
    app.switching = False
    app.refresh_status()
    # 3. Connect; the switch screen moves on to the view once connected, or says why not.
    try:
        await app.session.connect()
        await app.feed.start()
    except ConnectError as exc:
        app.switch_error = str(exc)
        app.refresh_status()
        return
    except Exception as exc:  # a server error while subscribing, e.g. a permission
        app.switch_error = app.session.safe(f"subscribe failed: {exc}")
        return
    app.notify(f"Switched to {connection_label(settings)} ({app.session.server_url}).", markup=False)
    screen = app.screen
    if isinstance(screen, SwitchScreen):
        screen.move_on()
    await app.session.measure_rtt()


class SwitchScreen(ViewScreen):
    """Shown while a new connection is made, and after it failed: what, why, and the ways out."""

    VIEW_NAME = SWITCH_MODE
    BINDING_GROUP_TITLE = "Switching context"
    DEFAULT_CSS = """
    SwitchScreen #switch-title { padding: 1 2 0 2; }
    SwitchScreen #switch-body { padding: 1 2; height: auto; }
    """
    BINDINGS = [
        Binding("b", "back", "Back to previous", id="context_switch.back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield TextLine(id="switch-title", classes="view-title")
        yield Static(id="switch-body")

    def on_mount(self) -> None:
        self._key: Any = None
        self.ready = True
        self.slow_tick()

    def slow_tick(self) -> None:
        app = self.app
        if app.switching:
            return
        if app.session.connected and app.feed.ready:
            self.move_on()  # connected again (e.g. r after a failure)
            return
        state = app.session.state
        failed = state in (ConnState.FAILED, ConnState.CLOSED) or (
            state is ConnState.CONNECTED and bool(app.switch_error)
        )
        key = (failed, app.switch_error, app.session.error, connection_label(app.settings.connection))
        if key == self._key:
            return
        self._key = key
        target = connection_label(app.settings.connection)
        previous = connection_label(app.previous_connection)
        title = Text(no_wrap=True, overflow="ellipsis")
        body = Text()
        if failed:
            title.append(f"Cannot connect to {target}", style=palette.error + BOLD)
            body.append(app.session.error or app.switch_error or "the connection failed", style=palette.error)
            body.append("\n\nNothing is connected. ")
            body.append("r", style="bold")
            body.append(" tries again")
            if previous:
                body.append(", ")
                body.append("b", style="bold")
                body.append(f" goes back to {previous}")
            body.append(", ")
            body.append("C", style="bold")
            body.append(" chooses another context.")
        else:
            title.append(f"Connecting to {target}…", style=palette.warning + BOLD)
            body.append(f"Servers: {app.settings.connection.display_servers}", style="dim")
        self.query_one("#switch-title", TextLine).set_text(title)
        self.query_one("#switch-body", Static).update(body)

    def move_on(self) -> None:
        app = self.app
        mode = app.return_mode if app.return_mode in app._modes else "live"
        if app.current_mode == SWITCH_MODE:
            app.switch_mode(mode)

    def action_back(self) -> None:
        back_to_previous(self.app)


# -- the list -------------------------------------------------------------------------------------
COLUMNS = (
    ColumnSpec("state", "In use", priority=0, min_width=6, ellipsis=False),
    ColumnSpec("name", "Name", priority=1, min_width=8, max_width=24),
    ColumnSpec("url", "Server", priority=2, min_width=28, max_width=48),  # host and port whole at 80 columns
    ColumnSpec("credentials", "Credentials", priority=3, min_width=8, max_width=24),
    ColumnSpec("description", "Description", priority=4, min_width=10, max_width=40),
)


def open_contexts(app: NatsTuiApp) -> None:
    app.push_screen(ContextsScreen())


class ContextsScreen(Dialog[None]):
    """The nats CLI's contexts: Enter switches, s selects for the nats CLI, n/e create/edit, b goes back."""

    BINDING_GROUP_TITLE = "Contexts"
    DEFAULT_CSS = """
    ContextsScreen { align: center middle; }
    ContextsScreen #contexts-box {
        width: 120; max-width: 96%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ContextsScreen #contexts-table { height: auto; max-height: 16; margin: 1 0 0 0; }
    ContextsScreen #contexts-info, ContextsScreen #contexts-keys { margin-top: 1; }
    """
    BINDINGS = [
        Binding("s", "select", "Select for nats CLI", id="contexts.select"),
        Binding("n", "new", "New", id="contexts.new"),
        Binding("e", "edit", "Edit", id="contexts.edit"),
        Binding("b", "back", "Back to previous", id="contexts.back"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="contexts-box"):
            yield Static(Text("nats CLI contexts", style="bold"), id="contexts-title")
            self.table = Table(COLUMNS, id="contexts-table", zebra_stripes=True)
            yield self.table
            yield TextLine(id="contexts-info")
            yield Static(
                Text.assemble(
                    ("Enter", "bold"),
                    " switch  ",
                    ("s", "bold"),
                    " select for nats CLI  ",
                    ("n", "bold"),
                    " new  ",
                    ("e", "bold"),
                    " edit  ",
                    ("b", "bold"),
                    " previous  ",
                    ("Esc", "bold"),
                    " close",
                ),
                id="contexts-keys",
            )

    def on_mount(self) -> None:
        self.contexts: list[ContextSummary] = []
        self.fill()
        self.table.focus()

    def fill(self, cursor: str | None = None) -> None:
        app = self.app
        self.contexts = list_contexts()
        chosen = selected_context()
        current = app.settings.connection.context
        previous = app.previous_connection.context if app.previous_connection else None
        highlighted = self.highlighted if self.table.row_count else None
        keep = cursor or (highlighted.name if highlighted else None) or current
        self.table.clear()
        for ctx in self.contexts:
            marks = [m for m, on in (("current", ctx.name == current), ("selected", ctx.name == chosen)) if on]
            if not marks and ctx.name == previous:
                marks.append("previous")
            state = Text(", ".join(marks), style=palette.ok + BOLD if "current" in marks else "")
            self.table.add_row(
                state,
                Text(ctx.name, style="bold" if ctx.name == current else ""),
                Text(ctx.error or ctx.url, style=palette.error if ctx.error else ""),
                Text(ctx.credentials, style="dim"),
                Text(ctx.description),
                key=ctx.name,
            )
        names = [c.name for c in self.contexts]
        if keep in names:
            self.table.move_cursor(row=names.index(keep))
        info = Text(no_wrap=True, overflow="ellipsis")
        if not self.contexts:
            info.append("No context yet: n creates one (the nats CLI reads it too).", style="dim")
        else:
            where = f"Now: {connection_label(app.settings.connection)}"
            info.append(where, style="dim")
        self.query_one("#contexts-info", TextLine).set_text(info)

    @property
    def highlighted(self) -> ContextSummary | None:
        row = self.table.cursor_row
        return self.contexts[row] if 0 <= row < len(self.contexts) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        ctx = self.highlighted
        if ctx is None:
            return
        if ctx.error:
            self.app.notify(ctx.error, severity="error", markup=False)
            return
        self.dismiss(None)
        switch_to_context(self.app, ctx.name)

    def action_select(self) -> None:
        ctx = self.highlighted
        if ctx is None:
            return
        try:
            select_context(ctx.name)
        except ConfigError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.app.notify(f"{ctx.name} is now the nats CLI's selected context.", markup=False)
        self.fill(ctx.name)

    def action_new(self) -> None:
        self.app.push_screen(ContextFormScreen(None), self._saved)

    def action_edit(self) -> None:
        ctx = self.highlighted
        if ctx is None:
            return
        try:
            raw = read_context(ctx.name)
        except ConfigError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(ContextFormScreen(ctx.name, raw), self._saved)

    def _saved(self, name: Any) -> None:
        if isinstance(name, str):
            self.fill(name)

    def action_back(self) -> None:
        if self.app.previous_connection is None:
            self.app.notify("No previous connection to go back to.", severity="warning", markup=False)
            return
        self.dismiss(None)
        back_to_previous(self.app)


class ContextFormScreen(FormScreen):
    """Create or edit a context, written in the nats CLI's format; the fields not shown are kept."""

    SUBMIT = "Save"
    KEEP_DRAFT = False

    def __init__(self, name: str | None, raw: dict[str, object] | None = None) -> None:
        self.context_name = name
        self.raw = raw or {}
        self.TITLE_TEXT = f"Edit context {escape_line(name)}" if name else "New context"
        self.FIELDS = {"name": "ctx-name", **{key: f"ctx-{key}" for key in EDITABLE}}
        super().__init__()

    def cancel_notice(self) -> str:
        return "Not saved: the context file is unchanged." if self.context_name else "No context created."

    def compose_fields(self) -> ComposeResult:
        # One line a field (compact inputs), so that the whole form fits in an 80x24 terminal.
        yield Label("Name")
        yield Input(
            self.context_name or "", id="ctx-name", placeholder="prod", disabled=bool(self.context_name), compact=True
        )
        for key, label in EDITABLE.items():
            value = self.raw.get(key)
            text = "" if value is None else str(value)
            if key == "url":
                text = self.shown_url  # never a password: the URL's user info is kept unless the URL is changed
            yield Label(label)
            yield Input(text, id=f"ctx-{key}", compact=True)

    @property
    def shown_url(self) -> str:
        url = str(self.raw.get("url") or "")
        return ",".join(redact_url(u.strip()) for u in url.split(",")) if url else ""

    def mounted(self) -> None:
        for label in self.query(".form-grid Label"):
            label.styles.padding = (0, 0, 0, 0)  # the forms' labels line up with three-line inputs
        self.query_one(".form-grid").styles.grid_gutter_vertical = 1
        self.query_one(".form-dialog").styles.max_width = "96%"  # an 80-column terminal holds it whole
        if self.context_name:
            self.query_one("#ctx-url", Input).focus()

    def build(self) -> Any:
        from pathlib import Path

        name = self.value("ctx-name").strip()
        if not valid_name(name):
            raise ValueError("a name is needed: no '..', no '/', not starting with '.'")
        values = {key: self.value(f"ctx-{key}").strip() for key in EDITABLE}
        if self.raw.get("url") and values["url"] == self.shown_url:
            del values["url"]  # unchanged: the file keeps the URL as it was, user info included
        for key in ("creds", "nkey", "cert", "key", "ca"):
            path = values[key]
            if path and not Path(path).expanduser().is_file():
                raise ValueError(f"{EDITABLE[key].lower()}: no such file: {path}")
        if bool(values["cert"]) != bool(values["key"]):
            raise ValueError("a TLS client certificate needs its key, and a key its certificate")
        return name, values

    def submit(self) -> None:
        try:
            name, values = self.build()
        except ValueError as exc:
            self.show_error(escape_line(str(exc)))
            return
        if self.context_name is None:
            from natstui.contexts import context_path

            if context_path(name).exists():
                self.show_error(f"a context named {name} exists already: edit it with e")
                return
        try:
            path = save_context(name, values)
        except ConfigError as exc:
            self.show_error(str(exc))
            return
        note = f"Saved context {name} ({path})."
        if name == self.app.settings.connection.context:
            note += " Switch to it again (Enter) to use the changes."
        self.app.notify(note, markup=False)
        self.dismiss(name)

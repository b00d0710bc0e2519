"""The natstui App: owns the session and the model, routes views and actions."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from natstui.client.feed import LiveFeed
from natstui.client.session import ConnectError, ConnState, Session, describe_error
from natstui.client.system import SystemAccess, SystemLink
from natstui.config import ConfigError, Settings, load_layout, read_theme_setting, save_layout, save_setting
from natstui.model import timefmt
from natstui.model.monitor import Monitor
from natstui.model.store import RingStore
from natstui.model.view import StreamView
from natstui.ui.palette import palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.help import HelpScreen
from natstui.ui.textual_internals import is_closing, mode_is_built
from natstui.ui.views import ACTIONS, VIEWS
from natstui.ui.widgets.status import StatusBar

if TYPE_CHECKING:
    from natstui.client.jetstream import JetStream
    from natstui.config import ConnectionSettings

FRAME_RATE = 20  # stream redraws per second
# The live buffer holds ~3 objects the cyclic garbage collector tracks per message; with 100,000
# messages each of its full passes takes ~0.3 s, and at a firehose they come every second. Objects
# that survived a while are frozen out of those passes (they are still freed by reference counting
# when the buffer drops them). Cycles that die after being frozen (drawing leaves some: ~3 bytes a
# message under a firehose) are reclaimed by a thaw and one full pass a minute.
GC_FREEZE_SECONDS = 0.25
GC_THAW_SECONDS = 60.0
GC_FREEZE_MIN_BUFFERED = 20_000
SLOW_RATE = 4  # status bar updates per second; the subject tree takes every other one


class NatsTuiApp(App):
    CSS_PATH = "natstui.tcss"
    TITLE = "natstui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        # publishing before the view keys: those fill the footer's end, cut first on a narrow terminal
        *[Binding(a.key, f"run_global('{a.name}')", a.footer, id=f"app.{a.name}") for a in ACTIONS if a.key],
        *[Binding(v.key, f"show_view('{v.mode}')", v.footer, id=f"app.view.{v.mode}") for v in VIEWS if v.key],
        Binding("r", "reconnect", "Reconnect", show=False, id="app.reconnect"),
        Binding("C", "contexts", "Contexts", show=False, id="app.contexts"),
    ]

    MODES = {v.mode: v.factory() for v in VIEWS}
    # Below 140 columns the inspector moves under the stream.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: RingStore | None = None,
        clock: Callable[[], float] = time.time,
        connect: bool = True,
        offline_label: str = "",
    ) -> None:
        # What was imported so far (modules, classes, functions: ~40,000 objects) lives as long
        # as the process: out of the garbage collector's passes, start-up spends ~40 ms less in them.
        gc.freeze()
        super().__init__()
        self.offline_label = offline_label  # shown instead of a server URL when offline (e.g. a recording)
        self.settings = settings or Settings()
        timefmt.set_utc(self.settings.utc)
        self.store = store or RingStore(self.settings.buffer, clock=clock)
        self.monitor = Monitor(self.store, clock=clock)
        self.view = StreamView(self.store)
        self.session = Session(self.settings.connection)
        self.session.offline = not connect
        self.session.error_listeners.append(self._on_session_error)
        self.feed = LiveFeed(
            self.session,
            self.store,
            self.settings.subjects,
            self.settings.queue,
            specs=self.settings.subscriptions,
            count=self.settings.count,
        )
        self._connect = connect
        self.last_refusal = ""  # the newest read-only refusal, as shown
        self.selected_stream: str | None = None  # shared by the Streams and Consumers views
        self._jetstream: JetStream | None = None
        self.system_link = SystemLink(self.settings.system)
        # the connection and system account given at start (a context switch may come back to them)
        self.first_connection, self.first_system = self.settings.connection, self.settings.system
        self.decoder_rules, self.keymap, self._config_warnings = _load_config(self.settings)
        if any(rule.json_schema for rule in self.decoder_rules):  # the stream marks what fails its schema
            from natstui.validity import Validity

            if Validity.wanted(self.decoder_rules):
                self.view.validity = Validity(self.decoder_rules)
        # Pane widths the user chose (the config file's [layout] table), changed by the views.
        self.pane_widths = load_layout()
        self._saved_pane_widths = dict(self.pane_widths)
        self._theme_chosen = False  # True once started: a theme set after that is the user's choice
        self._start_theme()
        # Contexts (ui/screens/contexts.py): the connection before the last switch, the view to
        # return to once the new one is made, why the last switch failed.
        self.previous_connection: ConnectionSettings | None = None
        self.return_mode = "live"
        self.switch_error = ""
        self.switching = False

    # -- lifecycle -----------------------------------------------------------------
    def on_load(self) -> None:
        palette.use(self.current_theme)
        # Connecting waits on the network; started before the first screen is built, it is
        # done by the time that screen is drawn.
        self._mounted = asyncio.Event()
        if self._connect:
            self.connect_to_server()

    def on_mount(self) -> None:
        self.switch_mode("live")
        self._mounted.set()
        if self.keymap:
            self.set_keymap(self.keymap)
        self._theme_chosen = True
        for warning in self._config_warnings:
            self.notify(warning, title="Config file", severity="warning", timeout=10, markup=False)
        self.set_interval(1 / FRAME_RATE, self._tick, name="frame")
        self.set_interval(1 / SLOW_RATE, self._slow_tick, name="slow")
        self.set_interval(1.0, self.monitor.sample, name="rates")
        self.set_interval(GC_FREEZE_SECONDS, self._manage_gc, name="gc")
        self._gc_thawed = time.monotonic()
        if self._connect:
            self.set_interval(2.0, self._measure_rtt, name="rtt")

    async def on_unmount(self) -> None:
        gc.unfreeze()
        await self.system_link.close()
        await self.session.close()

    def _manage_gc(self) -> None:
        if len(self.store) < GC_FREEZE_MIN_BUFFERED:
            return
        now = time.monotonic()
        if now - self._gc_thawed > GC_THAW_SECONDS:
            gc.unfreeze()
            gc.collect()  # not left to the collector: the next freeze would come before its full pass
            self._gc_thawed = time.monotonic()
        else:
            gc.freeze()

    def _current_view(self) -> ViewScreen | None:
        """The visible view, or None (also while the app shuts down and its screen stacks are gone)."""
        if is_closing(self) or not self.is_running:  # not running: shutting down, its screens being taken apart
            return None
        try:
            screen = self.screen
        except Exception:  # ScreenStackError between the stacks' clearing and the timers' stop
            return None
        return screen if isinstance(screen, ViewScreen) and screen.ready else None

    def _view_under_modals(self) -> ViewScreen | None:
        """The topmost view of the screen stack: the current one, or the one under open dialogs."""
        if is_closing(self) or not self.is_running:
            return None
        try:
            stack = self.screen_stack
        except Exception:  # the stacks are being taken apart
            return None
        for screen in reversed(stack):
            if isinstance(screen, ViewScreen):
                return screen if screen.ready else None
        return None

    def _tick(self) -> None:
        self.monitor.pump()
        screen = self._current_view()
        if screen is not None:
            screen.tick()

    def _slow_tick(self) -> None:
        screen = self._current_view()
        if screen is not None:
            screen.slow_tick()
        self.refresh_status()  # also under a dialog (compose, reply, a form): the view's status bar stays true

    def refresh_status(self, screen: ViewScreen | None = None) -> None:
        """Redraw the status bar of a view (by default the topmost one, under any dialog) from the session and the model."""
        screen = screen or self._view_under_modals()
        if screen is None:
            return
        session = self.session
        state = session.state
        try:
            bar = screen.query_one(StatusBar)
        except Exception:
            return
        bar.update_status(
            state=state,
            url=self.offline_label if state is ConnState.OFFLINE else session.server_url,
            server_name=session.server_name if state is ConnState.CONNECTED else "",
            rtt=session.rtt,
            rate=self.monitor.rate,
            total=self.store.total,
            dropped=session.total_dropped,
            paused=self.view.paused,
            read_only=self.settings.read_only,
            error=session.error,
            context=self.settings.connection.context or "",
        )

    def _measure_rtt(self) -> None:
        # Not exclusive: cancelling a PING wait would break nats-py (see Session.measure_rtt).
        self.run_worker(self.session.measure_rtt(), group="rtt", exit_on_error=False)

    @work(exclusive=True, group="connection", exit_on_error=False)
    async def connect_to_server(self) -> None:
        try:
            await self.session.connect()
            self.refresh_status()  # connected: said at once; the stream's header says when it is subscribed
            await self.feed.start()
            self._slow_tick()  # the round-trip time follows
            await self.session.measure_rtt()
            await self._mounted.wait()
            self._open_requested()
        except ConnectError as exc:
            self.notify(f"{exc}\nPress r to retry.", title="Not connected", severity="error", timeout=15, markup=False)
            return
        except Exception as exc:  # a server error while subscribing, e.g. a permission
            self.notify(self.session.safe(f"subscribe failed: {exc}"), severity="error", timeout=15, markup=False)
            return
        self._slow_tick()

    def _open_requested(self) -> None:
        """``--stream S [--consumer C]``: start on that stream's consumers, or in the consumer's workbench."""
        stream, consumer = self.settings.stream, self.settings.consumer
        if not stream:
            return
        self.settings.stream = self.settings.consumer = None  # only on the first connection
        self.selected_stream = stream
        self.switch_mode("consumers")
        if consumer:
            from natstui.ui.screens.workbench import WorkbenchScreen

            self.push_screen(WorkbenchScreen(stream, consumer))

    def _on_session_error(self, text: str) -> None:
        severity: SeverityLevel = "information" if text.startswith("reconnected to ") else "warning"
        self.notify(text, severity=severity, timeout=6, markup=False)

    # -- theme ------------------------------------------------------------------------------
    def _start_theme(self) -> None:
        """The theme of ``--theme``, else the one last chosen (``theme`` in config.toml); a name
        that is not a theme is a warning and Textual's default theme is used."""
        name, source = self.settings.theme, "--theme"
        if name is None:
            source = "theme in config.toml"
            try:
                name = read_theme_setting()
            except ConfigError as exc:
                self._config_warnings.append(f"theme ignored: {exc}")
                return
        if not name:
            return
        if name not in self.available_themes:
            self._config_warnings.append(
                f"unknown theme {name!r} ({source}) ignored; themes: {', '.join(sorted(self.available_themes))}"
            )
            return
        self.theme = name

    def watch_theme(self, name: str) -> None:
        """A new theme: recompute the palette before the screens are restyled, and remember a
        theme the user chose (in the command palette) for the next start."""
        palette.use(self.current_theme)
        if not self._theme_chosen:
            return
        try:
            save_setting("theme", name)
        except ConfigError as exc:
            self.notify(f"Theme not saved: {exc}", title="Config file", severity="warning", markup=False)

    def save_pane_widths(self) -> None:
        """Write the pane widths to the config file if they changed; other settings there stay."""
        if self.pane_widths == self._saved_pane_widths:
            return
        try:
            save_layout(self.pane_widths)
        except ConfigError as exc:
            self.notify(f"Pane width not saved: {exc}", title="Config file", severity="warning", markup=False)
        self._saved_pane_widths = dict(self.pane_widths)  # not tried again until a width changes

    # -- shared helpers for every view ---------------------------------------------------
    def jetstream(self) -> JetStream:
        """The JetStream API of the current connection (domain from the context or --js-domain);
        made again after a new connection. ``.context`` is nats-py's, for Key-Value and Object Store."""
        from natstui.client.jetstream import JetStream  # not needed for the first frame

        nc = self.session.nc
        if self._jetstream is None or self._jetstream.nc is not nc:
            self._jetstream = JetStream(nc, self.settings.connection.js_domain)
        return self._jetstream

    async def system_access(self) -> SystemAccess:
        """The system account for the views of the whole system (the user's own connection when it is
        in it, else the ``--system-context``/``--system-creds`` one), or why there is none."""
        return await self.system_link.access(self.session.nc, self.session.connected)

    def allow_change(self, what: str) -> bool:
        """False (and a visible reason) when ``--read-only`` forbids changing server state."""
        if not self.settings.read_only:
            return True
        self.last_refusal = f"Refused: {what} would change server state, and natstui runs with --read-only."
        self.notify(self.last_refusal, title="Read-only", severity="warning", timeout=6, markup=False)
        return False

    def report_error(self, what: str, exc: BaseException) -> str:
        """Show a server or client error in plain words; returns the text shown."""
        text = self.session.safe(f"{what}: {describe_error(exc)}")
        self.notify(text, title="Error", severity="error", timeout=10, markup=False)
        return text

    # -- views and actions --------------------------------------------------------------
    def action_show_view(self, name: str) -> None:
        if is_closing(self):  # a view key typed after q: the app is closing, don't build a screen
            return
        if name in self.MODES and self.current_mode != name:
            self.switch_mode(name)

    # Textual holds every frame for 50 ms when it switches modes, to hide a screen being built.
    # A view already built shows at once, and so does the first view (there is nothing to
    # hide yet): the hold is kept only for another view's first showing.
    _hold_frames = True

    def switch_mode(self, mode: str):
        self._hold_frames = not mode_is_built(self, mode) and self.current_mode != "_default"
        try:
            return super().switch_mode(mode)
        finally:
            self._hold_frames = True

    def delay_update(self, delay: float = 0.05) -> None:
        if self._hold_frames:
            super().delay_update(delay)

    def action_run_global(self, name: str) -> None:
        if is_closing(self):
            return
        for spec in ACTIONS:
            if spec.name == name:
                spec.run(self)

    def action_reconnect(self) -> None:
        if self._connect and self.session.state in (ConnState.FAILED, ConnState.CLOSED):
            self.feed.subscriptions = []
            self.connect_to_server()

    def action_contexts(self) -> None:
        """The nats CLI's contexts: switch to one, select one for the nats CLI, create or edit one."""
        if is_closing(self):
            return
        from natstui.ui.screens.contexts import open_contexts

        open_contexts(self)

    def action_help(self) -> None:
        """Every key: the global ones, the current view's, and those of the widgets in it."""
        screen = self.screen
        sections = [("Everywhere", [b for b in self.BINDINGS if isinstance(b, Binding)])]
        title = next((v.title for v in VIEWS if v.mode == getattr(screen, "VIEW_NAME", "")), "This view")
        seen = set()
        for node in [screen, *screen.query("*")]:
            cls = type(node)
            if cls in seen or not cls.__module__.startswith("natstui.") or "BINDINGS" not in cls.__dict__:
                continue
            seen.add(cls)
            name = cls.__dict__.get("BINDING_GROUP_TITLE") or (title if node is screen else cls.__name__)
            # a widget's keys include those of its natstui bases (a CursorList's arrows and pages)
            owners = (
                [cls] if node is screen else [c for c in reversed(cls.__mro__) if c.__module__.startswith("natstui.")]
            )
            bindings = [b for c in owners for b in c.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)]
            sections.append((name, bindings))
        # the keys every table shares come after the view's own
        sections.sort(key=lambda section: section[0] == "Every table")
        self.push_screen(HelpScreen(sections))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for view in VIEWS:
            yield SystemCommand(view.title, view.description, partial(self.action_show_view, view.mode))
        for spec in ACTIONS:
            yield SystemCommand(spec.title, spec.description, partial(self.action_run_global, spec.name))
        yield SystemCommand("Contexts", "nats CLI contexts: switch, select, create, edit", self.action_contexts)
        yield SystemCommand("Help", "Show every key", self.action_help)
        # Textual's "Keys" panel is left out: ? lists every key, and the panel squeezed the views.
        key_panel = (self.action_show_help_panel, self.action_hide_help_panel)
        yield from (command for command in super().get_system_commands(screen) if command.callback not in key_panel)


def _load_config(settings: Settings) -> tuple[list, dict[str, str], list[str]]:
    """Decoder rules, the keymap to apply, and one warning line per problem in the config file."""
    from natstui.config import ConfigError, config_path, keymap_from, load_config
    from natstui.decoders import DecoderError, check_rules, parse_rules

    warnings: list[str] = []
    try:
        config = load_config()
    except ConfigError as exc:
        return [], settings.keymap or {}, [f"config file ignored: {exc}"]
    try:
        rules = parse_rules(config, config_path().parent)  # schema files may be named relative to it
    except DecoderError as exc:
        rules = []
        warnings.append(f"decoders ignored: {exc}")
    warnings.extend(check_rules(rules))  # a schema file that cannot be read or parsed: said at start
    keymap = settings.keymap
    if keymap is None:
        try:
            keymap = keymap_from(config)
        except ConfigError as exc:
            keymap = {}
            warnings.append(f"keymap ignored: {exc}")
    if keymap:
        from natstui.ui.keymap import check_keymap  # imports every view: only when there is a keymap

        keymap, problems = check_keymap(keymap)
        warnings.extend(problems)
    return rules, keymap, warnings

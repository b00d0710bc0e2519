"""What every view has: the status bar on top, the footer below."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select

from natstui.client.session import describe_error
from natstui.ui.textual_internals import mark_stylesheet_current
from natstui.ui.widgets.keybar import KeyBar
from natstui.ui.widgets.status import StatusBar

if TYPE_CHECKING:
    from textual.worker import Worker

    from natstui.ui.app import NatsTuiApp


class Refresher:
    """One view's periodic work, the one way natstui polls.

    ``start`` begins a run and returns its worker (a ``@work(exclusive=True)`` method,
    so a manual refresh and a timed one never run together). The view's ``slow_tick``
    calls :meth:`poll`, and the app ticks only the view that is shown, so polling stops
    while another view or a dialog covers it. A run starts when the previous one has
    finished and ``every`` seconds have passed since; at once after a reconnection (when
    ``on_reconnect``, if given, is called first) and when the view shows again.
    """

    def __init__(
        self,
        view: ViewScreen,
        every: float,
        start: Callable[[], Worker[Any] | None],
        *,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        self.view = view
        self.every = every
        self.start = start
        self.on_reconnect = on_reconnect
        self._worker: Worker[Any] | None = None
        self._due = 0.0  # monotonic time of the next run
        self._was_connected = False

    @property
    def busy(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def soon(self) -> None:
        """Run at the next poll (the view is shown again: what changed meanwhile is not known)."""
        self._due = 0.0

    def poll(self) -> None:
        connected = self.view.connected
        reconnected = connected and not self._was_connected
        self._was_connected = connected
        if not connected:
            return
        if reconnected and self.on_reconnect is not None:
            self.on_reconnect()
        if self.busy:
            return  # never two runs at once
        now = time.monotonic()
        if self._worker is not None:  # finished since the last poll: the interval counts from its end
            self._worker = None
            self._due = now + self.every
        if reconnected or now >= self._due:
            self._worker = self.start()


def takes_keys(widget: Widget | None) -> bool:
    """True for a widget that uses the keys a view binds: a text field, a text area, a picker
    (a ``Select``, its open menu included)."""
    text_area = sys.modules.get("textual.widgets._text_area")  # loaded only once a view has one
    kinds: tuple = (Input, Select) if text_area is None else (Input, Select, text_area.TextArea)
    node: DOMNode | None = widget
    while isinstance(node, Widget):
        if isinstance(node, kinds):
            return True
        node = node.parent
    return False


class ViewScreen(Screen):
    """A main view. Subclasses compose their body in ``compose_body``."""

    VIEW_NAME = ""

    BINDINGS = [
        Binding("y", "copy_payload", "Copy payload", show=False, id="view.copy_payload"),
        Binding("Y", "copy_subject", "Copy subject", show=False, id="view.copy_subject"),
    ]
    ready = False  # set once the body is mounted; the app's timers wait for it

    if TYPE_CHECKING:  # natstui's app, typed for the views (at run time Textual's own property)
        app = getters.app(NatsTuiApp)
    refreshers: tuple[Refresher, ...] = ()  # polled from slow_tick while the view is shown

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        mark_stylesheet_current(self)  # saves a stylesheet re-parse (see textual_internals)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield from self.compose_body()
        yield KeyBar()

    def on_screen_resume(self) -> None:
        # The status bar is true from the first frame a view shows, not from the next timer tick.
        self.app.refresh_status(self)
        for refresher in self.refreshers:  # what changed while it was covered is not known
            refresher.soon()
            refresher.poll()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - abstract
        return iter(())

    # -- keys: a view's priority keys never take a key from a picker or a text field -----------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """A priority binding (Enter in Streams and Consumers, space in Live) is off while the
        focus is on a widget that takes keys itself: the key then reaches that widget."""
        return not (
            takes_keys(self.focused)
            and any(isinstance(b, Binding) and b.priority and b.action == action for b in type(self).BINDINGS)
        )

    # -- the connection, for views that talk to the server ----------------------------------
    @property
    def connected(self) -> bool:
        return self.app.session.connected

    def js(self) -> Any:
        """nats-py's JetStream context for the current connection (Key-Value, Object Store)."""
        return self.app.jetstream().context

    def tick(self) -> None:
        """Called by the app at the stream's frame rate (20 Hz) while the view is shown."""

    def slow_tick(self) -> None:
        """Called by the app four times a second while the view is shown: polls its refreshers."""
        for refresher in self.refreshers:
            refresher.poll()

    # -- the inspector's clipboard (OSC 52: works over SSH too) ----------------------------
    def _inspected(self):
        from natstui.ui.widgets.inspector import Inspector

        for inspector in self.query(Inspector):
            if inspector.record is not None:
                return inspector.record
        return None

    def action_copy_payload(self) -> None:
        record = self._inspected()
        if record is None:
            return
        data = record.msg.data or b""
        try:
            text, how = data.decode("utf-8"), "text"
        except UnicodeDecodeError:
            import base64

            text, how = base64.b64encode(data).decode("ascii"), "base64"
        self.app.copy_to_clipboard(text)
        self.app.notify(f"Copied the payload ({len(data):,} bytes, as {how}) to the clipboard.", markup=False)

    def action_copy_subject(self) -> None:
        record = self._inspected()
        if record is not None:
            self.app.copy_to_clipboard(record.msg.subject)
            self.app.notify("Copied the subject to the clipboard.", markup=False)


class ScanningView(ViewScreen):
    """A view that lists one bucket progressively while it is shown (Key-Value, Object Store).

    Subclasses keep ``bucket``, ``error`` and ``_update_info()``, make their scan in
    ``start_scan`` (a worker of group ``scan``, through :meth:`replace_scan`) and open a
    bucket with ``_open_bucket(name, force)``.
    """

    BUCKET_POLL = 5.0  # seconds between bucket status refreshes

    scan: Any = None
    bucket: str | None = None
    error = ""

    if TYPE_CHECKING:  # what each view provides

        def poll_buckets(self) -> Worker[None]: ...
        def restart_scan(self) -> None: ...
        def _update_info(self) -> None: ...
        def _open_bucket(self, name: str, force: bool = False) -> None: ...

    def start_polling(self) -> None:
        """From ``on_mount``: the bucket list every few seconds; after a reconnection, the open bucket again."""
        self.bucket_poll = Refresher(self, self.BUCKET_POLL, self.poll_buckets, on_reconnect=self._recover)
        self.refreshers = (self.bucket_poll,)

    def _recover(self) -> None:
        if self.bucket and self.scan is None:
            self.restart_scan()  # a running scan recovers on its own

    async def replace_scan(self, make: Callable[[], Any], what: str, wanted: Callable[[], bool]) -> None:
        """Stop the running scan, then start ``make()`` unless the view moved on meanwhile."""
        old, self.scan = self.scan, None
        if old is not None:
            await asyncio.shield(old.stop())  # finishes even if this worker is replaced
        if not self.connected:
            return
        scan = make()
        try:
            await scan.start()
        except asyncio.CancelledError:  # replaced by a newer scan while starting: leave nothing behind
            asyncio.ensure_future(scan.stop())
            raise
        except Exception as exc:
            self.error = self.app.session.safe(f"cannot list {what}: {describe_error(exc)}")
            self._update_info()
            return
        if not wanted():
            await scan.stop()
            return
        self.error = ""
        self.scan = scan

    @work(exclusive=True, group="scan", exit_on_error=False)
    async def stop_scan(self) -> None:
        old, self.scan = self.scan, None
        if old is not None:
            await asyncio.shield(old.stop())  # finishes even if this worker is replaced

    # -- visibility: watch only while shown ------------------------------------------------
    def on_screen_suspend(self) -> None:
        if self.app.current_mode != self.VIEW_NAME:  # another view, not a dialog on top: stop watching
            self.stop_scan()

    def on_screen_resume(self) -> None:
        if self.app.current_mode == self.VIEW_NAME and self.scan is None and self.bucket and self.connected:
            self._open_bucket(self.bucket, force=True)  # list afresh: changes while away are not known

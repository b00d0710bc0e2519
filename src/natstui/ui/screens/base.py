"""What every view has: the status bar on top, the footer below."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, Callable, Optional

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select

from natstui.client.session import describe_error
from natstui.ui.widgets.keybar import KeyBar
from natstui.ui.widgets.status import StatusBar


def takes_keys(widget: Optional[Widget]) -> bool:
    """True for a widget that uses the keys a view binds: a text field, a text area, a picker
    (a ``Select``, its open menu included)."""
    text_area = sys.modules.get("textual.widgets._text_area")  # loaded only once a view has one
    kinds: tuple = (Input, Select) if text_area is None else (Input, Select, text_area.TextArea)
    node = widget
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Textual re-parses every stylesheet of the app (twice) when a mode's screen is first
        # made, because a new screen has not seen the newest stylesheet. A new screen is styled
        # from the app's current stylesheet when it mounts; marking it current saves ~15 ms at
        # start-up and at each view's first showing (a theme change still updates every screen).
        try:
            self._css_update_count = self.app._css_update_count
        except Exception:  # made outside a running app
            pass

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield from self.compose_body()
        yield KeyBar()

    def on_screen_resume(self) -> None:
        # The status bar is true from the first frame a view shows, not from the next timer tick.
        self.app.refresh_status(self)  # type: ignore[attr-defined]

    def compose_body(self) -> ComposeResult:  # pragma: no cover - abstract
        return iter(())

    # -- keys: a view's priority keys never take a key from a picker or a text field -----------
    def check_action(self, action: str, parameters: tuple) -> Optional[bool]:
        """A priority binding (Enter in Streams and Consumers, space in Live) is off while the
        focus is on a widget that takes keys itself: the key then reaches that widget."""
        if takes_keys(self.focused) and any(isinstance(b, Binding) and b.priority and b.action == action
                                            for b in type(self).BINDINGS):
            return False
        return True

    # -- the connection, for views that talk to the server ----------------------------------
    @property
    def connected(self) -> bool:
        from natstui.client.session import ConnState

        return self.app.session.state is ConnState.CONNECTED  # type: ignore[attr-defined]

    def js(self):
        """nats-py's JetStream context for the current connection (made again after a new connect)."""
        nc = self.app.session.nc  # type: ignore[attr-defined]
        if getattr(self, "_js_for", None) is not nc:
            from natstui.client.jetstream import js_context

            self._js_for = nc
            self._js = js_context(nc, self.app.settings.connection.js_domain)  # type: ignore[attr-defined]
        return self._js

    def tick(self) -> None:
        """Called by the app at the stream's frame rate (~30 Hz)."""

    def slow_tick(self) -> None:
        """Called by the app a few times a second."""

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
    bucket: Optional[str] = None
    error = ""
    _next_poll = 0.0
    _was_connected = False

    def poll_and_recover(self) -> None:
        """From ``slow_tick``: the bucket list every few seconds; after a reconnection, the open bucket again."""
        connected = self.connected
        now = time.monotonic()
        if connected and (not self._was_connected or now >= self._next_poll):
            self._next_poll = now + self.BUCKET_POLL
            self.poll_buckets()
            if not self._was_connected and self.bucket and self.scan is None:
                self.restart_scan()  # a running scan recovers on its own
        self._was_connected = connected

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
            self.error = self.app.session.safe(f"cannot list {what}: {describe_error(exc)}")  # type: ignore[attr-defined]
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
            self._next_poll = 0.0
            self._open_bucket(self.bucket, force=True)  # list afresh: changes while away are not known

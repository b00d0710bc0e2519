"""What every view has: the status bar on top, the footer below."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select

from natstui.client.session import ConnState, describe_error
from natstui.model.columns import ColumnSpec
from natstui.ui.palette import BOLD, palette
from natstui.ui.textual_internals import mark_stylesheet_current
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.keybar import KeyBar
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.status import StatusBar
from natstui.ui.widgets.table import Table

if TYPE_CHECKING:
    from textual.timer import Timer
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


class SystemView(ViewScreen):
    """A view of the whole system (Servers, Connections, Accounts, JetStream cluster): polled by its
    refreshers, with one information line (``show_info``) that says when there is no server."""

    def show_info(self) -> None:  # pragma: no cover - abstract
        """Redraw the view's information line."""

    def not_connected(self, text: Text) -> bool:
        """Append "Not connected (state)." to ``text`` and say True when natstui has no server."""
        state = self.app.session.state
        if state is ConnState.CONNECTED:
            return False
        text.append(f"Not connected ({state.value}).", style=palette.warning + BOLD)
        return True

    def action_refresh(self) -> None:
        if not self.connected:
            self.app.notify("Not connected: nothing to refresh.", severity="warning", timeout=5, markup=False)
            return
        for refresher in self.refreshers:
            refresher.soon()
            refresher.poll()

    def slow_tick(self) -> None:
        if self.app.session.state is not ConnState.CONNECTED:
            self.show_info()  # the state changes without a poll
        super().slow_tick()


class ScanningView(ViewScreen):
    """A view of buckets, one of them listed progressively while it is shown (Key-Value, Object Store).

    What the two views share lives here: the bucket table (filled and updated in place, its
    cursor kept on the open bucket), the info line's skeleton, the "connected?" guards, the
    debounce timers and the change workers' common end. A subclass gives ``BUCKET_COLUMNS``,
    ``bucket_cells``, ``list_buckets``, the ``info`` line's bucket part (``describe_bucket``
    and ``info_state``), its scan in ``start_scan`` (a worker of group ``scan``, through
    :meth:`replace_scan`), and ``_open_bucket(name, force)`` / ``_close_bucket()``. Its own
    ``compose_body`` yields :meth:`compose_buckets`; its ``on_mount`` sets ``contents`` (what
    Enter on a bucket focuses); this class's ``on_mount`` runs after it (Textual calls each
    class's handler).
    """

    BUCKET_POLL = 5.0  # seconds between bucket status refreshes
    BUCKET_COLUMNS: tuple[ColumnSpec, ...] = ()
    BUCKETS_WHAT = "buckets"  # in "cannot list buckets: …"
    NO_BUCKETS = "No bucket."  # the info line when the account has none
    SELECT_BUCKET = "Select a bucket first."  # an action that needs an open bucket

    scan: Any = None
    bucket: str | None = None
    error = ""
    bucket_table: Table
    info: TextLine
    contents: Widget
    inspector: Inspector

    if TYPE_CHECKING:  # what each view provides

        def restart_scan(self) -> None: ...
        def _open_bucket(self, name: str, force: bool = False) -> None: ...
        def _close_bucket(self) -> None: ...

    def __init__(self) -> None:
        super().__init__()
        self.buckets: dict[str, Any] = {}
        self._bucket_names: list[str] = []  # the bucket table's rows, in order
        self._want_bucket: str | None = None  # just created: the cursor goes to it once listed
        self._debounce_timers: dict[str, Timer] = {}
        self._info_key: Any = None

    def on_mount(self) -> None:
        self.bucket_table.focus()
        self._update_info()
        self.ready = True
        self.bucket_poll = Refresher(self, self.BUCKET_POLL, self.poll_buckets, on_reconnect=self._recover)
        self.refreshers = (self.bucket_poll,)  # the bucket list every few seconds
        self.slow_tick()

    def slow_tick(self) -> None:
        super().slow_tick()  # the bucket list, and the open bucket after a reconnection
        self._update_info()

    def _recover(self) -> None:
        if self.bucket and self.scan is None:
            self.restart_scan()  # a running scan recovers on its own

    # -- the bucket table -------------------------------------------------------------------------
    def compose_buckets(self, title: str, prefix: str) -> ComposeResult:
        """The view's title, the bucket table (``#{prefix}-buckets``) and the info line (``#{prefix}-info``)."""
        yield TextLine(Text(title, style="bold"), classes="view-title")
        self.bucket_table = Table(self.BUCKET_COLUMNS, id=f"{prefix}-buckets", zebra_stripes=True)
        yield self.bucket_table
        self.info = TextLine(id=f"{prefix}-info")
        yield self.info

    async def list_buckets(self) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def bucket_cells(self, status: Any) -> list[Text]:  # pragma: no cover - abstract
        """The cells of a bucket's row, in ``BUCKET_COLUMNS`` order."""
        raise NotImplementedError

    @work(exclusive=True, group="buckets", exit_on_error=False)
    async def poll_buckets(self) -> None:
        try:
            buckets = await self.list_buckets()
        except Exception as exc:
            self.error = self.app.session.safe(f"cannot list {self.BUCKETS_WHAT}: {describe_error(exc)}")
            self._update_info()
            return
        self.error = ""
        self._show_buckets(buckets)

    def _show_buckets(self, buckets: list[Any]) -> None:
        table = self.bucket_table
        names = [b.name for b in buckets]
        self.buckets = {b.name: b for b in buckets}
        want = self._want_bucket or self.bucket
        if names != self._bucket_names:
            self._bucket_names = names
            table.clear()
            for b in buckets:
                table.add_row(*self.bucket_cells(b), key=b.name)
            if want in self.buckets:
                table.move_cursor(row=names.index(want))
            if self.bucket is not None and self.bucket not in self.buckets:
                self._close_bucket()
            if names and self.bucket is None:
                self._open_bucket(names[table.cursor_row] if 0 <= table.cursor_row < len(names) else names[0])
        else:
            for b in buckets:
                for spec, cell in zip(self.BUCKET_COLUMNS, self.bucket_cells(b)):
                    table.update_cell(b.name, spec.key, cell)
        self._want_bucket = None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.bucket_table:
            # Rebuilding the table moves its cursor more than once: open what it settles on.
            self.debounce("bucket", 0.12, self._open_highlighted_bucket)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.bucket_table:
            self.contents.focus()

    def _open_highlighted_bucket(self) -> None:
        row = self.bucket_table.cursor_row
        if 0 <= row < len(self._bucket_names):
            self._open_bucket(self._bucket_names[row])

    # -- debounce: moving quickly acts only on where the cursor stops -------------------------
    def debounce(self, name: str, delay: float, callback: Callable[[], Any]) -> None:
        """Call ``callback`` in ``delay`` seconds unless ``name`` is debounced again meanwhile."""
        self.cancel_debounce(name)
        self._debounce_timers[name] = self.set_timer(delay, callback)

    def cancel_debounce(self, name: str) -> None:
        timer = self._debounce_timers.pop(name, None)
        if timer is not None:
            timer.stop()

    # -- the info line ------------------------------------------------------------------------------
    def info_state(self) -> tuple:
        """What the bucket part of the info line depends on (it is redrawn only when this changes)."""
        return ()

    def describe_bucket(self, text: Text, bucket: str) -> None:  # pragma: no cover - abstract
        """Append the open bucket's part of the info line to ``text``."""

    def _update_info(self) -> None:
        key = (self.bucket, self.error, self.connected, bool(self.buckets), self.info_state())
        if key == self._info_key:
            return
        self._info_key = key
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.connected:
            text.append(f"Not connected: the {self.BINDING_GROUP_TITLE} needs a server.", style=palette.warning)
        elif self.error:
            text.append(self.error, style=palette.error + BOLD)
        elif not self.bucket:
            text.append(self.NO_BUCKETS if not self.buckets else "Select a bucket.", style="dim")
        else:
            self.describe_bucket(text, self.bucket)
        self.info.set_text(text)

    @staticmethod
    def scan_state(text: Text, scan: Any, share: str = "") -> None:
        """The scan's part of the info line: opening, listing (``share``: how far), watching."""
        if scan is None:
            text.append("  opening…", style="dim")
        elif not scan.listed:
            text.append(f"  listing{share}…", style=palette.warning + BOLD)
        else:
            text.append("  ◉ watching", style=palette.ok)

    # -- guards before an action --------------------------------------------------------------------
    def need_connection(self) -> bool:
        if not self.connected:
            self.notify("Not connected.", severity="warning", markup=False)
            return False
        return True

    def need_bucket(self) -> bool:
        if not self.need_connection():
            return False
        if not self.bucket:
            self.notify(self.SELECT_BUCKET, severity="warning", markup=False)
            return False
        return True

    def bucket_to_change(self, doing: str) -> str | None:
        """The open bucket, for a change to it (``doing``, e.g. "deleting bucket", names it in
        the read-only notice); None, told why, when not connected, none is open or read-only."""
        if not self.need_bucket() or not self.app.allow_change(f"{doing} {self.bucket}"):
            return None
        return self.bucket

    def action_cycle_view(self) -> None:
        self.inspector.action_cycle_view()

    # -- changes ------------------------------------------------------------------------------------
    async def run_change(
        self,
        describe: str,
        change: Callable[[Any], Awaitable[Any]],
        done: Callable[[Any], str],
        *,
        relist: bool = False,
    ) -> None:
        """The common part of a change worker: the read-only check, ``change(js)``, its error
        reported as ``"{describe} failed"``, or ``done(result)`` told; ``relist``: the bucket
        list again (a bucket was created or deleted)."""
        if not self.app.allow_change(describe):
            return
        try:
            result = await change(self.js())
        except Exception as exc:
            self.app.report_error(f"{describe} failed", exc)
            return
        self.notify(done(result), markup=False)
        if relist:
            self.poll_buckets()

    # -- the scan -------------------------------------------------------------------------------
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

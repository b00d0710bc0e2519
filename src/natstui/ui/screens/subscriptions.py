"""The Subscriptions view: the live stream's subscriptions (and responders) in the user's hands.

Every subscription with its sid, subject, queue group, delivered count, what nats-py holds for
it (pending messages and bytes against their limits, as a bar), slow-consumer drops and its state.
Keys add one, unsubscribe one, drain one, change its limits, choose the one step mode takes
from, save them as the default for the next start, and start a responder.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from natstui.client.feed import LiveSub
from natstui.config import ConfigError, config_path, save_subscriptions
from natstui.model.columns import ColumnSpec
from natstui.model.compose import ComposeError, parse_headers
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.model.subscriptions import (
    ResponderSpec,
    SpecError,
    SubSpec,
    parse_count,
    parse_delay,
    parse_size,
)
from natstui.model.templates import Template
from natstui.model.templates import load as load_templates
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.dialog import Dialog
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

BAR_WIDTH = 8

COLUMNS = (
    ColumnSpec("sid", "Sid", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("subject", "Subject", priority=1, min_width=12, max_width=40),
    ColumnSpec("queue", "Queue", priority=30, min_width=6, max_width=16),
    ColumnSpec("delivered", "Delivered", priority=10, ellipsis=False, justify="right"),
    ColumnSpec("pending", "Pending msgs", priority=12, ellipsis=False),
    ColumnSpec("bytes", "Pending bytes", priority=40, ellipsis=False),
    ColumnSpec("dropped", "Dropped", priority=15, ellipsis=False, justify="right"),
    ColumnSpec("state", "State", priority=2, min_width=10, max_width=44),
)


def bar(value: int, limit: int) -> Text:
    """``▮▮▯▯▯▯▯▯`` of ``limit`` (0: no limit), coloured as it fills."""
    if limit <= 0:
        return Text("no limit", style="dim")
    share = min(1.0, value / limit)
    filled = min(BAR_WIDTH, max(1 if value else 0, round(share * BAR_WIDTH)))
    style = palette.error if share >= 0.9 else palette.warning if share >= 0.5 else palette.ok
    text = Text("▮" * filled, style=style)
    text.append("▯" * (BAR_WIDTH - filled), style="dim")
    return text


def _count(n: int) -> str:
    for size, unit in ((1024**2, "Mi"), (1024, "Ki")):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n:,}"


def row_cells(entry: LiveSub, dropped: int, refused: dict[str, str], target: LiveSub | None) -> list[Text]:
    spec = entry.spec
    pending = bar(entry.pending_msgs, entry.pending_msgs_limit)
    pending.append(f" {entry.pending_msgs:,}/{_count(entry.pending_msgs_limit)}")
    size = bar(entry.pending_bytes, entry.pending_bytes_limit)
    size.append(f" {human_size(entry.pending_bytes)}/{human_size(entry.pending_bytes_limit)}")
    state = entry.state(refused)
    style: Any = palette.ok
    if entry.error or entry.refused_by(refused):
        style = palette.error + BOLD
    elif entry.draining or entry.held:
        style = palette.warning + BOLD
    elif entry.finished:
        style = "dim"
    subject = Text(("▶ " if entry is target else "") + escape_line(spec.subject), style=palette.subject)
    if entry.responder is not None:
        subject.append(" (responder)", style="dim")
    return [
        Text(str(entry.sid) if entry.sid else "-"),
        subject,
        Text(escape_line(spec.queue)) if spec.queue else Text("-", style="dim"),
        Text(f"{entry.delivered:,}"),
        pending,
        size,
        Text(f"{dropped:,}", style=palette.error + BOLD if dropped else palette.ok),
        Text(escape_line(state), style=style),
    ]


class SubscriptionsScreen(ViewScreen):
    VIEW_NAME = "subscriptions"

    BINDINGS = [
        Binding("a", "add", "Add", id="subscriptions.add"),
        Binding("u", "unsubscribe", "Unsubscribe", id="subscriptions.unsubscribe"),
        Binding("d", "drain", "Drain", id="subscriptions.drain"),
        Binding("l", "limits", "Limits", id="subscriptions.limits"),
        Binding("enter", "target", "Step this one", id="subscriptions.target"),
        Binding("o", "responder", "Responder", id="subscriptions.responder"),
        Binding("w", "save", "Save as default", id="subscriptions.save"),
        Binding("escape", "back", "Back to Live", show=False, id="subscriptions.back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield TextLine(Text("Subscriptions of the live stream", style="bold"), classes="view-title")
        self.table = Table(COLUMNS, id="subs-table", zebra_stripes=True)
        yield self.table
        self.current = TextLine(id="subs-current")  # the highlighted row whole: a narrow table cuts its state
        yield self.current
        self.info = TextLine(id="subs-info")
        yield self.info

    def on_mount(self) -> None:
        self._rows_key: Any = None
        self.table.focus()
        self.refresh_rows()
        self.ready = True

    def slow_tick(self) -> None:
        self.refresh_rows()

    # -- rows ---------------------------------------------------------------------------------
    def refresh_rows(self) -> None:
        feed = self.app.feed
        refused = self.app.session.refused_subscriptions
        target = feed.step_target()
        rows = [(str(id(entry)), row_cells(entry, feed.dropped_of(entry), refused, target)) for entry in feed.entries]
        key = [(k, [c.plain for c in cells]) for k, cells in rows]
        if key != self._rows_key:
            self._rows_key = key
            self.table.set_rows(rows)
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.connected:
            text.append("Not connected. ", style=palette.warning)
        if feed.counted_out:
            text.append(f"Stopped after {feed.count:,} messages (--count). ", style=palette.warning + BOLD)
        if feed.held:
            text.append("Step mode: messages wait in their subscriptions (n in Live). ", style=palette.warning)
        text.append("Pending: held by nats-py for natstui; past a limit it drops (slow consumer).", style="dim")
        self.info.set_text(text)
        self.show_current()

    def show_current(self) -> None:
        """The highlighted subscription in one line: its subject, queue group and state in full."""
        entry = self.highlighted()
        text = Text(no_wrap=True, overflow="ellipsis")
        if entry is not None:
            text.append(f"sid {entry.sid or '-'}  ", style="dim")
            text.append(escape_line(entry.spec.subject), style=palette.subject)
            if entry.responder is not None:
                text.append(" (responder)", style="dim")
            if entry.spec.queue:
                text.append(f"  queue {escape_line(entry.spec.queue)}")
            text.append(": ")
            text.append(escape_line(entry.state(self.app.session.refused_subscriptions)), style=BOLD)
        self.current.set_text(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_current()

    def highlighted(self) -> LiveSub | None:
        entries, row = self.app.feed.entries, self.table.cursor_row
        return entries[row] if self.table.row_count and 0 <= row < len(entries) else None

    def selected(self) -> LiveSub | None:
        """The highlighted subscription, for an action on it (a notice when there is none)."""
        entry = self.highlighted()
        if entry is None:
            self.notify("No subscription selected.", severity="warning", markup=False)
        return entry

    def _need_connection(self) -> bool:
        if not self.connected:
            self.notify("Not connected.", severity="warning", markup=False)
            return False
        return True

    # -- actions --------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.action_show_view("live")

    def action_add(self) -> None:
        if not self._need_connection():
            return

        def done(spec: SubSpec | None) -> None:
            if spec is not None:
                self.add(spec)

        self.app.push_screen(SubscriptionForm(), done)

    @work(group="subscriptions", exit_on_error=False)
    async def add(self, spec: SubSpec, responder: ResponderSpec | None = None) -> None:
        try:
            entry = await self.app.feed.add(spec, responder)
        except Exception as exc:
            self.app.report_error(f"subscribing to {spec.subject} failed", exc)
            return
        refused = entry.refused_by(self.app.session.refused_subscriptions)
        if not refused:
            what = "Answering requests on" if responder is not None else "Subscribed to"
            self.notify(f"{what} {escape_line(spec.subject)} (sid {entry.sid}).", markup=False)
        self.refresh_rows()

    def action_unsubscribe(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if entry.finished:
            self.app.feed.forget(entry)
            self.refresh_rows()
            return
        self.unsubscribe(entry)

    @work(group="subscriptions", exit_on_error=False)
    async def unsubscribe(self, entry: LiveSub) -> None:
        await self.app.feed.remove(entry)
        self.notify(f"Unsubscribed from {escape_line(entry.spec.subject)}.", markup=False)
        self.refresh_rows()

    def action_drain(self) -> None:
        entry = self.selected()
        if entry is None or not self._need_connection():
            return
        if entry.finished or entry.draining:
            self.notify("That subscription is closed or draining already.", severity="warning", markup=False)
            return
        self.drain(entry)

    @work(group="drain", exit_on_error=False)
    async def drain(self, entry: LiveSub) -> None:
        self.refresh_rows()
        try:
            await self.app.feed.drain(entry)
        except Exception as exc:
            self.app.report_error(f"draining {entry.spec.subject} failed", exc)
            return
        self.notify(f"Drained {escape_line(entry.spec.subject)}: {entry.delivered:,} delivered, closed.", markup=False)
        self.refresh_rows()

    def action_limits(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        feed = self.app.feed

        def done(limits: tuple[int, int] | None) -> None:
            if limits is not None:
                feed.set_limits(entry, *limits)
                self.refresh_rows()

        self.app.push_screen(LimitsForm(entry.pending_msgs_limit, entry.pending_bytes_limit), done)

    def action_target(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if entry.responder is not None or entry.finished:
            self.notify("Step mode takes from an open subscription of the live stream.", markup=False)
            return
        self.app.feed.target = entry
        self.notify(
            f"n in the Live view (paused) takes the next message of {escape_line(entry.spec.subject)}.", markup=False
        )
        self.refresh_rows()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_target()  # enter on the table (the table takes the key before the view's binding)

    def action_responder(self) -> None:
        open_responder(self.app)

    def action_save(self) -> None:
        specs = [e.spec for e in self.app.feed.live_entries() if not e.finished]
        try:
            save_subscriptions(specs)
        except ConfigError as exc:
            self.notify(f"Not saved: {exc}", title="Config file", severity="error", markup=False)
            return
        names = ", ".join(escape_line(s.subject) for s in specs) or "none"
        self.notify(f"Saved as the default for the next start ({names}) in {config_path()}.", markup=False)


def open_responder(app: Any) -> None:
    """The palette's "Responder": refused with --read-only (answering publishes), else its form."""
    if not app.allow_change("answering requests"):
        return
    if not app.session.connected:
        app.notify("Not connected.", severity="warning", markup=False)
        return

    def done(result: tuple[SubSpec, ResponderSpec] | None) -> None:
        if result is None:
            return
        if app.current_mode != "subscriptions":
            app.action_show_view("subscriptions")
        app.call_after_refresh(lambda: _start_responder(app, result))

    app.push_screen(ResponderForm(), done)


def _start_responder(app: Any, result: tuple[SubSpec, ResponderSpec]) -> None:
    screen = app.screen
    if isinstance(screen, SubscriptionsScreen):
        screen.add(*result)


# -- the forms -------------------------------------------------------------------------------------
class FormDialog(Dialog[Any]):
    """A small form: labelled inputs, an error line, OK and Cancel. ``build(values)`` makes the
    result or raises SpecError (shown under the form; nothing is sent)."""

    SUBMIT_BUTTON = "form-ok"

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog .dialog { width: 76; padding: 0 1; }
    FormDialog .subs-form { height: auto; layout: grid; grid-size: 2; grid-columns: 20 1fr; grid-gutter: 0 1;
                            margin: 1 0; }
    FormDialog .subs-form Input, FormDialog .subs-form Select { margin: 0; }
    FormDialog .dialog-buttons { margin-top: 0; }
    """

    TITLE_TEXT = ""
    FIELDS: tuple[tuple[str, str, str], ...] = ()  # (id, label, placeholder)

    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.values = values or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.TITLE_TEXT, style="bold"))
            with Vertical(classes="subs-form"):
                yield from self.compose_fields()
            yield Static(Text(""), id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="form-ok", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)

    def compose_fields(self) -> ComposeResult:
        for name, label, placeholder in self.FIELDS:
            yield Label(label)
            yield Input(self.values.get(name, ""), placeholder=placeholder, id=f"f-{name}", compact=True)

    def on_mount(self) -> None:
        for field in self.query(".subs-form > Input"):
            field.styles.margin = 0  # (the app's stylesheet spaces a dialog's inputs out: a compact form here)
        self.query(Input).first().focus()
        self.mounted()

    def value(self, name: str) -> str:
        return self.query_one(f"#f-{name}", Input).value

    def build(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def submit(self) -> None:
        try:
            result = self.build()
        except (SpecError, ComposeError) as exc:
            self.query_one("#form-error", Static).update(Text(str(exc), style=palette.error + BOLD))
            return
        self.close(result)


class SubscriptionForm(FormDialog):
    TITLE_TEXT = "Add a subscription to the live stream"
    FIELDS = (
        ("subject", "Subject", "orders.>  (* one token, > the rest)"),
        ("queue", "Queue group", "optional: take a share with its members"),
        ("max", "Stop after", "optional: N messages"),
        ("msgs", "Pending msgs limit", "optional (default 256Ki)"),
        ("bytes", "Pending bytes limit", "optional, e.g. 64MiB (default 128MiB)"),
    )

    def build(self) -> SubSpec:
        if self.value("queue").strip() and self.app.settings.read_only:
            raise SpecError("not with --read-only: a queue group takes a share of its members' messages")
        return SubSpec(
            self.value("subject").strip(),
            self.value("queue").strip(),
            max_msgs=parse_count(self.value("max"), "stop after"),
            pending_msgs_limit=parse_count(self.value("msgs"), "the pending messages limit"),
            pending_bytes_limit=parse_size(self.value("bytes"), "the pending bytes limit"),
        ).check()


class LimitsForm(FormDialog):
    TITLE_TEXT = "Pending limits (past them nats-py drops: slow consumer)"
    FIELDS = (
        ("msgs", "Pending msgs limit", "messages (empty: the default, 256Ki)"),
        ("bytes", "Pending bytes limit", "bytes, e.g. 64MiB (empty: the default, 128MiB)"),
    )

    def __init__(self, msgs: int, size: int) -> None:
        super().__init__({"msgs": str(msgs), "bytes": str(size)})

    def build(self) -> tuple[int, int]:
        return (
            parse_count(self.value("msgs"), "the pending messages limit"),
            parse_size(self.value("bytes"), "the pending bytes limit"),
        )


class ResponderForm(FormDialog):
    TITLE_TEXT = "Answer requests (a stand-in for a service)"
    FIELDS = (
        ("subject", "Subject", "svc.echo  (wildcards allowed)"),
        ("queue", "Queue group", "optional"),
        ("payload", "Payload", "the answer (text); ignored when echoing"),
        ("headers", "Headers", "optional: Name: value; Other: value"),
        ("delay", "Delay", "optional: 0.5, 250ms"),
        ("error", "Service error", "optional: Nats-Service-Error text"),
        ("code", "Error code", "optional: e.g. 503 (default 500)"),
    )

    def compose_fields(self) -> ComposeResult:
        yield Label("Answer with")
        yield Select(
            [("the payload below", "fixed"), ("the request, echoed", "echo")]
            + [(f"template {t.name}", f"template:{t.name}") for t in self.templates],
            value="fixed",
            allow_blank=False,
            id="f-mode",
            compact=True,
        )
        yield from super().compose_fields()

    def mounted(self) -> None:
        self.query_one("#f-subject", Input).focus()

    @property
    def templates(self) -> list[Template]:
        """The compose screen's saved templates (none when the file is missing or unreadable)."""
        if not hasattr(self, "_templates"):
            try:
                self._templates = load_templates()
            except Exception:
                self._templates = []
        return self._templates

    def build(self) -> tuple[SubSpec, ResponderSpec]:
        headers = dict(parse_headers("\n".join(self.value("headers").split(";"))))
        mode = str(self.query_one("#f-mode", Select).value)
        template = next((t for t in self.templates if f"template:{t.name}" == mode), None)
        responder = ResponderSpec(
            self.value("subject").strip(),
            self.value("queue").strip(),
            payload=self.value("payload").encode("utf-8"),
            headers=headers,
            echo=mode == "echo",
            template=template,
            delay=parse_delay(self.value("delay")),
            error=self.value("error").strip(),
            error_code=self.value("code").strip(),
        ).check()
        return SubSpec(responder.subject, responder.queue).check(), responder

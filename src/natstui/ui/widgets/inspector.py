"""The inspector: everything about one message, safely rendered."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from natstui.decoders import decode, rule_for, run_command
from natstui.model.decode import VIEW_MODES, Rendered, human_size, render_payload
from natstui.model.latency import LatencyTracker, Link
from natstui.model.msgfeatures import message_rows
from natstui.model.records import Record, StoredMsg
from natstui.model.sanitize import escape_line
from natstui.model.timefmt import format_datetime
from natstui.ui.palette import BOLD, palette

if TYPE_CHECKING:
    from natstui.typed import Verdict

LABEL_STYLE = "bold"


def field_table() -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style=LABEL_STYLE, no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _fmt_time(ts: float | datetime | None) -> str:
    return "" if ts is None else format_datetime(ts)


def summary(record: Record, link: Link | None = None) -> Table:
    msg = record.msg
    table = field_table()
    table.add_row("Subject", Text(escape_line(msg.subject), style=palette.subject))
    table.add_row("Reply", Text(escape_line(msg.reply)) if msg.reply else Text("—", style="dim"))
    if link is not None:
        other = "reply" if link.request == record.seq else "request"
        table.add_row(
            "Latency",
            Text.assemble(
                (f"{link.latency * 1e3:.2f} ms", palette.accent + BOLD), f" to the reply · J jumps to the {other}"
            ),
        )
    table.add_row("Size", Text(f"{len(msg.data or b''):,} bytes"))
    table.add_row("Received", Text(_fmt_time(record.time)))
    if record.sid is not None or record.sub_subject:
        sub = f"sid {record.sid}" if record.sid is not None else "—"
        if record.sub_subject:
            sub += f" on {escape_line(record.sub_subject)}"
        if record.queue:
            sub += f", queue group {escape_line(record.queue)}"
        table.add_row("Subscription", Text(sub))
    for title, rows in record.sections or ():
        table.add_row("", Text(""))
        table.add_row(Text(escape_line(title), style=palette.accent + BOLD), Text(""))
        for label, value in rows:
            table.add_row(Text(escape_line(label)), Text(escape_line(str(value))))
    meta = record.js_metadata()
    if meta is not None:
        table.add_row("", Text(""))
        table.add_row(Text("JetStream", style=palette.accent + BOLD), Text(""))
        table.add_row("Stream", Text(escape_line(meta.stream or "")))
        table.add_row("Consumer", Text(escape_line(meta.consumer or "")))
        table.add_row("Stream seq", Text(str(meta.sequence.stream)))
        table.add_row("Consumer seq", Text(str(meta.sequence.consumer)))
        table.add_row("Delivered", Text(f"{meta.num_delivered} time(s)"))
        table.add_row("Pending", Text(str(meta.num_pending)))
        table.add_row("Timestamp", Text(_fmt_time(meta.timestamp)))
        table.add_row("Domain", Text(escape_line(meta.domain or "")) if meta.domain else Text("—", style="dim"))
    feature_rows(table, record, meta)
    return table


def feature_rows(table: Table, record: Record, meta) -> None:
    """A message's TTL and expiry, schedule, counter total and batch (nats-server 2.11+ headers)."""
    if meta is not None:  # delivered by a consumer: the stream's own timestamp
        stored_at, approximate = meta.timestamp, False
    elif isinstance(record.msg, StoredMsg) and record.msg.stored_at is not None:  # a KV value read now
        stored_at, approximate = record.msg.stored_at, False
    else:  # read from a stream (its stored time), or received live (about when it was stored)
        stored_at, approximate = record.time, not isinstance(record.msg, StoredMsg)
    rows = message_rows(record.headers, record.data, stored_at, approximate=approximate)
    if not rows:
        return
    table.add_row("", Text(""))
    table.add_row(Text("Message features", style=palette.accent + BOLD), Text(""))
    for label, value in rows:
        table.add_row(Text(label), Text(escape_line(value)))


def headers_table(headers: dict | None) -> RenderableType:
    if not headers:
        return Text("no headers", style="dim")
    table = Table(show_header=True, header_style="bold", expand=True, box=None, padding=(0, 1))
    table.add_column("Header", style=palette.accent, no_wrap=True, ratio=1)
    table.add_column("Value", overflow="fold", ratio=3)
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            table.add_row(Text(escape_line(str(name))), Text(escape_line(str(v))))
    return table


def payload_renderable(rendered: Rendered) -> RenderableType:
    if rendered.mode == "json":
        from rich.syntax import Syntax  # pygments is slow to import: only when JSON is first shown

        return Syntax(rendered.text, "json", theme=palette.syntax_theme(), word_wrap=True)
    if rendered.mode == "hex":
        return Text(rendered.text, no_wrap=True)
    return Text(rendered.text)


class Inspector(VerticalScroll, can_focus=True):
    """Shows a :class:`Record`; ``action_cycle_view`` cycles the payload view (auto, JSON, text, hex).

    In the auto view a decoder rule from the config file (by subject) is applied;
    a command decoder runs in a thread, off the event loop.
    """

    DEFAULT_CSS = """
    Inspector {
        height: 1fr;
        padding: 0 1;
        & > .section-title { margin-top: 1; }
    }
    """

    mode: reactive[str] = reactive("auto", init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: Record | None = None
        self.rendered: Rendered | None = None
        self.diff_with: Record | None = None  # show the payload's difference from this record
        self.latency: LatencyTracker | None = None  # the Live view's: a request's link to its reply
        self.verdict: Verdict | None = None  # the JSON Schema's verdict on the payload shown, if its rule has one
        self.highlight: str | None = None  # a regular expression marked in the payload (find by content)

    def compose(self):
        # Two blocks, so that showing a message costs two updates (each asks for a layout pass).
        yield Static(Text("Select a message to inspect it.", style="dim"), id="inspector-info")
        yield Static("", id="inspector-payload", classes="section-title")

    def on_mount(self) -> None:
        # Drawn again in a new theme's colours (the palette is recomputed before this signal).
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_all())

    def show(self, record: Record | None) -> None:
        self.record = record
        self.diff_with = None
        self._render_all()

    def show_diff(self, previous: Record | None) -> None:
        """Show how the current payload differs from ``previous`` (None: back to the payload)."""
        self.diff_with = previous
        self._render_payload()

    def set_highlight(self, pattern: str | None) -> None:
        """Mark what ``pattern`` (a regular expression) matches in the payload; None: nothing."""
        self.highlight = pattern
        self._render_payload()

    def watch_mode(self) -> None:
        self._render_payload()

    def action_cycle_view(self) -> None:
        self.mode = VIEW_MODES[(VIEW_MODES.index(self.mode) + 1) % len(VIEW_MODES)]

    def _render_all(self) -> None:
        record = self.record
        if record is None:
            self.query_one("#inspector-info", Static).update(Text("Select a message to inspect it.", style="dim"))
            self.query_one("#inspector-payload", Static).update("")
            return
        headers = record.msg.headers
        self.query_one("#inspector-info", Static).update(
            Group(
                summary(record, self.latency.link(record.seq) if self.latency is not None else None),
                Text(""),
                Text(f"Headers ({len(headers) if headers else 0})", style="bold underline"),
                headers_table(headers),
            )
        )
        self._render_payload()
        self.scroll_home(animate=False)

    def _render_payload(self) -> None:
        if self.record is None:
            return
        data = self.record.msg.data or b""
        if self.diff_with is not None:
            self._show_payload(diff_payloads(self.diff_with, self.record, self.mode), data, "diff")
            return
        rules = getattr(self.app, "decoder_rules", None) or []
        msg = self.record.msg
        rule = rule_for(rules, msg.subject, msg.headers) if self.mode == "auto" and rules else None
        if rule is not None and (rule.decoder == "command" or rule.typed):
            # a command, a schema file or a registry: off the event loop, for the message shown only
            what = f"running {rule.command}…" if rule.decoder == "command" else f"decoding as {rule.decoder}…"
            self._show_payload(Rendered("text", "", what), data, rule.decoder)
            self._run_decoder(self.record, rule, data)
            return
        width = self.scrollable_content_region.width or 80
        rendered = decode(rule, data) if rule is not None else render_payload(data, self.mode, width)
        self._show_payload(rendered, data, rule.decoder if rule is not None else "")

    @work(exclusive=True, thread=True, group="inspector-decoder", exit_on_error=False)
    def _run_decoder(self, record: Record, rule, data: bytes) -> None:
        verdict = None
        if rule.decoder == "command":
            rendered = run_command(rule.command or "", data)
        else:
            from natstui.typed import inspect

            rendered, verdict = inspect(rule, data, record.msg.headers)
        self.app.call_from_thread(self._decoder_done, record, rule.decoder, rendered, data, verdict)

    def _decoder_done(self, record: Record, decoder: str, rendered: Rendered, data: bytes, verdict) -> None:
        if record is self.record and self.diff_with is None and self.mode == "auto":
            self._show_payload(rendered, data, decoder, verdict)

    def _show_payload(self, rendered: Rendered, data: bytes, decoder: str, verdict: Verdict | None = None) -> None:
        self.rendered = rendered
        self.verdict = verdict
        shown = "diff" if decoder == "diff" else (decoder or rendered.mode)
        title = Text.assemble(
            ("Payload", "bold underline"),
            (f"  {human_size(len(data))}, view: {self.mode}", "dim"),
            (f" → {shown}" if self.mode == "auto" or decoder == "diff" else "", "dim"),
        )
        if rendered.note:
            title.append(f"\n{escape_line(rendered.note)}", style=palette.warning)
        if verdict is not None:
            title.append("\n")
            title.append_text(verdict_text(verdict))
        body = diff_renderable(rendered.text) if decoder == "diff" else payload_renderable(rendered)
        if self.highlight and decoder != "diff":
            body = highlighted(body, rendered.text, self.highlight)
        self.query_one("#inspector-payload", Static).update(Group(title, body))


def highlighted(body: RenderableType, text: str, pattern: str) -> RenderableType:
    """``body`` with what ``pattern`` matches marked (a find's match); as it was if nothing matches."""
    import re

    from rich.syntax import Syntax

    try:
        if not re.search(pattern, text):
            return body
    except re.error:
        return body
    out = body.highlight(text) if isinstance(body, Syntax) else body.copy() if isinstance(body, Text) else Text(text)
    out.highlight_regex(pattern, style=palette.highlight + BOLD)
    return out


def diff_payloads(old: Record, new: Record, mode: str) -> Rendered:
    """A unified diff of two payloads as rendered in ``mode`` (pretty JSON diffs field by field)."""
    import difflib

    a = render_payload(old.msg.data or b"", mode)
    b = render_payload(new.msg.data or b"", mode)
    lines = list(
        difflib.unified_diff(
            a.text.splitlines(), b.text.splitlines(), f"previous (#{old.seq})", f"this (#{new.seq})", lineterm="", n=2
        )
    )
    if not lines:
        return Rendered("text", "", f"identical to the previous message on this subject (#{old.seq})")
    return Rendered("text", "\n".join(lines), f"difference from the previous message on this subject (#{old.seq})")


def diff_renderable(text: str) -> Text:
    out = Text()
    for line in text.splitlines():
        style = (
            palette.ok
            if line.startswith("+")
            else palette.error
            if line.startswith("-")
            else palette.subject
            if line.startswith("@@")
            else ""
        )
        out.append(line + "\n", style=style)
    return out


def verdict_text(verdict: Verdict) -> Text:
    """The JSON Schema's verdict under the payload's title: valid, or each violation with its path."""
    if verdict.valid:
        return Text(f"✓ schema: {verdict.lines[0]}", style=palette.ok)
    style = palette.error if verdict.valid is False else palette.warning
    first, *rest = verdict.lines or [""]
    text = Text(f"✗ schema: {first}", style=style + BOLD if verdict.valid is False else style)
    for line in rest:
        text.append(f"\n  {line}", style=style)
    return text

"""Where a message goes: a traced copy's path through the system, drawn as a tree.

Opened with ``T`` on a message (Live view, message browser) or a subject-tree node (a sample message of
that subject), and with ``ctrl+g`` in the compose screen (what the form holds, sent nowhere). The copy
is trace-only by default (delivered to nobody, its steps said "would be"); ``d``
traces again delivering it for real (confirmed; refused with ``--read-only``); ``r`` shows the raw
events; Esc closes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from natstui.client.session import describe_error
from natstui.client.trace import TracingNotSupported, trace_message
from natstui.model.sanitize import escape_line
from natstui.model.trace import Hop, Trace, build_trace
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.dialog import Dialog, when_confirmed


def _hop_tree(tree: Tree, hop: Hop) -> None:
    label = Text.assemble((escape_line(hop.server), palette.name + BOLD))
    if hop.cluster and hop.cluster != hop.server:
        label.append(f" (cluster {escape_line(hop.cluster)})", style="dim")
    if hop.ingress:
        label.append(f"  ← {escape_line(hop.ingress)}")
    branch = tree.add(label)
    for step in hop.steps:
        if step.error:
            text = Text.assemble(
                (f"✗ {escape_line(step.text)}: ", palette.error + BOLD), (escape_line(step.error), palette.error)
            )
        elif step.kind == "deliver":
            text = Text(f"✓ {escape_line(step.text)}", style=palette.ok)
        elif step.kind == "own":
            text = Text(f"· {escape_line(step.text)}", style="dim")
        elif step.kind == "stream":
            text = Text(f"▣ {escape_line(step.text)}", style=palette.accent)
        elif step.kind == "unknown":
            text = Text(escape_line(step.text), style=palette.warning)
        else:
            text = Text(f"→ {escape_line(step.text)}" + (f" (hop {escape_line(step.hop)})" if step.hop else ""))
        node = branch.add(text)
        if step.kind == "forward":
            children = [child for child in hop.children if child.hop == step.hop]
            for child in children:
                _hop_tree(node, child)
            if not children and not step.error:
                node.add(Text("no report from that server in time (t traces again)", style=palette.warning))


def render_trace(trace: Trace, subject: str, deliver: bool) -> RenderableType:
    head = Text()
    head.append("Trace of ", style="bold")
    head.append(escape_line(subject), style=palette.subject + BOLD)
    head.append("  delivered for real" if deliver else "  trace only: delivered to nobody", style="dim")
    summary = Text(escape_line(trace.summary()), style=palette.error + BOLD if trace.no_interest else BOLD)
    tree = Tree(Text("path", style="dim"), guide_style="dim")
    for hop in trace.roots:
        _hop_tree(tree, hop)
    for hop in trace.orphans:
        orphan = tree.add(Text("reported without its previous server's report:", style=palette.warning))
        _hop_tree(orphan, hop)
    parts: list[RenderableType] = [head, summary, Text(""), tree]
    if trace.malformed:
        parts.append(Text(f"{len(trace.malformed)} event(s) were not JSON (r shows them)", style=palette.warning))
    return Group(*parts)


def render_raw(trace: Trace) -> Text:
    text = Text()
    for event in trace.raw:
        body = event if isinstance(event, str) else json.dumps(event, indent=2, default=str)
        text.append(escape_line(body) if "\n" not in body else body)
        text.append("\n\n")
    return text or Text("no event", style="dim")


class TraceScreen(Dialog[None]):
    DEFAULT_CSS = """
    TraceScreen { align: center middle; }
    #trace-box { width: 90%; height: 85%; border: round $accent; background: $surface; padding: 0 1; }
    #trace-body { height: 1fr; }
    #trace-keys { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("r", "raw", "Raw events", id="trace.raw"),
        Binding("d", "deliver", "Trace delivering", id="trace.deliver"),
        Binding("t", "again", "Trace again", id="trace.again"),
        Binding("escape", "cancel", "Close", id="trace.close"),
    ]

    def __init__(self, subject: str, data: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.subject = subject
        self.data = data
        self.headers = dict(headers or {})
        self.trace: Trace | None = None
        self.deliver = False
        self.raw = False
        self.error = ""
        self.unsupported = False  # the server is older than 2.11: nothing more is offered

    def compose(self) -> ComposeResult:
        with Vertical(id="trace-box"):
            with VerticalScroll(id="trace-body"):
                yield Static(Text(f"Tracing {escape_line(self.subject)}…", style="bold"), id="trace-content")
            yield Static(
                Text("r raw events · t trace again · d trace delivering for real · esc close"), id="trace-keys"
            )

    def on_mount(self) -> None:
        self.run_trace()

    @work(exclusive=True, group="trace", exit_on_error=False)
    async def run_trace(self) -> None:
        app = self.app
        try:
            events = await trace_message(app.session.nc, self.subject, self.data, self.headers, deliver=self.deliver)
        except TracingNotSupported as exc:
            self.error = str(exc)
            self.unsupported = True
        except Exception as exc:
            self.error = app.session.safe(f"trace failed: {describe_error(exc)}")
        else:
            self.error = ""
            from natstui.client.interest import own_connection

            self.trace = build_trace(events, own_connection(app.session.nc))
        self.redraw()

    def redraw(self) -> None:
        content = self.query_one("#trace-content", Static)
        if self.error:
            content.update(Text(self.error, style=palette.error + BOLD))
        elif self.trace is not None:
            content.update(render_raw(self.trace) if self.raw else render_trace(self.trace, self.subject, self.deliver))

    def action_again(self) -> None:
        self.query_one("#trace-content", Static).update(
            Text(f"Tracing {escape_line(self.subject)} again…", style="bold")
        )
        self.run_trace()

    def action_raw(self) -> None:
        self.raw = not self.raw
        self.redraw()

    def action_deliver(self) -> None:
        if self.unsupported:
            self.notify(self.error, severity="warning", markup=False)
            return
        if not self.app.allow_change(f"delivering a traced message on {self.subject}"):
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Publish the message to {self.subject} for real and trace it?\nEvery receiver gets it.",
                danger=True,
                confirm_label="Deliver and trace",
                not_done="Not delivered: the trace stays trace-only.",
            ),
            when_confirmed(self._deliver),
        )

    def _deliver(self) -> None:
        self.deliver = True
        self.query_one("#trace-content", Static).update(Text("Tracing, delivering for real…", style="bold"))
        self.run_trace()


def open_trace(app, subject: str | None, data: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
    if not subject:
        app.notify("Nothing to trace: select a message (or a subject).", markup=False)
        return
    if not app.session.connected:
        app.notify("Not connected: nothing can be traced.", severity="warning", markup=False)
        return
    app.push_screen(TraceScreen(subject, data, headers))

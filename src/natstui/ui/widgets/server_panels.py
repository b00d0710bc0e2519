"""Panels of what natstui knows of its own server and connection: the connected server's INFO,
this connection, the account's JetStream usage, the live stream's subscription.

The connected server's detail in the Servers view and this connection's detail in the Connections
view show them (they were the Server view). Server details, RTT and the subscription's counters
come from what nats-py already holds; the account's JetStream usage is one API call.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.style import StyleType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from natstui.client.server import AccountUsage, ServerOverview, SubscriptionStats, Usage
from natstui.model.columns import ColumnSpec, fit_columns
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.status import format_rtt

ACCOUNT_EVERY = 5.0  # seconds between JetStream account queries while the view is visible


def _fields() -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _text(value: object, style: StyleType = "") -> Text:
    return Text(escape_line(str(value)), style=style)


def dim(value: str = "—") -> Text:
    """A dim note where a value is missing or awaited."""
    return Text(value, style="dim")


def _onoff(on: bool) -> Text:
    return Text("on", style=palette.ok + BOLD) if on else Text("off", style=palette.error + BOLD)


def _bytes(n: int) -> str:
    return f"{human_size(n)} ({n:,} bytes)" if n >= 1024 else f"{n:,} bytes"


def details_panel(overview: ServerOverview) -> RenderableType:
    d = overview.details
    if d is None:
        return dim("No server: natstui is not connected.")
    table = _fields()
    table.add_row("Name", _text(d.name, palette.name) if d.name else dim())
    table.add_row("ID", _text(d.id) if d.id else dim())
    built = ", ".join(
        x
        for x in (
            d.go if d.go.startswith("go") else f"go {d.go}" if d.go else "",
            f"commit {d.git_commit}" if d.git_commit else "",
        )
        if x
    )
    version = d.version + (f" ({built})" if built else "")
    table.add_row("Version", _text(version) if d.version else dim())
    table.add_row("Cluster", _text(d.cluster) if d.cluster else dim("— (not clustered)"))
    if d.domain:
        table.add_row("Domain", _text(d.domain))
    table.add_row("JetStream", _onoff(d.jetstream))
    table.add_row("Max payload", _text(_bytes(d.max_payload)) if d.max_payload else dim())
    table.add_row(
        "Headers", Text("supported" if d.headers else "not supported", style="" if d.headers else palette.error)
    )
    table.add_row("TLS", Text(d.tls, style=palette.ok if d.tls_required else ""))
    urls = Text("\n".join(escape_line(u) for u in d.connect_urls)) if d.connect_urls else dim("none advertised")
    table.add_row("Connect URLs", urls)
    return table


def connection_panel(overview: ServerOverview) -> RenderableType:
    table = _fields()
    table.add_row(
        "State",
        Text(overview.state, style=palette.ok + BOLD if overview.state == "connected" else palette.warning + BOLD),
    )
    table.add_row("URL", _text(overview.url) if overview.url else dim())
    table.add_row("Round trip", Text(format_rtt(overview.rtt)[4:]))
    table.add_row("Reconnects", Text(f"{overview.reconnects:,}"))
    d = overview.details
    if d is not None and (d.client_id is not None or d.client_ip):
        table.add_row("Client", _text(f"id {d.client_id}" + (f" from {d.client_ip}" if d.client_ip else "")))
    table.add_row("Messages", Text(f"{overview.in_msgs:,} in, {overview.out_msgs:,} out"))
    return table


def _usage(usage: Usage, size: bool) -> Text:
    fmt = (lambda n: human_size(n)) if size else (lambda n: f"{n:,}")
    text = Text(fmt(usage.used), style="bold")
    if usage.limit is None:
        text.append(" of unlimited", style="dim")
    else:
        text.append(f" of {fmt(usage.limit)}")
        if usage.limit > 0:
            share = usage.used / usage.limit
            shown = "<1%" if 0 < share < 0.01 else f"{share:.0%}"
            text.append(
                f"  {shown}",
                style=palette.error + BOLD if share >= 0.9 else (palette.warning if share >= 0.75 else palette.ok),
            )
    return text


def account_panel(account: AccountUsage | None, error: str) -> RenderableType:
    if account is None:
        if error:
            return Text(f"✗ {error}", style=palette.error + BOLD)
        return dim("Asking the JetStream API…")
    table = _fields()
    table.add_row("Memory", _usage(account.memory, True))
    table.add_row("Storage", _usage(account.storage, True))
    table.add_row("Streams", _usage(account.streams, False))
    table.add_row("Consumers", _usage(account.consumers, False))
    table.add_row("API requests", Text(f"{account.api_total:,} ({account.api_errors:,} errors)"))
    if account.domain:
        table.add_row("Domain", _text(account.domain))
    if account.tiers:
        table.add_row("Tiers", _text(", ".join(account.tiers)))
    return table


def _limit(n: int, size: bool) -> str:
    if n <= 0:
        return "no limit"
    return human_size(n) if size else f"{n:,}"


SUB_COLUMNS = (  # the subject first, then what tells of trouble (pending, dropped), then the rest
    ColumnSpec("sid", "Sid", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("subject", "Subject", priority=0, min_width=8, max_width=40),
    ColumnSpec("queue", "Queue group", priority=5, min_width=11, max_width=24),
    ColumnSpec("pending_msgs", "Pending msgs", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("pending_bytes", "Pending bytes", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("delivered", "Delivered", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("dropped", "Dropped", priority=2, ellipsis=False, justify="right"),
)


class FittedTable:
    """A table that shows, at the width it is rendered at, the columns that fit (natstui.model.columns)."""

    def __init__(self, specs: Sequence[ColumnSpec], rows: Sequence[Sequence[Text]]) -> None:
        self.specs = list(specs)
        self.rows = [list(row) for row in rows]
        self.content = {
            spec.key: max((row[i].cell_len for row in self.rows), default=0) for i, spec in enumerate(self.specs)
        }

    def __rich_console__(self, console, options):
        fitted = fit_columns(self.specs, options.max_width + 2, self.content, gap=2)  # n columns, n-1 gaps
        index = {spec.key: i for i, spec in enumerate(self.specs)}
        table = Table(box=None, padding=(0, 1), pad_edge=False, expand=False, header_style="bold")
        for spec, width in fitted:
            table.add_column(spec.label, justify=spec.justify, no_wrap=True, overflow="ellipsis", width=width)
        for row in self.rows:
            table.add_row(*(row[index[spec.key]] for spec, _ in fitted))
        yield table


def subscriptions_panel(subs: list[SubscriptionStats]) -> RenderableType:
    if not subs:
        return dim("The live stream has no subscription (not connected yet).")
    rows = [
        [
            Text(str(s.sid)),
            _text(s.subject, palette.subject),
            _text(s.queue) if s.queue else dim(),
            Text(f"{s.pending_msgs:,} of {_limit(s.pending_msgs_limit, False)}"),
            Text(f"{human_size(s.pending_bytes)} of {_limit(s.pending_bytes_limit, True)}"),
            Text(f"{s.delivered:,}"),
            Text(f"{s.dropped:,}", style=palette.error + BOLD if s.dropped else palette.ok),
        ]
        for s in subs
    ]
    note = Text(
        "Pending: received by nats-py, not yet taken in by natstui. Past either limit nats-py drops messages "
        "(slow consumer); they are counted here and in the status bar.",
        style="dim",
    )
    grid = Table.grid()
    grid.add_row(FittedTable(SUB_COLUMNS, rows))
    grid.add_row(Text(""))
    grid.add_row(note)
    return grid


class Panel(Static):
    """One titled panel; redraws only when what it shows changed."""

    DEFAULT_CSS = """
    Panel {
        width: 1fr;
        height: auto;
        border: round $surface-lighten-2;
        border-title-style: bold;
        border-title-color: $primary;
        padding: 0 1;
    }
    """

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__("", id=id, classes="server-panel")
        self.border_title = title
        self._key: object = None

    def show(self, key: object, build) -> None:
        if key != self._key:
            self._key = key
            self.update(build())

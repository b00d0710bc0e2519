"""What the system views show of one server and of its figures: short numbers, rates, round trips
and uptimes as the nats CLI writes them, and the Servers view's detail panels (routes, gateways, leaf
nodes, health, VARZ, and the connection's state when there is no server)."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from natstui.client.session import ConnState
from natstui.client.system import ServerReply
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.model.system import ServerRow, go_duration
from natstui.model.timefmt import format_clock
from natstui.ui.palette import BOLD, palette
from natstui.ui.widgets.server_panels import dim


def count(n: float) -> str:
    """A per-second figure in at most six cells: 0, 12, 1.2k, 45.6k, 1.2M."""
    if n < 1000:
        return f"{n:.0f}" if n >= 10 or n == int(n) else f"{n:.1f}"
    for unit, size in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        if n < size * 1000 or unit == "G":
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"  # pragma: no cover


def per_second_bytes(n: float) -> str:
    return human_size(int(n)) if n >= 1 else "0 B"


def short_duration(seconds: float) -> str:
    """A round trip in at most seven cells: 312µs, 22.4ms, 1.25s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"


def rtt_text(value: object) -> str:
    """A round trip as the server writes it (``1.371957ms``), shortened (``1.4ms``)."""
    seconds = go_duration(value)
    return short_duration(seconds) if seconds is not None else escape_line(str(value or "—"))


def duration(seconds: float | None) -> str:
    """Uptime as nats does: 3d4h, 5h12m, 4m3s, 12s."""
    if seconds is None:
        return "—"
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{s}s"
    return f"{s}s"


def clock(when: float) -> str:
    """A time of day to the second (the app's time zone)."""
    return format_clock(when).split(".")[0]


def _grid() -> RichTable:
    table = RichTable(box=None, padding=(0, 1), pad_edge=False, header_style="bold", show_edge=False)
    return table


def routes_panel(reply: ServerReply | None) -> RenderableType:
    if reply is None or reply.error:
        return dim(f"no answer{': ' + escape_line(reply.error) if reply and reply.error else ''}")
    routes = [r for r in reply.data.get("routes") or [] if isinstance(r, dict)]
    routes.sort(key=lambda r: (str(r.get("remote_name") or ""), r["rid"] if isinstance(r.get("rid"), int) else 0))
    if not routes:
        return dim("no routes (not in a cluster)")
    table = _grid()
    for label in ("Route", "To", "Address", "RTT", "Msgs in", "Msgs out", "Pending", "Uptime"):
        table.add_column(label, no_wrap=True, justify="right" if label.startswith(("Msgs", "Pending")) else "left")
    for r in routes:
        table.add_row(
            Text(str(r.get("rid", ""))),
            Text(escape_line(str(r.get("remote_name") or r.get("remote_id", "")[:12])), style=palette.name),
            Text(escape_line(f"{r.get('ip', '')}:{r.get('port', '')}")),
            Text(rtt_text(r.get("rtt"))),
            Text(f"{int(r.get('in_msgs') or 0):,}"),
            Text(f"{int(r.get('out_msgs') or 0):,}"),
            Text(f"{int(r.get('pending_size') or 0):,}"),
            Text(escape_line(str(r.get("uptime", "")))),
        )
    return table


def gateways_panel(reply: ServerReply | None) -> RenderableType:
    if reply is None or reply.error:
        return dim(f"no answer{': ' + escape_line(reply.error) if reply and reply.error else ''}")
    table = _grid()
    for label in ("Direction", "Gateway", "Address", "RTT", "Msgs in", "Msgs out", "Uptime"):
        table.add_column(label, no_wrap=True, justify="right" if label.startswith("Msgs") else "left")
    rows = 0
    for direction, key in (("outbound", "outbound_gateways"), ("inbound", "inbound_gateways")):
        gateways = reply.data.get(key) or {}
        if not isinstance(gateways, dict):
            continue
        for name, entries in sorted(gateways.items()):
            for g in entries if isinstance(entries, list) else [entries]:
                conn = (g or {}).get("connection") or {} if isinstance(g, dict) else {}
                rows += 1
                table.add_row(
                    Text(direction),
                    Text(escape_line(str(name)), style=palette.name),
                    Text(escape_line(f"{conn.get('ip', '')}:{conn.get('port', '')}")),
                    Text(rtt_text(conn.get("rtt"))),
                    Text(f"{int(conn.get('in_msgs') or 0):,}"),
                    Text(f"{int(conn.get('out_msgs') or 0):,}"),
                    Text(escape_line(str(conn.get("uptime", "")))),
                )
    return table if rows else dim("no gateways (not in a supercluster)")


def leafs_panel(reply: ServerReply | None) -> RenderableType:
    if reply is None or reply.error:
        return dim(f"no answer{': ' + escape_line(reply.error) if reply and reply.error else ''}")
    leafs = [x for x in reply.data.get("leafs") or [] if isinstance(x, dict)]
    if not leafs:
        return dim("no leaf nodes")
    table = _grid()
    for label in ("Leaf node", "Account", "Address", "RTT", "Msgs in", "Msgs out", "Subs"):
        table.add_column(label, no_wrap=True, justify="right" if label.startswith(("Msgs", "Subs")) else "left")
    for x in leafs:
        table.add_row(
            Text(escape_line(str(x.get("name") or "")), style=palette.name),
            Text(escape_line(str(x.get("account") or ""))),
            Text(escape_line(f"{x.get('ip', '')}:{x.get('port', '')}")),
            Text(rtt_text(x.get("rtt"))),
            Text(f"{int(x.get('in_msgs') or 0):,}"),
            Text(f"{int(x.get('out_msgs') or 0):,}"),
            Text(f"{int(x.get('subscriptions') or 0):,}"),
        )
    return table


def health_panel(reply: ServerReply | None) -> RenderableType:
    if reply is None:
        return Text("no answer", style=palette.error + BOLD)
    if reply.error and not reply.data:
        return Text(f"✗ {escape_line(reply.error)}", style=palette.error + BOLD)
    data = reply.data
    status = str(data.get("status") or "unknown")
    ok = status == "ok"
    text = Text("✓ ok" if ok else f"✗ {escape_line(status)}", style=(palette.ok if ok else palette.error) + BOLD)
    errors = data.get("errors") or []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            what = " ".join(str(error.get(k) or "") for k in ("type", "stream", "consumer")).strip()
            line = f"{what}: {error.get('error') or ''}" if what else str(error.get("error") or error)
        else:
            line = str(error)
        text.append("\n✗ " + escape_line(line), style=palette.error)
    if data.get("error") and not errors:
        text.append("\n✗ " + escape_line(str(data.get("error"))), style=palette.error)
    return text


def state_panel(state: ConnState, error: str) -> RenderableType:
    """What there is to say when natstui has no server: its state and why, and how to try again."""
    table = RichTable.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True, min_width=12)
    table.add_column(overflow="fold")
    table.add_row("State", Text(state.value, style=palette.warning + BOLD))
    if error:
        table.add_row("Error", Text(escape_line(error), style=palette.error))
    table.add_row("", Text("r reconnects", style="dim"))
    return table


def varz_panel(row: ServerRow, varz: dict[str, Any] | None, now: float, *, brief: bool = False) -> RenderableType:
    """A server as its VARZ tells (``brief``: what the connected server's INFO does not say)."""
    table = RichTable.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True, min_width=12)
    table.add_column(overflow="fold")
    if not brief:
        table.add_row("Name", Text(escape_line(row.name), style=palette.name))
        table.add_row("ID", Text(escape_line(row.id)))
        table.add_row("Version", Text(escape_line(row.version or "—")))
        table.add_row("Cluster", Text(escape_line(row.cluster)) if row.cluster else dim("— (not clustered)"))
    if varz:
        if varz.get("host") and varz.get("port"):
            table.add_row("Address", Text(escape_line(f"{varz.get('host')}:{varz.get('port')}")))
        table.add_row("Started", Text(escape_line(str(varz.get("start") or "—"))))
        cores = varz.get("cores")
        table.add_row("CPU", Text(f"{row.cpu:.0f}% of {cores} cores" if cores else f"{row.cpu:.0f}%"))
    table.add_row("Uptime", Text(duration(row.uptime(now))))
    if not brief:
        table.add_row("JetStream", Text("on", style=palette.ok + BOLD) if row.jetstream else Text("off", style="dim"))
    if row.missing and row.missing_since is not None:
        table.add_row("Missing", Text(f"since {clock(row.missing_since)}", style=palette.error + BOLD))
    return table

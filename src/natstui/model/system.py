"""The whole system as tables: every server (STATZ/VARZ) and every connection (CONNZ), polled.

Plain Python (no Textual, no nats-py): the client layer hands in the replies
(``natstui.client.system.ServerReply``-like objects: ``server``, ``data``, ``error``, ``received``),
this module keeps what the views show, with rates from the difference between two polls.

- :class:`ServersModel`: one :class:`ServerRow` per server ever seen. A server that does not answer a
  poll is stale (a late reply); after ``MISSED`` polls in a row it is missing, since the first poll
  it did not answer, and stays listed. A reply that cannot be read marks its row stale (its last
  numbers kept), never raises.
- :class:`ConnectionsModel`: one :class:`ConnRow` per (server, cid), sorted and filtered for the view.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from natstui.model.timefmt import parse_server_time

HISTORY = 40  # message-rate samples kept per server (the sparkline)
MISSED = 2  # polls in a row without an answer before a server is missing (after one: stale, a late reply)
SPARK = "▁▂▃▄▅▆▇█"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(y|d|h|ms|µs|us|ns|m|s)")
_UNITS = {"y": 365 * 86400.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6}
_UNITS["ns"] = 1e-9


def go_duration(value: object) -> float | None:
    """Seconds in a duration as the server writes it (``1d2h3m4s``, ``391µs``, ``1.5ms``); None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    total = 0.0
    end = 0
    for found in _DURATION.finditer(value):
        if found.start() != end:
            return None
        total += float(found.group(1)) * _UNITS[found.group(2)]
        end = found.end()
    return total if end == len(value) else None


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time of the server's; None if unreadable."""
    return parse_server_time(value) if isinstance(value, str) else None


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return int(value)


def _float(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value)


def _dict(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def rate(now: float, before: float, seconds: float) -> float | None:
    """Per second between two counter readings; None without two readings or after a reset."""
    if seconds <= 0 or now < before:
        return None
    return (now - before) / seconds


def sparkline(values: Iterable[float], width: int) -> str:
    """The last ``width`` values as block characters, scaled to the largest."""
    shown = list(values)[-width:]
    if not shown:
        return ""
    top = max(shown)
    if top <= 0:
        return SPARK[0] * len(shown)
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1) + 0.5))] for v in shown)


# -- servers -----------------------------------------------------------------------------------------


@dataclass
class ServerRow:
    id: str
    name: str = ""
    cluster: str = ""
    version: str = ""
    start: datetime | None = None
    cpu: float = 0.0
    mem: int = 0
    cores: int = 0
    connections: int = 0
    subscriptions: int = 0
    slow_consumers: int = 0
    routes: int = 0
    gateways: list[str] = field(default_factory=list)  # the clusters it has gateway connections to
    leafnodes: int = 0
    jetstream: bool = False
    counters: tuple[int, int, int, int] = (0, 0, 0, 0)  # msgs in, msgs out, bytes in, bytes out
    measured: float = 0.0  # the server's clock (seconds) of ``counters``
    rates: tuple[float, float, float, float] | None = None  # per second, once polled twice
    history: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    seen: float = 0.0  # time.time() of the last answer
    missing_since: float | None = None  # time.time() of the first poll it did not answer
    misses: int = 0  # polls in a row it did not answer
    stale: str = ""  # why the last answer could not be read

    @property
    def missing(self) -> bool:
        return self.misses >= MISSED

    def uptime(self, now: float | None = None) -> float | None:
        if self.start is None:
            return None
        return max(0.0, (now if now is not None else time.time()) - self.start.timestamp())


@dataclass
class ClusterGroup:
    name: str  # "" for servers in no cluster (a lone server, a leaf node)
    servers: list[ServerRow]
    gateways: list[str]  # the other clusters it is joined to


class ServersModel:
    """Every server ever seen, from the STATZ and VARZ replies of each poll."""

    def __init__(self) -> None:
        self.rows: dict[str, ServerRow] = {}
        self.polls = 0
        self.malformed = 0  # replies of the last poll that named no server

    def update(self, statz: Sequence[Any], varz: Sequence[Any], now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.polls += 1
        answered: set[str] = set()
        self.malformed = 0
        by_id: dict[str, dict[str, Any]] = {}
        tagged = [("statz", r) for r in statz] + [("varz", r) for r in varz]
        for kind, reply in tagged:
            server = reply.server if isinstance(reply.server, dict) else {}
            sid = str(server.get("id") or "")
            if not sid:
                self.malformed += 1
                continue
            row = self.rows.get(sid)
            if row is None:
                row = self.rows[sid] = ServerRow(sid)
            row.name = str(server.get("name") or row.name or sid[:8])
            row.cluster = str(server.get("cluster") or row.cluster or "")
            row.version = str(server.get("ver") or row.version or "")
            answered.add(sid)
            if reply.error:
                row.stale = str(reply.error)
                continue
            entry = by_id.setdefault(sid, {"stale": ""})
            entry[kind] = reply.data if isinstance(reply.data, dict) else {}
        for sid, entry in by_id.items():
            row = self.rows[sid]
            try:
                self._apply(row, entry.get("statz") or {}, entry.get("varz") or {})
                row.stale = ""
            except Exception as exc:  # a shape no server sends: the row keeps its last numbers
                row.stale = f"unreadable reply ({type(exc).__name__})"
        for sid, row in self.rows.items():
            if sid in answered:
                row.seen = now
                row.missing_since = None
                row.misses = 0
            else:
                row.misses += 1
                if row.missing_since is None:
                    row.missing_since = now
                    row.rates = None

    @staticmethod
    def _apply(row: ServerRow, statz: dict[str, Any], varz: dict[str, Any]) -> None:
        both = {**statz, **varz}
        row.start = parse_time(both.get("start")) or row.start
        row.cpu = _float(both, "cpu")
        row.mem = _int(both, "mem")
        row.cores = _int(both, "cores")
        row.connections = _int(both, "connections")
        row.subscriptions = _int(both, "subscriptions")
        row.slow_consumers = _int(both, "slow_consumers")
        if statz:
            row.routes = len(
                {str(r.get("name") or r.get("rid")) for r in _list(statz, "routes") if isinstance(r, dict)}
            )
            row.gateways = sorted({str(g.get("name")) for g in _list(statz, "gateways") if isinstance(g, dict)})
        elif varz:
            row.routes = len(_list(_dict(varz, "cluster"), "urls"))
            row.gateways = sorted(
                str(g.get("name")) for g in _list(_dict(varz, "gateway"), "gateways") if isinstance(g, dict)
            )
        if varz:
            row.leafnodes = _int(varz, "leafnodes")
            row.jetstream = bool(_dict(varz, "jetstream").get("config"))
            counters = (
                _int(varz, "in_msgs"),
                _int(varz, "out_msgs"),
                _int(varz, "in_bytes"),
                _int(varz, "out_bytes"),
            )
            stamp = parse_time(varz.get("now"))
        else:
            row.jetstream = bool(_dict(statz, "jetstream"))
            received, sent = _dict(statz, "received"), _dict(statz, "sent")
            counters = (_int(received, "msgs"), _int(sent, "msgs"), _int(received, "bytes"), _int(sent, "bytes"))
            stamp = None
        measured = stamp.timestamp() if stamp is not None else time.time()
        if row.measured and row.missing_since is None:
            seconds = measured - row.measured
            rates = [rate(a, b, seconds) for a, b in zip(counters, row.counters)]
            if all(r is not None for r in rates):
                row.rates = (rates[0] or 0.0, rates[1] or 0.0, rates[2] or 0.0, rates[3] or 0.0)
                row.history.append(row.rates[0] + row.rates[1])
            elif seconds > 0:
                row.rates = None  # counters went back: the server restarted
        row.counters = counters
        row.measured = measured

    def groups(self) -> list[ClusterGroup]:
        """Servers by cluster (clusters by name, servers by name; servers in no cluster last)."""
        clusters: dict[str, list[ServerRow]] = {}
        for row in self.rows.values():
            clusters.setdefault(row.cluster, []).append(row)
        out = []
        for name in sorted(clusters, key=lambda c: (c == "", c)):
            servers = sorted(clusters[name], key=lambda r: r.name)
            joined = sorted({g for s in servers for g in s.gateways if g != name})
            out.append(ClusterGroup(name, servers, joined))
        return out

    def ordered(self) -> list[ServerRow]:
        return [row for group in self.groups() for row in group.servers]


# -- connections -------------------------------------------------------------------------------------


@dataclass
class ConnRow:
    server_id: str
    server: str  # the server's name
    cid: int
    name: str = ""
    lang: str = ""
    address: str = ""
    account: str = ""
    user: str = ""
    in_msgs: int = 0
    out_msgs: int = 0
    in_bytes: int = 0
    out_bytes: int = 0
    pending: int = 0
    subs: int = 0
    rtt: float | None = None
    rtt_text: str = ""
    uptime: float | None = None
    uptime_text: str = ""
    idle: float | None = None
    idle_text: str = ""
    measured: float = 0.0
    rates: tuple[float, float, float, float] | None = None
    search: str = ""  # lower-case text the filter looks in

    @property
    def key(self) -> tuple[str, int]:
        return (self.server_id, self.cid)

    def rate(self, i: int) -> float:
        return self.rates[i] if self.rates is not None else -1.0


def conn_row(server_id: str, server: str, data: dict[str, Any], measured: float) -> ConnRow | None:
    """One connection of a CONNZ reply (None when it has no cid)."""
    cid = data.get("cid")
    if isinstance(cid, bool) or not isinstance(cid, int):
        return None
    lang = str(data.get("lang") or "")
    version = str(data.get("version") or "")
    ip = str(data.get("ip") or "")
    port = data.get("port")
    row = ConnRow(
        server_id=server_id,
        server=server,
        cid=cid,
        name=str(data.get("name") or ""),
        lang=f"{lang} {version}".strip(),
        address=f"{ip}:{port}" if ip and port else ip,
        account=str(data.get("account") or ""),
        user=str(data.get("authorized_user") or data.get("user") or ""),
        in_msgs=_int(data, "in_msgs"),
        out_msgs=_int(data, "out_msgs"),
        in_bytes=_int(data, "in_bytes"),
        out_bytes=_int(data, "out_bytes"),
        pending=_int(data, "pending_bytes"),
        subs=_int(data, "subscriptions"),
        rtt=go_duration(data.get("rtt")),
        rtt_text=str(data.get("rtt") or ""),
        uptime=go_duration(data.get("uptime")),
        uptime_text=str(data.get("uptime") or ""),
        idle=go_duration(data.get("idle")),
        idle_text=str(data.get("idle") or ""),
        measured=measured,
    )
    row.search = " ".join((str(cid), server, row.name, row.lang, row.address, row.account, row.user)).lower()
    return row


# Sort keys: the column key, how to read a row for it; numbers sort largest first by default.
SORTS: dict[str, Any] = {
    "cid": lambda r: r.cid,
    "server": lambda r: (r.server, r.cid),
    "name": lambda r: (r.name.lower(), r.cid),
    "lang": lambda r: r.lang,
    "address": lambda r: r.address,
    "account": lambda r: r.account,
    "user": lambda r: r.user,
    "msgs_in": lambda r: r.rate(0),
    "msgs_out": lambda r: r.rate(1),
    "bytes_in": lambda r: r.rate(2),
    "bytes_out": lambda r: r.rate(3),
    "pending": lambda r: r.pending,
    "subs": lambda r: r.subs,
    "rtt": lambda r: -1.0 if r.rtt is None else r.rtt,
    "uptime": lambda r: -1.0 if r.uptime is None else r.uptime,
    "idle": lambda r: -1.0 if r.idle is None else r.idle,
}
DESCENDING = {"msgs_in", "msgs_out", "bytes_in", "bytes_out", "pending", "subs", "rtt", "uptime", "idle"}


@dataclass
class ServerPage:
    """What one server said in one refresh: its connections (all its pages), or why not."""

    server_id: str
    server: str
    connections: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    error: str = ""
    measured: float = 0.0  # the server's clock (seconds) of the first page


class ConnectionsModel:
    """Every connection of every server, with rates from the previous refresh."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], ConnRow] = {}
        self.errors: dict[str, str] = {}  # server name -> why its connections are not (all) current
        self.servers = 0  # how many servers answered the last refresh (with connections or none)
        self.sort_key = "msgs_in"
        self.reverse = False  # against the column's natural order
        self.filter = ""
        self._view: list[ConnRow] | None = None

    def update(self, pages: Iterable[ServerPage]) -> None:
        rows: dict[tuple[str, int], ConnRow] = {}
        self.errors = {}
        pages = list(pages)
        self.servers = len({p.server_id or p.server for p in pages})
        for page in pages:
            if page.error:
                self.errors[page.server or page.server_id or "?"] = page.error
                for key, old in self.rows.items():  # keep what it said last, without rates
                    if key[0] == page.server_id and page.server_id:
                        old.rates = None
                        rows[key] = old
                if not page.connections:
                    continue
            for data in page.connections:
                if not isinstance(data, dict):
                    continue
                row = conn_row(page.server_id, page.server, data, page.measured)
                if row is None:
                    continue
                before = self.rows.get(row.key)
                if before is not None:
                    seconds = row.measured - before.measured
                    rates = [
                        rate(a, b, seconds)
                        for a, b in zip(
                            (row.in_msgs, row.out_msgs, row.in_bytes, row.out_bytes),
                            (before.in_msgs, before.out_msgs, before.in_bytes, before.out_bytes),
                        )
                    ]
                    if all(r is not None for r in rates):
                        row.rates = (rates[0] or 0.0, rates[1] or 0.0, rates[2] or 0.0, rates[3] or 0.0)
                    elif seconds == 0:
                        row.rates = before.rates
                rows[row.key] = row
        self.rows = rows
        self._view = None

    def set_sort(self, key: str, reverse: bool = False) -> None:
        if key in SORTS and (key, reverse) != (self.sort_key, self.reverse):
            self.sort_key, self.reverse = key, reverse
            self._view = None

    def set_filter(self, text: str) -> None:
        if text != self.filter:
            self.filter = text
            self._view = None

    def view(self) -> list[ConnRow]:
        """The rows shown: filtered by text (every word found), sorted by the sort column."""
        if self._view is None:
            words = self.filter.lower().split()
            rows = (
                [r for r in self.rows.values() if all(w in r.search for w in words)]
                if words
                else list(self.rows.values())
            )
            descending = (self.sort_key in DESCENDING) != self.reverse
            rows.sort(key=SORTS[self.sort_key], reverse=descending)
            self._view = rows
        return self._view

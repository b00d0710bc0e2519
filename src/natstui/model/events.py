"""The system's own events in words: JetStream advisories and metrics, connections, auth errors,
servers going away.

An event is kept as it arrived (a :class:`~natstui.model.records.Record` in a ring buffer); its
kind comes from the subject alone (cheap: every event is classified for the kind filter), and its
one line in words from the JSON, parsed only when the line is drawn or inspected. An event of a
type not known here is shown raw, one that is not JSON as text: never dropped, never an error.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from natstui.model.sanitize import escape_line
from natstui.model.store import RingStore

JS_ADVISORIES = "$JS.EVENT.ADVISORY.>"
JS_METRICS = "$JS.EVENT.METRIC.>"
# In the system account only.
SYS_SUBJECTS = (
    "$SYS.ACCOUNT.*.CONNECT",
    "$SYS.ACCOUNT.*.DISCONNECT",
    "$SYS.SERVER.*.CLIENT.AUTH.ERR",
    "$SYS.SERVER.*.LAMEDUCK",
    "$SYS.SERVER.*.SHUTDOWN",
)

# Kinds, in the order the filter offers them (label, what it holds).
KINDS: tuple[tuple[str, str], ...] = (
    ("delivery", "max deliveries, naks"),
    ("stream", "stream changes"),
    ("consumer", "consumer changes"),
    ("cluster", "leaders, quorum"),
    ("api", "JetStream API calls"),
    ("metric", "ack samples"),
    ("connection", "connects, disconnects"),
    ("auth", "auth failures"),
    ("server", "lame duck, shutdown"),
    ("other", "unknown types"),
)
KIND_NAMES = tuple(name for name, _ in KINDS)

ADVISORY = "$JS.EVENT.ADVISORY."
METRIC = "$JS.EVENT.METRIC."
_JS_TYPE = "io.nats.jetstream.advisory.v1."
_SERVER_TYPE = "io.nats.server.advisory.v1."
RAW_LIMIT = 200  # characters of a raw event on its line


def kind_of(subject: str) -> str:
    """The kind of an event, from its subject alone."""
    if subject.startswith(ADVISORY):
        rest = subject[len(ADVISORY) :].split(".")
        head = rest[0]
        what = rest[1] if len(rest) > 1 else ""
        if head == "API":
            return "api"
        if what in ("LEADER_ELECTED", "QUORUM_LOST") or head in ("DOMAIN", "SERVER"):
            return "cluster"
        if head == "CONSUMER":
            return "delivery" if what in ("MAX_DELIVERIES", "MSG_NAKED", "MSG_TERMINATED") else "consumer"
        if head == "STREAM":
            return "stream"
        return "other"
    if subject.startswith(METRIC):
        return "metric"
    parts = subject.split(".")
    if len(parts) == 4 and parts[0] == "$SYS" and parts[1] == "ACCOUNT" and parts[3] in ("CONNECT", "DISCONNECT"):
        return "connection"
    if len(parts) == 6 and parts[:2] == ["$SYS", "SERVER"] and parts[3:] == ["CLIENT", "AUTH", "ERR"]:
        return "auth"
    if len(parts) == 4 and parts[:2] == ["$SYS", "SERVER"] and parts[3] in ("LAMEDUCK", "SHUTDOWN"):
        return "server"
    return "other"


@dataclass(frozen=True)
class Event:
    """One event as the view shows it."""

    kind: str
    type: str  # the payload's "type" ("" when it has none or is not JSON)
    text: str  # one line in words (control characters made visible)
    severity: str = ""  # "error", "warning", "ok", "info", "" (the kind's colour)
    stream: str | None = None
    consumer: str | None = None
    cid: int | None = None  # a client connection
    server: str | None = None  # the server it happened on (name, else id)
    account: str | None = None
    raw: bool = False  # an unknown type or not JSON: the text is the payload itself
    gone: str = ""  # what the event says was deleted ("stream ORDERS"): nothing to jump to

    @property
    def target(self) -> str:
        """What ``enter`` jumps to: "consumer", "stream", "connection" or ""."""
        if self.stream and self.consumer:
            return "consumer"
        if self.stream:
            return "stream"
        if self.cid is not None:
            return "connection"
        return ""


def _s(value: Any) -> str:
    return escape_line(str(value)) if value is not None else "?"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _compact(data: bytes | str, limit: int = RAW_LIMIT) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_line(text)


def _on(d: dict[str, Any]) -> tuple[str, str]:
    return _s(d.get("stream")), _s(d.get("consumer"))


def _consumer_event(d: dict[str, Any], kind: str, text: str, severity: str = "") -> Event:
    stream, consumer = d.get("stream"), d.get("consumer")
    return Event(
        kind,
        str(d.get("type", "")),
        text,
        severity,
        stream=str(stream) if stream else None,
        consumer=str(consumer) if consumer else None,
    )


def _deliveries(d: dict[str, Any]) -> str:
    n = _int(d.get("deliveries"))
    return f" after {n:,} deliveries" if n and n > 1 else ""


def _max_deliver(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    text = f"consumer {consumer} on {stream}: max deliveries reached for stream sequence {_s(d.get('stream_seq'))}"
    return _consumer_event(d, "delivery", text + _deliveries(d), "error")


def _nak(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    n = _int(d.get("deliveries"))
    delivery = f" (delivery {n:,})" if n else ""
    text = f"consumer {consumer} on {stream}: stream sequence {_s(d.get('stream_seq'))} nak'd{delivery}"
    return _consumer_event(d, "delivery", text, "warning")


def _terminated(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    reason = d.get("reason")
    why = f": {_s(reason)}" if reason else ""
    text = f"consumer {consumer} on {stream}: stream sequence {_s(d.get('stream_seq'))} terminated{why}"
    return _consumer_event(d, "delivery", text + _deliveries(d), "error")


_ACTIONS = {"create": "created", "delete": "deleted", "modify": "updated", "update": "updated"}


def _action(d: dict[str, Any]) -> str:
    action = str(d.get("action", "")).lower()
    return _ACTIONS.get(action, _s(action) or "changed")


def _consumer_action(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    action = _action(d)
    event = _consumer_event(d, "consumer", f"consumer {consumer} on {stream} {action}", _action_severity(action))
    if action == "deleted":  # nothing to jump to but its stream
        return Event(event.kind, event.type, event.text, event.severity, stream=event.stream)
    return event


def _action_severity(action: str) -> str:
    return "ok" if action == "created" else "warning" if action == "deleted" else "info"


def _stream_action(d: dict[str, Any]) -> Event:
    action = _action(d)
    stream = d.get("stream")
    return Event(
        "stream",
        str(d.get("type", "")),
        f"stream {_s(stream)} {action}",
        _action_severity(action),
        stream=str(stream) if stream and action != "deleted" else None,
        gone=f"stream {_s(stream)}" if action == "deleted" else "",
    )


def _consumer_pause(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    if d.get("paused"):
        until = d.get("pause_until")
        text = f"consumer {consumer} on {stream} paused" + (f" until {_s(until)}" if until else "")
        return _consumer_event(d, "consumer", text, "warning")
    return _consumer_event(d, "consumer", f"consumer {consumer} on {stream} resumed", "ok")


def _client_name(client: dict[str, Any]) -> str:
    who = client.get("user") or client.get("name") or ""
    acc = client.get("acc") or client.get("account") or ""
    text = _s(who) if who else "anonymous"
    return text + (f" ({_s(acc)})" if acc else "")


def _api_audit(d: dict[str, Any]) -> Event:
    subject = str(d.get("subject", "?"))
    call = subject.removeprefix("$JS.API.")
    client = d.get("client") if isinstance(d.get("client"), dict) else {}
    outcome, severity = "ok", ""
    response = d.get("response")
    try:
        reply = json.loads(response) if isinstance(response, str) else response
    except ValueError:
        reply = None
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        error = reply["error"]
        outcome, severity = f"error {_s(error.get('code', ''))} {_s(error.get('description', ''))}".rstrip(), "warning"
    text = f"API {_s(call)} by {_client_name(client or {})}: {outcome}"
    return Event("api", str(d.get("type", "")), text, severity)


def _leader(d: dict[str, Any]) -> str:
    replicas = d.get("replicas")
    replicas = replicas if isinstance(replicas, list) else []
    peers = [_s(r.get("name")) for r in replicas if isinstance(r, dict) and r.get("name")]
    return f"new leader {_s(d.get('leader'))}" + (f" (replicas {', '.join(peers)})" if peers else "")


def _stream_leader(d: dict[str, Any]) -> Event:
    stream = d.get("stream")
    text = f"stream {_s(stream)}: {_leader(d)}"
    return Event("cluster", str(d.get("type", "")), text, "info", stream=str(stream) if stream else None)


def _consumer_leader(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    return _consumer_event(d, "cluster", f"consumer {consumer} on {stream}: {_leader(d)}", "info")


def _stream_quorum(d: dict[str, Any]) -> Event:
    stream = d.get("stream")
    text = f"stream {_s(stream)} lost quorum"
    return Event("cluster", str(d.get("type", "")), text, "error", stream=str(stream) if stream else None)


def _consumer_quorum(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    return _consumer_event(d, "cluster", f"consumer {consumer} on {stream} lost quorum", "error")


def _domain_leader(d: dict[str, Any]) -> Event:
    where = f" of cluster {_s(d.get('cluster'))}" if d.get("cluster") else ""
    domain = f" in domain {_s(d.get('domain'))}" if d.get("domain") else ""
    text = f"JetStream meta leader{where}{domain}: {_leader(d)}"
    return Event("cluster", str(d.get("type", "")), text, "info")


def _server_out_of_space(d: dict[str, Any]) -> Event:
    stream = d.get("stream")
    text = f"server {_s(d.get('server'))} out of storage" + (f" for stream {_s(stream)}" if stream else "")
    return Event("cluster", str(d.get("type", "")), text, "error", stream=str(stream) if stream else None)


def _server_removed(d: dict[str, Any]) -> Event:
    text = f"server {_s(d.get('server'))} removed from the JetStream cluster"
    return Event("cluster", str(d.get("type", "")), text, "warning")


def _stream_job(verb: str, severity: str = "info") -> Callable[[dict[str, Any]], Event]:
    def describe(d: dict[str, Any]) -> Event:
        stream = d.get("stream")
        client = d.get("client") if isinstance(d.get("client"), dict) else None
        by = f" by {_client_name(client)}" if client else ""
        text = f"stream {_s(stream)}: {verb}{by}"
        return Event("stream", str(d.get("type", "")), text, severity, stream=str(stream) if stream else None)

    return describe


def _consumer_ack(d: dict[str, Any]) -> Event:
    stream, consumer = _on(d)
    ack_ns = _int(d.get("ack_time"))
    after = f" after {ack_ns / 1e6:,.1f} ms" if ack_ns is not None else ""
    n = _int(d.get("deliveries"))
    delivery = f" (delivery {n:,})" if n and n > 1 else ""
    text = f"consumer {consumer} on {stream}: stream sequence {_s(d.get('stream_seq'))} acked{after}{delivery}"
    return _consumer_event(d, "metric", text)


def _server_of(d: dict[str, Any]) -> str | None:
    server = d.get("server") if isinstance(d.get("server"), dict) else {}
    name = server.get("name") or server.get("id") if server else None
    return str(name) if name else None


def _client(d: dict[str, Any]) -> tuple[dict[str, Any], str]:
    client = d.get("client") if isinstance(d.get("client"), dict) else {}
    client = client or {}
    parts = []
    cid = _int(client.get("id", client.get("cid")))
    if cid is not None:
        parts.append(f"cid {cid}")
    if client.get("name"):
        parts.append(f'"{_s(client["name"])}"')
    who = client.get("user")
    acc = client.get("acc") or client.get("account")
    if who or acc:
        parts.append(f"{_s(who) if who else ''}{'@' if who and acc else ''}{_s(acc) if acc else ''}")
    host = client.get("host")
    if host:
        parts.append(f"from {_s(host)}")
    lang = client.get("lang")
    if lang:
        parts.append(f"({_s(lang)} {_s(client.get('ver', ''))})".replace(" )", ")"))
    return client, " ".join(parts) or "a client"


def _client_event(d: dict[str, Any], kind: str, verb: str, severity: str, reason: bool = False) -> Event:
    client, who = _client(d)
    server = _server_of(d)
    text = f"{verb} {who}" + (f" on server {_s(server)}" if server else "")
    if reason and d.get("reason"):
        text += f": {_s(d.get('reason'))}"
    account = client.get("acc") or client.get("account")
    return Event(
        kind,
        str(d.get("type", "")),
        text,
        severity,
        cid=_int(client.get("id", client.get("cid"))),
        server=server,
        account=str(account) if account else None,
    )


def _client_connect(d: dict[str, Any]) -> Event:
    return _client_event(d, "connection", "connected:", "ok")


def _client_disconnect(d: dict[str, Any]) -> Event:
    return _client_event(d, "connection", "disconnected:", "warning", reason=True)


def _client_auth(d: dict[str, Any]) -> Event:
    event = _client_event(d, "auth", "authentication failed:", "error", reason=True)
    return Event(event.kind, event.type, event.text, event.severity, server=event.server, account=event.account)


DESCRIBERS: dict[str, Callable[[dict[str, Any]], Event]] = {
    _JS_TYPE + "max_deliver": _max_deliver,
    _JS_TYPE + "nak": _nak,
    _JS_TYPE + "terminated": _terminated,
    _JS_TYPE + "consumer_action": _consumer_action,
    _JS_TYPE + "stream_action": _stream_action,
    _JS_TYPE + "consumer_pause": _consumer_pause,
    _JS_TYPE + "api_audit": _api_audit,
    _JS_TYPE + "stream_leader_elected": _stream_leader,
    _JS_TYPE + "consumer_leader_elected": _consumer_leader,
    _JS_TYPE + "stream_quorum_lost": _stream_quorum,
    _JS_TYPE + "consumer_quorum_lost": _consumer_quorum,
    _JS_TYPE + "domain_leader_elected": _domain_leader,
    _JS_TYPE + "server_out_of_space": _server_out_of_space,
    _JS_TYPE + "server_removed": _server_removed,
    _JS_TYPE + "snapshot_create": _stream_job("snapshot started"),
    _JS_TYPE + "snapshot_complete": _stream_job("snapshot complete", "ok"),
    _JS_TYPE + "restore_create": _stream_job("restore started"),
    _JS_TYPE + "restore_complete": _stream_job("restore complete", "ok"),
    "io.nats.jetstream.metric.v1.consumer_ack": _consumer_ack,
    _SERVER_TYPE + "client_connect": _client_connect,
    _SERVER_TYPE + "client_disconnect": _client_disconnect,
    _SERVER_TYPE + "client_auth": _client_auth,
}


def _server_going(subject: str, d: Any) -> Event:
    """``$SYS.SERVER.<id>.LAMEDUCK`` / ``.SHUTDOWN``: the payload is the server's info (or holds it)."""
    parts = subject.split(".")
    info = d.get("server") if isinstance(d, dict) and isinstance(d.get("server"), dict) else d
    info = info if isinstance(info, dict) else {}
    name = info.get("name") or info.get("id") or parts[2]
    cluster = f" of cluster {_s(info['cluster'])}" if info.get("cluster") else ""
    lame = parts[3] == "LAMEDUCK"
    verb = "entered lame duck mode: it takes no new clients and moves its clients away" if lame else "shut down"
    return Event(
        "server",
        str(d.get("type", "")) if isinstance(d, dict) else "",
        f"server {_s(name)}{cluster} {verb}",
        "warning" if lame else "error",
        server=str(name),
    )


def describe(subject: str, data: bytes | None) -> Event:
    """The event carried by one message, in words; raw when it cannot be read."""
    kind = kind_of(subject)
    data = data or b""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        what = "empty event" if not data.strip() else f"not JSON: {_compact(data)}"
        return Event(kind, "", f"{_s(subject)}: {what}", "warning", raw=True)
    if kind == "server":
        try:
            return _server_going(subject, doc)
        except Exception:
            pass
    if not isinstance(doc, dict):
        return Event(kind, "", f"{_s(subject)}: {_compact(data)}", raw=True)
    type_ = doc.get("type")
    describer = DESCRIBERS.get(type_) if isinstance(type_, str) else None
    if kind == "auth" and isinstance(doc.get("client"), dict):
        describer = _client_auth  # the server sends these as a client_disconnect
    if describer is not None:
        try:
            event = describer(doc)
        except Exception:  # a known type with fields of unexpected shapes: shown raw
            event = None
        if event is not None:
            return event
    label = _s(type_) if type_ else "event with no type"
    return Event(kind, str(type_ or ""), f"{label} on {_s(subject)}: {_compact(data)}", raw=True)


# -- the view's rows: the buffer's events of the chosen kind ---------------------------------------
class EventIndex:
    """The sequences of the events in ``store`` of one kind (or every kind), kept up to date in
    batches: ``update`` classifies what arrived since the last call (from the subject only) and
    forgets what the ring buffer dropped."""

    def __init__(self, store: RingStore, kind: str | None = None) -> None:
        self.store = store
        self.kind = kind
        self._seqs: list[int] = []
        self._start = 0  # index of the first live entry of _seqs
        self._next = store.first_seq  # the next sequence to classify
        self.counts: dict[str, int] = {}  # events of each kind held in the buffer (for the filter's labels)
        self._kinds: dict[int, str] = {}

    def set_kind(self, kind: str | None) -> None:
        """Show another kind: the rows are rebuilt from the buffer."""
        self.kind = kind
        self._seqs = [seq for seq in range(self.store.first_seq, self.store.last_seq + 1) if self._match(seq)]
        self._start = 0

    def _match(self, seq: int) -> bool:
        return self.kind is None or self._kinds.get(seq) == self.kind

    def update(self) -> tuple[int, int]:
        """Take in the events that arrived; returns (rows added, rows dropped from the front)."""
        store = self.store
        first = store.first_seq
        # forget the kinds of what left the buffer
        kinds = self._kinds
        if kinds:
            oldest = next(iter(kinds))
            for seq in range(oldest, min(first, self._next)):
                kind = kinds.pop(seq, None)
                if kind is not None:
                    self.counts[kind] -= 1
        dropped = 0
        seqs = self._seqs
        while self._start < len(seqs) and seqs[self._start] < first:
            self._start += 1
            dropped += 1
        if self._start > 1024 and self._start * 2 > len(seqs):
            del seqs[: self._start]
            self._start = 0
        added = 0
        start = max(self._next, first)
        for record in store.range(start, store.last_seq + 1):
            kind = kind_of(record.msg.subject)
            kinds[record.seq] = kind
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if self.kind is None or kind == self.kind:
                seqs.append(record.seq)
                added += 1
        self._next = store.last_seq + 1
        return added, dropped

    def __len__(self) -> int:
        return len(self._seqs) - self._start

    def seq_at(self, index: int) -> int | None:
        if 0 <= index < len(self):
            return self._seqs[self._start + index]
        return None

    def index_of(self, seq: int) -> int | None:
        i = bisect.bisect_left(self._seqs, seq, self._start)
        if i < len(self._seqs) and self._seqs[i] == seq:
            return i - self._start
        return None

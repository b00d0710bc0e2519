"""Message traces (nats-server 2.11+, ADR-41): every server's trace event, joined into the path.

A traced message carries ``Nats-Trace-Dest``; each server it reaches sends one event to that subject:
``{"server": {...}, "request": {"header": {...}}, "events": [...]}``. Events are ``in`` (ingress: from
a client, a route, a gateway or a leaf node), ``eg`` (egress: delivered to a client, or passed to the
next server with a ``hop`` id that the next server's ``Nats-Trace-Hop`` header repeats), ``js``
(stored in a stream), ``sm`` (subject mapping), ``se`` (stream export), ``si`` (service import).
Anything else, or anything of the wrong shape, is kept and shown raw: never dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from natstui.model.fields import as_dict, as_list

KINDS = {0: "client", 1: "route", 2: "gateway", 3: "system", 4: "leaf node", 5: "JetStream", 6: "account"}
MIN_VERSION = (2, 11)


def _header(request: dict[str, Any], name: str) -> str:
    value = as_dict(request.get("header")).get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def kind_name(kind: Any) -> str:
    return KINDS.get(kind, f"kind {kind}") if isinstance(kind, int) else "?"


@dataclass
class Step:
    """One thing a server did with the message, in words."""

    kind: str  # deliver, own (to natstui itself), forward, stream, mapping, export, import, ingress, unknown
    text: str
    error: str = ""
    hop: str = ""  # for a forward: the next server's hop id
    raw: Any = None


@dataclass
class Hop:
    server: str
    cluster: str
    hop: str  # "" for the first server
    ingress: str = ""
    steps: list[Step] = field(default_factory=list)
    children: list[Hop] = field(default_factory=list)
    raw: Any = None


@dataclass
class Trace:
    roots: list[Hop] = field(default_factory=list)
    orphans: list[Hop] = field(default_factory=list)  # a server whose parent did not report (late, lost)
    raw: list[Any] = field(default_factory=list)  # every event as it came (parsed, or text)
    malformed: list[str] = field(default_factory=list)

    def walk(self) -> list[Hop]:
        found: list[Hop] = []
        stack = list(self.roots) + list(self.orphans)
        while stack:
            hop = stack.pop()
            found.append(hop)
            stack.extend(hop.children)
        return found

    @property
    def deliveries(self) -> list[Step]:
        return [s for h in self.walk() for s in h.steps if s.kind == "deliver" and not s.error]

    @property
    def clients(self) -> int:
        """How many clients receive it: one with two matching subscriptions (two deliveries) is one."""
        seen = set()
        for hop in self.walk():
            for step in hop.steps:
                if step.kind == "deliver" and not step.error:
                    cid = as_dict(step.raw).get("cid")
                    seen.add((hop.server, cid) if cid is not None else id(step))
        return len(seen)

    @property
    def streams(self) -> list[str]:
        return sorted(
            {s.text.split("stream ", 1)[-1] for h in self.walk() for s in h.steps if s.kind == "stream" and not s.error}
        )

    @property
    def errors(self) -> list[Step]:
        return [s for h in self.walk() for s in h.steps if s.error]

    @property
    def servers(self) -> list[str]:
        return sorted({h.server for h in self.walk()})

    @property
    def no_interest(self) -> bool:
        """Nobody receives it and no stream stores it."""
        return bool(self.roots or self.orphans) and not self.deliveries and not self.streams

    def summary(self) -> str:
        if not self.roots and not self.orphans:
            return "no trace event arrived"
        if self.no_interest:
            return "no interest: no client receives it and no stream stores it"
        parts = []
        clients = self.clients
        if clients:
            parts.append(f"{clients} client{'s' if clients != 1 else ''}")
        if self.streams:
            parts.append(f"stream{'s' if len(self.streams) != 1 else ''} {', '.join(self.streams)}")
        servers = self.servers
        parts.append(f"through {len(servers)} server{'s' if len(servers) != 1 else ''} ({', '.join(servers)})")
        errors = self.errors
        if errors:
            parts.append(f"{len(errors)} refused or dropped")
        return "; ".join(parts)


def _step(event: dict[str, Any], only: bool = False) -> Step:
    """One event in words; ``only``: a trace-only copy, which the server reports as delivered or
    stored although it went nowhere (said "would be")."""
    kind = event.get("type")
    would = "would be " if only else ""
    error = str(event.get("error") or "")
    if kind == "eg":
        name = str(event.get("name") or "?")
        cid = event.get("cid")
        where = kind_name(event.get("kind"))
        hop = str(event.get("hop") or "")
        if event.get("kind") == 0 or not hop:
            sub = event.get("sub")
            queue = event.get("queue")
            text = f"{would}delivered to {where} {name}" + (f" [cid {cid}]" if cid is not None else "")
            if sub:
                text += f" (subscription {sub}" + (f", queue group {queue}" if queue else "") + ")"
            if error:
                text = f"not delivered to {where} {name}"
            return Step("deliver", text, error, raw=event)
        text = f"passed over a {where} to {name}"
        return Step("forward", text, error, hop=hop, raw=event)
    if kind == "js":
        stream = str(event.get("stream") or "?")
        if error:
            return Step("stream", f"not stored in stream {stream}", error, raw=event)
        if event.get("nointerest"):
            return Step("stream", f"stream {stream}: no interest (nothing stored)", raw=event)
        return Step("stream", f"{would}stored in stream {stream}", raw=event)
    if kind == "sm":
        return Step("mapping", f"subject mapped to {event.get('to')}", error, raw=event)
    if kind == "se":
        return Step("export", f"stream export to account {event.get('acc')} as {event.get('to')}", error, raw=event)
    if kind == "si":
        return Step(
            "import",
            f"service import from account {event.get('acc')}: {event.get('from')} → {event.get('to')}",
            error,
            raw=event,
        )
    if kind == "in":
        return Step("ingress", "", error, raw=event)
    return Step("unknown", f"unknown event: {json.dumps(event, default=str)[:200]}", error, raw=event)


def _hop(body: dict[str, Any]) -> Hop:
    server = as_dict(body.get("server"))
    request = as_dict(body.get("request"))
    hop = Hop(
        server=str(server.get("name") or server.get("id") or "?"),
        cluster=str(server.get("cluster") or ""),
        hop=_header(request, "Nats-Trace-Hop"),
        raw=body,
    )
    only = _header(request, "Nats-Trace-Only").lower() in ("1", "t", "true", "on", "yes")
    for event in as_list(body.get("events")):
        if not isinstance(event, dict):
            hop.steps.append(Step("unknown", f"unknown event: {str(event)[:200]}", raw=event))
            continue
        step = _step(event, only)
        if step.kind == "ingress":
            source = kind_name(event.get("kind"))
            cid = event.get("cid")
            hop.ingress = (
                f"from {source} {event.get('name') or '?'}"
                + (f" [cid {cid}]" if cid is not None else "")
                + f", account {event.get('acc') or '?'}, subject {event.get('subj') or '?'}"
            )
            if step.error:
                hop.steps.append(Step("deliver", "refused on the way in", step.error, raw=event))
            continue
        hop.steps.append(step)
    return hop


def _mark_own(hop: Hop, own: tuple[str, int | None]) -> None:
    """A delivery to natstui's own connection (its live stream's subscription) is said so, and not
    counted as a receiver: with ``>`` in the Live view every subject would otherwise have one."""
    server = as_dict(hop.raw).get("server")
    if as_dict(server).get("id") != own[0] or own[1] is None:
        return
    for step in hop.steps:
        if step.kind == "deliver" and not step.error and as_dict(step.raw).get("cid") == own[1]:
            step.kind = "own"
            would = "would be " if step.text.startswith("would be ") else ""  # a trace-only copy
            step.text = f"{would}delivered to natstui itself [cid {own[1]}] (its own subscription, not counted)"


def build_trace(payloads: list[bytes], own: tuple[str, int | None] | None = None) -> Trace:
    """The path from every event received (in any order). ``own`` is natstui's connection (server
    id, client id): deliveries to it are marked as its own, not as receivers."""
    trace = Trace()
    hops: list[Hop] = []
    for payload in payloads:
        try:
            body = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            text = payload.decode("utf-8", "replace")[:500]
            trace.malformed.append(text)
            trace.raw.append(text)
            continue
        trace.raw.append(body)
        if not isinstance(body, dict):
            trace.malformed.append(str(body)[:500])
            continue
        hops.append(_hop(body))
        if own is not None:
            _mark_own(hops[-1], own)
    for hop in hops:
        if not hop.hop:
            trace.roots.append(hop)
            continue
        parent = next(
            (h for h in hops if h is not hop and any(s.hop == hop.hop for s in h.steps if s.kind == "forward")), None
        )
        if parent is None:
            trace.orphans.append(hop)
        else:
            parent.children.append(hop)
    return trace


def parse_version(text: str) -> tuple[int, int]:
    try:
        major, minor = text.lstrip("v").split(".")[:2]
        return int(major), int(minor)
    except (ValueError, AttributeError):
        return (0, 0)


def supports_tracing(version: str) -> bool:
    return parse_version(version) >= MIN_VERSION

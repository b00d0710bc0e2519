"""Trace a message through the system (nats-server 2.11+): publish a copy with ``Nats-Trace-Dest``.

By default the copy also carries ``Nats-Trace-Only: true``: the servers report where it would go and
deliver it to nobody. Every server the message reaches sends one event to natstui's inbox; they are
collected until none came for ``quiet`` seconds (or ``window`` in all) and returned as received.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import weakref
from collections.abc import Mapping
from typing import Any

from nats.aio.client import Client as NATS

from natstui.client.publish import check_size

TRACE_DEST = "Nats-Trace-Dest"
TRACE_ONLY = "Nats-Trace-Only"
WINDOW = 2.0  # seconds at most
QUIET = 0.4  # seconds without a new event after the first


class TracingNotSupported(Exception):
    pass


class _Inbox:
    """One subscription per connection for every trace's events (``<inbox>.<n>``): made once, its
    interest has reached the other servers (over routes and gateways) by the next trace."""

    def __init__(self, nc: NATS) -> None:
        self.prefix = nc.new_inbox()
        self.queues: dict[str, asyncio.Queue[bytes]] = {}
        self.counter = itertools.count(1)
        self.sub: Any = None
        self.created = time.monotonic()

    async def start(self, nc: NATS) -> None:
        async def on_event(msg: Any) -> None:
            queue = self.queues.get(msg.subject)
            if queue is not None:
                queue.put_nowait(msg.data)

        self.sub = await nc.subscribe(f"{self.prefix}.*", cb=on_event)
        await nc.flush()


_inboxes: weakref.WeakKeyDictionary[NATS, _Inbox] = weakref.WeakKeyDictionary()


async def _inbox(nc: NATS) -> _Inbox:
    inbox = _inboxes.get(nc)
    if inbox is None or inbox.sub is None:
        inbox = _Inbox(nc)
        await inbox.start(nc)
        _inboxes[nc] = inbox
    return inbox


def _hops(payload: bytes) -> tuple[str, set[str]]:
    """This event's own hop id and the hop ids it passed the message on to."""
    try:
        body = json.loads(payload)
        header = body["request"]["header"].get("Nats-Trace-Hop") or [""]
        own = str(header[0] if isinstance(header, list) else header)
        sent = {str(e["hop"]) for e in body.get("events") or () if isinstance(e, dict) and e.get("hop")}
        return own, sent
    except Exception:
        return "", set()


async def trace_message(
    nc: NATS,
    subject: str,
    data: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    deliver: bool = False,
    window: float = WINDOW,
    quiet: float = QUIET,
) -> list[bytes]:
    """Publish a traced copy and return the trace events' payloads.

    A trace-only copy traced right after natstui's trace inbox was made is traced once more when a
    server it was passed to did not report: the inbox's interest may not have reached that server
    yet (across a gateway it travels on its own time), and its event was then dropped."""
    from natstui.model.trace import supports_tracing

    version = str((getattr(nc, "_server_info", None) or {}).get("version") or "")
    if not supports_tracing(version):
        raise TracingNotSupported(f"message tracing needs nats-server 2.11 or later (this server is {version or '?'})")
    inbox = await _inbox(nc)
    events, missing = await _trace_once(nc, inbox, subject, data, headers, deliver, window, quiet)
    if missing and not deliver and time.monotonic() - inbox.created < 3 * window:
        events, missing = await _trace_once(nc, inbox, subject, data, headers, deliver, window, quiet)
    return events


async def _trace_once(
    nc: NATS,
    inbox: _Inbox,
    subject: str,
    data: bytes,
    headers: Mapping[str, str] | None,
    deliver: bool,
    window: float,
    quiet: float,
) -> tuple[list[bytes], bool]:
    dest = f"{inbox.prefix}.{next(inbox.counter)}"
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    inbox.queues[dest] = queue
    events: list[bytes] = []
    reported: set[str] = set()
    forwarded: set[str] = set()
    try:
        sent = {k: v for k, v in (headers or {}).items() if k not in (TRACE_DEST, TRACE_ONLY)}
        sent[TRACE_DEST] = dest
        if not deliver:
            sent[TRACE_ONLY] = "true"
        check_size(nc, data, list(sent.items()))  # the trace headers make a message near the limit too large
        await nc.publish(subject, data, headers=sent)
        deadline = time.monotonic() + window
        while True:
            wait = deadline - time.monotonic()
            if events and not (forwarded - reported):  # every server passed to has reported: soon done
                wait = min(wait, quiet)
            if wait <= 0:
                break
            try:
                payload = await asyncio.wait_for(queue.get(), timeout=wait)
            except asyncio.TimeoutError:
                break
            events.append(payload)
            own, passed = _hops(payload)
            reported.add(own)
            forwarded |= passed
    finally:
        inbox.queues.pop(dest, None)
    return events, bool(forwarded - reported)

"""Publish, request and respond with nats-py, headers included (a name may repeat).

nats-py's ``publish`` takes headers as a dict, so a header name can appear
only once. NATS headers may repeat a name (``Accept: a`` and ``Accept: b``);
when they do, the HPUB command is written here with nats-py's own protocol
helper and sent on its connection, after the same checks nats-py makes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nats import errors as nats_errors
from nats.aio.client import Client as NATS
from nats.protocol import command as prot_command

from natstui.model.compose import check_subject, group_headers, has_repeats

Headers = Sequence[tuple[str, str]]

NO_RESPONDERS_STATUS = "503"


@dataclass
class Reply:
    """The answer to a request and how long it took."""

    msg: Any  # nats-py Msg
    subject: str  # the request's subject
    inbox: str  # where the reply came
    round_trip: float  # seconds from sending to receiving
    sent_headers: dict[str, Any] | None = None

    @property
    def service_error(self) -> tuple[str, str] | None:
        """(code, description) when a micro service answered with an error."""
        headers = self.msg.headers or {}
        if "Nats-Service-Error" in headers or "Nats-Service-Error-Code" in headers:
            return headers.get("Nats-Service-Error-Code", ""), headers.get("Nats-Service-Error", "")
        return None


def header_block(headers: Headers) -> bytes:
    """``NATS/1.0`` and one ``Name: value`` line per pair, in order, as the protocol wants."""
    out = bytearray(b"NATS/1.0\r\n")
    for name, value in headers:
        out.extend(name.strip().encode())
        out.extend(b": ")
        out.extend(value.strip().replace("\r", " ").replace("\n", " ").encode())
        out.extend(b"\r\n")
    out.extend(b"\r\n")
    return bytes(out)


def check_size(nc: NATS, payload: bytes, headers: Headers) -> None:
    """Refuse a message whose payload and headers together are larger than the server accepts: the
    server would close the connection for it (nats-py counts only the payload)."""
    size = len(payload) + (len(header_block(headers)) if headers else 0)
    if size > nc.max_payload:
        raise nats_errors.MaxPayloadError(f"{size:,} bytes with its headers, the server allows {nc.max_payload:,}")


async def publish(
    nc: NATS, subject: str, payload: bytes = b"", headers: Headers | None = None, reply: str = ""
) -> None:
    """Publish to an exact subject; ``headers`` are (name, value) pairs and a name may repeat."""
    check_subject(subject)
    if reply:
        check_subject(reply)
    pairs = list(headers or ())
    if not has_repeats(pairs):
        check_size(nc, payload, pairs)  # nats-py counts only the payload
        await nc.publish(subject, payload, reply=reply, headers=dict(pairs) if pairs else None)
        return
    # The checks nats-py's publish makes, then its own HPUB command.
    if nc.is_closed:
        raise nats_errors.ConnectionClosedError
    if nc.is_draining_pubs:
        raise nats_errors.ConnectionDrainingError
    block = header_block(pairs)
    if len(payload) + len(block) > nc.max_payload:
        raise nats_errors.MaxPayloadError(f"{len(payload) + len(block):,} bytes, the server allows {nc.max_payload:,}")
    nc.stats["out_msgs"] += 1
    nc.stats["out_bytes"] += len(payload)
    await nc._send_command(prot_command.hpub_cmd(subject, reply, block, payload))
    if nc._flush_queue is not None and nc._flush_queue.empty():
        await nc._flush_pending()


async def request(
    nc: NATS, subject: str, payload: bytes = b"", headers: Headers | None = None, timeout: float = 2.0
) -> Reply:
    """Send a request and wait for the first reply on an inbox of its own.

    Raises nats-py's ``NoRespondersError`` when the server says nothing is
    subscribed, and ``TimeoutError`` when no reply comes within ``timeout``.
    """
    check_subject(subject)
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, max_msgs=1)
    try:
        start = time.perf_counter()
        await publish(nc, subject, payload, headers, reply=inbox)
        try:
            msg = await sub.next_msg(timeout=timeout)
        except (nats_errors.TimeoutError, asyncio.TimeoutError):
            raise nats_errors.TimeoutError from None
        elapsed = time.perf_counter() - start
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            pass  # max_msgs already removed it, or the connection is gone
    if not msg.data and (msg.headers or {}).get("Status") == NO_RESPONDERS_STATUS:
        raise nats_errors.NoRespondersError
    return Reply(
        msg=msg, subject=subject, inbox=inbox, round_trip=elapsed, sent_headers=group_headers(list(headers or ()))
    )


async def respond(nc: NATS, reply_subject: str, payload: bytes = b"", headers: Headers | None = None) -> None:
    """``Msg.respond`` semantics: publish to the message's reply subject, refused when it has none."""
    if not reply_subject:
        raise ValueError("the message has no reply subject, so nobody waits for an answer")
    await publish(nc, reply_subject, payload, headers)

"""The requests behind the Servers and Connections views (no Textual).

A Servers refresh is two pings (``STATZ`` and ``VARZ``, at once), each waiting until the replies
go quiet. A Connections refresh is a
``STATZ`` ping answered by the first server (how many servers there are: ``active_servers``), one
``CONNZ`` ping whose payload asks each server for its first page (``limit`` connections), then, for
each server with more (its ``total``), one ``$SYS.REQ.SERVER.<id>.CONNZ`` request per further page,
all at once: no reply carries more than ``limit`` connections, however many there are.

A ping stops once as many servers answered as the system has (``SystemAccess.servers_seen``);
the servers' own count (STATZ ``active_servers``) raises it when a server joins, so that a ping
neither waits for replies that will not come nor stops before a new server's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.client import Client as NATS

from natstui.client.system import PING, NoSystemAccount, ServerReply, SystemAccess, gather
from natstui.model.system import ServerPage, parse_time

CONNZ_PAGE = 1024  # connections per reply
CONNZ_OPTIONS: dict[str, Any] = {"auth": True}  # open connections (the default), with account and user
ACCOUNT_CONNZ = "$SYS.REQ.ACCOUNT.PING.CONNZ"  # any account may ask: its own connections, from every server
DETAIL_KINDS = ("ROUTEZ", "GATEWAYZ", "LEAFZ", "HEALTHZ")


def learn_size(access: SystemAccess, statz: list[ServerReply]) -> None:
    """Expect as many servers as the servers count (STATZ ``active_servers``), when more than seen."""
    counts = [r.data.get("active_servers") for r in statz]
    known = max((c for c in counts if isinstance(c, int) and not isinstance(c, bool)), default=0)
    if known > access.servers_seen:
        access.servers_seen = known


async def expect_servers(access: SystemAccess, timeout: float = 1.0) -> None:
    """Ask the first server to answer how many servers the system has (one reply waited for)."""
    if access.nc is not None:
        try:
            learn_size(access, await gather(access.nc, PING, timeout=timeout, expected=1))
        except NoSystemAccount:
            pass


async def poll_servers(access: SystemAccess, timeout: float = 2.0) -> tuple[list[ServerReply], list[ServerReply]]:
    """Every server's STATZ and VARZ (two requests, sent together), waiting for the replies to go
    quiet rather than stopping at the expected count: a reply that is no server's (or a server
    that joined) must not cut off a real server's, and the poll runs in the background anyway."""
    statz, varz = await asyncio.gather(
        access.ping("STATZ", timeout=timeout, complete=True), access.ping("VARZ", timeout=timeout, complete=True)
    )
    return statz, varz


async def server_detail(access: SystemAccess, server_id: str, timeout: float = 2.0) -> dict[str, ServerReply | None]:
    """One server's routes, gateways, leaf nodes and health (four requests, sent together)."""
    payloads: dict[str, dict[str, Any]] = {"HEALTHZ": {"details": True}}
    replies = await asyncio.gather(
        *(access.server(server_id, kind, payloads.get(kind, {}), timeout=timeout) for kind in DETAIL_KINDS),
        return_exceptions=True,
    )
    out: dict[str, ServerReply | None] = {}
    for kind, reply in zip(DETAIL_KINDS, replies):
        if isinstance(reply, BaseException):
            out[kind] = ServerReply(error=str(reply) or type(reply).__name__)
        else:
            out[kind] = reply
    return out


def _page(reply: ServerReply) -> ServerPage:
    page = ServerPage(reply.id, reply.name, error=reply.error)
    data = reply.data
    connections = data.get("connections")
    if not reply.error and not isinstance(connections, list):
        page.error = "malformed reply (no connections)"
        connections = []
    page.connections = [c for c in connections or [] if isinstance(c, dict)]
    total = data.get("total")
    page.total = total if isinstance(total, int) and not isinstance(total, bool) else len(page.connections)
    stamp = parse_time(data.get("now"))
    page.measured = stamp.timestamp() if stamp is not None else reply.received
    return page


async def all_connections(
    access: SystemAccess, *, limit: int = CONNZ_PAGE, timeout: float = 2.0
) -> tuple[list[ServerPage], int]:
    """Every open connection of every server, and how many requests that took."""
    await expect_servers(access, timeout)
    first = await access.ping("CONNZ", {**CONNZ_OPTIONS, "offset": 0, "limit": limit}, timeout=timeout)
    pages = [_page(reply) for reply in first]
    more: list[tuple[ServerPage, int]] = [
        (page, offset)
        for page in pages
        if page.server_id and not page.error
        for offset in range(limit, page.total, limit)
    ]
    requests = 2 + len(more)
    if more:
        replies = await asyncio.gather(
            *(
                access.server(
                    page.server_id, "CONNZ", {**CONNZ_OPTIONS, "offset": offset, "limit": limit}, timeout=timeout
                )
                for page, offset in more
            ),
            return_exceptions=True,
        )
        for (page, offset), reply in zip(more, replies):
            if isinstance(reply, ServerReply) and not reply.error:
                page.connections.extend(_page(reply).connections)
            else:
                why = reply.error if isinstance(reply, ServerReply) else "no answer"
                page.error = f"connections from {offset:,} on missing: {why}"
    return pages, requests


async def account_connections(nc: NATS, *, limit: int = CONNZ_PAGE, timeout: float = 1.5) -> list[ServerPage]:
    """This account's connections on every server (``$SYS.REQ.ACCOUNT.PING.CONNZ``, which any
    account may ask; one page per server). Raises :class:`NoSystemAccount` when nobody answers."""
    replies = await gather(nc, ACCOUNT_CONNZ, {**CONNZ_OPTIONS, "offset": 0, "limit": limit}, timeout=timeout)
    pages = []
    for reply in replies:
        page = _page(reply)
        if page.total > len(page.connections):
            page.error = f"showing {len(page.connections):,} of {page.total:,} (the system account pages the rest)"
        pages.append(page)
    return pages


async def connection_detail(
    access: SystemAccess | None, nc: NATS, server_id: str, cid: int, timeout: float = 2.0
) -> dict[str, Any] | None:
    """One connection with its subscriptions (``subs=detail``: ``subscriptions_detail`` in the request), from its own server; the
    account-scoped request when there is no system account. None when nobody answers."""
    payload = {**CONNZ_OPTIONS, "cid": cid, "subscriptions": True, "subscriptions_detail": True}
    try:
        if access is not None and access.available:
            reply = await access.server(server_id, "CONNZ", payload, timeout=timeout)
            replies = [reply] if reply is not None else []
        else:
            replies = [r for r in await gather(nc, ACCOUNT_CONNZ, payload, timeout=timeout) if r.id == server_id]
    except NoSystemAccount:
        return None
    for reply in replies:
        for conn in reply.data.get("connections") or []:
            if isinstance(conn, dict) and conn.get("cid") == cid:
                return conn
    return None

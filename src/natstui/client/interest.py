"""Every subscription of the user's account across the system, for the subject tree's interest marks.

``SUBSZ`` with subscription details, filtered to the account, asked of every server at once through
the system account (each server lists its own clients' subscriptions: nothing is counted twice over
routes, gateways or leaf nodes); a server holding more than a page is asked again alone for all of
them in one answer (with ``offset`` the pages overlap and miss: the server's order changes between
requests).
natstui's own subscriptions (its connection's client id on its server) are left out: its live
stream's ``>`` would otherwise be interest in everything.
"""

from __future__ import annotations

import json
import time
from typing import Any

from nats.aio.client import Client as NATS

from natstui.client.system import NO_SYSTEM, NoSystemAccount, SystemAccess
from natstui.model.interest import InterestSnapshot, SubscriptionIndex

PAGE = 1024  # the server's own default page: what most servers hold
MAX_SUBSCRIPTIONS = 100_000  # asked of one server at most (about 12 MB of answer)


async def own_account(nc: NATS) -> str:
    """The account of the user's connection (``$SYS.REQ.USER.INFO``, answered to any client); '' if unknown."""
    try:
        reply = await nc.request("$SYS.REQ.USER.INFO", b"", timeout=1.0)
        body = json.loads(reply.data)
        return str((body.get("data") or {}).get("account") or "")
    except Exception:
        return ""


def own_connection(nc: NATS) -> tuple[str, int | None]:
    """(server id, client id) of natstui's connection, as SUBSZ names its subscriptions."""
    info = getattr(nc, "_server_info", None) or {}
    return str(info.get("server_id") or ""), getattr(nc, "_client_id", None)


def _subjects(data: dict[str, Any], server_id: str, own: tuple[str, int | None]) -> list[str]:
    found = []
    for sub in data.get("subscriptions_list") or ():
        if not isinstance(sub, dict) or not isinstance(sub.get("subject"), str):
            continue
        if server_id == own[0] and sub.get("cid") == own[1]:
            continue  # natstui's own
        found.append(sub["subject"])
    return found


async def collect(access: SystemAccess, nc: NATS, account: str = "") -> InterestSnapshot:
    """The account's subscriptions on every server, natstui's own left out, as an index."""
    if not access.available:
        return InterestSnapshot(reason=access.reason or NO_SYSTEM, at=time.time())
    account = account or await own_account(nc)
    if not account:
        return InterestSnapshot(reason="Your account's name is not known ($SYS.REQ.USER.INFO went unanswered)")
    own = own_connection(nc)
    request: dict[str, Any] = {"subscriptions": True, "account": account, "limit": PAGE}
    try:
        replies = await access.ping("SUBSZ", request, complete=True)
    except NoSystemAccount:
        return InterestSnapshot(reason=NO_SYSTEM, at=time.time())
    subjects: list[str] = []
    pages = 1
    servers = 0
    for reply in replies:
        if reply.error:
            continue
        servers += 1
        server_id = reply.id or str(reply.data.get("server_id") or "")
        data = reply.data
        total = int(data.get("total") or 0)
        if total > len(data.get("subscriptions_list") or ()) and server_id:
            # more than a page: that server alone, all of them in one answer (offset pages are not
            # consistent: a server lists its subscriptions in a different order at each request)
            whole = await access.server(
                server_id, "SUBSZ", {**request, "limit": min(total, MAX_SUBSCRIPTIONS)}, timeout=5.0
            )
            pages += 1
            if whole is not None and not whole.error:
                data = whole.data
        subjects += _subjects(data, server_id, own)
    return InterestSnapshot(SubscriptionIndex(subjects), servers, account, at=time.time(), pages=pages)

"""natstui's own bulk reads (the message browser's pages, find, stream scans, backups) arrive on
inboxes under one prefix per connection, which the live stream leaves out: a find through a million
messages would otherwise fill the live buffer with its own replies, evicting what the user was
watching, and take the time of the firehose path twice. Requests (discovery, the account query, the
user's own) keep ordinary inboxes and are shown."""

from __future__ import annotations

import itertools
import weakref
from typing import Any

_prefixes: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_counter = itertools.count(1)


def bulk_prefix(nc: Any) -> str:
    """The connection's prefix of bulk inboxes (made on first use, under its inbox prefix so that
    permissions on ``_INBOX.>`` cover it)."""
    prefix = _prefixes.get(nc)
    if prefix is None:
        prefix = _prefixes[nc] = f"{nc.new_inbox()}.bulk"
    return prefix


def bulk_inbox(nc: Any) -> str:
    """A new inbox for one bulk read on ``nc``."""
    return f"{bulk_prefix(nc)}.{next(_counter)}"


async def bulk_request(nc: Any, subject: str, data: bytes, timeout: float) -> Any:
    """A request answered on a bulk inbox (nats-py's ``request`` answers on its shared one): the live
    stream leaves out both the request (it names the inbox) and the answer."""
    inbox = bulk_inbox(nc)
    sub = await nc.subscribe(inbox, max_msgs=1)
    try:
        await nc.publish(subject, data, reply=inbox)
        return await sub.next_msg(timeout=timeout)
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            pass  # answered (max_msgs) or the connection went away: nothing left to undo

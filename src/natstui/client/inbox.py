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

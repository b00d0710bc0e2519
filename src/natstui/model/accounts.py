"""Accounts across the whole system: what every server says of each account, added up.

Inputs are the ``data`` of the system account's replies (no Textual, no NATS here): ``ACCOUNTZ``
(names; the system account), ``$SYS.REQ.ACCOUNT.PING.STATZ`` (per server and account: connections,
leaf nodes, subscriptions, messages and bytes, slow consumers) and ``JSZ`` with ``accounts: true``
(per server: each account's JetStream usage). Anything of the wrong shape counts as nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from natstui.model.fields import as_dict, as_int, as_list

UNLIMITED = 2**63  # reserved_* at or above this: no limit was set


@dataclass
class JetStreamUsage:
    memory: int = 0
    storage: int = 0
    streams: int = 0
    consumers: int = 0
    max_memory: int | None = None  # None: unlimited (or not known)
    max_storage: int | None = None
    max_streams: int | None = None
    max_consumers: int | None = None


@dataclass
class AccountRow:
    name: str
    system: bool = False
    servers: int = 0  # servers where it has connections or leaf nodes
    connections: int = 0
    leafnodes: int = 0
    subscriptions: int = 0
    msgs_in: int = 0  # received from the account's clients, over all servers
    msgs_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    slow_consumers: int = 0
    jetstream: JetStreamUsage | None = None  # None: JetStream not enabled for it (or not known)
    seen_on: list[str] = field(default_factory=list)


def _limit(value: Any) -> int | None:
    n = as_int(value)
    return None if n <= 0 or n >= UNLIMITED else n


def build_accounts(
    accountz: Iterable[Mapping[str, Any]],
    statz: Iterable[tuple[str, Mapping[str, Any]]],
    jsz: Iterable[Mapping[str, Any]],
    own_limits: tuple[str, Mapping[str, Any]] | None = None,
) -> list[AccountRow]:
    """Rows by account name, the system account last. ``statz`` pairs a server name with its reply.

    ``own_limits`` is (account, ``$JS.API.INFO`` ``limits``) for the user's own account, whose limits
    the JetStream API tells; for other accounts the limits are the reserved sizes JSZ reports."""
    rows: dict[str, AccountRow] = {}
    system = ""
    for data in accountz:
        system = str(data.get("system_account") or system)
        for name in as_list(data.get("accounts")):
            if isinstance(name, str) and name:
                rows.setdefault(name, AccountRow(name))
    for server, data in statz:
        for acc in as_list(data.get("account_statz")):
            acc = as_dict(acc)
            name = str(acc.get("acc") or acc.get("name") or "")
            if not name:
                continue
            row = rows.setdefault(name, AccountRow(name))
            conns, leafs = as_int(acc.get("conns")), as_int(acc.get("leafnodes"))
            row.connections += conns
            row.leafnodes += leafs
            row.subscriptions += as_int(acc.get("num_subscriptions"))
            # "received" is what the server received from the account (its publishes): in
            row.msgs_in += as_int(as_dict(acc.get("received")).get("msgs"))
            row.bytes_in += as_int(as_dict(acc.get("received")).get("bytes"))
            row.msgs_out += as_int(as_dict(acc.get("sent")).get("msgs"))
            row.bytes_out += as_int(as_dict(acc.get("sent")).get("bytes"))
            row.slow_consumers += as_int(acc.get("slow_consumers"))
            if conns or leafs:
                row.servers += 1
                row.seen_on.append(server)
    # each server lists the streams (and their consumers) it holds: an account has their union
    streams_of: dict[str, set[str]] = {}
    consumers_of: dict[str, set[tuple[str, str]]] = {}
    for data in jsz:
        for detail in as_list(data.get("account_details")):
            detail = as_dict(detail)
            name = str(detail.get("name") or detail.get("id") or "")
            if not name:
                continue
            row = rows.setdefault(name, AccountRow(name))
            js = row.jetstream or JetStreamUsage()
            # every server reports the account's usage as it knows it: the largest is the newest
            js.memory = max(js.memory, as_int(detail.get("memory")))
            js.storage = max(js.storage, as_int(detail.get("storage")))
            stream_names, consumer_names = streams_of.setdefault(name, set()), consumers_of.setdefault(name, set())
            for stream in as_list(detail.get("stream_detail")):
                stream = as_dict(stream)
                stream_name = str(stream.get("name") or "")
                stream_names.add(stream_name)
                for consumer in as_list(stream.get("consumer_detail")):
                    consumer_names.add((stream_name, str(as_dict(consumer).get("name") or "")))
            js.streams, js.consumers = len(stream_names), len(consumer_names)
            js.max_memory = js.max_memory or _limit(detail.get("reserved_memory"))
            js.max_storage = js.max_storage or _limit(detail.get("reserved_storage"))
            row.jetstream = js
    if own_limits is not None:
        name, limits = own_limits
        own = rows.get(name)
        usage = own.jetstream if own is not None else None
        if usage is not None:
            usage.max_memory = _limit(limits.get("max_memory"))
            usage.max_storage = _limit(limits.get("max_storage"))
            usage.max_streams = _limit(limits.get("max_streams"))
            usage.max_consumers = _limit(limits.get("max_consumers"))
    for row in rows.values():
        row.system = row.name == system
        row.seen_on.sort()
    return sorted(rows.values(), key=lambda r: (r.system, r.name))


def bar(used: int, limit: int | None, width: int = 10) -> tuple[str, float | None]:
    """A text bar of ``used`` against ``limit`` and the fraction (None when unlimited)."""
    if not limit:
        return "", None
    fraction = min(1.0, used / limit) if limit else 0.0
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled), fraction

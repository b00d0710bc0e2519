"""The connected server, the account's JetStream usage, the live stream's subscriptions.

Read from what nats-py already knows (the server's INFO, its subscriptions'
counters) plus one JetStream API call (``$JS.API.INFO``) for the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS


@dataclass
class ServerDetails:
    """What the server said about itself in its INFO."""

    id: str = ""
    name: str = ""
    version: str = ""
    go: str = ""
    git_commit: str = ""
    host: str = ""
    port: int = 0
    cluster: str = ""
    domain: str = ""
    jetstream: bool = False
    headers: bool = False
    max_payload: int = 0
    proto: int = 0
    connect_urls: list[str] = field(default_factory=list)
    tls_required: bool = False
    tls_available: bool = False
    tls_verify: bool = False
    client_id: int | None = None
    client_ip: str = ""

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> ServerDetails:
        def text(key: str) -> str:
            value = info.get(key)
            return "" if value is None else str(value)

        def number(key: str) -> int:
            try:
                return int(info.get(key) or 0)
            except (TypeError, ValueError):
                return 0

        urls = info.get("connect_urls") or []
        return cls(
            id=text("server_id"),
            name=text("server_name"),
            version=text("version"),
            go=text("go"),
            git_commit=text("git_commit"),
            host=text("host"),
            port=number("port"),
            cluster=text("cluster"),
            domain=text("domain"),
            jetstream=bool(info.get("jetstream")),
            headers=bool(info.get("headers")),
            max_payload=number("max_payload"),
            proto=number("proto"),
            connect_urls=[str(u) for u in urls] if isinstance(urls, list) else [str(urls)],
            tls_required=bool(info.get("tls_required")),
            tls_available=bool(info.get("tls_available")),
            tls_verify=bool(info.get("tls_verify")),
            client_id=info.get("client_id") if isinstance(info.get("client_id"), int) else None,
            client_ip=text("client_ip"),
        )

    @property
    def tls(self) -> str:
        if self.tls_required:
            return "required" + (", client certificates verified" if self.tls_verify else "")
        if self.tls_available:
            return "available, not required"
        return "off"


@dataclass
class Usage:
    """One resource of the account: what is used and its limit (None: unlimited)."""

    used: int
    limit: int | None


@dataclass
class AccountUsage:
    memory: Usage
    storage: Usage
    streams: Usage
    consumers: Usage
    api_total: int = 0
    api_errors: int = 0
    domain: str = ""
    tiers: list[str] = field(default_factory=list)

    @classmethod
    def from_account_info(cls, info: Any) -> AccountUsage:
        limits = info.limits

        def limit(value: int | None) -> int | None:
            return None if value is None or value < 0 else value

        api = getattr(info, "api", None)
        return cls(
            memory=Usage(info.memory or 0, limit(limits.max_memory)),
            storage=Usage(info.storage or 0, limit(limits.max_storage)),
            streams=Usage(info.streams or 0, limit(limits.max_streams)),
            consumers=Usage(info.consumers or 0, limit(limits.max_consumers)),
            api_total=getattr(api, "total", 0) or 0,
            api_errors=getattr(api, "errors", 0) or 0,
            domain=info.domain or "",
            tiers=sorted((info.tiers or {}).keys()),
        )


async def account_usage(nc: NATS, domain: str | None = None, timeout: float = 3.0) -> AccountUsage:
    """The account's JetStream usage and limits; raises nats-py's errors (e.g. JetStream off)."""
    js = nc.jetstream(domain=domain or None, timeout=timeout)
    return AccountUsage.from_account_info(await js.account_info())


@dataclass
class SubscriptionStats:
    """A subscription behind the live stream, as nats-py's ``Subscription`` reports it."""

    sid: int
    subject: str
    queue: str
    pending_msgs: int
    pending_bytes: int
    delivered: int
    dropped: int
    pending_msgs_limit: int
    pending_bytes_limit: int


def subscription_stats(subscriptions: Iterable[Any], dropped: dict[int, int]) -> list[SubscriptionStats]:
    out = []
    for sub in subscriptions:
        sid = getattr(sub, "_id", 0)
        out.append(
            SubscriptionStats(
                sid=sid,
                subject=sub.subject,
                queue=sub.queue or "",
                pending_msgs=sub.pending_msgs,
                pending_bytes=sub.pending_bytes,
                delivered=sub.delivered,
                dropped=dropped.get(sid, 0),
                pending_msgs_limit=getattr(sub, "_pending_msgs_limit", 0),
                pending_bytes_limit=getattr(sub, "_pending_bytes_limit", 0),
            )
        )
    return out


@dataclass
class ServerOverview:
    """What natstui knows of its own server and connection (the connected server's detail in Servers,
    this connection's in Connections), gathered in one place."""

    state: str
    url: str
    details: ServerDetails | None
    rtt: float | None
    reconnects: int
    in_msgs: int
    out_msgs: int
    subscriptions: list[SubscriptionStats]
    account: AccountUsage | None = None
    account_error: str = ""  # why the account's usage is not shown, in plain words

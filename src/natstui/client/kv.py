"""Key-value buckets over nats-py: status, progressive key listing with a live watch, history, changes.

Reading never creates durable state: listings, watches and histories are
ephemeral pull consumers (memory storage, one replica, no acks) that are
deleted when they stop and expire on their own if the app goes away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nats.errors import NoRespondersError
from nats.js import api
from nats.js.errors import NotFoundError
from nats.js.kv import KV_DEL, KV_MARKER_REASON, KV_OP, KV_PURGE, KeyValue, _is_key_valid

from natstui.client.scan import StreamScan, bucket_basics, list_streams

KV_STREAM_PREFIX = "KV_"
OPS = ("PUT", "DEL", "PURGE")
# Headers the server adds to a direct get; they describe the stored message, not the value.
GET_META_HEADERS = frozenset(
    (
        "Nats-Stream",
        "Nats-Subject",
        "Nats-Sequence",
        "Nats-Time-Stamp",
        "Nats-Last-Sequence",
        "Nats-Num-Pending",
        "Nats-Msg-Size",
        "Nats-UpTo-Sequence",
    )
)


def key_is_valid(key: str) -> bool:
    return _is_key_valid(key)


def pattern_is_valid(pattern: str) -> bool:
    """A key filter: key characters and NATS wildcards (``*`` a token, final ``>`` the rest)."""
    tokens = pattern.split(".")
    if not pattern or any(t == "" for t in tokens):
        return False
    if ">" in tokens[:-1]:
        return False
    return all(t in ("*", ">") or _is_key_valid(t) for t in tokens)


def operation(headers: dict[str, str] | None) -> str:
    """PUT, DEL or PURGE from a KV message's headers (server markers included)."""
    if not headers:
        return "PUT"
    op = headers.get(KV_OP)
    if op in (KV_DEL, KV_PURGE):
        return op
    reason = headers.get(KV_MARKER_REASON)
    if reason in ("MaxAge", "Purge"):
        return "PURGE"
    if reason == "Remove":
        return "DEL"
    return "PUT"


def user_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    if not headers:
        return None
    kept = {k: v for k, v in headers.items() if k not in GET_META_HEADERS}
    return kept or None


# -- buckets -----------------------------------------------------------------------------------


@dataclass
class BucketStatus:
    name: str
    values: int
    bytes: int
    history: int
    ttl: float  # seconds, 0 when values never expire
    storage: str
    replicas: int
    direct: bool
    description: str = ""
    stream: str = ""

    @classmethod
    def from_stream_info(cls, info: Any, prefix: str = KV_STREAM_PREFIX) -> BucketStatus:
        config, state = info.config, info.state
        return cls(
            **bucket_basics(info, prefix),
            values=state.messages or 0,
            history=config.max_msgs_per_subject or 0,
            direct=bool(config.allow_direct),
            stream=config.name,
        )


async def list_buckets(js: Any) -> list[BucketStatus]:
    infos = await list_streams(js, KV_STREAM_PREFIX)
    return [BucketStatus.from_stream_info(i) for i in infos if (i.config.max_msgs_per_subject or 0) >= 1]


async def bucket_status(js: Any, bucket: str) -> BucketStatus:
    return BucketStatus.from_stream_info(await js.stream_info(KV_STREAM_PREFIX + bucket))


@dataclass
class KeyEntry:
    """One key's latest known state, from a headers-only delivery."""

    key: str
    revision: int
    op: str  # PUT, DEL, PURGE
    created: float  # epoch seconds
    size: int
    live: bool = False  # a change seen by the watch, not part of the initial listing
    ttl: str = ""  # a per-message TTL (the Nats-TTL header), '' when none


class KeyScan(StreamScan):
    """Keys of a bucket (matching a filter), listed progressively, then watched.

    Headers only, last value per key: a bucket of 100,000 keys streams in
    about a second without moving values over the wire, and the same
    consumer then delivers every change as it happens.
    """

    def __init__(self, js: Any, bucket: str, pattern: str = ">") -> None:
        super().__init__(
            js,
            KV_STREAM_PREFIX + bucket,
            f"$KV.{bucket}.{pattern}",
            deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT,
            headers_only=True,
        )
        self.bucket = bucket
        self.pattern = pattern
        self._cut = len(f"$KV.{bucket}.")

    def convert(self, msg: Any, seq: int, ts: int) -> KeyEntry:
        headers = msg.headers
        size = headers.get("Nats-Msg-Size") if headers else None
        return KeyEntry(
            msg.subject[self._cut :],
            seq,
            operation(headers),
            ts / 1e9,
            int(size) if size else len(msg.data or b""),
            ttl=message_ttl(headers),
        )


@dataclass
class Revision:
    """A stored revision of a key, value included."""

    key: str
    revision: int
    op: str
    created: float
    value: bytes
    headers: dict[str, str] | None = None
    live: bool = False

    @property
    def size(self) -> int:
        return len(self.value)


class _HistoryScan(StreamScan):
    def __init__(self, js: Any, bucket: str, key: str) -> None:
        super().__init__(js, KV_STREAM_PREFIX + bucket, f"$KV.{bucket}.{key}", deliver_policy=api.DeliverPolicy.ALL)
        self.key = key

    def convert(self, msg: Any, seq: int, ts: int) -> Revision:
        return Revision(self.key, seq, operation(msg.headers), ts / 1e9, msg.data or b"", user_headers(msg.headers))


async def history(js: Any, bucket: str, key: str, timeout: float = 10.0) -> list[Revision]:
    """Every stored revision of ``key``, oldest first (the bucket keeps up to its history depth)."""
    scan = _HistoryScan(js, bucket, key)
    await scan.start()
    try:
        await scan.wait_listed(timeout)
    finally:
        await scan.stop()
    revisions = {r.revision: r for r in scan.drain()}  # a consumer reset may repeat some
    return [revisions[n] for n in sorted(revisions)]


async def get_entry(js: Any, bucket: str, key: str, *, direct: bool = False, revision: int | None = None) -> Revision:
    """The latest revision of ``key`` (or a given one), even a delete marker."""
    stream = KV_STREAM_PREFIX + bucket
    subject = f"$KV.{bucket}.{key}"
    if revision:
        msg = await js.get_msg(stream, seq=revision, direct=direct)
        if msg.subject != subject:
            raise LookupError(f"revision {revision} does not belong to key {key}")
    else:
        try:
            msg = await js.get_msg(stream, subject=subject, direct=direct)
        except NoRespondersError:
            if not direct:
                raise
            msg = await js.get_msg(stream, subject=subject)  # the bucket does not allow direct gets
    created = msg.time.timestamp() if isinstance(msg.time, datetime) else 0.0
    return Revision(key, msg.seq or 0, operation(msg.headers), created, msg.data or b"", user_headers(msg.headers))


# -- changes (the UI asks ``allow_change`` before calling any of these) ---------------------------


def _kv(js: Any, bucket: str, direct: bool = False) -> KeyValue:
    return KeyValue(name=bucket, stream=KV_STREAM_PREFIX + bucket, pre=f"$KV.{bucket}.", js=js, direct=direct)


async def put(js: Any, bucket: str, key: str, value: bytes) -> int:
    if not key_is_valid(key):
        raise ValueError(f"invalid key {key!r}: use letters, digits and - / _ = . (not at either end)")
    return await _kv(js, bucket).put(key, value)


async def delete(js: Any, bucket: str, key: str) -> None:
    await _kv(js, bucket).delete(key)


async def purge(js: Any, bucket: str, key: str) -> None:
    await _kv(js, bucket).purge(key)


@dataclass
class BucketConfig:
    name: str
    history: int = 1
    ttl: float = 0.0  # seconds; 0: no expiry
    storage: str = "file"
    replicas: int = 1
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class BucketExistsError(Exception):
    pass


async def create_bucket(js: Any, config: BucketConfig) -> BucketStatus:
    """Create a new bucket; an existing one is never reconfigured."""
    try:
        await js.stream_info(KV_STREAM_PREFIX + config.name)
    except NotFoundError:
        pass
    else:
        raise BucketExistsError(f"a bucket named {config.name} already exists")
    kv = await js.create_key_value(
        bucket=config.name,
        history=config.history,
        ttl=config.ttl or None,
        storage=api.StorageType(config.storage),
        replicas=config.replicas,
        description=config.description or None,
        **config.extra,
    )
    return await bucket_status(js, kv._name)


async def delete_bucket(js: Any, bucket: str) -> None:
    await js.delete_key_value(bucket)


# -- revert, compact (the UI asks ``allow_change`` and confirms first) -----------------------------


async def revert(js: Any, bucket: str, key: str, revision: int) -> int:
    """Put the value ``key`` had at ``revision`` as its newest; returns the new revision."""
    old = await get_entry(js, bucket, key, revision=revision)
    if old.op != "PUT":
        raise ValueError(f"revision {revision} of {key} is a {old.op.lower()} marker, not a value")
    return await put(js, bucket, key, old.value)


async def deleted_keys(js: Any, bucket: str, timeout: float = 10.0) -> list[KeyEntry]:
    """The keys whose newest revision is a delete or purge marker."""
    scan = KeyScan(js, bucket)
    await scan.start()
    try:
        await scan.wait_listed(timeout)
    finally:
        await scan.stop()
    latest: dict[str, KeyEntry] = {}
    for entry in scan.drain():
        if entry.key not in latest or entry.revision > latest[entry.key].revision:
            latest[entry.key] = entry
    return sorted((e for e in latest.values() if e.op != "PUT"), key=lambda e: e.key)


async def compact(js: Any, bucket: str) -> int:
    """Remove every delete and purge marker and the history kept behind it (``nats kv compact``).

    Each deleted key's messages up to its marker are purged; a value put after the listing
    (a higher revision) stays. Returns how many keys were compacted.
    """
    markers = await deleted_keys(js, bucket)
    for entry in markers:
        await js.purge_stream(KV_STREAM_PREFIX + bucket, seq=entry.revision + 1, subject=f"$KV.{bucket}.{entry.key}")
    return len(markers)


def message_ttl(headers: dict[str, str] | None) -> str:
    """A per-message TTL (the ``Nats-TTL`` header: ``30s``, ``1h`` or seconds; ``never``), or ''."""
    if not headers:
        return ""
    return str(headers.get("Nats-TTL", "") or "")

"""Key-value buckets over nats-py: status, progressive key listing with a live watch, history, changes.

Reading never creates durable state: listings, watches and histories are
ephemeral pull consumers (memory storage, one replica, no acks) that are
deleted when they stop and expire on their own if the app goes away.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from nats.errors import NoRespondersError
from nats.js import api
from nats.js.errors import NotFoundError
from nats.js.kv import KV_DEL, KV_MARKER_REASON, KV_OP, KV_PURGE, KeyValue, _is_key_valid

KV_STREAM_PREFIX = "KV_"
INACTIVE_THRESHOLD = 30.0  # seconds: the server removes a forgotten consumer after this
OPS = ("PUT", "DEL", "PURGE")
# Headers the server adds to a direct get; they describe the stored message, not the value.
GET_META_HEADERS = frozenset(
    ("Nats-Stream", "Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp", "Nats-Last-Sequence",
     "Nats-Num-Pending", "Nats-Msg-Size", "Nats-UpTo-Sequence")
)


def jetstream(nc: Any, domain: Optional[str] = None) -> Any:
    """The JetStream context, in the configured domain."""
    return nc.jetstream(domain=domain) if domain else nc.jetstream()


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


def parse_ack(reply: str) -> tuple:
    """(stream sequence, timestamp in ns, pending) from a JetStream ack subject (v1 or v2 form)."""
    tokens = reply.split(".")
    base = 2 if len(tokens) == 9 else 4
    return int(tokens[base + 3]), int(tokens[base + 5]), int(tokens[base + 6])


def operation(headers: Optional[Dict[str, str]]) -> str:
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


def user_headers(headers: Optional[Dict[str, str]]) -> Optional[Dict[str, str]]:
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
    def from_stream_info(cls, info: Any, prefix: str = KV_STREAM_PREFIX) -> "BucketStatus":
        config, state = info.config, info.state
        storage = config.storage.value if hasattr(config.storage, "value") else str(config.storage or "file")
        return cls(
            name=config.name[len(prefix):],
            values=state.messages or 0,
            bytes=state.bytes or 0,
            history=config.max_msgs_per_subject or 0,
            ttl=config.max_age or 0.0,
            storage=storage,
            replicas=config.num_replicas or 1,
            direct=bool(config.allow_direct),
            description=config.description or "",
            stream=config.name,
        )


async def list_streams(js: Any, prefix: str) -> List[Any]:
    """StreamInfo of every stream whose name starts with ``prefix`` (all pages)."""
    found: List[Any] = []
    offset = 0
    while True:
        resp = await js._api_request(f"{js._prefix}.STREAM.LIST", json.dumps({"offset": offset}).encode(),
                                     timeout=js._timeout)
        streams = resp.get("streams") or []
        for raw in streams:
            if raw.get("config", {}).get("name", "").startswith(prefix):
                found.append(api.StreamInfo.from_response(raw))
        offset += len(streams)
        if not streams or offset >= resp.get("total", 0):
            break
    found.sort(key=lambda info: info.config.name)
    return found


async def list_buckets(js: Any) -> List[BucketStatus]:
    infos = await list_streams(js, KV_STREAM_PREFIX)
    return [BucketStatus.from_stream_info(i) for i in infos if (i.config.max_msgs_per_subject or 0) >= 1]


async def bucket_status(js: Any, bucket: str) -> BucketStatus:
    return BucketStatus.from_stream_info(await js.stream_info(KV_STREAM_PREFIX + bucket))


# -- progressive reading -------------------------------------------------------------------------

class StreamScan:
    """Reads a stream through an ephemeral pull consumer, one bounded batch at a time.

    The message callback only converts and appends; the UI takes what is new
    with :meth:`drain` on its timer. Asking for ``BATCH`` messages at a time
    (the next batch once the last one is in) bounds how much arrives at
    once, so a listing of 100,000 keys never holds the event loop for long.
    ``listed`` turns true once everything that existed at the start has
    arrived; what follows are live changes (the open pull request waits for
    them). If the consumer goes away (a server restart, a long disconnection)
    it is made again from the last sequence seen.
    """

    BATCH = 200  # messages per pull request
    EXPIRES = 5.0  # seconds a pull request waits for new messages
    BACKLOG = 50_000  # items not yet drained by the UI before pulling pauses
    mark_live = True  # items get ``live``: False while listing, True for later changes

    def __init__(self, js: Any, stream: str, subject: str, *, deliver_policy: api.DeliverPolicy,
                 headers_only: bool = False) -> None:
        self.js = js
        self.stream = stream
        self.subject = subject
        self.deliver_policy = deliver_policy
        self.headers_only = headers_only
        self.listed = False
        self.expected: Optional[int] = None
        self.received = 0
        self.error = ""
        self.consumer = ""
        self._items: List[Any] = []
        self._sub: Any = None
        self._task: Optional[asyncio.Future] = None
        self._listed_event = asyncio.Event()
        self._batch_done = asyncio.Event()
        self._batch_left = 0
        self._last_seq = 0
        self._gone = False  # the server says the consumer no longer exists
        self._stopped = False

    def convert(self, msg: Any, seq: int, ts: int) -> Any:  # pragma: no cover - overridden
        return msg

    # -- the callback: convert, append, count ----------------------------------------------------
    async def _on_msg(self, msg: Any) -> None:
        headers = msg.headers
        if headers and not msg.data and "Status" in headers:
            status = headers.get("Status")
            if status == "100":  # idle heartbeat
                return
            if status == "503" or (status == "409" and "Consumer Deleted" in headers.get("Description", "")):
                self._gone = True
            self._batch_done.set()  # 404/408: the request ended; 409: ended or the consumer is gone
            return
        reply = msg.reply
        try:
            seq, ts, pending = parse_ack(reply)
            item = self.convert(msg, seq, ts)
        except Exception as exc:  # a malformed message is noted, not fatal
            self.error = f"unreadable message on {msg.subject}: {exc}"
            return
        self.received += 1
        self._last_seq = seq
        if item is not None:
            if self.mark_live:
                item.live = self.listed  # delivered after the initial listing: a change
            self._items.append(item)
        if pending == 0 and not self.listed:
            self._mark_listed()
        self._batch_left -= 1
        if self._batch_left <= 0:
            self._batch_done.set()

    def _mark_listed(self) -> None:
        self.listed = True
        self._listed_event.set()

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> "StreamScan":
        nc = self.js._nc
        inbox = nc.new_inbox()
        self._sub = await nc.subscribe(inbox, cb=self._on_msg)
        self._inbox = inbox
        try:
            info = await self._create(self.deliver_policy, None)
        except BaseException:
            await self._unsubscribe()
            raise
        self.expected = info.num_pending or 0
        if not info.num_pending:
            self._mark_listed()  # nothing matches yet
        self._task = asyncio.ensure_future(self._pull_loop())
        return self

    async def _create(self, policy: api.DeliverPolicy, start_seq: Optional[int]) -> Any:
        config = api.ConsumerConfig(
            name=self.js._nc._nuid.next().decode(),
            deliver_policy=policy,
            opt_start_seq=start_seq,
            ack_policy=api.AckPolicy.NONE,
            filter_subject=self.subject,
            headers_only=self.headers_only or None,
            inactive_threshold=INACTIVE_THRESHOLD,
            mem_storage=True,
            num_replicas=1,
        )
        info = await self.js.add_consumer(self.stream, config=config)
        self.consumer = info.name
        self._gone = False
        return info

    async def _pull_loop(self) -> None:
        nc = self.js._nc
        failures = 0
        while not self._stopped:
            try:
                while len(self._items) > self.BACKLOG and not self._stopped:
                    await asyncio.sleep(0.05)  # the UI has not taken in what arrived yet
                self._batch_left = self.BATCH
                self._batch_done.clear()
                request = json.dumps({"batch": self.BATCH, "expires": int(self.EXPIRES * 1e9)}).encode()
                await nc.publish(f"{self.js._prefix}.CONSUMER.MSG.NEXT.{self.stream}.{self.consumer}", request,
                                 reply=self._inbox)
                try:
                    await asyncio.wait_for(self._batch_done.wait(), self.EXPIRES + 5)
                    answered = True
                except asyncio.TimeoutError:
                    answered = False
                if answered and not self._gone:
                    failures = 0
                    continue
                # unanswered or gone: make the consumer again, from the next sequence
                await asyncio.sleep(min(5.0, 0.2 * 2 ** failures))
                failures += 1
                await self._delete_consumer()
                if self._last_seq:
                    await self._create(api.DeliverPolicy.BY_START_SEQUENCE, self._last_seq + 1)
                else:
                    await self._create(self.deliver_policy, None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # e.g. disconnected: try again, slower and slower
                self.error = str(exc) or exc.__class__.__name__
                failures += 1
                await asyncio.sleep(min(5.0, 0.2 * 2 ** failures))

    async def wait_listed(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._listed_event.wait(), timeout)

    def drain(self) -> List[Any]:
        items, self._items = self._items, []
        return items

    async def _unsubscribe(self) -> None:
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:
                pass

    async def _delete_consumer(self) -> None:
        if self.consumer:
            try:
                await asyncio.wait_for(self.js.delete_consumer(self.stream, self.consumer), 2.0)
            except Exception:
                pass

    async def stop(self) -> None:
        """Stop reading and delete the consumer (it would expire anyway)."""
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
        await self._unsubscribe()
        await self._delete_consumer()


@dataclass
class KeyEntry:
    """One key's latest known state, from a headers-only delivery."""

    key: str
    revision: int
    op: str  # PUT, DEL, PURGE
    created: float  # epoch seconds
    size: int
    live: bool = False  # a change seen by the watch, not part of the initial listing


class KeyScan(StreamScan):
    """Keys of a bucket (matching a filter), listed progressively, then watched.

    Headers only, last value per key: a bucket of 100,000 keys streams in
    about a second without moving values over the wire, and the same
    consumer then delivers every change as it happens.
    """

    def __init__(self, js: Any, bucket: str, pattern: str = ">") -> None:
        super().__init__(js, KV_STREAM_PREFIX + bucket, f"$KV.{bucket}.{pattern}",
                         deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT, headers_only=True)
        self.bucket = bucket
        self.pattern = pattern
        self._cut = len(f"$KV.{bucket}.")

    def convert(self, msg: Any, seq: int, ts: int) -> KeyEntry:
        headers = msg.headers
        size = headers.get("Nats-Msg-Size") if headers else None
        return KeyEntry(msg.subject[self._cut:], seq, operation(headers), ts / 1e9,
                        int(size) if size else len(msg.data or b""))


@dataclass
class Revision:
    """A stored revision of a key, value included."""

    key: str
    revision: int
    op: str
    created: float
    value: bytes
    headers: Optional[Dict[str, str]] = None
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


async def history(js: Any, bucket: str, key: str, timeout: float = 10.0) -> List[Revision]:
    """Every stored revision of ``key``, oldest first (the bucket keeps up to its history depth)."""
    scan = _HistoryScan(js, bucket, key)
    await scan.start()
    try:
        await scan.wait_listed(timeout)
    finally:
        await scan.stop()
    revisions = {r.revision: r for r in scan.drain()}  # a consumer reset may repeat some
    return [revisions[n] for n in sorted(revisions)]


async def get_entry(js: Any, bucket: str, key: str, *, direct: bool = False,
                    revision: Optional[int] = None) -> Revision:
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
    extra: Dict[str, Any] = field(default_factory=dict)


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


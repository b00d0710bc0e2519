"""Reading a stream progressively without consuming it: listings, watches and histories.

Each read is an ephemeral pull consumer (memory storage, one replica, no acks) that
is deleted when it stops and expires on its own if the app goes away; the
Key-Value and Object Store views build on it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.js import api

from natstui.client.inbox import bulk_inbox

INACTIVE_THRESHOLD = 30.0  # seconds: the server removes a forgotten consumer after this


def parse_ack(reply: str) -> tuple[int, int, int]:
    """(stream sequence, timestamp in ns, pending) from a JetStream ack subject (v1 or v2 form)."""
    tokens = reply.split(".")
    base = 2 if len(tokens) == 9 else 4
    return int(tokens[base + 3]), int(tokens[base + 5]), int(tokens[base + 6])


async def list_streams(js: Any, prefix: str) -> list[Any]:
    """StreamInfo of every stream whose name starts with ``prefix`` (all pages)."""
    found: list[Any] = []
    offset = 0
    while True:
        resp = await js._api_request(
            f"{js._prefix}.STREAM.LIST", json.dumps({"offset": offset}).encode(), timeout=js._timeout
        )
        streams = resp.get("streams") or []
        for raw in streams:
            if raw.get("config", {}).get("name", "").startswith(prefix):
                found.append(api.StreamInfo.from_response(raw))
        offset += len(streams)
        if not streams or offset >= resp.get("total", 0):
            break
    found.sort(key=lambda info: info.config.name)
    return found


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

    def __init__(
        self, js: Any, stream: str, subject: str, *, deliver_policy: api.DeliverPolicy, headers_only: bool = False
    ) -> None:
        self.js = js
        self.stream = stream
        self.subject = subject
        self.deliver_policy = deliver_policy
        self.headers_only = headers_only
        self.listed = False
        self.expected: int | None = None
        self.received = 0
        self.error = ""
        self.consumer = ""
        self._items: list[Any] = []
        self._sub: Any = None
        self._task: asyncio.Future[None] | None = None
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
    async def start(self) -> StreamScan:
        nc = self.js._nc
        inbox = bulk_inbox(nc)
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

    async def _create(self, policy: api.DeliverPolicy, start_seq: int | None) -> Any:
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
                await nc.publish(
                    f"{self.js._prefix}.CONSUMER.MSG.NEXT.{self.stream}.{self.consumer}", request, reply=self._inbox
                )
                try:
                    await asyncio.wait_for(self._batch_done.wait(), self.EXPIRES + 5)
                    answered = True
                except asyncio.TimeoutError:
                    answered = False
                if answered and not self._gone:
                    failures = 0
                    continue
                # unanswered or gone: make the consumer again, from the next sequence
                await asyncio.sleep(min(5.0, 0.2 * 2**failures))
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
                await asyncio.sleep(min(5.0, 0.2 * 2**failures))

    async def wait_listed(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._listed_event.wait(), timeout)

    def drain(self) -> list[Any]:
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


def bucket_basics(info: Any, prefix: str) -> dict[str, Any]:
    """What every bucket (Key-Value or Object Store) shows, from its stream's info."""
    config, state = info.config, info.state
    return {
        "name": config.name[len(prefix) :],
        "bytes": state.bytes or 0,
        "ttl": config.max_age or 0.0,
        "storage": config.storage.value if hasattr(config.storage, "value") else str(config.storage or "file"),
        "replicas": config.num_replicas or 1,
        "description": config.description or "",
    }

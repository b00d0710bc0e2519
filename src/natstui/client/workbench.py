"""The ack workbench: pull (or bind) messages from a consumer and settle them by hand.

Nothing is acked unless ``ack`` is called. Each action checks the message's
local state first, so acting twice, or after the ack deadline, is a clear
refusal instead of a protocol error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from natstui.client.jetstream import JetStream, StoredMessage
from natstui.model.jetstream import ns_to_seconds, parse_ts

PENDING, ACKED, NAKED, IN_PROGRESS, TERMED, EXPIRED = "pending", "acked", "naked", "in progress", "termed", "expired"


class WorkError(Exception):
    """An action that cannot be done on this message; the message says why."""


@dataclass
class WorkItem:
    msg: Any  # nats-py Msg with a $JS.ACK reply
    received: float  # wall clock
    deadline: float  # monotonic time after which the server redelivers
    state: str = PENDING
    note: str = ""
    index: int = 0

    @property
    def meta(self) -> Any:
        return self.msg.metadata

    def current_state(self, now: float) -> str:
        if self.state in (PENDING, IN_PROGRESS) and now > self.deadline:
            return EXPIRED
        return self.state

    def remaining(self, now: float) -> float:
        return self.deadline - now


@dataclass
class DeadLetter:
    kind: str  # "max deliveries" or "terminated"
    stream: str
    consumer: str
    stream_seq: int
    deliveries: int
    reason: str
    time: datetime | None


def parse_advisory(data: bytes) -> DeadLetter | None:
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    kind = "terminated" if "terminated" in str(body.get("type", "")) else "max deliveries"
    return DeadLetter(
        kind=kind,
        stream=str(body.get("stream", "")),
        consumer=str(body.get("consumer", "")),
        stream_seq=int(body.get("stream_seq", 0) or 0),
        deliveries=int(body.get("deliveries", 0) or 0),
        reason=str(body.get("reason", "")),
        time=parse_ts(body.get("timestamp")),
    )


class Workbench:
    def __init__(
        self, nc: NATS, js: JetStream, stream: str, consumer: str, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.nc = nc
        self.js = js
        self.stream = stream
        self.consumer = consumer
        self.monotonic = monotonic
        self.info: dict[str, Any] = {}
        self.items: list[WorkItem] = []
        self.dead_letters: list[DeadLetter] = []
        self._pull: Any = None  # nats-py's pull or push subscription once bound
        self._push: Any = None
        self._advisory_subs: list[Any] = []
        self._count = 0
        self.version = 0  # bumped whenever items or dead letters change

    # -- consumer --------------------------------------------------------------------
    async def refresh(self) -> dict[str, Any]:
        info: dict[str, Any] = await self.js.consumer_info(self.stream, self.consumer)
        self.info = info
        return info

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.info.get("config", {})
        return config

    @property
    def is_pull(self) -> bool:
        return not self.config.get("deliver_subject")

    @property
    def bound(self) -> bool:
        """Attached to the consumer (a pull subscription, or interest on the push deliver subject)."""
        return self._pull is not None or self._push is not None

    def ack_wait_for(self, deliveries: int) -> float:
        backoff = self.config.get("backoff") or []
        if backoff:
            return ns_to_seconds(backoff[min(max(deliveries, 1) - 1, len(backoff) - 1)]) or 30.0
        return ns_to_seconds(self.config.get("ack_wait")) or 30.0

    async def bind(self) -> None:
        """Attach to the consumer: a pull subscription, or the push consumer's deliver subject."""
        if not self.info:
            await self.refresh()
        if self.bound:
            return
        js = self.nc.jetstream(domain=self.js.domain) if self.js.domain else self.nc.jetstream()
        if self.is_pull:
            self._pull = await js.pull_subscribe_bind(self.consumer, self.stream)
        else:

            async def on_push(msg: Msg) -> None:
                self._add(msg)

            self._push = await js.subscribe_bind(
                self.stream, _consumer_config(self.config), self.consumer, cb=on_push, manual_ack=True
            )

    async def fetch(self, count: int = 1, timeout: float = 2.0) -> list[WorkItem]:
        """One pull request for up to ``count`` messages (pull consumers)."""
        if self._pull is None:
            raise WorkError("this is a push consumer: its messages arrive by themselves once bound")
        try:
            msgs = await self._pull.fetch(count, timeout=timeout)
        except asyncio.TimeoutError:
            msgs = []
        except Exception as exc:
            if "timeout" in str(exc).lower() or exc.__class__.__name__ == "TimeoutError":
                msgs = []
            else:
                raise
        return [self._add(m) for m in msgs]

    def _add(self, msg: Msg) -> WorkItem:
        self._count += 1
        try:
            deliveries = msg.metadata.num_delivered
        except Exception:
            deliveries = 1
        item = WorkItem(
            msg=msg, received=time.time(), deadline=self.monotonic() + self.ack_wait_for(deliveries), index=self._count
        )
        self.items.append(item)
        self.version += 1
        return item

    # -- actions -----------------------------------------------------------------------
    def _check(self, item: WorkItem, action: str) -> None:
        now = self.monotonic()
        state = item.current_state(now)
        seq = _seq(item)
        if state in (ACKED, NAKED, TERMED):
            raise WorkError(f"message {seq} was already {state}: nothing more to {action}")
        if state == EXPIRED:
            late = now - item.deadline
            raise WorkError(
                f"the ack deadline of message {seq} passed {late:.0f}s ago: the server redelivers it "
                f"(fetch again to handle the new delivery)"
            )

    async def ack(self, item: WorkItem, timeout: float = 2.0) -> None:
        """Double ack: returns once the server confirmed it."""
        self._check(item, "ack")
        await item.msg.ack_sync(timeout=timeout)
        self._settle(item, ACKED, "confirmed by the server")

    async def nak(self, item: WorkItem, delay: float | None = None) -> None:
        self._check(item, "nak")
        await item.msg.nak(delay=delay if delay else None)
        self._settle(item, NAKED, f"redelivery in {delay:g}s" if delay else "redelivery now")

    async def in_progress(self, item: WorkItem) -> None:
        self._check(item, "extend")
        await item.msg.in_progress()
        deliveries = getattr(item.meta, "num_delivered", 1)
        item.deadline = self.monotonic() + self.ack_wait_for(deliveries)
        item.state = IN_PROGRESS
        item.note = "deadline reset"
        self.version += 1

    async def term(self, item: WorkItem, reason: str = "") -> None:
        self._check(item, "terminate")
        if reason:
            await self.nc.publish(item.msg.reply, b"+TERM " + reason.encode("utf-8"))
            item.msg._ackd = True
        else:
            await item.msg.term()
        self._settle(item, TERMED, reason or "no further deliveries")

    def _settle(self, item: WorkItem, state: str, note: str) -> None:
        item.state = state
        item.note = note
        self.version += 1

    # -- dead letters -----------------------------------------------------------------------
    async def follow_dead_letters(self) -> None:
        prefix = "$JS.EVENT"  # advisories are published in the account, whatever the domain
        subjects = [
            f"{prefix}.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.stream}.{self.consumer}",
            f"{prefix}.ADVISORY.CONSUMER.MSG_TERMINATED.{self.stream}.{self.consumer}",
        ]

        async def on_advisory(msg: Msg) -> None:
            letter = parse_advisory(msg.data)
            if letter is not None:
                self.dead_letters.append(letter)
                self.version += 1

        for subject in subjects:
            self._advisory_subs.append(await self.nc.subscribe(subject, cb=on_advisory))

    async def stream_message(self, seq: int) -> StoredMessage | None:
        """The stream's message at ``seq``, read without consuming (None if it is gone)."""
        info = await self.js.stream_info(self.stream)
        direct = bool(info.get("config", {}).get("allow_direct"))
        found = await self.js.read(self.stream, seq, 1, direct=direct)
        return found[0] if found and found[0].seq == seq else None

    async def close(self) -> None:
        for sub in [self._pull, self._push, *self._advisory_subs]:
            if sub is None:
                continue
            try:
                await sub.unsubscribe()
            except Exception:
                pass
        self._pull = self._push = None
        self._advisory_subs = []


def _seq(item: WorkItem) -> str:
    try:
        return str(item.meta.sequence.stream)
    except Exception:
        return f"#{item.index}"


def _consumer_config(config: dict[str, Any]) -> Any:
    from nats.js.api import ConsumerConfig

    return ConsumerConfig.from_response(dict(config))

"""The live stream's subscriptions: each message goes into the store, and nothing else.

The user adds, removes, drains and re-limits them while the app runs (the Subscriptions view),
and steps through them one message at a time (step mode: a held subscription's messages wait in
nats-py, counted as pending, and each step takes exactly the next one). A responder (answering
requests) is listed with them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from natstui.client.inbox import bulk_prefix
from natstui.client.session import Session, confirm
from natstui.model.store import RingStore
from natstui.model.subscriptions import ResponderSpec, SubSpec

# Bounds on what nats-py may hold for us between event-loop turns; beyond
# them it drops messages and reports slow-consumer errors, which the
# session counts and the status bar shows.
PENDING_MSGS_LIMIT = 256 * 1024
PENDING_BYTES_LIMIT = 128 * 1024 * 1024
RELEASE_CHUNK = 1000  # held messages taken in per turn of the event loop when the stream resumes


class LiveSub:
    """One subscription of the live stream (or one responder), as the Subscriptions view lists it.

    nats-py's Subscription holds the counters (delivered, pending messages and bytes, limits);
    this adds what the user asked for (the spec) and what nats-py does not tell: draining,
    closed, held for stepping, refused by the server, requests answered.
    """

    def __init__(self, spec: SubSpec, responder: ResponderSpec | None = None) -> None:
        self.spec = spec
        self.responder = responder
        self.sub: Subscription | None = None
        self.take: Callable[[Msg], None] = lambda msg: None  # what one message does (stepping, releasing)
        self.held = False
        self.draining = False
        self.closed = False
        self.error = ""  # why subscribing failed, in plain words
        self.answered = 0  # requests answered (a responder)
        self.answer_errors = 0
        self.tasks: set[asyncio.Task[Any]] = set()  # a responder's delayed answers

    @property
    def kind(self) -> str:
        return "responder" if self.responder is not None else "live"

    @property
    def sid(self) -> int:
        return getattr(self.sub, "_id", 0) if self.sub is not None else 0

    @property
    def delivered(self) -> int:
        return self.sub.delivered if self.sub is not None else 0

    @property
    def pending_msgs(self) -> int:
        return self.sub.pending_msgs if self.sub is not None else 0

    @property
    def pending_bytes(self) -> int:
        return self.sub.pending_bytes if self.sub is not None else 0

    @property
    def pending_msgs_limit(self) -> int:
        return getattr(self.sub, "_pending_msgs_limit", 0)

    @property
    def pending_bytes_limit(self) -> int:
        return getattr(self.sub, "_pending_bytes_limit", 0)

    @property
    def remaining(self) -> int | None:
        """Messages still to come before it stops (stop after N), or None."""
        if not self.spec.max_msgs:
            return None
        return max(0, self.spec.max_msgs - self.delivered)

    @property
    def finished(self) -> bool:
        """Closed: removed, drained, stopped after its N messages (all of them taken in), or failed."""
        if self.closed or self.sub is None:
            return True
        if self.sub._closed and not self.draining:
            return True
        return self.remaining == 0 and self.pending_msgs == 0

    def refused_by(self, refused: dict[str, str]) -> str:
        """The server's refusal of this subscription (permission denied), or ''."""
        subject = self.spec.subject
        for key, text in refused.items():
            if key == subject or key.startswith(f'{subject}" using queue'):
                return text
        return ""

    def state(self, refused: dict[str, str]) -> str:
        """In words, for its row: active, held, draining, closed, stops after N more, refused."""
        if self.error:
            return f"failed: {self.error}"
        if self.refused_by(refused):
            return "refused: permission denied"
        if self.draining:
            return f"draining ({self.pending_msgs:,} pending)"
        if self.finished:
            return "closed"
        if self.responder is not None:
            return f"answering ({self.answered:,} answered)"
        state = "held (step mode)" if self.held else "active"
        remaining = self.remaining
        return f"{state}, stops after {remaining:,} more" if remaining is not None else state


class LiveFeed:
    def __init__(
        self,
        session: Session,
        store: RingStore,
        subjects: list[str],
        queue: str = "",
        pending_msgs_limit: int = PENDING_MSGS_LIMIT,
        pending_bytes_limit: int = PENDING_BYTES_LIMIT,
        *,
        specs: list[SubSpec] | None = None,
        count: int = 0,
    ) -> None:
        self.session = session
        self.pending_msgs_limit = pending_msgs_limit
        self.pending_bytes_limit = pending_bytes_limit
        self.store = store
        self.subjects = subjects or [">"]
        self.queue = queue
        self.initial = list(specs) if specs else [SubSpec(s, queue) for s in self.subjects]
        self.entries: list[LiveSub] = []
        self.ready = False  # the server has confirmed every subscription
        self.count = count  # --count N: the live stream stops after N messages
        self.taken = 0  # messages taken in, counted only with --count
        self.held = False  # step mode: every live subscription holds its messages
        self.target: LiveSub | None = None  # the subscription step mode takes from (chosen in the view)

    # -- starting -----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Subscribe (again, after a new connection) every subscription that is not closed."""
        self.ready = False
        if not self.entries:
            self.entries = [LiveSub(spec) for spec in self.initial]
        for entry in self.entries:
            if not entry.closed:
                entry.held = entry.draining = False
                await self._subscribe(entry)
        self.held = False
        await confirm(self.session.nc)
        self.ready = True

    async def _subscribe(self, entry: LiveSub) -> None:
        spec = entry.spec
        nc = self.session.nc
        entry.error = ""
        if entry.responder is not None:
            from natstui.client.responder import answer_callback

            cb = answer_callback(nc, entry)
        else:
            cb = self._callback(entry)
        entry.sub = await nc.subscribe(
            spec.subject,
            queue=spec.queue,
            cb=cb,
            pending_msgs_limit=spec.pending_msgs_limit or self.pending_msgs_limit,
            pending_bytes_limit=spec.pending_bytes_limit or self.pending_bytes_limit,
        )
        limit = spec.max_msgs
        if self.count and entry.responder is None:
            limit = min(limit, self.count) if limit else self.count
        if limit:  # the server stops after that many (UNSUB sid N), as nats sub --count does
            await entry.sub.unsubscribe(limit=limit)

    def _callback(self, entry: LiveSub) -> Callable[[Msg], Awaitable[None]]:
        append = self.store.append
        subject, queue = entry.spec.subject, entry.spec.queue or ""
        # natstui's own bulk reads (answers on a bulk inbox, and requests naming one) are left out
        # (client/inbox.py): a string test or two a message
        own = bulk_prefix(self.session.nc)

        def ours(msg: Msg) -> bool:
            return msg.subject.startswith(own) or bool(msg.reply and msg.reply.startswith(own))

        if not self.count:

            def take(msg: Msg) -> None:
                if not ours(msg):
                    append(msg, subject, queue)

            entry.take = take

            async def on_message(msg: Msg) -> None:  # the firehose path: the test written out, then the append
                if not msg.subject.startswith(own) and not (msg.reply and msg.reply.startswith(own)):
                    append(msg, subject, queue)

            return on_message

        def take_counted(msg: Msg) -> None:
            if ours(msg):
                return
            if self.taken >= self.count:
                return  # another subscription's message after the last one: --count is a total
            self.taken += 1
            append(msg, subject, queue)
            if self.taken >= self.count:
                asyncio.ensure_future(self._stop_counted())

        entry.take = take_counted

        async def on_counted(msg: Msg) -> None:
            take_counted(msg)

        return on_counted

    async def _stop_counted(self) -> None:
        for entry in self.live_entries():
            await self.remove(entry, keep_row=True)

    # -- what the views read ------------------------------------------------------------------------
    def live_entries(self) -> list[LiveSub]:
        return [e for e in self.entries if e.responder is None]

    @property
    def subscriptions(self) -> list[Subscription]:
        """nats-py's subscriptions of the live stream that are open."""
        return [e.sub for e in self.live_entries() if e.sub is not None and not e.finished]

    @subscriptions.setter
    def subscriptions(self, value: list[Subscription]) -> None:
        if not value:  # a new connection is coming: subscribed again by start()
            for entry in self.entries:
                entry.sub = None

    @property
    def counted_out(self) -> bool:
        """--count N was reached: the live stream stopped."""
        return bool(self.count) and self.taken >= self.count

    @property
    def pending_msgs(self) -> int:
        return sum(s.pending_msgs for s in self.subscriptions)

    @property
    def refused(self) -> list[str]:
        """The subjects of this feed the server refused to subscribe to (permission denied)."""
        refused = self.session.refused_subscriptions
        return [e.spec.subject for e in self.live_entries() if not e.closed and e.refused_by(refused)]

    @property
    def dropped(self) -> int:
        return self.session.total_dropped

    def dropped_of(self, entry: LiveSub) -> int:
        return self.session.dropped.get(entry.sid, 0) if entry.sub is not None else 0

    # -- changes ------------------------------------------------------------------------------------
    async def add(self, spec: SubSpec, responder: ResponderSpec | None = None) -> LiveSub:
        """Subscribe to ``spec`` (checked first: nothing is sent for an invalid subject)."""
        spec.check()
        if responder is not None:
            responder.check()
        entry = LiveSub(spec, responder)
        await self._subscribe(entry)
        self.entries.append(entry)
        if self.held and responder is None and entry.sub is not None:
            self._hold(entry)
        await confirm(self.session.nc)  # a refusal (permissions) has arrived by now
        return entry

    async def remove(self, entry: LiveSub, keep_row: bool = False) -> None:
        """Unsubscribe: what is pending is dropped. The row goes, unless ``keep_row`` (shown closed)."""
        entry.closed = True
        for task in list(entry.tasks):
            task.cancel()
        sub = entry.sub
        if sub is not None and not sub._closed:
            try:
                await sub.unsubscribe()
            except Exception:
                pass
        if not keep_row and entry in self.entries:
            self.entries.remove(entry)

    def forget(self, entry: LiveSub) -> None:
        """Take a closed subscription's row away."""
        if entry.finished and entry in self.entries:
            self.entries.remove(entry)

    async def drain(self, entry: LiveSub) -> None:
        """Stop new messages, take in what is pending, then close (the row says draining meanwhile)."""
        sub = entry.sub
        if sub is None or entry.finished or entry.draining:
            return
        entry.draining = True
        try:
            if entry.held:
                await self._release(entry)  # what waits is taken in, as a drain promises
            await sub.drain()  # type: ignore[no-untyped-call]
        finally:
            entry.draining = False
            entry.closed = True

    def set_limits(self, entry: LiveSub, msgs: int, size: int) -> None:
        """Change the pending limits of a running subscription (0: the live stream's default).

        nats-py fixes them when it subscribes; its queue's bound and its byte limit are set in
        place, so nothing is unsubscribed and nothing is lost.
        """
        entry.spec.pending_msgs_limit, entry.spec.pending_bytes_limit = msgs, size
        sub = entry.sub
        if sub is None:
            return
        sub._pending_msgs_limit = msgs or self.pending_msgs_limit
        sub._pending_bytes_limit = size or self.pending_bytes_limit
        sub._pending_queue._maxsize = sub._pending_msgs_limit  # type: ignore[attr-defined]

    # -- step mode ------------------------------------------------------------------------------
    def step_target(self) -> LiveSub | None:
        """The subscription ``n`` takes from: the one chosen, else the first open one."""
        target = self.target
        if target is not None and target in self.entries and not target.finished:
            return target
        return next((e for e in self.live_entries() if not e.finished), None)

    def next_target(self) -> LiveSub | None:
        """Choose the next open live subscription to step through (in the list's order)."""
        open_ = [e for e in self.live_entries() if not e.finished]
        if not open_:
            return None
        current = self.step_target()
        self.target = open_[(open_.index(current) + 1) % len(open_)] if current in open_ else open_[0]
        return self.target

    def hold(self) -> None:
        """Every live subscription keeps its messages (pending in nats-py, within its limits)."""
        self.held = True
        for entry in self.live_entries():
            if entry.sub is not None and not entry.finished and not entry.draining:
                self._hold(entry)

    @staticmethod
    def _hold(entry: LiveSub) -> None:
        # nats-py's task hands the subscription's queue to the callback; cancelled, it stops at
        # its next wait for a message (the queue is empty then: no message is lost) and the
        # messages wait in the queue, counted as pending and bounded by the limits.
        entry.held = True
        entry.sub._stop_processing()  # type: ignore[union-attr]

    def step(self, entry: LiveSub) -> bool:
        """Take exactly the next message waiting in a held subscription; False when none waits."""
        sub = entry.sub
        if sub is None or not entry.held:
            return False
        queue = sub._pending_queue
        if queue.empty():
            return False
        self._take(entry, queue.get_nowait())
        return True

    async def step_wait(self, entry: LiveSub, timeout: float) -> bool:
        """As :meth:`step`, waiting up to ``timeout`` seconds for a message to arrive."""
        if self.step(entry):
            return True
        sub = entry.sub
        if sub is None or not entry.held:
            return False
        try:
            msg = await asyncio.wait_for(sub._pending_queue.get(), timeout)
        except asyncio.TimeoutError:
            return False
        self._take(entry, msg)
        return True

    @staticmethod
    def _take(entry: LiveSub, msg: Msg) -> None:
        sub = entry.sub
        sub._pending_size -= len(msg.data)  # type: ignore[union-attr]
        sub._pending_queue.task_done()  # type: ignore[union-attr]
        entry.take(msg)

    async def release(self) -> None:
        """Leave step mode: what waits is taken in (a chunk per turn of the loop), then it flows."""
        self.held = False
        for entry in self.live_entries():
            if entry.held:
                await self._release(entry)

    async def _release(self, entry: LiveSub) -> None:
        entry.held = False
        sub = entry.sub
        if sub is None:
            return
        queue = sub._pending_queue
        n = 0
        while not queue.empty() and not entry.held:
            self._take(entry, queue.get_nowait())
            n += 1
            if n % RELEASE_CHUNK == 0:
                await asyncio.sleep(0)
        if entry.held or sub._closed and not entry.draining:
            return
        task = sub._wait_for_msgs_task
        if task is None or task.done():
            sub._wait_for_msgs_task = asyncio.get_running_loop().create_task(  # type: ignore[assignment]
                sub._wait_for_msgs(self.session.nc._error_cb)
            )

    async def stop(self) -> None:
        for entry in self.entries:
            sub = entry.sub
            if sub is None:
                continue
            try:
                await sub.unsubscribe()
            except Exception:
                pass
            entry.sub = None
        self.ready = False

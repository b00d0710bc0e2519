"""The live stream's subscriptions: each message goes into the store, and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from natstui.client.session import Session, confirm
from natstui.model.store import RingStore

# Bounds on what nats-py may hold for us between event-loop turns; beyond
# them it drops messages and reports slow-consumer errors, which the
# session counts and the status bar shows.
PENDING_MSGS_LIMIT = 256 * 1024
PENDING_BYTES_LIMIT = 128 * 1024 * 1024


class LiveFeed:
    def __init__(
        self,
        session: Session,
        store: RingStore,
        subjects: list[str],
        queue: str = "",
        pending_msgs_limit: int = PENDING_MSGS_LIMIT,
        pending_bytes_limit: int = PENDING_BYTES_LIMIT,
    ) -> None:
        self.session = session
        self.pending_msgs_limit = pending_msgs_limit
        self.pending_bytes_limit = pending_bytes_limit
        self.store = store
        self.subjects = subjects or [">"]
        self.queue = queue
        self.subscriptions: list[Subscription] = []
        self.ready = False  # the server has confirmed every subscription

    async def start(self) -> None:
        self.ready = False
        nc = self.session.nc
        for subject in self.subjects:
            sub = await nc.subscribe(
                subject,
                queue=self.queue,
                cb=self._callback(subject),
                pending_msgs_limit=self.pending_msgs_limit,
                pending_bytes_limit=self.pending_bytes_limit,
            )
            self.subscriptions.append(sub)
        await confirm(nc)
        self.ready = True

    def _callback(self, subject: str) -> Callable[[Msg], Awaitable[None]]:
        append = self.store.append
        queue = self.queue

        async def on_message(msg: Msg) -> None:
            append(msg, subject, queue)

        return on_message

    @property
    def pending_msgs(self) -> int:
        return sum(s.pending_msgs for s in self.subscriptions)

    @property
    def refused(self) -> list[str]:
        """The subjects of this feed the server refused to subscribe to (permission denied)."""
        return [s for s in self.subjects if s in self.session.refused_subscriptions]

    @property
    def dropped(self) -> int:
        return self.session.total_dropped

    async def stop(self) -> None:
        for sub in self.subscriptions:
            try:
                await sub.unsubscribe()
            except Exception:
                pass
        self.subscriptions = []
        self.ready = False

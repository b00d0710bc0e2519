"""The Events view's subscriptions: JetStream advisories and metrics on the user's connection,
connections, auth errors and servers going away on the system account's. Each event goes into
the events' own ring buffer, and nothing else (it is parsed when it is drawn)."""

from __future__ import annotations

from typing import Any

from nats.aio.msg import Msg

from natstui.client.session import confirm
from natstui.model.events import JS_ADVISORIES, JS_METRICS, SYS_SUBJECTS
from natstui.model.store import RingStore

CAPACITY = 10_000  # events kept
PENDING_MSGS_LIMIT = 64 * 1024
PENDING_BYTES_LIMIT = 64 * 1024 * 1024


class EventFeed:
    """Subscribes one connection to a set of event subjects, into ``store``.

    ``start(nc)`` (again after a new connection: the old subscriptions go) and ``stop()``;
    ``nc`` is the connection subscribed now; ``error`` the last refusal, in words.
    """

    def __init__(self, store: RingStore, subjects: tuple[str, ...]) -> None:
        self.store = store
        self.subjects = subjects
        self.nc: Any = None
        self.subscriptions: list[Any] = []
        self.error = ""
        self.ready = False  # the server has confirmed the subscriptions

    async def start(self, nc: Any) -> None:
        await self.stop()
        self.nc = nc
        self.error = ""
        self.ready = False
        append = self.store.append

        async def on_event(msg: Msg) -> None:
            append(msg)

        try:
            for subject in self.subjects:
                self.subscriptions.append(
                    await nc.subscribe(
                        subject,
                        cb=on_event,
                        pending_msgs_limit=PENDING_MSGS_LIMIT,
                        pending_bytes_limit=PENDING_BYTES_LIMIT,
                    )
                )
            await confirm(nc)
            self.ready = True
        except Exception as exc:
            self.error = f"cannot subscribe to {', '.join(self.subjects)}: {exc}"

    async def stop(self) -> None:
        subs, self.subscriptions = self.subscriptions, []
        for sub in subs:
            try:
                await sub.unsubscribe()
            except Exception:
                pass  # the connection is gone: so is the subscription
        self.nc = None
        self.ready = False


class EventSources:
    """Both feeds into one buffer: what the Events view shows, collected from the moment it is
    first opened until the app quits (also while another view is shown)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.store = RingStore(capacity)
        self.jetstream = EventFeed(self.store, (JS_ADVISORIES, JS_METRICS))
        self.system = EventFeed(self.store, SYS_SUBJECTS)

    async def follow(self, user_nc: Any, system_nc: Any) -> None:
        """Subscribe each feed to its connection, if it is not already (None: no subscription)."""
        for feed, nc in ((self.jetstream, user_nc), (self.system, system_nc)):
            if nc is None:
                if feed.nc is not None:
                    await feed.stop()
            elif feed.nc is not nc:
                await feed.start(nc)

    async def stop(self) -> None:
        await self.jetstream.stop()
        await self.system.stop()

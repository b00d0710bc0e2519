"""A flood is taken in a few dozen messages per turn of the event loop, so keys and frames get turns."""

import asyncio
import uuid

from natstui.client.feed import LiveFeed
from natstui.client.session import YIELD_EVERY, Session
from natstui.config import ConnectionSettings
from natstui.model.store import RingStore
from tests.conftest import wait_until

FLOOD = 30_000


async def test_flood_is_taken_in_a_little_per_turn_of_the_loop_and_nothing_is_lost(server_url, nc):
    p = "f" + uuid.uuid4().hex[:8]
    session = Session(ConnectionSettings(servers=[server_url]))
    await session.connect()
    store = RingStore(100_000)
    feed = LiveFeed(session, store, [f"{p}.>"])
    try:
        await feed.start()
        most_per_turn = 0
        stop = asyncio.Event()

        async def other_task() -> None:
            """Stands for the UI: runs once per turn of the loop and sees what arrived in between."""
            nonlocal most_per_turn
            seen = store.total
            while not stop.is_set():
                await asyncio.sleep(0)
                most_per_turn = max(most_per_turn, store.total - seen)
                seen = store.total

        watcher = asyncio.ensure_future(other_task())
        payload = b"x" * 100
        for i in range(FLOOD):
            await nc.publish(f"{p}.flood.{i % 50}", payload)
        await nc.flush()
        await wait_until(lambda: store.total + session.total_dropped >= FLOOD, timeout=30)
        stop.set()
        await watcher
        assert store.total == FLOOD and session.total_dropped == 0  # all of it taken in
        # nats-py alone hands over everything one read of the socket brought (~1,500 such messages)
        assert 0 < most_per_turn <= 2 * YIELD_EVERY, most_per_turn
    finally:
        await feed.stop()
        await session.close()

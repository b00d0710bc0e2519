"""More traffic than the app can take: drops are counted and shown, keys still work, nothing goes silently."""

from __future__ import annotations

import asyncio
import uuid

from tests.conftest import screen_text, send_sentinel, store_has, wait_connected, wait_until
from tests.reliability.helpers import FROZEN, SIZE, LagProbe, app_on, key_latency, quit_app, status_line

PUBLISHED = 30_000


async def test_slow_consumer_shows_drops_and_stays_responsive(server_url, nc):
    p = "s" + uuid.uuid4().hex[:8]
    app = app_on([server_url], [f"{p}.>"])
    app.feed.pending_msgs_limit = 20  # a small window, so that a burst overflows it
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        assert app.feed.subscriptions[0]._pending_queue.maxsize == 20

        async def flood() -> None:
            payload = b"x" * 100
            for i in range(PUBLISHED):
                await nc.publish(f"{p}.flood.{i % 50}", payload)
                if i % 2000 == 1999:
                    await nc.flush()
            await nc.flush()

        with LagProbe() as probe:
            publisher = asyncio.ensure_future(flood())
            # while the flood goes on, a key press is handled within a second
            await wait_until(lambda: app.session.total_dropped > 0, timeout=10, pilot=pilot, interval=0.005)
            took = await key_latency(pilot, "space", lambda: app.view.paused and "PAUSED" in status_line(app))
            assert took < FROZEN, f"the key took {took:.2f}s"
            await publisher
            await wait_until(lambda: app.store.total + app.session.total_dropped == PUBLISHED, timeout=20, pilot=pilot)
            assert probe.max_lag < FROZEN, f"the event loop froze for {probe.max_lag:.2f}s"

        dropped = app.session.total_dropped
        assert 0 < dropped < PUBLISHED
        # nothing more, nothing silent: the sentinel published after the flood is the only message added
        await send_sentinel(nc, f"{p}.end", lambda data: store_has(app.store, data), pilot=pilot)
        assert app.store.total + app.session.total_dropped == PUBLISHED + 1 and app.session.total_dropped == dropped
        await wait_until(lambda: f"⚠ {dropped:,} dropped (slow consumer)" in status_line(app), pilot=pilot)
        await wait_until(lambda: f"{app.store.total:,} received" in status_line(app), pilot=pilot)
        took = await key_latency(pilot, "space", lambda: not app.view.paused and "PAUSED" not in status_line(app))
        assert took < FROZEN
        # the app goes on: later messages still arrive
        await nc.publish(f"{p}.after", b"calm again")
        await nc.flush()
        await wait_until(lambda: "calm again" in screen_text(app), pilot=pilot)
        await quit_app(pilot)

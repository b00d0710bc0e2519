"""A 3-node cluster loses the node natstui is connected to, then gets it back."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import nats
import pytest

from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.screens.streams import StreamsScreen
from tests.conftest import screen_text, send_sentinel, store_has, table_cells, wait_connected, wait_until
from tests.reliability.cluster import Cluster, wait_jetstream_ready
from tests.reliability.helpers import FROZEN, SIZE, LagProbe, app_on, notifications, quit_app, status_line

STREAM_MESSAGES = 120


@pytest.fixture
async def cluster():
    with Cluster() as c:
        await wait_jetstream_ready(c.urls)
        yield c


async def publish_until_seen(publisher, app, subject: str, timeout: float = 10.0) -> None:
    """Interest moves between nodes over the routes: publish until the app has one, bounded."""
    deadline = time.monotonic() + timeout
    before = app.store.total
    while app.store.total == before:
        assert time.monotonic() < deadline, f"no message on {subject} reached the app within {timeout}s"
        await publisher.publish(subject, b"probe")
        await publisher.flush()
        await asyncio.sleep(0.1)


async def publish_each_once(publisher, app, prefix: str, tag: str, count: int, pilot) -> None:
    """Publish ``count`` numbered messages; each must be in the store exactly once."""
    for i in range(count):
        await publisher.publish(f"{prefix}.{tag}", f"{tag}-{i}".encode())
    await publisher.flush()
    want = {f"{tag}-{i}".encode() for i in range(count)}

    def seen():
        return [r.data for r in app.store.range(app.store.first_seq, app.store.last_seq + 1) if r.data in want]

    await wait_until(lambda: len(seen()) >= count, timeout=10, pilot=pilot)
    # a duplicate delivery of any of them would come before the sentinel's
    await send_sentinel(publisher, f"{prefix}.{tag}", lambda data: store_has(app.store, data, count * 3), pilot=pilot)
    got = seen()
    assert sorted(got) == sorted(want), f"{len(got)} deliveries for {count} messages"


async def lead_from(nc, stream: str, name: str, timeout: float = 15.0) -> None:
    """Move the stream's leadership to the node ``name`` (a step-down with a preferred placement)."""
    js = nc.jetstream()
    deadline = time.monotonic() + timeout
    while (await js.stream_info(stream)).cluster.leader != name:
        assert time.monotonic() < deadline, f"stream {stream} never led by {name}"
        try:
            await nc.request(
                f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}",
                json.dumps({"placement": {"preferred": name}}).encode(),
                timeout=2,
            )
        except Exception:
            pass
        await asyncio.sleep(0.5)


def page_title(app) -> str:
    screen = app.screen
    return str(screen.query_one("#messages-title").text) if isinstance(screen, StreamMessagesScreen) else ""


async def page(pilot, app, key: str, expected: str, timeout: float = 25.0) -> None:
    """Press ``key`` in the stream browser until its title shows ``expected`` (a user presses again after an error)."""
    deadline = time.monotonic() + timeout
    presses = 0
    while True:
        presses += 1
        await pilot.press(key)
        try:
            await wait_until(lambda: expected in page_title(app) or "failed" in page_title(app), timeout=7, pilot=pilot)
        except AssertionError:
            pass
        if expected in page_title(app):
            return presses
        assert time.monotonic() < deadline, f"the stream browser never showed {expected!r}: {page_title(app)!r}"
        await pilot.pause(0.5)


async def test_losing_the_connected_node_moves_to_another_and_everything_keeps_working(cluster):
    p = "c" + uuid.uuid4().hex[:8]
    stream = p.upper()
    admin = await nats.connect(cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = admin.jetstream()
    await js.add_stream(name=stream, subjects=[f"{p}.stored.>"], num_replicas=3, allow_direct=True)
    for i in range(1, STREAM_MESSAGES + 1):
        await js.publish(f"{p}.stored.{i % 3}", f"stored-{i}".encode())

    app = app_on(cluster.urls, [f"{p}.live.>"])
    publisher = None
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            node = cluster.node_on_port(app.session.nc.connected_url.port)
            survivors = cluster.others(node)
            publisher = await nats.connect(survivors[0].url, max_reconnect_attempts=-1)
            await lead_from(admin, stream, node.name)  # the stream loses its leader too
            await publish_until_seen(publisher, app, f"{p}.live.warmup")
            await publish_each_once(publisher, app, f"{p}.live", "before", 20, pilot)

            # The R3 stream's browser: Streams view (2), open the stream, first page.
            await pilot.press("2")
            await wait_until(
                lambda: isinstance(app.screen, StreamsScreen) and stream in app.screen.streams, timeout=10, pilot=pilot
            )
            table = app.screen.query_one("#streams-table")
            table.move_cursor(row=table.get_row_index(stream))
            await pilot.press("enter")
            await wait_until(lambda: "page 1–50 (50)" in page_title(app), timeout=10, pilot=pilot)

            screens = []
            with LagProbe() as probe:
                await asyncio.to_thread(node.stop)
                # What a user sees, sampled every 20 ms: reconnecting, then connected to a survivor.
                deadline = time.monotonic() + 20
                moved = False
                while time.monotonic() < deadline and not moved:
                    text = screen_text(app)
                    screens.append(text)
                    port = app.session.nc.connected_url.port if app.session.nc.connected_url else None
                    moved = any(
                        f"● connected  {s.url} ({s.name})" in text.split("\n", 1)[0]
                        for s in survivors
                        if s.port == port
                    )
                    await pilot.pause(0.02)
                assert moved, f"never shown connected to a survivor: {status_line(app)!r}"
                new = cluster.node_on_port(app.session.nc.connected_url.port)
                told = notifications(app)
                # the reason is the one the client saw first: a closed connection, or a reset when the
                # node went while data was in flight; either way it is named, and the app reconnects
                assert any(f"disconnected from {node.url}: " in t and t.endswith("; reconnecting") for t in told), told
                assert f"reconnected to {new.url} ({new.name})" in " ".join(told), told
                await wait_until(lambda: f"reconnected to {new.url} ({new.name})" in screen_text(app), pilot=pilot)
                assert any("reconnecting" in text for text in screens + [screen_text(app)])

                # the live stream keeps receiving, each message once
                await publish_until_seen(publisher, app, f"{p}.live.after")
                await publish_each_once(publisher, app, f"{p}.live", "during", 30, pilot)

                # the R3 stream's browser pages on, without a restart of the app
                await page(pilot, app, "n", "page 51–100 (50)")
                await page(pilot, app, "n", "page 101–120 (20)")
                await page(pilot, app, "g", "page 1–50 (50)")
                assert "stored-1" in screen_text(app)
                # and the Streams view lists it again, with its three replicas and every message
                await pilot.press("escape")
                await wait_until(lambda: isinstance(app.screen, StreamsScreen), pilot=pilot)
                await pilot.press("ctrl+r")
                await wait_until(
                    lambda: (
                        not app.screen.error
                        and app.screen.streams.get(stream, {}).get("state", {}).get("messages") == STREAM_MESSAGES
                    ),
                    timeout=15,
                    pilot=pilot,
                )
                row = table_cells(app.screen.query_one("#streams-table"), stream)
                assert (row["R"], row["Messages"]) == ("3", "120"), row
                assert probe.max_lag < FROZEN, f"the event loop froze for {probe.max_lag:.2f}s"

            # the node comes back: still one subscription, each message once
            await asyncio.to_thread(node.start)
            await wait_jetstream_ready([node.url])
            await publish_each_once(publisher, app, f"{p}.live", "back", 30, pilot)
            returned = await nats.connect(node.url)
            try:
                await publish_until_seen(returned, app, f"{p}.live.via-returned")
                await publish_each_once(returned, app, f"{p}.live", "returned", 30, pilot)
            finally:
                await returned.close()
            assert app.session.total_dropped == 0
            live = [sub for sub in app.session.nc._subs.values() if sub.subject == f"{p}.live.>"]
            assert len(app.feed.subscriptions) == 1 and len(live) == 1
            await quit_app(pilot)
    finally:
        if publisher is not None:
            await publisher.close()
        await admin.close()

"""A single server restarted under the running app."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid

import nats

from natstui.demo.server import EmbeddedServer, free_port
from natstui.ui.screens.streams import StreamsScreen
from tests.conftest import screen_text, send_sentinel, store_has, wait_connected, wait_until
from tests.reliability.helpers import FROZEN, SIZE, LagProbe, app_on, notifications, quit_app, status_line

DOWN_FOR = 2.0  # seconds the server stays down


async def test_restart_state_is_true_throughout_and_everything_resumes():
    p = "r" + uuid.uuid4().hex[:8]
    stream = p.upper()
    port = free_port()
    store_dir = tempfile.mkdtemp(prefix="natstui-restart-")
    server = EmbeddedServer(port=port, store_dir=store_dir).start()
    nc = None
    try:
        nc = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = nc.jetstream()
        await js.add_stream(name=stream, subjects=[f"{p}.stored.>"], storage="file")
        for i in range(10):
            await js.publish(f"{p}.stored.x", f"s{i}".encode())

        app = app_on([server.url], [f"{p}.live.>"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            for i in range(25):
                await nc.publish(f"{p}.live.a", f"before-{i}".encode())
            await nc.flush()
            await wait_until(lambda: "25 received" in status_line(app), pilot=pilot)
            await pilot.press("2")
            await wait_until(
                lambda: isinstance(app.screen, StreamsScreen) and stream in app.screen.streams, pilot=pilot
            )
            await wait_until(lambda: stream in screen_text(app), pilot=pilot)

            with LagProbe() as probe:
                await asyncio.to_thread(server.stop)
                await wait_until(lambda: app.session.state.value == "reconnecting", timeout=10, pilot=pilot)
                await wait_until(lambda: "● reconnecting" in status_line(app), timeout=10, pilot=pilot)
                # Sampled every 50 ms while the server is down: never "connected".
                states, lines = set(), set()
                deadline = time.monotonic() + DOWN_FOR
                while time.monotonic() < deadline:
                    states.add(app.session.state.value)
                    lines.add(status_line(app).strip().split("  ")[0])
                    await pilot.pause(0.05)
                assert states == {"reconnecting"}, states
                assert lines == {"● reconnecting"}, lines
                # why, in the status bar; one notice for the outage, not one per attempt
                assert "connection refused; reconnecting" in status_line(app)
                told = notifications(app)
                assert sum("disconnected from" in n for n in told) == 1, told
                assert (
                    f"disconnected from nats://127.0.0.1:{port}: the server closed the connection; reconnecting"
                    in " ".join(told)
                )
                assert not any("connection refused" in n for n in told), told
                server = EmbeddedServer(port=port, store_dir=store_dir)
                await asyncio.to_thread(server.start)
                await wait_until(lambda: app.session.state.value == "connected", timeout=10, pilot=pilot)
                await wait_until(lambda: "● connected" in status_line(app), timeout=10, pilot=pilot)
                assert probe.max_lag < FROZEN, f"the event loop froze for {probe.max_lag:.2f}s"
            await wait_until(
                lambda: any(f"reconnected to nats://127.0.0.1:{port}" in n for n in notifications(app)), pilot=pilot
            )

            # subscriptions resume, once: counts continue from where they were
            await wait_until(lambda: nc.is_connected, pilot=pilot)
            for i in range(15):
                await nc.publish(f"{p}.live.b", f"after-{i}".encode())
            await nc.flush()
            await wait_until(lambda: app.store.total == 40, timeout=10, pilot=pilot)
            await wait_until(lambda: "40 received" in status_line(app), pilot=pilot)
            end = await send_sentinel(nc, f"{p}.live.end", lambda data: store_has(app.store, data), pilot=pilot)
            assert app.store.total == 41 and app.store.get(41).data == end  # each message once
            # the Streams view recovers by itself: the stream and its count, no error
            await js.publish(f"{p}.stored.x", b"s10")
            await wait_until(
                lambda: app.screen.streams.get(stream, {}).get("state", {}).get("messages") == 11,
                timeout=10,
                pilot=pilot,
            )
            assert not app.screen.error
            await quit_app(pilot)
    finally:
        if nc is not None:
            await nc.close()
        server.stop()
        shutil.rmtree(store_dir, ignore_errors=True)

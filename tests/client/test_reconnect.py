"""The connection state is true at every moment across a server restart."""

import asyncio
import tempfile

import nats

from natstui.client.feed import LiveFeed
from natstui.client.session import ConnState, Session
from natstui.config import ConnectionSettings
from natstui.demo.server import EmbeddedServer, free_port
from natstui.model.store import RingStore
from tests.conftest import send_sentinel, store_has, wait_until


async def test_state_follows_a_server_restart_and_subscriptions_resume():
    port = free_port()
    store_dir = tempfile.mkdtemp(prefix="natstui-restart-")
    server = EmbeddedServer(port=port, store_dir=store_dir).start()
    session = Session(ConnectionSettings(servers=[server.url]))
    await session.connect()
    store = RingStore(100)
    feed = LiveFeed(session, store, ["r.>"])
    await feed.start()
    try:
        assert session.state is ConnState.CONNECTED
        server.stop()
        await wait_until(lambda: session.state is ConnState.RECONNECTING, timeout=10)
        assert "reconnecting" in session.error
        # Never "connected" while the server is down.
        for _ in range(10):
            await asyncio.sleep(0.05)
            assert session.state is not ConnState.CONNECTED
        server = EmbeddedServer(port=port, store_dir=store_dir).start()
        await wait_until(lambda: session.state is ConnState.CONNECTED, timeout=15)
        assert session.reconnects == 1
        publisher = await nats.connect(server.url)
        await wait_until(lambda: store.total == 0 and session.nc.is_connected)
        # Subscriptions are restored once, not twice: each message arrives once.
        for _attempt in range(50):
            await publisher.publish("r.ping", b"x")
            await publisher.flush()
            await asyncio.sleep(0.05)
            if store.total:
                break
        await send_sentinel(publisher, "r.ping", lambda data: store_has(store, data), timeout=15)
        before = store.total
        await publisher.publish("r.once", b"1")
        end = await send_sentinel(publisher, "r.end", lambda data: store_has(store, data))
        # each once: r.once and the sentinel, nothing twice
        assert store.total == before + 2
        assert [r.data for r in store.range(before + 1, store.last_seq + 1)] == [b"1", end]
        await publisher.close()
    finally:
        await session.close()
        server.stop()
        import shutil

        shutil.rmtree(store_dir, ignore_errors=True)

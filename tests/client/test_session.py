"""The client layer against a real nats-server."""

import asyncio

import pytest

from natstui.client.feed import LiveFeed
from natstui.client.session import ConnectError, ConnState, Session
from natstui.config import ConnectionSettings
from natstui.demo.server import EmbeddedServer, free_port
from natstui.model.store import RingStore
from tests.conftest import send_sentinel, store_has, wait_until


async def test_connects_and_reports_true_state(server_url):
    session = Session(ConnectionSettings(servers=[server_url]))
    assert session.state is ConnState.CONNECTING
    await session.connect()
    try:
        assert session.state is ConnState.CONNECTED
        assert session.server_name == "natstui-test"
        assert session.server_url == server_url
        rtt = await session.measure_rtt()
        assert rtt is not None and 0 < rtt < 1
    finally:
        await session.close()
    assert session.state is ConnState.CLOSED


async def test_unreachable_server_fails_fast_with_a_clear_message():
    url = f"nats://127.0.0.1:{free_port()}"
    session = Session(ConnectionSettings(servers=[url]))
    with pytest.raises(ConnectError) as info:
        await asyncio.wait_for(session.connect(), 10)
    assert str(info.value) == f"cannot connect to {url}: connection refused"
    assert session.state is ConnState.FAILED


async def test_wrong_credentials_fail_fast_and_never_show_the_password():
    conf = 'authorization { user: "alice", password: "correct-horse" }\n'
    with EmbeddedServer(jetstream=False, config=conf) as server:
        url = server.url.replace("nats://", "nats://alice:wrong-battery@")
        session = Session(ConnectionSettings(servers=[url], password="also-secret"))
        with pytest.raises(ConnectError) as info:
            await asyncio.wait_for(session.connect(), 10)
        message = str(info.value)
        assert "credentials" in message
        assert "wrong-battery" not in message and "also-secret" not in message
        assert f"nats://127.0.0.1:{server.port}" in message

        ok = Session(ConnectionSettings(servers=[server.url], user="alice", password="correct-horse"))
        await ok.connect()
        assert ok.state is ConnState.CONNECTED
        await ok.close()


async def test_feed_puts_every_message_in_the_store_with_headers(server_url, nc):
    session = Session(ConnectionSettings(servers=[server_url]))
    await session.connect()
    store = RingStore(100)
    feed = LiveFeed(session, store, ["feed.>"], queue="q1")
    await feed.start()
    try:
        await nc.publish("feed.a", b"one", headers={"X-Trace": "t1"})
        await nc.publish("feed.b.c", b"two", reply="answer.here")
        await nc.publish("other", b"not subscribed")
        await nc.flush()
        await wait_until(lambda: store.total >= 2)
        end = await send_sentinel(nc, "feed.end", lambda data: store_has(store, data))
        a, b = store.get(1), store.get(2)
        assert (a.subject, a.data, a.headers) == ("feed.a", b"one", {"X-Trace": "t1"})
        assert (b.subject, b.reply, b.sub_subject, b.queue) == ("feed.b.c", "answer.here", "feed.>", "q1")
        assert a.sid == feed.subscriptions[0]._id
        assert store.total == 3 and store.get(3).data == end  # "other" never arrived
    finally:
        await feed.stop()
        await session.close()


async def test_slow_consumer_drops_are_counted_never_silent(server_url, nc):
    session = Session(ConnectionSettings(servers=[server_url]))
    await session.connect()
    store = RingStore(10_000)
    feed = LiveFeed(session, store, ["flood.>"], pending_msgs_limit=5)
    await feed.start()
    try:
        for i in range(3000):
            await nc.publish(f"flood.{i % 7}", b"x" * 64)
        await nc.flush()
        await wait_until(lambda: store.total + session.total_dropped >= 3000, timeout=15)
        assert session.total_dropped > 0
        assert store.total + session.total_dropped == 3000
    finally:
        await feed.stop()
        await session.close()

"""Demo mode: the embedded server runs and the traffic generator sends realistic traffic."""

import os

import nats

from natstui.demo.runner import demo_environment
from tests.conftest import wait_until


async def test_demo_environment_serves_realistic_traffic():
    seen = {}
    with demo_environment(rate=200) as server:
        assert server.url.startswith("nats://127.0.0.1:")
        store_dir = server.store_dir
        assert os.path.isdir(store_dir)
        nc = await nats.connect(server.url)
        try:
            info = await nc.jetstream().account_info()  # JetStream is on
            assert info is not None

            async def cb(msg):
                seen.setdefault(msg.subject.split(".")[0], msg)

            await nc.subscribe(">", cb=cb)
            await wait_until(
                lambda: {"orders", "sensors", "logs", "telemetry", "api", "_INBOX"} <= set(seen), timeout=20
            )
            order = seen["orders"]
            assert order.headers and order.headers["Content-Type"] == "application/json"
            assert order.data.startswith(b"{")
            assert seen["api"].reply  # a request with a reply subject
            reply = await nc.request("api.users.get", b'{"id": 5}', timeout=2)
            assert b'"user-5"' in reply.data
        finally:
            await nc.close()
    assert not os.path.exists(store_dir)  # the temporary store is removed on exit

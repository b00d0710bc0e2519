"""Websocket servers (ws://): nats-py's websocket transport is brought in only when a ws URL is used."""

import subprocess
import sys

import pytest

from natstui.client.feed import LiveFeed
from natstui.client.session import ConnectError, ConnState, Session
from natstui.config import ConnectionSettings
from natstui.demo.server import EmbeddedServer, free_port
from natstui.model.store import RingStore
from tests.conftest import wait_until


def test_importing_the_client_leaves_aiohttp_out():
    code = "import sys, natstui.client.session, natstui.ui.app; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_a_ws_url_connects_and_receives():
    ws_port = free_port()
    config = f'websocket {{ listen: "127.0.0.1:{ws_port}", no_tls: true }}\n'
    with EmbeddedServer(jetstream=False, name="ws-server", config=config) as server:
        session = Session(ConnectionSettings(servers=[f"ws://127.0.0.1:{ws_port}"]))
        store = RingStore(100)
        feed = LiveFeed(session, store, ["ws.>"])
        await session.connect()
        try:
            assert session.state is ConnState.CONNECTED
            assert session.server_name == "ws-server"
            await feed.start()
            import nats

            tcp = await nats.connect(server.url)
            await tcp.publish("ws.hello", b"over a websocket")
            await tcp.flush()
            await wait_until(lambda: store.total == 1)
            assert store.get(store.last_seq).msg.data == b"over a websocket"
            await tcp.close()
        finally:
            await session.close()


async def test_a_wss_url_connects_over_tls_and_receives(tmp_path):
    import json

    import nats

    from tests.reliability.material import make_certificates

    certs = make_certificates(tmp_path / "certs")
    ws_port = free_port()
    config = (
        "websocket {\n"
        f'  listen: "127.0.0.1:{ws_port}"\n'
        f"  tls {{ cert_file: {json.dumps(str(certs.server_cert))}, key_file: {json.dumps(str(certs.server_key))} }}\n"
        "}\n"
    )
    with EmbeddedServer(jetstream=False, name="wss-server", config=config) as server:
        # without the CA the server's certificate is not trusted: refused, not connected in clear
        untrusted = Session(ConnectionSettings(servers=[f"wss://127.0.0.1:{ws_port}"], tls_ca=str(certs.other_ca)))
        try:
            with pytest.raises(ConnectError, match="certificate is not trusted"):
                await untrusted.connect()
        finally:
            await untrusted.close()
        session = Session(ConnectionSettings(servers=[f"wss://127.0.0.1:{ws_port}"], tls_ca=str(certs.ca)))
        store = RingStore(100)
        feed = LiveFeed(session, store, ["wss.>"])
        await session.connect()
        try:
            assert session.state is ConnState.CONNECTED, session.error
            assert session.server_name == "wss-server"
            await feed.start()
            tcp = await nats.connect(server.url)
            await tcp.publish("wss.hello", b"over TLS on a websocket")
            await tcp.flush()
            await wait_until(lambda: store.total == 1)
            assert store.get(store.last_seq).msg.data == b"over TLS on a websocket"
            await tcp.close()
        finally:
            await session.close()

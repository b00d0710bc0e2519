"""--js-domain against a leaf node with a JetStream domain of its own, reached through the hub."""

from __future__ import annotations

import time

import nats
import nats.errors
import pytest

from natstui.cli import build_settings, main, make_app
from natstui.client.jetstream import JetStream, JetStreamError
from natstui.demo.server import EmbeddedServer, free_port
from natstui.ui.screens.streams import StreamsScreen
from tests.conftest import screen_text, wait_connected, wait_until


@pytest.fixture
def hub_and_leaf():
    leaf_port = free_port()
    hub = EmbeddedServer(
        name="hub", config=f'jetstream {{ domain: hub }}\nleafnodes {{ listen: "127.0.0.1:{leaf_port}" }}\n'
    )
    hub.start()
    leaf = EmbeddedServer(
        name="leaf",
        config=(
            "jetstream { domain: leaf }\n"
            f'leafnodes {{ remotes: [ {{ url: "nats-leaf://127.0.0.1:{leaf_port}" }} ] }}\n'
        ),
    )
    try:
        leaf.start()
        yield hub, leaf
    finally:
        leaf.stop()
        hub.stop()


async def test_js_domain_reaches_the_leaf_nodes_streams_through_the_hub(hub_and_leaf):
    hub, leaf = hub_and_leaf
    direct = await nats.connect(leaf.url)
    try:
        await JetStream(direct).create_stream({"name": "AT_THE_EDGE", "subjects": ["edge.>"], "storage": "memory"})
        await direct.jetstream().publish("edge.reading", b"21.5")
    finally:
        await direct.close()
    # through the hub, the leaf's domain answers once the leaf node has joined
    via_hub = await nats.connect(hub.url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                names = [s["config"]["name"] for s in await JetStream(via_hub, "leaf").list_streams()]
                break
            except (JetStreamError, nats.errors.TimeoutError):  # no responders yet: the leaf has not joined
                assert time.monotonic() < deadline, "the leaf's JetStream domain never answered through the hub"
                await via_hub.flush()
        assert names == ["AT_THE_EDGE"]
        assert [s["config"]["name"] for s in await JetStream(via_hub).list_streams()] == []  # the hub's own
    finally:
        await via_hub.close()

    # the app as `natstui --server HUB --js-domain leaf` builds it
    params = dict(
        main.make_context("natstui", ["--server", hub.url, "--js-domain", "leaf", "--subject", "none.>"]).params
    )
    params.pop("stream"), params.pop("consumer")
    app = make_app(build_settings(**params))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await wait_until(
            lambda: isinstance(app.screen, StreamsScreen) and "AT_THE_EDGE" in app.screen.streams, pilot=pilot
        )
        await wait_until(lambda: "AT_THE_EDGE" in screen_text(app) and "edge.>" in screen_text(app), pilot=pilot)
        assert app.screen.streams["AT_THE_EDGE"]["state"]["messages"] == 1
        await pilot.exit(None)

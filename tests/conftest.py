"""Shared fixtures: a real nats-server with JetStream on a free port."""

from __future__ import annotations

import asyncio
import concurrent.futures
import unicodedata
from collections.abc import Callable

import nats
import nats.js.errors
import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from natstui.demo.server import EmbeddedServer

# one copy of the headless helpers for tests, benchmarks and scripts; tests import them from here
from natstui.testing import screen_text, wait_connected, wait_until  # noqa: F401


@pytest.fixture(scope="session")
def nats_server():
    with EmbeddedServer(name="natstui-test") as server:
        yield server


async def _stream_names(url: str) -> set:
    client = await nats.connect(url, name="natstui-test-cleanup")
    try:
        return {info.config.name for info in await client.jetstream().streams_info()}
    finally:
        await client.close()


async def _delete_streams(url: str, names) -> None:
    client = await nats.connect(url, name="natstui-test-cleanup")
    try:
        jsm = client.jetstream()
        for name in names:
            try:
                await jsm.delete_stream(name)
            except nats.js.errors.NotFoundError:
                pass  # the test deleted it itself
    finally:
        await client.close()


def _off_the_loop(coro):
    """Run a coroutine to the end on a loop of its own, in a thread (a test's loop may exist here)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(autouse=True)
def clean_shared_server(request):
    """Streams (and so Key-Value and object buckets) a test makes on the shared server go with the test.

    Later tests then see only what they make, not an account that fills up over the session.
    """
    if "nats_server" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("nats_server").url
    before = _off_the_loop(_stream_names(url))
    yield
    made = _off_the_loop(_stream_names(url)) - before
    if made:
        _off_the_loop(_delete_streams(url, made))


@pytest.fixture(scope="session")
def topology():
    """The system views' topology: clusters ``east`` and ``west`` of three servers each joined by a
    gateway, a leaf node (``leaf-1``) on ``east-1``, a system account (``topology.system_settings()``);
    plain clients land in the ``APP`` account; user ``limited`` (password ``limited``) of ``APP`` may not
    receive ``secret.>``. Shared by the session: a test that stops a server
    starts it again, and removes what it creates."""
    from natstui.demo.topology import Topology

    limited = '{user: limited, password: limited, permissions: {subscribe: {deny: ["secret.>"]}}}'
    with Topology([("east", 3), ("west", 3)], leaf=True, app_users=limited) as topo:
        yield topo


@pytest.fixture(scope="session")
def system_server():
    """One server with JetStream, a system account (``system_server.system_settings()``) and a
    monitoring port (``system_server.nodes[0].http_port``)."""
    from natstui.demo.topology import Topology

    with Topology([("solo", 1)], monitoring=True) as topo:
        yield topo


@pytest.fixture
def server_url(nats_server) -> str:
    return nats_server.url


@pytest.fixture
async def nc(server_url):
    client = await nats.connect(server_url, name="natstui-test-publisher")
    yield client
    await client.close()


def make_test_app(url: str, subjects=None, **settings):
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    return make_app(Settings(connection=ConnectionSettings(servers=[url]), subjects=subjects or [">"], **settings))


async def press_button(pilot, selector: str) -> None:
    """Click a button once it can be pressed again (Textual ignores clicks during its 0.2 s press effect)."""
    button = pilot.app.screen.query_one(selector)
    await wait_until(lambda: not button.has_class("-active"), pilot=pilot)
    await pilot.click(selector)


async def press_keys(pilot, *keys: str, pause: float | None = None) -> None:
    """Send keys the way the terminal driver does, each followed by a pause for the screen.

    ``Pilot.press`` also waits, twice per key, for the process to look idle: on a
    busy machine that costs up to a second per key. The tests wait on conditions instead.
    """
    app = pilot.app
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
        await pilot.pause(pause)


def table_cells(table, row_key) -> dict:
    """One DataTable row as the user reads it: each column's label -> the cell's text, stripped."""
    return {
        str(column.label).strip(): str(getattr(value, "plain", value)).strip()
        for column, value in zip(table.columns.values(), table.get_row(row_key))
    }


def table_rows(table) -> list:
    """Every DataTable row as ``table_cells`` reads it, top to bottom."""
    return [table_cells(table, table.coordinate_to_cell_key((index, 0)).row_key) for index in range(table.row_count)]


async def send_sentinel(
    publisher, subject: str, arrived: Callable[[bytes], object], pilot=None, timeout: float = 10.0
) -> bytes:
    """Publish a unique message after the traffic and wait until ``arrived(data)`` says it is in.

    Messages from one publisher reach a subscriber in order: once the sentinel is in, nothing
    published before it can still be in flight. This replaces "sleep, then check nothing more came".
    """
    import uuid

    data = f"sentinel-{uuid.uuid4().hex}".encode()
    await publisher.publish(subject, data)
    await publisher.flush()
    await wait_until(lambda: arrived(data), timeout, pilot)
    return data


def store_has(store, data: bytes, last: int = 200) -> bool:
    """The ring store holds a message with this payload among its newest ``last``."""
    if store.total == 0:
        return False
    return any(r.data == data for r in store.range(max(store.first_seq, store.last_seq - last + 1), store.last_seq + 1))


@pytest.fixture(autouse=True)
def private_config_home(tmp_path_factory, monkeypatch):
    """Every test has a config directory of its own: compose's history and templates (written next to
    config.toml) never reach the user's, and a user's config.toml never changes a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))

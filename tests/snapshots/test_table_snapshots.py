"""The Streams and Services views at 80x24, 100x30 and 200x50: each table shows the columns that fit,
whole headers, long values cut with an ellipsis.

Streams come from a dedicated server with fixed content; what varies (times the server stamped,
ages, the port and round-trip time) is fixed. Services are handed fixed data offline, as in
test_services_snapshots.
"""

import asyncio

import nats
import pytest
from rich.text import Text

from natstui.client.jetstream import JetStream
from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.streams import StreamsScreen
from natstui.ui.widgets.status import StatusBar
from natstui.ui.widgets.table import Table
from tests.conftest import make_test_app, screen_text, wait_until
from tests.snapshots.test_services_snapshots import offline_app, show_services

SIZES = [(80, 24), (100, 30), (200, 50)]
NS = 10**9


async def populate(url: str) -> None:
    nc = await nats.connect(url)
    js = JetStream(nc)
    await js.create_stream(
        {"name": "ORDERS", "subjects": ["orders.>"], "storage": "memory", "description": "Every order event"}
    )
    await js.create_stream(
        {
            "name": "INVENTORY_RESERVATIONS_EU_WEST",
            "storage": "file",
            "subjects": ["inventory.reservations.eu-west.>", "inventory.releases.eu-west.>"],
        }
    )
    await js.create_stream({"name": "WORK", "subjects": ["work.>"], "retention": "workqueue", "storage": "memory"})
    jsc = nc.jetstream()
    for i in range(1, 1201):
        await jsc.publish(f"orders.{('eu', 'us')[i % 2]}.created", f'{{"id": {i}}}'.encode())
    for i in range(1, 6):
        await jsc.publish("work.resize", f"job {i}".encode())
        await jsc.publish(f"inventory.reservations.eu-west.sku{i}", b"1")
    await js.create_consumer("WORK", {"durable_name": "workers", "ack_policy": "explicit"})
    await nc.close()


@pytest.fixture(scope="module")
def streams_server():
    with EmbeddedServer(name="natstui-snap") as server:
        asyncio.run(populate(server.url))
        yield server


@pytest.fixture
def fixed_times(monkeypatch):
    monkeypatch.setattr("natstui.model.jetstream._fmt_dt", lambda *_: "2026-01-02 03:04:05")
    monkeypatch.setattr("natstui.ui.screens.streams.age", lambda *_: "5m")


def streams_app(url: str):
    app = make_test_app(url, ["snapshot.none"])

    def fixed_status(screen=None) -> None:  # no port, no round-trip time
        try:
            bar = (screen or app.screen).query_one(StatusBar)
        except Exception:
            return
        bar.set_text(Text.assemble(("● connected", "bold green"), "  nats://127.0.0.1:4222 (natstui-snap)"))

    app.refresh_status = fixed_status
    return app


def assert_whole_headers(app) -> None:
    """Every shown column's label is on the screen whole, and no table scrolls sideways."""
    text = screen_text(app)
    for table in app.screen.query(Table):
        if not table.display:
            continue
        assert table.max_scroll_x == 0, table.id
        labels = {spec.key: spec.label for spec in table.specs}
        for key in table.shown_columns:
            assert labels[key] in text, (table.id, labels[key])


async def show_streams(pilot) -> None:
    app = pilot.app
    await wait_until(lambda: app.session.state.value == "connected", pilot=pilot)
    await pilot.press("2")
    await wait_until(lambda: isinstance(app.screen, StreamsScreen) and len(app.screen.streams) == 3, pilot=pilot)
    table = app.screen.query_one("#streams-table", Table)
    table.move_cursor(row=table.get_row_index("INVENTORY_RESERVATIONS_EU_WEST"))
    await wait_until(
        lambda: "subjects" in app.screen.streams["INVENTORY_RESERVATIONS_EU_WEST"].get("state", {}), pilot=pilot
    )
    await pilot.pause(0.3)
    assert_whole_headers(app)


async def show_services_checked(pilot) -> None:
    await show_services(pilot)
    assert_whole_headers(pilot.app)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_streams_view_sizes(snap_compare, streams_server, fixed_times, size):
    assert snap_compare(streams_app(streams_server.url), terminal_size=size, run_before=show_streams)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_services_view_sizes(snap_compare, size):
    assert snap_compare(offline_app(), terminal_size=size, run_before=show_services_checked)

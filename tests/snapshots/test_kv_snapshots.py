"""Snapshots of the Key-Value and Object Store views.

A dedicated server holds fixed content created in a fixed order, so
revisions, sizes and digests are the same on every run. What varies (the
times the server stamped, the port and round-trip time in the status bar)
is masked.
"""

import asyncio
import json
import random

import nats
import pytest
from nats.js import api
from rich.text import Text
from textual.widgets import DataTable

from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.kv import KeyValueScreen
from natstui.ui.screens.objects import ObjectStoreScreen
from natstui.ui.widgets.status import StatusBar
from tests.conftest import make_test_app, screen_text, wait_until

FIXED_TIME = "2026-01-02 03:04:05"


async def populate(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    config = await js.create_key_value(bucket="config", history=5, description="application settings")
    await js.create_key_value(bucket="sessions", history=1, ttl=900, storage=api.StorageType.MEMORY)
    await config.put("app.name", b"natstui demo shop")
    await config.put("app.timeout", b"30s")
    await config.put("features.beta", json.dumps({"enabled": False, "rollout": 0.1, "groups": ["staff"]}).encode())
    await config.put(
        "features.beta", json.dumps({"enabled": True, "rollout": 0.25, "groups": ["staff", "testers"]}).encode()
    )
    await config.put("limits.rate", json.dumps({"per_second": 50, "burst": 200}).encode())
    await config.put("markup.test", b"[bold]not bold[/bold] \x1b[31mnot red")
    await config.put("legacy.flag", b"on")
    await config.delete("legacy.flag")
    store = await js.create_object_store("assets", description="demo files")
    rng = random.Random(7)
    files = [
        ("README.md", b"# Assets\n\nFiles for the demo.\n", "what is in this bucket", "text/markdown"),
        (
            "config/app.json",
            json.dumps({"name": "demo", "replicas": 3}, indent=2).encode(),
            "configuration",
            "application/json",
        ),
        (
            "data/orders.csv",
            "".join(f"ord-{i:05d},{rng.choice(['eu', 'us'])},{rng.randint(1, 9)}\n" for i in range(20_000)).encode(),
            "orders export",
            "text/csv",
        ),
        ("reports/old.txt", b"superseded\n", "replaced", "text/plain"),
    ]
    for name, data, description, content_type in files:
        await store.put(
            name,
            data,
            meta=api.ObjectMeta(name=name, description=description, headers={"Content-Type": [content_type]}),
        )
    await store.delete("reports/old.txt")
    await nc.close()


@pytest.fixture(scope="module")
def snap_server():
    with EmbeddedServer(name="natstui-snap") as server:
        asyncio.run(populate(server.url))
        yield server


@pytest.fixture
def masked(monkeypatch):
    """Server-stamped times and the read time in the inspector, fixed."""
    fixed = lambda *_: FIXED_TIME  # noqa: E731
    monkeypatch.setattr("natstui.model.kv.fmt_time", fixed)  # every KV and object store view formats times here
    monkeypatch.setattr("natstui.ui.widgets.inspector._fmt_time", fixed)


def snapshot_app(url: str):
    app = make_test_app(url, ["snapshot.none"])

    def fixed_status(screen=None) -> None:  # no port, no round-trip time: they change from run to run
        try:
            bar = (screen or app.screen).query_one(StatusBar)
        except Exception:
            return
        bar.set_text(
            Text.assemble(
                ("● connected", "bold green"), "  nats://127.0.0.1:4222 (natstui-snap)  │ read from a dedicated server"
            )
        )

    app.refresh_status = fixed_status
    return app


async def connected(pilot) -> None:
    app = pilot.app
    await wait_until(lambda: app.session.state.value == "connected", pilot=pilot)


async def settled_tables(pilot, screen) -> None:
    """Every table of the screen has sized its columns (done when idle; a screen read before draws them narrow)."""
    await wait_until(lambda: not any(t._require_update_dimensions for t in screen.query(DataTable)), pilot=pilot)
    await pilot.pause()


async def kv_with_history(pilot) -> None:
    app = pilot.app
    await connected(pilot)
    await pilot.press("4")
    await wait_until(
        lambda: (
            isinstance(app.screen, KeyValueScreen)
            and app.screen.scan is not None
            and app.screen.scan.listed
            and len(app.screen.index) == 5
        ),
        pilot=pilot,
    )
    screen = app.screen
    screen.keys.focus()
    await wait_until(lambda: screen.keys.select_key("features.beta"), pilot=pilot)
    await wait_until(lambda: screen.current is not None and screen.current.key == "features.beta", pilot=pilot)
    await pilot.press("h")
    await wait_until(lambda: len(screen.history.revisions) == 2 and screen.history.table.row_count == 2, pilot=pilot)
    await settled_tables(pilot, screen)
    await wait_until(lambda: "History of features.beta: 2 revision(s)" in screen_text(app), pilot=pilot)


async def objects_with_preview(pilot) -> None:
    app = pilot.app
    await connected(pilot)
    await pilot.press("5")
    await wait_until(
        lambda: (
            isinstance(app.screen, ObjectStoreScreen)
            and app.screen.scan is not None
            and app.screen.scan.listed
            and len(app.screen._rows) == 4
        ),
        pilot=pilot,
    )
    screen = app.screen
    screen.object_table.focus()
    screen.object_table.move_cursor(row=1)
    await wait_until(
        lambda: (
            screen.selected == "config/app.json"
            and screen.inspector.record is not None
            and b'"replicas": 3' in screen.inspector.record.data
        ),
        pilot=pilot,
    )
    await settled_tables(pilot, screen)
    await wait_until(lambda: '"replicas": 3' in screen_text(app), pilot=pilot)


def test_key_value_view(snap_compare, snap_server, masked):
    assert snap_compare(snapshot_app(snap_server.url), terminal_size=(160, 40), run_before=kv_with_history)


def test_object_store_view(snap_compare, snap_server, masked):
    assert snap_compare(snapshot_app(snap_server.url), terminal_size=(160, 40), run_before=objects_with_preview)

"""Snapshots of the main screen: deterministic messages, a frozen clock, no server (offline mode)."""

import json
import os
import time

import pytest
from nats.aio.msg import Msg

from natstui.cli import make_app
from natstui.config import Settings
from natstui.model.store import RingStore
from natstui.ui.screens.help import HelpScreen
from natstui.ui.widgets.inspector import Inspector
from tests.conftest import screen_text, wait_until

FROZEN = 1_790_000_000.25  # a fixed receive time for every message


@pytest.fixture(autouse=True)
def utc():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Default pane widths and no decoders, whatever the user running the tests has configured."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def demo_store() -> RingStore:
    store = RingStore(1000, clock=lambda: FROZEN)
    rows = [
        (
            "orders.eu.created",
            json.dumps({"id": "ord-000001", "total": 42.5, "items": [{"sku": "SKU-1", "qty": 2}]}),
            {"Content-Type": "application/json", "Nats-Msg-Id": "a1b2c3"},
            "",
        ),
        ("orders.us.paid", json.dumps({"id": "ord-000002", "total": 9.99}), {"Nats-Msg-Id": "d4e5f6"}, ""),
        ("sensors.hq.floor1.temp", "21.50", None, ""),
        ("sensors.lab.floor2.humidity", "44.10", None, ""),
        ("logs.auth.info", "07:00:01 INFO  [auth] user 42 signed in", None, ""),
        ("api.users.get", json.dumps({"id": 42}), None, "_INBOX.abc.1"),
        ("telemetry.device.3.raw", b"\x00\x01\xfe\xff binary", None, ""),
        ("chat.room.general", "[bold]not bold[/bold] \x1b[31mnot red", None, ""),
    ]
    for _i in range(3):
        for subject, data, headers, reply in rows:
            payload = data if isinstance(data, bytes) else data.encode()
            store.append(
                Msg(_client=None, subject=subject, data=payload, headers=headers, reply=reply, _sid=1), ">", ""
            )  # type: ignore[arg-type]
    return store


def offline_app():
    return make_app(Settings(), store=demo_store(), clock=lambda: FROZEN, connect=False)


async def settled(pilot):
    """Every stored message counted in the subject tree and the tree drawn with those counts."""
    app = pilot.app
    tree = app.screen.query_one("#tree")
    await wait_until(lambda: tree._counted == app.store.total == len(app.view), pilot=pilot)
    await wait_until(lambda: f"all subjects {app.store.total}" in " ".join(screen_text(app).split()), pilot=pilot)


async def open_help(pilot):
    await settled(pilot)
    await pilot.press("question_mark")
    await wait_until(
        lambda: isinstance(pilot.app.screen, HelpScreen) and "natstui keys" in screen_text(pilot.app), pilot=pilot
    )


async def select_first_order(pilot):
    await settled(pilot)
    await pilot.press("home")
    inspector = pilot.app.screen.query_one(Inspector)
    # the first message in the inspector, its payload drawn
    await wait_until(
        lambda: (
            inspector.record is not None
            and inspector.record.seq == 1
            and "orders.eu.created" in screen_text(pilot.app)
            and "view: auto" in screen_text(pilot.app)
        ),
        pilot=pilot,
    )


async def expand_tree(pilot):
    await settled(pilot)
    tree = pilot.app.screen.query_one("#tree")
    tree.focus()
    await pilot.press("down", "down", "down", "down", "down", "right", "down", "right")
    # two levels open, the cursor on the second: both opened nodes' children drawn
    await wait_until(
        lambda: (
            tree.cursor_line == 6
            and sum(
                1
                for line in range(tree.last_line + 1)
                if tree.get_node_at_line(line) and tree.get_node_at_line(line).is_expanded
            )
            == 3
        ),
        pilot=pilot,
    )
    await pilot.pause()


def test_live_view_with_inspector(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 40), run_before=select_first_order)


def test_live_view_narrow_inspector_below(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(110, 36), run_before=select_first_order)


def test_live_view_tree_expanded(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 40), run_before=expand_tree)


def test_help_screen(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(120, 40), run_before=open_help)


def test_live_view_light_theme(snap_compare):
    """A light theme is as readable as the dark one: every colour comes from the theme."""
    app = make_app(Settings(theme="textual-light"), store=demo_store(), clock=lambda: FROZEN, connect=False)
    assert snap_compare(app, terminal_size=(160, 40), run_before=select_first_order)

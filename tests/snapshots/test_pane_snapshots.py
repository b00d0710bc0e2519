"""Snapshots of the Live view with a deep subject expanded in the tree, at three terminal sizes."""

import pytest
from nats.aio.msg import Msg

from natstui.cli import make_app
from natstui.config import Settings
from tests.snapshots.test_snapshots import FROZEN, demo_store, settled, utc  # noqa: F401 (utc: autouse)

DEEP = "$JS.EVENT.ADVISORY.CONSUMER.DELETED.KV_MYBUCKET.5NR"


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """The default pane widths, whatever the user running the tests saved."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def deep_app():
    store = demo_store()
    store.append(
        Msg(
            _client=None,
            subject=DEEP,
            data=b'{"type": "io.nats.jetstream.advisory.v1.consumer_action"}',  # type: ignore[arg-type]
            headers=None,
            reply="",
            _sid=1,
        ),
        ">",
        "",
    )
    return make_app(Settings(), store=store, clock=lambda: FROZEN, connect=False)


async def expand_deep_subject(pilot):
    await settled(pilot)
    tree = pilot.app.screen.query_one("#tree")
    tree.focus()
    await pilot.press("down")  # $JS sorts first
    for _ in DEEP.split(".")[1:]:
        await pilot.press("right", "down")
    assert tree.cursor_node.data.path == DEEP
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 50)])
def test_live_view_deep_subject_expanded(snap_compare, size):
    assert snap_compare(deep_app(), terminal_size=size, run_before=expand_deep_subject)

"""The Live view says and selects what is true: the first Up from follow mode, the tree filter's
description, and how many new messages arrived against how many the buffer still holds."""

import uuid

from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from natstui.ui.widgets.tree import SubjectTree
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 40)


def prefix() -> str:
    return "t" + uuid.uuid4().hex[:8]


def region_text(app, widget) -> str:
    """What the terminal shows inside one widget's region."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


def info_line(app) -> str:
    return region_text(app, app.screen.query_one("#stream-info"))


async def publish(nc, subject: str, payloads) -> None:
    for payload in payloads:
        await nc.publish(subject, payload.encode())
    await nc.flush()


async def test_first_up_from_follow_mode_selects_the_newest_message(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await publish(nc, f"{p}.n", [f"msg-{i:03d}" for i in range(30)])
        await wait_until(lambda: "msg-029" in screen_text(app), pilot=pilot)  # following the tail
        stream = app.screen.query_one(MessageStream)
        inspector = app.screen.query_one(Inspector)
        assert stream.following and stream.has_focus
        await pilot.press("up")
        await wait_until(lambda: "msg-0" in region_text(app, inspector), pilot=pilot)
        assert "msg-029" in region_text(app, inspector)  # the newest, not the one before it
        await pilot.press("up")
        await wait_until(lambda: "msg-028" in region_text(app, inspector), pilot=pilot)

        # follow again (the selection stays on msg-029's row), more arrive, then Up: the newest again
        await pilot.press("f")
        await wait_until(lambda: "msg-029" in region_text(app, inspector), pilot=pilot)
        await publish(nc, f"{p}.n", [f"msg-{i:03d}" for i in range(30, 35)])
        await wait_until(lambda: "msg-034" in region_text(app, stream), pilot=pilot)
        assert stream.following
        await pilot.press("up")
        await wait_until(lambda: "msg-034" in region_text(app, inspector), pilot=pilot)
        assert "msg-029" not in region_text(app, inspector)


async def test_tree_filter_says_it_shows_the_node_and_below(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await publish(nc, f"{p}.help", ["on the node itself"])
        await publish(nc, f"{p}.help.topics", ["below the node"])
        await publish(nc, f"{p}.other", ["elsewhere"])
        await wait_until(lambda: len(app.view) == 3, pilot=pilot)
        await wait_until(lambda: f"{p} 3" in screen_text(app), pilot=pilot)
        app.screen.query_one(SubjectTree).focus()
        await pilot.press("down", "right")  # onto our prefix, expanded: help, other
        await wait_until(lambda: "help 2" in screen_text(app), pilot=pilot)
        await pilot.press("down", "enter")  # select "help"
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)
        await wait_until(lambda: "filter:" in info_line(app), pilot=pilot)
        assert f"filter: tree {p}.help, {p}.help.>" in info_line(app)
        stream_text = region_text(app, app.screen.query_one(MessageStream))
        assert "on the node itself" in stream_text and "below the node" in stream_text
        assert "elsewhere" not in stream_text


async def test_new_count_never_exceeds_the_buffer_and_says_what_was_passed_over(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"], buffer=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await publish(nc, f"{p}.n", [f"old-{i:03d}" for i in range(10)])
        await wait_until(lambda: "old-009" in screen_text(app), pilot=pilot)
        stream = app.screen.query_one(MessageStream)
        await pilot.press("up")  # stop following
        await wait_until(lambda: not stream.following, pilot=pilot)
        await publish(nc, f"{p}.n", [f"new-{i:03d}" for i in range(25)])
        await wait_until(lambda: app.store.total == 35, pilot=pilot)
        # 25 arrived; the buffer holds the last 10 of them; 15 left it before anyone scrolled to them
        await wait_until(lambda: "↓ 10 new" in info_line(app), pilot=pilot)
        assert "10 messages" in info_line(app)
        assert "↓ 10 new (15 passed over; f or End follows)" in info_line(app)
        await pilot.press("f")
        await wait_until(lambda: "new" not in info_line(app), pilot=pilot)

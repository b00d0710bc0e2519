"""The status bar of the view under a dialog keeps counting (real server, messages from another connection)."""

import asyncio
import re
import uuid

from natstui.ui.screens.compose import REPLY, ComposeScreen
from natstui.ui.widgets.status import StatusBar
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

SIZE = (120, 36)


def received_on_screen(app) -> int:
    """The "N received" the user sees in the status bar (the top line, drawn under the dialog)."""
    for line in screen_text(app).splitlines():
        found = re.search(r"([\d,]+) received", line)
        if found:
            return int(found.group(1).replace(",", ""))
    raise AssertionError("no status bar on screen")


async def test_the_status_bar_counts_while_the_reply_dialog_is_open(server_url, nc):
    p = "s" + uuid.uuid4().hex[:8]
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        request = asyncio.ensure_future(nc.request(f"{p}.question", b"anyone?", timeout=30))
        await wait_until(lambda: len(app.view) == 1 and received_on_screen(app) == 1, pilot=pilot)
        stream = app.screen.query_one(MessageStream)
        view = app.screen
        stream.focus()
        await press_keys(pilot, "up")
        await wait_until(lambda: stream.cursor_index == 0, pilot=pilot)
        await press_keys(pilot, "R")
        await wait_until(lambda: isinstance(app.screen, ComposeScreen) and app.screen.mode == REPLY, pilot=pilot)
        assert received_on_screen(app) == 1  # drawn under the dialog

        for i in range(25):
            await nc.publish(f"{p}.more", str(i).encode())
        await nc.flush()
        await wait_until(lambda: app.store.total == 26, pilot=pilot)
        # the StatusBar widget of the view under the dialog, and what the terminal shows of it
        await wait_until(lambda: "26 received" in view.query_one(StatusBar).text.plain, pilot=pilot)
        await wait_until(lambda: received_on_screen(app) == 26, pilot=pilot)
        assert isinstance(app.screen, ComposeScreen)
        request.cancel()


async def test_at_80_columns_read_only_and_paused_stay_in_the_status_bar(server_url):
    """The connection and the rates are cut to make room; what warns the user never is."""
    p = "s" + uuid.uuid4().hex[:8]
    app = make_test_app(server_url, [f"{p}.>"], read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_connected(app, pilot)
        top = lambda: screen_text(app).splitlines()[0]  # noqa: E731
        await wait_until(lambda: "read-only" in top(), pilot=pilot)
        app.screen.query_one(MessageStream).focus()
        await press_keys(pilot, "space")
        await wait_until(lambda: "PAUSED" in top() and "read-only" in top(), pilot=pilot)
        assert "connected" in top()

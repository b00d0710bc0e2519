"""T in the message browser and ctrl+g in the compose screen trace a copy: the trace screen shows the path."""

from __future__ import annotations

import nats
from textual.widgets import DataTable, Input, TextArea

from natstui.ui.screens.compose import ComposeScreen
from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.screens.trace import TraceScreen
from tests.conftest import make_test_app, screen_text, send_sentinel, wait_connected, wait_until


async def test_t_on_a_stored_message_traces_a_copy_of_it(topology):
    receiver = await nats.connect(topology.node("west-3").url, name="browser-receiver")
    received: list[bytes] = []

    async def got(msg):
        received.append(msg.data)

    await receiver.subscribe("trcb.>", cb=got)
    await receiver.flush()
    nc = await nats.connect(topology.url)
    js = nc.jetstream()
    await js.add_stream(name="TRCBROWSE", subjects=["trcb.>"])
    try:
        await js.publish("trcb.orders", b'{"id": 1}', headers={"X-Kind": "order"})
        await send_sentinel(nc, "trcb.sentinel", lambda data: data in received)
        received.clear()
        app = make_test_app(topology.url, ["none.>"])
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("2")
            await wait_until(lambda: "TRCBROWSE" in screen_text(app), pilot=pilot)
            table = app.screen.query_one("#streams-table", DataTable)
            table.move_cursor(row=table.get_row_index("TRCBROWSE"))
            await wait_until(lambda: app.selected_stream == "TRCBROWSE", pilot=pilot)
            await pilot.press("enter")
            await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
            await pilot.press("T")
            await wait_until(lambda: isinstance(app.screen, TraceScreen), pilot=pilot)
            assert app.screen.subject == "trcb.orders" and app.screen.headers.get("X-Kind") == "order"
            await wait_until(
                lambda: (
                    "would be stored in stream TRCBROWSE" in screen_text(app) and "browser-receiver" in screen_text(app)
                ),
                pilot=pilot,
                timeout=15,
            )
            assert "trace only" in screen_text(app)
            await pilot.press("escape")
            await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen), pilot=pilot)
        # trace-only: the stream stored nothing more, the subscriber received nothing before the sentinel
        assert (await js.stream_info("TRCBROWSE")).state.messages == 2
        await send_sentinel(nc, "trcb.sentinel2", lambda data: data in received)
        assert len(received) == 1 and received[0].startswith(b"sentinel")
    finally:
        await js.delete_stream("TRCBROWSE")
        await receiver.close()
        await nc.close()


async def test_the_compose_screen_traces_what_the_form_holds_without_sending_it(topology):
    receiver = await nats.connect(topology.node("west-2").url, name="compose-receiver")
    received: list[bytes] = []

    async def got(msg):
        received.append(msg.data)

    await receiver.subscribe("trcc.>", cb=got)
    await receiver.flush()
    app = make_test_app(topology.url, ["none.>"])
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("p")
            await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
            compose = app.screen
            compose.query_one("#compose-subject", Input).value = "trcc.invoices.{{seq}}"
            compose.query_one("#compose-headers", TextArea).text = "X-Tag: a"
            compose.query_one("#compose-payload", TextArea).text = '{"total": 3}'
            await pilot.press("ctrl+g")
            await wait_until(lambda: isinstance(app.screen, TraceScreen), pilot=pilot)
            trace = app.screen
            assert trace.subject == "trcc.invoices.1" and trace.headers == {"X-Tag": "a"}
            assert trace.data == b'{"total": 3}'
            await wait_until(lambda: "compose-receiver" in screen_text(app), pilot=pilot, timeout=15)
            text = screen_text(app)
            assert "trace only" in text and "west-2" in text
            await pilot.press("escape")
            await wait_until(lambda: app.screen is compose, pilot=pilot)
            assert compose.sent == 0  # nothing was published for real
        nc = await nats.connect(topology.url)
        try:
            await send_sentinel(nc, "trcc.sentinel", lambda data: data in received)
        finally:
            await nc.close()
        assert len(received) == 1 and received[0].startswith(b"sentinel")
    finally:
        await receiver.close()


async def test_natstui_own_live_subscription_is_not_counted_as_a_receiver(topology):
    publisher = await nats.connect(topology.node("east-3").url, name="own-publisher")
    app = make_test_app(topology.url, ["trown.>"])
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            await publisher.publish("trown.lonely", b"x")
            await publisher.flush()
            live = app.screen
            await wait_until(lambda: len(live.stream.view) >= 1, pilot=pilot)
            live.stream.select_index(0)
            await wait_until(lambda: live.inspector.record is not None, pilot=pilot)
            await pilot.press("T")
            await wait_until(lambda: isinstance(app.screen, TraceScreen), pilot=pilot)
            await wait_until(lambda: "natstui itself" in screen_text(app), pilot=pilot, timeout=15)
            assert "no interest: no client receives it" in screen_text(app)
            # trace-only: nothing was delivered, to natstui either
            assert "would be delivered to natstui itself" in screen_text(app)
            assert app.screen.trace is not None and app.screen.trace.no_interest
    finally:
        await publisher.close()

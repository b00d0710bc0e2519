"""The Consumers view and the ack workbench: each action is checked on the server afterwards."""

import time

import nats.errors
from textual.widgets import DataTable

from natstui.client.workbench import ACKED, IN_PROGRESS, NAKED, TERMED
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.jetstream_forms import ConsumerCreateScreen
from natstui.ui.screens.workbench import WorkbenchScreen
from tests.conftest import make_test_app, press_button, screen_text, wait_connected, wait_until
from tests.jetstream.conftest import make_stream

SIZE = (170, 45)
NS = 10**9


async def open_workbench(app, pilot, stream, consumer):
    await wait_connected(app, pilot)
    app.selected_stream = stream
    await pilot.press("3")
    await wait_until(lambda: consumer in getattr(app.screen, "consumers", {}), pilot=pilot)
    table = app.screen.query_one("#consumers-table", DataTable)
    table.move_cursor(row=table.get_row_index(consumer))
    await pilot.press("enter")
    await wait_until(
        lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.bench and app.screen.bench.info, pilot=pilot
    )
    await wait_until(lambda: app.screen.bench._pull is not None, pilot=pilot)
    return app.screen


async def fetch_one(app, pilot, screen):
    before = len(screen.bench.items)
    await pilot.press("f")
    await wait_until(lambda: len(screen.bench.items) == before + 1, pilot=pilot)
    return screen.bench.items[-1]


async def test_consumers_list_detail_create_delete(server_url, nc, js, name):
    await make_stream(js, nc, name, 5)
    await js.create_consumer(
        name, {"durable_name": "slow", "ack_policy": "explicit", "filter_subject": f"{name.lower()}.a"}
    )
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        app.selected_stream = name
        await pilot.press("3")
        await wait_until(lambda: "slow" in screen_text(app) and "durable pull" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "Ack policy" in screen_text(app), pilot=pilot)  # detail pane
        table = app.screen.query_one("#consumers-table", DataTable)
        await wait_until(lambda: table.row_count == 1, pilot=pilot)
        cells = {str(c.label).strip(): str(v).strip() for c, v in zip(table.columns.values(), table.get_row("slow"))}
        assert cells["Ack"] == "explicit" and cells["Filter"] == f"{name.lower()}.a"
        assert cells["Pending"] == "3"  # 3 of the 5 messages are on .a
        await pilot.press("n")
        await wait_until(lambda: isinstance(app.screen, ConsumerCreateScreen), pilot=pilot)
        app.screen.query_one("#f-name").value = "fresh"
        app.screen.query_one("#f-max-deliver").value = "3"
        app.screen.query_one("#f-backoff").value = "1s 5s 10s"  # more steps than max deliver allows
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: "max deliver must be larger" in screen_text(app), pilot=pilot)
        app.screen.query_one("#f-backoff").value = "1s 5s"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: not isinstance(app.screen, ConsumerCreateScreen), pilot=pilot)
        info = await js.consumer_info(name, "fresh")
        assert info["config"]["max_deliver"] == 3 and info["config"]["backoff"] == [NS, 5 * NS]
        await wait_until(lambda: "fresh" in screen_text(app), pilot=pilot)
        table = app.screen.query_one("#consumers-table", DataTable)
        table.move_cursor(row=table.get_row_index("fresh"))
        await pilot.press("D")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_button(pilot, "#confirm-no")
        assert "fresh" in [c["name"] for c in await js.list_consumers(name)]
        await pilot.press("D")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: "fresh" not in app.screen.consumers, pilot=pilot)
    assert [c["name"] for c in await js.list_consumers(name)] == ["slow"]


async def test_ack_moves_the_ack_floor(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 30 * NS})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        assert item.msg.metadata.sequence.stream == 1
        await wait_until(lambda: "ack pending 1" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "Consumer seq" in screen_text(app), pilot=pilot)  # inspector with metadata
        await pilot.press("a")
        await wait_until(lambda: item.state == ACKED, pilot=pilot)
        await wait_until(
            lambda: any("acked (confirmed by the server)" in n.message for n in app._notifications), pilot=pilot
        )
        info = await js.consumer_info(name, "w")
        assert info["ack_floor"]["stream_seq"] == 1 and info["num_ack_pending"] == 0
        await wait_until(lambda: "ack floor stream 1" in screen_text(app), pilot=pilot)
        # acking again is a clear refusal, not an error
        await pilot.press("a")
        await wait_until(lambda: any("already acked" in n.message for n in app._notifications), pilot=pilot)


async def test_nak_with_delay_redelivers_no_sooner(server_url, nc, js, name):
    await make_stream(js, nc, name, 1)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 30 * NS})
    checker = await nc.jetstream().pull_subscribe_bind("w", name)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        await pilot.press("n")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        await pilot.press(*"2s")
        naked_at = time.monotonic()  # the nak leaves after this
        await pilot.press("enter")
        await wait_until(lambda: item.state == NAKED, pilot=pilot)
        again = None
        while again is None and time.monotonic() - naked_at < 8:
            try:
                again = (await checker.fetch(1, timeout=0.5))[0]
            except nats.errors.TimeoutError:  # nothing redelivered yet; any other error fails the test
                pass
        assert again is not None, "never redelivered"
        assert time.monotonic() - naked_at >= 1.95
        assert again.metadata.sequence.stream == 1 and again.metadata.num_delivered == 2
        await again.ack()


async def test_in_progress_holds_the_message_past_the_ack_wait(server_url, nc, js, name):
    # ack wait 6 s, `w` pressed 3 s after the fetch: the new deadline (>= 9 s) is well past the
    # original one (6 s), and the key has 3 s of room to land before the original deadline.
    await make_stream(js, nc, name, 1)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 6 * NS})
    checker = await nc.jetstream().pull_subscribe_bind("w", name)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        fetched = time.monotonic()  # the server delivered before this: its deadline is at most fetched + 6
        await wait_until(lambda: time.monotonic() - fetched > 3, pilot=pilot)
        await pilot.press("w")
        await wait_until(lambda: item.state == IN_PROGRESS, pilot=pilot)
        assert time.monotonic() - fetched < 6, "the machine was too slow to mark the message in time"
        # past the original deadline it is still ours: not redelivered
        await wait_until(lambda: time.monotonic() - fetched > 6.5, pilot=pilot)
        try:
            got = await checker.fetch(1, timeout=1)
        except nats.errors.TimeoutError:
            got = []
        assert got == []
        assert item.remaining(time.monotonic()) > 0
        await pilot.press("a")
        await wait_until(lambda: item.state == ACKED, pilot=pilot)
        assert (await js.consumer_info(name, "w"))["ack_floor"]["stream_seq"] == 1


async def test_term_is_final_and_shows_as_dead_letter(server_url, nc, js, name):
    await make_stream(js, nc, name, 2)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 3 * NS})
    checker = await nc.jetstream().pull_subscribe_bind("w", name)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        await pilot.press("t")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        await pilot.press(*"poison", "enter")
        await wait_until(lambda: item.state == TERMED, pilot=pilot)
        await wait_until(lambda: screen.bench.dead_letters, pilot=pilot)
        letter = screen.bench.dead_letters[0]
        assert (letter.kind, letter.stream_seq, letter.reason) == ("terminated", 1, "poison")
        await wait_until(lambda: "terminated" in screen_text(app) and "poison" in screen_text(app), pilot=pilot)
        # opening the dead letter shows the stream message it names
        screen.query_one("#dead-table").focus()
        await pilot.press("d")
        await wait_until(lambda: "Stream message" in screen_text(app) and "m1" in screen_text(app), pilot=pilot)
        # never redelivered, even after the ack wait: the next delivery is message 2
        fetched = item.deadline - 3
        await wait_until(lambda: time.monotonic() - fetched > 3.3, pilot=pilot)
        got = await checker.fetch(1, timeout=2)
        assert got[0].metadata.sequence.stream == 2
        await got[0].ack()


async def test_batch_fetch_takes_as_many_as_asked(server_url, nc, js, name):
    await make_stream(js, nc, name, 5)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 60 * NS})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        await pilot.press("F")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = "3"
        await pilot.press("enter")
        await wait_until(lambda: len(screen.bench.items) == 3, pilot=pilot)
        assert [i.msg.metadata.sequence.stream for i in screen.bench.items] == [1, 2, 3]
        await wait_until(lambda: "ack pending 3" in screen_text(app), pilot=pilot)
    info = await js.consumer_info(name, "w")
    assert info["num_ack_pending"] == 3 and info["delivered"]["stream_seq"] == 3 and info["num_pending"] == 2


async def test_max_deliveries_shows_as_a_dead_letter(server_url, nc, js, name):
    """A message naked past its consumer's MAX_DELIVER: the server's advisory lands in the dead letters."""
    await make_stream(js, nc, name, 2)
    await js.create_consumer(
        name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 60 * NS, "max_deliver": 1}
    )
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        await pilot.press("n")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        await pilot.press("enter")  # redeliver now: but it was delivered MAX_DELIVER (1) times already
        await wait_until(lambda: item.state == NAKED, pilot=pilot)
        # the next fetch gets message 2: message 1 is not delivered again, and the server says why
        item2 = await fetch_one(app, pilot, screen)
        assert item2.msg.metadata.sequence.stream == 2
        await wait_until(lambda: screen.bench.dead_letters, pilot=pilot, timeout=15)
        letter = screen.bench.dead_letters[0]
        assert (letter.kind, letter.stream_seq) == ("max deliveries", 1)
        await wait_until(lambda: "max deliveries" in screen_text(app), pilot=pilot)


async def test_expired_message_is_refused_clearly(server_url, nc, js, name):
    await make_stream(js, nc, name, 1)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 1 * NS})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        await wait_until(lambda: "expired" in screen_text(app), pilot=pilot, timeout=5)
        await pilot.press("a")
        await wait_until(
            lambda: any("ack deadline of message 1 passed" in n.message for n in app._notifications), pilot=pilot
        )
        assert item.state != ACKED


async def test_read_only_workbench_changes_nothing(server_url, nc, js, name):
    await make_stream(js, nc, name, 2)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        app.selected_stream = name
        await pilot.press("3")
        await wait_until(lambda: "w" in getattr(app.screen, "consumers", {}), pilot=pilot)
        for key in ("n", "D"):
            await pilot.press(key)
            await wait_until(lambda: app.last_refusal.startswith("Refused"), pilot=pilot)
            app.last_refusal = ""
        await pilot.press("enter")
        await wait_until(
            lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.bench and app.screen.bench.info, pilot=pilot
        )
        await pilot.press("f")
        await wait_until(lambda: "fetching from consumer w" in app.last_refusal, pilot=pilot)
        assert app.screen.bench.items == []
    info = await js.consumer_info(name, "w")
    assert info["num_pending"] == 2 and info["num_ack_pending"] == 0 and info["delivered"]["stream_seq"] == 0


async def test_read_only_refuses_acting_on_a_fetched_message(server_url, nc, js, name):
    """A message fetched before the switch to read-only: a, n, w and t are all refused and the server keeps it pending."""
    await make_stream(js, nc, name, 2)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 60 * NS})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot, name, "w")
        item = await fetch_one(app, pilot, screen)
        state = item.state
        before = await js.consumer_info(name, "w")
        assert before["num_ack_pending"] == 1 and before["delivered"]["stream_seq"] == 1
        app.settings.read_only = True
        for key, what in (("a", "acking"), ("w", "marking in progress"), ("n", "naking"), ("t", "terminating")):
            app.last_refusal = ""
            await pilot.press(key)
            if key in ("n", "t"):  # the delay / reason prompt comes first; the refusal follows its answer
                await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
                await pilot.press("enter")
            await wait_until(lambda: f"{what} a message" in app.last_refusal, pilot=pilot)
            assert app.screen is screen and item.state == state
        after = await js.consumer_info(name, "w")
        assert after["num_ack_pending"] == 1 and after["ack_floor"]["stream_seq"] == 0
        assert after["delivered"] == before["delivered"] and after["num_redelivered"] == 0
        assert after["num_pending"] == 1
        assert screen.bench.dead_letters == []


async def test_command_line_opens_the_workbench(server_url, nc, js, name):
    await make_stream(js, nc, name, 1)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit"})
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    app = make_app(
        Settings(connection=ConnectionSettings(servers=[server_url]), subjects=["none.>"], stream=name, consumer="w")
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.bench and app.screen.bench.info, pilot=pilot
        )
        assert app.screen.stream == name and app.screen.consumer == "w"
        await wait_until(lambda: app.screen.bench._pull is not None, pilot=pilot)
        item = await fetch_one(app, pilot, app.screen)
        assert item.msg.data == b"m1"
        await pilot.press("escape")
        await wait_until(
            lambda: app.current_mode == "consumers" and "w" in getattr(app.screen, "consumers", {}), pilot=pilot
        )

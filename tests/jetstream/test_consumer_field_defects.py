"""Field defects of the Consumers view and the ack workbench (issue 12): nothing is consumed by surprise.

Every test reads the push consumer's numbers from the server through nats-py before and after.
"""

from textual.widgets import DataTable, Select
from textual.widgets._select import SelectOverlay

from natstui.model.jetstream import consumer_details
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.consumers import ConsumersScreen
from natstui.ui.screens.workbench import WorkbenchScreen
from tests.conftest import make_test_app, press_button, press_keys, screen_text, wait_connected, wait_until
from tests.jetstream.conftest import make_stream

SIZE = (170, 45)


async def add_push_consumer(nc, stream: str, durable: str = "p", **extra):
    """A durable push consumer made with nats-py's JetStream API (nobody listens on its deliver subject)."""
    jsm = nc.jsm()
    await jsm.add_consumer(
        stream,
        durable_name=durable,
        deliver_subject=f"deliver.{stream.lower()}.{durable}",
        ack_policy="explicit",
        ack_wait=30,
        **extra,
    )
    return await jsm.consumer_info(stream, durable)


async def push_numbers(nc, stream: str, durable: str = "p"):
    info = await nc.jsm().consumer_info(stream, durable)
    return {
        "delivered": info.delivered.stream_seq,
        "redelivered": info.num_redelivered,
        "ack_pending": info.num_ack_pending,
        "pending": info.num_pending,
        "bound": bool(info.push_bound),
    }


async def show_consumers(app, pilot, stream: str, consumer: str) -> ConsumersScreen:
    await wait_connected(app, pilot)
    app.selected_stream = stream
    await pilot.press("3")
    await wait_until(
        lambda: (
            isinstance(app.screen, ConsumersScreen) and consumer in app.screen.consumers and app.screen.stream == stream
        ),
        pilot=pilot,
    )
    table = app.screen.query_one("#consumers-table", DataTable)
    table.move_cursor(row=table.get_row_index(consumer))
    await wait_until(lambda: app.screen.selected == consumer, pilot=pilot)
    return app.screen


async def delete_streams(js, *names: str) -> None:
    for stream in names:
        try:
            await js.delete_stream(stream)
        except Exception:
            pass


async def test_enter_in_the_stream_picker_picks_the_stream_and_binds_nothing(server_url, nc, js, name):
    first, second = name + "A", name + "B"
    await make_stream(js, nc, first, 2)
    await make_stream(js, nc, second, 5)
    await add_push_consumer(nc, second)
    before = await push_numbers(nc, second)
    assert before == {"delivered": 0, "redelivered": 0, "ack_pending": 0, "pending": 5, "bound": False}
    app = make_test_app(server_url, ["none.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await show_consumers(app, pilot, second, "p")
            select = screen.query_one("#consumers-stream", Select)
            await wait_until(lambda: select.value == second, pilot=pilot)
            await press_keys(pilot, "s")
            await wait_until(lambda: select.expanded, pilot=pilot)
            await press_keys(pilot, "up", "enter")
            # the picker took the keys: the stream above is chosen, the menu is closed, no workbench
            await wait_until(lambda: app.selected_stream == first and screen.stream == first, pilot=pilot)
            await wait_until(lambda: not select.expanded and select.value == first, pilot=pilot)
            await wait_until(lambda: f"Consumers of stream {first}" in screen_text(app), pilot=pilot)
            assert app.screen is screen and not isinstance(app.screen, WorkbenchScreen)
            assert "p" not in screen.consumers  # the first stream's consumers are listed now
            # the keys that follow go to the view again, not into a picker left open
            await press_keys(pilot, "4")
            await wait_until(lambda: app.current_mode == "kv", pilot=pilot)
            assert await push_numbers(nc, second) == before
    finally:
        await delete_streams(js, first, second)


async def test_the_stream_picker_offers_only_streams(server_url, nc, js, name):
    first, second = name + "A", name + "B"
    await make_stream(js, nc, first, 1)
    await make_stream(js, nc, second, 1)
    await js.create_consumer(first, {"durable_name": "w", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await show_consumers(app, pilot, first, "w")
            select = screen.query_one("#consumers-stream", Select)
            on_server = sorted(s["config"]["name"] for s in await js.list_streams())
            await wait_until(lambda: screen.stream_names == on_server, pilot=pilot)
            overlay = select.query_one(SelectOverlay)
            offered = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
            assert offered == on_server  # no blank "stream" entry to pick
            await press_keys(pilot, "s")
            await wait_until(lambda: select.expanded, pilot=pilot)
            await press_keys(pilot, "home", "enter")  # the menu's first entry
            await wait_until(lambda: not select.expanded, pilot=pilot)
            assert select.value == on_server[0] and app.selected_stream == on_server[0]
            await wait_until(lambda: f"Consumers of stream {on_server[0]}" in screen_text(app), pilot=pilot)
    finally:
        await delete_streams(js, first, second)


async def test_binding_a_push_consumer_is_asked_first(server_url, nc, js, name):
    await make_stream(js, nc, name, 5)
    await add_push_consumer(nc, name)
    before = await push_numbers(nc, name)
    assert before["delivered"] == 0 and before["pending"] == 5 and not before["bound"]
    app = make_test_app(server_url, ["none.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await show_consumers(app, pilot, name, "p")
            await press_keys(pilot, "enter")
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
            question = str(app.screen.question)
            assert "Binding makes the server deliver this consumer's messages to natstui" in question
            assert "redelivered after ack wait (30s)" in question
            assert await push_numbers(nc, name) == before  # asking binds nothing
            # declined: the workbench stays open, unbound, and says so; the server delivered nothing
            await press_button(pilot, "#confirm-no")
            await wait_until(
                lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.push_state == "declined", pilot=pilot
            )
            bench = app.screen
            await wait_until(lambda: "push consumer: not bound (b to bind)" in screen_text(app), pilot=pilot)
            assert not bench.bench.bound and bench.bench.items == []
            await wait_until(lambda: "active interest no" in screen_text(app), pilot=pilot)
            assert "waiting pulls" not in screen_text(app)  # a pull consumer's number
            assert await push_numbers(nc, name) == before
            # accepted (b asks again): bound, the server delivers the five messages to the workbench
            await press_keys(pilot, "b")
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
            await press_button(pilot, "#confirm-yes")
            await wait_until(lambda: len(bench.bench.items) == 5, pilot=pilot)
            after = await push_numbers(nc, name)
            assert after["bound"] and after["delivered"] == 5 and after["ack_pending"] == 5 and after["pending"] == 0
            await wait_until(
                lambda: (
                    "push consumer: bound, its messages arrive by themselves" in screen_text(app)
                    and "active interest yes" in screen_text(app)
                ),
                pilot=pilot,
            )
    finally:
        await delete_streams(js, name)


async def test_read_only_workbench_on_a_push_consumer_says_it_is_not_bound(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    await add_push_consumer(nc, name)
    before = await push_numbers(nc, name)
    app = make_test_app(server_url, ["none.>"], read_only=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await show_consumers(app, pilot, name, "p")
            await press_keys(pilot, "enter")
            await wait_until(
                lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.push_state == "read-only", pilot=pilot
            )
            await wait_until(lambda: "push consumer: not bound (read-only)" in screen_text(app), pilot=pilot)
            title = next(line for line in screen_text(app).splitlines() if "push consumer:" in line)
            assert "arrive by themselves" not in title  # the title claims no binding
            assert not isinstance(app.screen, ConfirmScreen)  # read-only: nothing to ask
            assert await push_numbers(nc, name) == before
    finally:
        await delete_streams(js, name)


async def test_max_waiting_is_shown_for_pull_consumers_only(nc, js, name):
    await make_stream(js, nc, name, 1)
    await add_push_consumer(nc, name)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "max_waiting": 64})
    try:
        push = dict(field for _title, fields in consumer_details(await js.consumer_info(name, "p")) for field in fields)
        pull = dict(field for _title, fields in consumer_details(await js.consumer_info(name, "w")) for field in fields)
        assert "Max waiting" not in push and "Waiting pulls" not in push
        assert push["Active interest"] == "no" and push["Deliver subject"] == f"deliver.{name.lower()}.p"
        assert pull["Max waiting"] == "64" and pull["Waiting pulls"] == "0" and "Active interest" not in pull
    finally:
        await delete_streams(js, name)


async def test_command_line_workbench_on_a_push_consumer_asks_too(server_url, nc, js, name):
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    await make_stream(js, nc, name, 2)
    await add_push_consumer(nc, name)
    before = await push_numbers(nc, name)
    app = make_app(
        Settings(connection=ConnectionSettings(servers=[server_url]), subjects=["none.>"], stream=name, consumer="p")
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
            assert await push_numbers(nc, name) == before
            await press_keys(pilot, "escape")
            await wait_until(
                lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.push_state == "declined", pilot=pilot
            )
            assert await push_numbers(nc, name) == before
    finally:
        await delete_streams(js, name)

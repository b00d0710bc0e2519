"""Editing streams and consumers with a preview, sealing, pausing: in Pilot, against a real server."""

from textual.widgets import DataTable

from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.jetstream_edit import ConsumerEditScreen, StreamEditScreen
from tests.conftest import make_test_app, press_button, screen_text, wait_connected, wait_until
from tests.jetstream.conftest import make_stream
from tests.jetstream.test_streams_ui import SIZE, open_streams


async def open_consumers(app, pilot, stream, consumer):
    await open_streams(app, pilot, stream)
    await pilot.press("c")
    await wait_until(lambda: consumer in screen_text(app), pilot=pilot)
    table = app.screen.query_one("#consumers-table", DataTable)
    table.move_cursor(row=table.get_row_index(consumer))
    await wait_until(lambda: app.screen.selected == consumer, pilot=pilot)


async def test_edit_stream_shows_the_change_then_sends_it(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    before = (await js.stream_info(name))["config"]
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, StreamEditScreen), pilot=pilot)
        form = app.screen
        assert form.query_one("#f-name").value == name and form.query_one("#f-name").disabled
        assert form.query_one("#f-storage").disabled and form.query_one("#f-storage").value == "memory"
        assert "cannot change a stream's storage type" in screen_text(app)
        # the first field that may change has the focus (the name is locked), and keeps it
        await pilot.pause(0.1)
        assert app.focused is not None and app.focused.id == "f-subjects"
        assert form.query_one("#f-max-msgs").value == "-1"
        form.query_one("#f-max-msgs").value = "1000"
        form.query_one("#f-max-age").value = "2h"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        text = " ".join(screen_text(app).split())
        assert "Max messages unlimited → 1,000" in text and "Max age unlimited → 2h" in text
        assert "Storage" not in app.screen.question  # only what changes
        assert "⚠ Lower max messages, max age: stored messages beyond the new limit go at once." in app.screen.question
        assert app.screen.focused.id == "confirm-no"  # it may remove messages: Enter alone does nothing
        assert (await js.stream_info(name))["config"]["max_msgs"] == -1  # nothing sent before the confirmation
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: not isinstance(app.screen, (StreamEditScreen, ConfirmScreen)), pilot=pilot)
    after = (await js.stream_info(name))["config"]
    assert after["max_msgs"] == 1000 and after["max_age"] == 7200 * 10**9
    # what the form does not show is kept
    assert after["allow_direct"] == before["allow_direct"] and after["subjects"] == before["subjects"]


async def test_edit_stream_shows_the_servers_refusal(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, StreamEditScreen), pilot=pilot)
        app.screen.query_one("#f-retention").value = "workqueue"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert "Retention limits → workqueue" in " ".join(screen_text(app).split())
        await press_button(pilot, "#confirm-yes")
        await wait_until(
            lambda: (
                "the server refused: stream configuration update can not change retention policy" in screen_text(app)
            ),
            pilot=pilot,
        )
        assert isinstance(app.screen, StreamEditScreen)  # the form stays open to fix it
    assert (await js.stream_info(name))["config"]["retention"] == "limits"


async def test_at_24_rows_the_refusal_and_the_buttons_both_show(server_url, nc, js, name):
    """A two-line refusal under the form: the fields' scroll area gives way, not the buttons."""
    await make_stream(js, nc, name, 1)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, StreamEditScreen), pilot=pilot)
        app.screen.query_one("#f-retention").value = "workqueue"
        app.screen.query_one("#f-subjects").focus()
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: "⚠ the server refused: stream configuration update" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "Preview…" in screen_text(app) and "Cancel" in screen_text(app), pilot=pilot)
        assert "policy to/from workqueue" in screen_text(app)  # the refusal's second line


async def test_edit_stream_without_a_change_sends_nothing(server_url, nc, js, name):
    await make_stream(js, nc, name, 1)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, StreamEditScreen), pilot=pilot)
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: "nothing changed" in screen_text(app), pilot=pilot)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_edit_consumer_locks_policies_and_changes_the_rest(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit", "deliver_policy": "all"})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_consumers(app, pilot, name, "worker")
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ConsumerEditScreen), pilot=pilot)
        form = app.screen
        assert form.query_one("#f-ack").disabled and form.query_one("#f-deliver").disabled
        assert "ack policy can not be updated" in screen_text(app)
        await pilot.pause(0.1)
        assert app.focused is not None and app.focused.id == "f-filters"
        assert form.query_one("#f-ack-wait").value == "30s"
        form.query_one("#f-max-deliver").value = "5"
        form.query_one("#f-ack-wait").value = "1m"
        form.query_one("#f-filters").value = f"{name.lower()}.a"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        text = " ".join(screen_text(app).split())
        assert "Max deliver unlimited → 5" in text and "Ack wait 30s → 1m" in text
        assert f"Filter subject — → {name.lower()}.a" in text
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: not isinstance(app.screen, (ConsumerEditScreen, ConfirmScreen)), pilot=pilot)
    config = (await js.consumer_info(name, "worker"))["config"]
    assert config["max_deliver"] == 5 and config["ack_wait"] == 60 * 10**9
    assert config["filter_subject"] == f"{name.lower()}.a" and config["ack_policy"] == "explicit"


async def test_pause_and_resume_a_consumer(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_consumers(app, pilot, name, "worker")
        await pilot.press("z")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = "2h"
        await pilot.press("enter")
        await wait_until(lambda: "paused 1h59m" in screen_text(app) or "paused 2h" in screen_text(app), pilot=pilot)
        info = await js.consumer_info(name, "worker")
        assert info["paused"] and 7000 < info["pause_remaining"] / 1e9 <= 7200
        await pilot.press("z")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert "Resume consumer worker" in screen_text(app)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: "paused" not in screen_text(app).split("Consumers", 1)[-1], pilot=pilot)
    assert not (await js.consumer_info(name, "worker")).get("paused")


async def test_seal_needs_the_name_typed(server_url, nc, js, name):
    await make_stream(js, nc, name, 2)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("S")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert app.screen.query_one("#confirm-yes").disabled and "cannot unseal" in screen_text(app)
        await pilot.press(*name)
        await wait_until(lambda: not app.screen.query_one("#confirm-yes").disabled, pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: "Sealed yes" in " ".join(screen_text(app).split()), pilot=pilot)
        assert any(f"Stream {name} sealed." in n.message for n in app._notifications)
    info = await js.stream_info(name)
    assert info["config"]["sealed"] and info["state"]["messages"] == 2


async def test_read_only_refuses_edit_seal_and_pause(server_url, nc, js, name):
    await make_stream(js, nc, name, 2)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit"})
    stream_before = (await js.stream_info(name))["config"]
    consumer_before = (await js.consumer_info(name, "worker"))["config"]
    app = make_test_app(server_url, ["none.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        for key, what in (("e", f"editing stream {name}"), ("S", f"sealing stream {name}")):
            app.last_refusal = ""
            await pilot.press(key)
            await wait_until(lambda: app.last_refusal.startswith(f"Refused: {what}"), pilot=pilot)
            assert not isinstance(app.screen, (ConfirmScreen, StreamEditScreen))
        await pilot.press("c")
        await wait_until(lambda: "worker" in screen_text(app), pilot=pilot)
        for key, what in (("e", "editing consumer worker"), ("z", "pausing or resuming consumer worker")):
            app.last_refusal = ""
            await pilot.press(key)
            await wait_until(lambda: app.last_refusal.startswith(f"Refused: {what}"), pilot=pilot)
            assert not isinstance(app.screen, (ConfirmScreen, PromptScreen, ConsumerEditScreen))
    assert (await js.stream_info(name))["config"] == stream_before
    consumer = await js.consumer_info(name, "worker")
    assert consumer["config"] == consumer_before and not consumer.get("paused")


async def test_pause_on_an_old_server_says_it_needs_2_11(server_url, nc, js, name):
    await make_stream(js, nc, name, 1)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_consumers(app, pilot, name, "worker")
        app.session.nc._current_server.server_version = "2.10.22"  # what an older server announces in INFO
        await pilot.press("z")
        await wait_until(
            lambda: any("needs nats-server 2.11 or later" in n.message for n in app._notifications), pilot=pilot
        )
        assert not isinstance(app.screen, PromptScreen)
    assert not (await js.consumer_info(name, "worker")).get("paused")


async def test_edit_consumer_shows_the_servers_refusal(server_url, nc, js, name):
    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_consumers(app, pilot, name, "worker")
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ConsumerEditScreen), pilot=pilot)
        app.screen.query_one("#f-filters").value = f"{name.lower()}.>, {name.lower()}.a"  # they overlap
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(
            lambda: "the server refused: consumer subject filters cannot overlap" in screen_text(app), pilot=pilot
        )
        assert isinstance(app.screen, ConsumerEditScreen)
    assert not (await js.consumer_info(name, "worker"))["config"].get("filter_subjects")


async def test_pause_from_the_workbench(server_url, nc, js, name):
    from natstui.ui.screens.workbench import WorkbenchScreen

    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "worker", "ack_policy": "explicit"})
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_consumers(app, pilot, name, "worker")
        await pilot.press("enter")
        bench = await wait_until(lambda: isinstance(app.screen, WorkbenchScreen) and app.screen, pilot=pilot)
        await wait_until(lambda: bench.bench is not None and bench.bench.info, pilot=pilot)
        await pilot.press("z")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = "10m"
        await pilot.press("enter")
        await wait_until(lambda: "paused 9m" in screen_text(app) or "paused 10m" in screen_text(app), pilot=pilot)
    assert (await js.consumer_info(name, "worker"))["paused"]

"""The Streams view and the message browser in Pilot, against a real server."""

from textual.widgets import DataTable

from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.jetstream_forms import PurgeScreen, StreamCreateScreen
from natstui.ui.screens.messages import StreamMessagesScreen
from tests.conftest import make_test_app, press_button, screen_text, wait_connected, wait_until
from tests.jetstream.conftest import make_stream

SIZE = (170, 45)


async def open_streams(app, pilot, name):
    await wait_connected(app, pilot)
    await pilot.press("2")
    await wait_until(lambda: name in screen_text(app), pilot=pilot)
    table = app.screen.query_one("#streams-table", DataTable)
    table.move_cursor(row=table.get_row_index(name))
    await wait_until(lambda: app.selected_stream == name, pilot=pilot)


async def test_streams_list_details_and_browse_pages(server_url, nc, js, name):
    await make_stream(js, nc, name, 120)
    await js.delete_message(name, 3)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await wait_until(
            lambda: "Max messages" in screen_text(app) and f"{name.lower()}.a" in screen_text(app), pilot=pilot
        )
        row_text = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith(name))
        assert "limits" in row_text and "memory" in row_text and "119" in row_text
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        browser = app.screen
        assert [m.seq for m in browser.page[:3]] == [1, 2, 4]
        await wait_until(lambda: "⋯ 1 deleted" in screen_text(app), pilot=pilot)  # the gap is a row, not an error
        assert "page 1–51 (50)" in screen_text(app)
        await pilot.press("n")
        await wait_until(lambda: browser.page and browser.page[0].seq == 52, pilot=pilot)
        await pilot.press("n")
        await wait_until(lambda: browser.page and browser.page[0].seq == 102, pilot=pilot)
        assert len(browser.page) == 19
        await pilot.press("b")
        await wait_until(lambda: browser.page and browser.page[0].seq == 52, pilot=pilot)
        await pilot.press("G")
        await wait_until(lambda: browser.page and browser.page[-1].seq == 120, pilot=pilot)
        assert browser.page[0].seq == 71
        await pilot.press("g")
        await wait_until(lambda: browser.page and browser.page[0].seq == 1, pilot=pilot)
        # jump to a sequence
        await pilot.press("s")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        await pilot.press(*"77", "enter")
        await wait_until(lambda: browser.page and browser.page[0].seq == 77, pilot=pilot)
        # the selected message in the inspector, with its stream fields
        await wait_until(
            lambda: "Sequence       77" in screen_text(app) or "Sequence 77" in " ".join(screen_text(app).split()),
            pilot=pilot,
        )
        assert "X-N" in screen_text(app) and "m77" in screen_text(app)
        # subject filter with a wildcard
        await pilot.press("slash")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        await pilot.press(*f"{name.lower()}.*", "backspace", "b", "enter")
        await wait_until(lambda: browser.subject == f"{name.lower()}.b" and browser.page, pilot=pilot)
        assert all(m.subject.endswith(".b") for m in browser.page)
        assert [m.seq for m in browser.page[:3]] == [2, 4, 6]
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, StreamMessagesScreen), pilot=pilot)
    assert (await js.stream_info(name))["state"]["messages"] == 119  # nothing consumed or changed


async def test_browse_by_time(server_url, nc, js, name):
    await make_stream(js, nc, name, 10)
    fifth = (await js.read(name, 5, 1))[0]
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        browser = app.screen
        await pilot.press("t")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = fifth.time.isoformat()
        await pilot.press("enter")
        await wait_until(lambda: browser.page and browser.page[0].seq <= 5, pilot=pilot)
        assert browser.page[0].time <= fifth.time and browser.page[-1].seq == 10


async def test_workqueue_browsing_consumes_nothing(server_url, nc, js, name):
    await make_stream(js, nc, name, 60, retention="workqueue", direct=False)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        await pilot.press("n", "G", "b")
        await wait_until(lambda: app.screen.page and app.screen.page[0].seq == 1, pilot=pilot)
        assert "message get" in screen_text(app)
    assert (await js.stream_info(name))["state"]["messages"] == 60
    assert await js.list_consumers(name) == []


async def test_create_stream_form_validates_then_creates(server_url, nc, js, name):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await pilot.press("n")
        await wait_until(lambda: isinstance(app.screen, StreamCreateScreen), pilot=pilot)
        form = app.screen
        form.query_one("#f-name").value = "bad name"
        form.query_one("#f-subjects").value = "x.>"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: "may not contain spaces" in screen_text(app), pilot=pilot)
        form.query_one("#f-name").value = name
        form.query_one("#f-subjects").value = f"{name.lower()}.>"
        form.query_one("#f-max-age").value = "1h"
        form.query_one("#f-retention").value = "workqueue"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: not isinstance(app.screen, StreamCreateScreen), pilot=pilot)
    info = await js.stream_info(name)
    assert info["config"]["retention"] == "workqueue" and info["config"]["max_age"] == 3600 * 10**9


async def test_create_stream_server_error_in_plain_words(server_url, nc, js, name):
    await make_stream(js, nc, name, 0)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2", "n")
        await wait_until(lambda: isinstance(app.screen, StreamCreateScreen), pilot=pilot)
        app.screen.query_one("#f-name").value = name + "X"
        app.screen.query_one("#f-subjects").value = f"{name.lower()}.>"  # overlaps the existing stream
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: "the server refused: subjects overlap" in screen_text(app), pilot=pilot)


async def test_purge_and_delete_need_the_name_typed(server_url, nc, js, name):
    await make_stream(js, nc, name, 10)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("P")
        await wait_until(lambda: isinstance(app.screen, PurgeScreen), pilot=pilot)
        app.screen.query_one("#f-kind").value = "all but the newest N"
        app.screen.query_one("#f-keep").value = "4"
        app.screen.query_one("#f-confirm").value = "wrong"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: f"type {name} to confirm" in screen_text(app), pilot=pilot)
        assert (await js.stream_info(name))["state"]["messages"] == 10
        app.screen.query_one("#f-confirm").value = name
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: not isinstance(app.screen, PurgeScreen), pilot=pilot)
        assert (await js.stream_info(name))["state"]["messages"] == 4
        # delete one message, confirmed
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        first = app.screen.page[0].seq
        await pilot.press("x")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(
            lambda: (
                isinstance(app.screen, StreamMessagesScreen) and app.screen.page and app.screen.page[0].seq != first
            ),
            pilot=pilot,
        )
        assert (await js.stream_info(name))["state"]["messages"] == 3
        await pilot.press("escape")
        # delete the stream: the button stays disabled until the name is typed
        await pilot.press("D")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert app.screen.query_one("#confirm-yes").disabled
        await pilot.press(*name)
        await wait_until(lambda: not app.screen.query_one("#confirm-yes").disabled, pilot=pilot)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: name not in screen_text(app), pilot=pilot, timeout=15)
    assert name not in [s["config"]["name"] for s in await js.list_streams()]


async def test_read_only_refuses_every_stream_change(server_url, nc, js, name):
    await make_stream(js, nc, name, 5)
    app = make_test_app(server_url, ["none.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        for key, what in (
            ("n", "creating a stream"),
            ("P", f"purging stream {name}"),
            ("D", f"deleting stream {name}"),
        ):
            await pilot.press(key)
            await wait_until(lambda: app.last_refusal.startswith(f"Refused: {what}"), pilot=pilot)
            assert not isinstance(app.screen, (ConfirmScreen, PurgeScreen, StreamCreateScreen))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        await pilot.press("x")
        await wait_until(lambda: "deleting message 1" in app.last_refusal, pilot=pilot)
        assert "read-only" in screen_text(app)
    assert (await js.stream_info(name))["state"]["messages"] == 5

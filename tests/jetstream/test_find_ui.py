"""Find by content in the message browser: f, F, f again, esc, against a real server."""

import asyncio
import json

import pytest

from natstui.ui.screens.find import FindDialog
from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.widgets.inspector import Inspector
from tests.conftest import make_test_app, screen_text, wait_until
from tests.jetstream.test_find import orders_stream
from tests.jetstream.test_streams_ui import SIZE, open_streams


async def open_browser(app, pilot, name):
    await open_streams(app, pilot, name)
    await pilot.press("enter")
    await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
    return app.screen


async def find(app, pilot, key, query, subject=None, range_text=None):
    await pilot.press(key)
    await wait_until(lambda: isinstance(app.screen, FindDialog), pilot=pilot)
    app.screen.query_one("#find-query").value = query
    if subject is not None:
        app.screen.query_one("#find-subject").value = subject
    if range_text is not None:
        app.screen.query_one("#find-range").value = range_text
    await pilot.press("enter")


def flat(app) -> str:
    return " ".join(screen_text(app).split())


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_find_forward_next_and_backward_in_the_browser(server_url, nc, js, name, direct):
    await orders_stream(js, nc, name, 300, direct, retention="workqueue")
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        browser = await open_browser(app, pilot, name)
        await find(app, pilot, "f", '.customer.country == "DE"')
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 97, pilot=pilot)
        inspector = app.screen.query_one(Inspector)
        assert inspector.record.seq == 97 and json.loads(inspector.record.msg.data)["n"] == 97
        assert inspector.highlight and '"country": "DE"' in inspector.rendered.text
        text = flat(app)
        assert 'Find JSON .customer.country == "DE"' in text and "1 match" in text and "match at #97" in text
        await pilot.press("f")  # the next one
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 194, pilot=pilot)
        await pilot.press("F")  # and back
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 97, pilot=pilot)
        await pilot.press("F")
        await wait_until(lambda: "no match from #96 back to #1" in flat(app), pilot=pilot)
        assert browser.selected_message.seq == 97
        await pilot.press("escape")  # forgets the find, stays in the browser
        await wait_until(lambda: "Find JSON" not in flat(app), pilot=pilot)
        assert isinstance(app.screen, StreamMessagesScreen) and inspector.highlight is None
        await find(app, pilot, "F", '/"n": 2[0-9]{2},/', range_text="..250")  # backward, from #97: nothing before it
        await wait_until(lambda: "no match from #96 back to #1" in flat(app), pilot=pilot)
        await pilot.press("escape")
        await pilot.press("G")  # the last page, the last message selected: backward from #300 within ..250
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 300, pilot=pilot)
        await find(app, pilot, "F", '/"n": 2[0-9]{2},/', range_text="..250")
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 250, pilot=pilot)
        await pilot.press("escape", "escape")
        await wait_until(lambda: not isinstance(app.screen, StreamMessagesScreen), pilot=pilot)
    info = await js.stream_info(name)
    assert info["state"]["messages"] == 300 and info["state"]["consumer_count"] == 0  # nothing taken
    await js.delete_stream(name)


async def test_a_bad_query_is_explained_in_the_dialog(server_url, nc, js, name):
    await orders_stream(js, nc, name, 5, True)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(app, pilot, name)
        await find(app, pilot, "f", ".a ~ 1")
        await wait_until(lambda: "Find: expected one of" in flat(app), pilot=pilot)
        assert isinstance(app.screen, FindDialog)
    await js.delete_stream(name)


async def test_esc_cancels_a_running_find(server_url, nc, js, name, monkeypatch):
    await orders_stream(js, nc, name, 200, True)
    from natstui.client.find import Finder

    read_batch = Finder._direct_batch
    gate = asyncio.Event()  # never set: the scan holds after its first five messages, as a long one would

    async def held(self, seq, count):
        if self.scanned >= 5:
            await gate.wait()
        return await read_batch(self, seq, count)

    monkeypatch.setattr(Finder, "_direct_batch", held)
    monkeypatch.setattr("natstui.client.find.BATCH", 5)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        browser = await open_browser(app, pilot, name)
        await find(app, pilot, "f", "never-there")
        await wait_until(lambda: browser.finding and browser.finder.scanned == 5, pilot=pilot)
        await wait_until(lambda: "reading #5" in flat(app), pilot=pilot)  # the progress line, on its timer
        assert "esc cancels" in flat(app) and "msg/s" in flat(app)
        await pilot.press("escape")
        await wait_until(lambda: "cancelled at #5 after 5 messages" in flat(app), pilot=pilot)
        assert isinstance(app.screen, StreamMessagesScreen) and not browser.finding
        await pilot.press("escape")  # ends the find
        await wait_until(lambda: "Find text" not in flat(app), pilot=pilot)
        assert isinstance(app.screen, StreamMessagesScreen)
    await js.delete_stream(name)


async def test_at_80_columns_the_progress_line_keeps_the_matches_and_says_cancelled(
    server_url, nc, js, name, monkeypatch
):
    """The line is cut by parts (the range, the key hint first), never through the progress or the status."""
    await orders_stream(js, nc, name, 200, True)
    from natstui.client.find import Finder

    read_batch = Finder._direct_batch
    gate = asyncio.Event()

    async def held(self, seq, count):
        if self.scanned >= 5:
            await gate.wait()
        return await read_batch(self, seq, count)

    monkeypatch.setattr(Finder, "_direct_batch", held)
    monkeypatch.setattr("natstui.client.find.BATCH", 5)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(80, 24)) as pilot:
        browser = await open_browser(app, pilot, name)
        await find(app, pilot, "f", "a-longer-text-never-there")
        await wait_until(lambda: browser.finding and "reading #5" in flat(app), pilot=pilot)
        await wait_until(lambda: "0 matches" in flat(app) and "msg/s" in flat(app), pilot=pilot)
        await pilot.press("escape")
        await wait_until(lambda: "cancelled at #5 after 5 messages" in flat(app), pilot=pilot)
        assert "0 matches" in flat(app)
    await js.delete_stream(name)


def test_the_match_is_marked_in_the_payload_as_shown():
    from rich.syntax import Syntax
    from rich.text import Text

    from natstui.model.find import parse_query
    from natstui.ui.palette import BOLD, palette
    from natstui.ui.widgets.inspector import highlighted

    shown = json.dumps({"customer": {"country": "DE", "name": "[/] x"}}, indent=2)
    pattern = parse_query('.customer.country == "DE"').highlight()
    out = highlighted(Syntax(shown, "json"), shown, pattern)
    assert isinstance(out, Text) and out.plain.rstrip("\n") == shown
    marked = [out.plain[span.start : span.end] for span in out.spans if span.style == palette.highlight + BOLD]
    assert marked == ['"country": "DE"']
    plain = Text(shown)
    assert highlighted(plain, shown, parse_query("nowhere").highlight()) is plain  # nothing to mark: as it was


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_the_live_stream_leaves_out_natstuis_own_bulk_reads(server_url, nc, js, name, direct, tmp_path):
    """With the live stream on > (the default), paging and a find through the stream do not fill the
    live buffer with their own replies; everything else still arrives."""
    from natstui.client.backup import backup_stream, restore_stream
    from natstui.client.inbox import bulk_prefix
    from tests.conftest import send_sentinel, store_has

    await orders_stream(js, nc, name, 300, direct)
    app = make_test_app(server_url, [">"])
    async with app.run_test(size=SIZE) as pilot:
        browser = await open_browser(app, pilot, name)
        await find(app, pilot, "f", ".n == 300")
        await wait_until(lambda: browser.selected_message and browser.selected_message.seq == 300, pilot=pilot)
        own = bulk_prefix(app.session.nc)
        # a backup and a restore (its chunks are requests to $JS.SNAPSHOT.RESTORE...) are left out too
        path = str(tmp_path / "copy.natsbak")
        await backup_stream(app.jetstream(), name, path)
        await restore_stream(app.jetstream(), path, f"{name}_COPY", subjects=[f"{name.lower()}copy.>"])
        await send_sentinel(nc, "bulk.sentinel", lambda data: store_has(app.store, data), pilot=pilot)
        records = list(app.store.range(app.store.first_seq, app.store.last_seq + 1))
        assert not [r for r in records if r.msg.subject.startswith(own) or (r.msg.reply or "").startswith(own)]
        assert not [r for r in records if r.msg.subject.startswith("$JS.SNAPSHOT.")]
        assert len(records) < 300  # the stream's 300 messages were read three times, none taken in again
        await js.delete_stream(f"{name}_COPY")

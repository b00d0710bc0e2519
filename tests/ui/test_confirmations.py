"""Confirmations: Enter does what a non-destructive one asks, never what a destructive one asks,
and a cancelled change says so and keeps the draft (real server; values checked in the bucket)."""

import uuid

from textual.app import App

from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.kv import KeyValueScreen
from natstui.ui.widgets.kv_dialogs import PutScreen
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

SIZE = (120, 36)


def bucket_name() -> str:
    return "c" + uuid.uuid4().hex[:10]


async def open_key(app, pilot, bucket: str, key: str) -> KeyValueScreen:
    """``4``, pick the bucket, then the key, as a user does."""
    await wait_connected(app, pilot)
    await press_keys(pilot, "4")
    await wait_until(lambda: isinstance(app.screen, KeyValueScreen) and bucket in app.screen.buckets, pilot=pilot)
    screen = app.screen
    screen.bucket_table.focus()
    screen.bucket_table.move_cursor(row=screen._bucket_names.index(bucket))
    await wait_until(lambda: screen.bucket == bucket and screen.scan is not None and screen.scan.listed, pilot=pilot)
    screen.keys.focus()
    await wait_until(lambda: screen.keys.select_key(key), pilot=pilot)
    await wait_until(lambda: screen.current is not None and screen.current.key == key, pilot=pilot)
    return screen


async def edit_value(app, pilot, typed: str) -> PutScreen:
    """``e``, the old value cleared, ``typed`` typed key by key, then ctrl+s: the confirmation opens."""
    await press_keys(pilot, "e")
    put = await wait_until(lambda: isinstance(app.screen, PutScreen) and app.screen, pilot=pilot)
    editor = put.query_one("#kv-put-value")
    await wait_until(lambda: editor.has_focus, pilot=pilot)
    editor.text = ""
    await press_keys(pilot, *typed)
    await wait_until(lambda: editor.text == typed, pilot=pilot)
    await press_keys(pilot, "ctrl+s")
    await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
    return put


def notices(app) -> list:
    return [n.message for n in app._notifications]


async def test_enter_at_the_put_confirmation_stores_the_value(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name)
    await kv.put("hello", b"old")
    app = make_test_app(server_url, ["conftest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await open_key(app, pilot, name, "hello")
        await edit_value(app, pilot, "sixteen bytes!!!")
        assert f"Put 16 B as key hello in bucket {name}?" in screen_text(app)
        await press_keys(pilot, "enter")  # the confirmation's default focus
        await wait_until(lambda: not isinstance(app.screen, (ConfirmScreen, PutScreen)), pilot=pilot)
        await wait_until(lambda: any("Put hello" in m for m in notices(app)), pilot=pilot)
    assert (await kv.get("hello")).value == b"sixteen bytes!!!"
    await js.delete_key_value(name)


async def test_a_cancelled_put_says_not_saved_and_keeps_the_draft(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name)
    await kv.put("hello", b"old")
    app = make_test_app(server_url, ["conftest.none"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_key(app, pilot, name, "hello")
        put = await edit_value(app, pilot, "my draft")
        await press_keys(pilot, "escape")
        await wait_until(lambda: app.screen is put, pilot=pilot)  # the editor is still open...
        assert put.query_one("#kv-put-value").text == "my draft"  # ...with what was typed
        await wait_until(lambda: any(f"Not saved: key hello in bucket {name}" in m for m in notices(app)), pilot=pilot)
        await wait_until(lambda: "Not saved" in screen_text(app), pilot=pilot)  # shown, not only queued
        assert (await kv.get("hello")).value == b"old"

        # Cancel pressed with the mouse does the same; then saving the kept draft stores it
        await press_keys(pilot, "ctrl+s")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await pilot.click("#confirm-no")
        await wait_until(lambda: app.screen is put, pilot=pilot)
        assert (await kv.get("hello")).value == b"old"
        await press_keys(pilot, "ctrl+s")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_keys(pilot, "enter")
        await wait_until(lambda: not isinstance(app.screen, (ConfirmScreen, PutScreen)), pilot=pilot)
        await wait_until(lambda: any("Put hello" in m for m in notices(app)), pilot=pilot)
    assert (await kv.get("hello")).value == b"my draft"
    await js.delete_key_value(name)


async def test_enter_at_a_destructive_confirmation_deletes_nothing(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=5)
    await kv.put("hello", b"keep me")
    app = make_test_app(server_url, ["conftest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await open_key(app, pilot, name, "hello")
        for key, word in (("x", "Not deleted"), ("P", "Not purged")):
            await press_keys(pilot, key)
            dialog = await wait_until(lambda: isinstance(app.screen, ConfirmScreen) and app.screen, pilot=pilot)
            assert dialog.focused is not None and dialog.focused.id == "confirm-no"
            await press_keys(pilot, "enter")
            await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)
            await wait_until(lambda: any(f"{word}: key hello in bucket {name}" in m for m in notices(app)), pilot=pilot)
    assert [e.operation for e in await kv.history("hello")] == [None]  # one PUT, no delete or purge marker
    assert (await kv.get("hello")).value == b"keep me"
    await js.delete_key_value(name)


class _Host(App):
    def __init__(self, screen: ConfirmScreen) -> None:
        super().__init__()
        self.dialog = screen
        self.answers: list = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)


async def test_default_focus_follows_danger():
    for danger, focused, answer in ((True, "confirm-no", False), (False, "confirm-yes", True)):
        app = _Host(ConfirmScreen("Do it?", danger=danger, confirm_label="Do", not_done="Not done: it."))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(lambda: app.screen is app.dialog and app.dialog.focused is not None, pilot=pilot)
            assert app.dialog.focused.id == focused
            await press_keys(pilot, "enter")
            await wait_until(lambda: app.answers, pilot=pilot)
            assert app.answers == [answer]
            assert [n.message for n in app._notifications] == ([] if answer else ["Not done: it."])
    # typing the name is asked: the input has the focus whatever the danger
    app = _Host(ConfirmScreen("Delete X?", type_to_confirm="X", confirm_label="Delete"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.dialog.focused is not None, pilot=pilot)
        assert app.dialog.focused.id == "confirm-input"


async def test_cancelled_stream_forms_say_so_and_the_new_stream_form_keeps_its_draft(server_url, nc):
    from textual.widgets import DataTable

    from natstui.ui.screens.jetstream_forms import PurgeScreen, StreamCreateScreen

    jsc = nc.jetstream()
    name = "C" + uuid.uuid4().hex[:10].upper()
    draft = name + "NEW"
    await jsc.add_stream(name=name, subjects=[f"{name.lower()}.>"], storage="memory")
    for i in range(3):
        await jsc.publish(f"{name.lower()}.a", str(i).encode())
    app = make_test_app(server_url, ["conftest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "2")
        await wait_until(lambda: name in screen_text(app), pilot=pilot)
        table = app.screen.query_one("#streams-table", DataTable)
        table.move_cursor(row=table.get_row_index(name))
        await wait_until(lambda: app.selected_stream == name, pilot=pilot)

        await press_keys(pilot, "P")
        await wait_until(lambda: isinstance(app.screen, PurgeScreen), pilot=pilot)
        await press_keys(pilot, "escape")
        await wait_until(lambda: any(f"Not purged: stream {name}" in m for m in notices(app)), pilot=pilot)

        await press_keys(pilot, "D")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_keys(pilot, "enter", "escape")  # the name not typed: Enter does nothing; Esc cancels
        await wait_until(lambda: any(f"Not deleted: stream {name}" in m for m in notices(app)), pilot=pilot)

        await press_keys(pilot, "n")
        form = await wait_until(lambda: isinstance(app.screen, StreamCreateScreen) and app.screen, pilot=pilot)
        await press_keys(pilot, *draft)
        await wait_until(lambda: form.query_one("#f-name").value == draft, pilot=pilot)
        form.query_one("#f-subjects").value = f"{draft.lower()}.>"
        await press_keys(pilot, "escape")
        await wait_until(lambda: any("Not created: new stream" in m for m in notices(app)), pilot=pilot)
        await press_keys(pilot, "n")  # reopened as it was left
        form = await wait_until(lambda: isinstance(app.screen, StreamCreateScreen) and app.screen, pilot=pilot)
        await wait_until(lambda: form.query_one("#f-name").value == draft, pilot=pilot)
        assert form.query_one("#f-subjects").value == f"{draft.lower()}.>"
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, StreamCreateScreen), pilot=pilot)
    assert (await jsc.stream_info(name)).state.messages == 3  # neither purged nor deleted
    assert draft not in [s.config.name for s in await jsc.streams_info()]
    await jsc.delete_stream(name)


async def test_a_reply_closed_unsent_says_so_and_reopens_with_its_draft(server_url, nc):
    import asyncio

    from natstui.ui.screens.compose import REPLY, ComposeScreen
    from natstui.ui.widgets.stream import MessageStream

    p = "c" + uuid.uuid4().hex[:8]
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        request = asyncio.ensure_future(nc.request(f"{p}.question", b"six times seven?", timeout=30))
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        stream = app.screen.query_one(MessageStream)
        stream.focus()
        await press_keys(pilot, "up")
        await wait_until(lambda: stream.cursor_index == 0, pilot=pilot)
        await press_keys(pilot, "R")
        screen = await wait_until(
            lambda: isinstance(app.screen, ComposeScreen) and app.screen.mode == REPLY and app.screen, pilot=pilot
        )
        await press_keys(pilot, *"42")
        await wait_until(lambda: screen.query_one("#compose-payload").text == "42", pilot=pilot)
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, ComposeScreen), pilot=pilot)
        await wait_until(lambda: any("Not sent: the reply to" in m for m in notices(app)), pilot=pilot)
        assert not request.done()  # nothing reached the requester

        await press_keys(pilot, "R")  # the draft is back
        screen = await wait_until(lambda: isinstance(app.screen, ComposeScreen) and app.screen, pilot=pilot)
        await wait_until(lambda: screen.query_one("#compose-payload").text == "42", pilot=pilot)
        await press_keys(pilot, "ctrl+s")
        answer = await asyncio.wait_for(request, 10)
        assert answer.data == b"42"
        await wait_until(lambda: screen.sent == 1, pilot=pilot)
        count = len(notices(app))
        await press_keys(pilot, "escape")  # sent: closing says nothing more
        await wait_until(lambda: not isinstance(app.screen, ComposeScreen), pilot=pilot)
        assert not any("Not sent" in m for m in notices(app)[count:])

"""The Key-Value view in Pilot against a real server: listing, filter, values, watch, history, diff, changes."""

import json
import uuid

from nats.js.errors import NotFoundError

from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.help import HelpScreen
from natstui.ui.screens.kv import KeyValueScreen
from natstui.ui.widgets.kv_dialogs import CreateBucketScreen, DiffScreen, PutScreen
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

SIZE = (160, 44)


def bucket_name() -> str:
    return "u" + uuid.uuid4().hex[:10]


async def open_view(app, pilot, bucket: str) -> KeyValueScreen:
    """Connect, go to the Key-Value view (key 4) and pick ``bucket`` in the buckets table."""
    await wait_connected(app, pilot)
    await press_keys(pilot, "4")
    await wait_until(lambda: isinstance(app.screen, KeyValueScreen) and bucket in app.screen.buckets, pilot=pilot)
    screen = app.screen
    screen.bucket_table.focus()
    screen.bucket_table.move_cursor(row=screen._bucket_names.index(bucket))
    await wait_until(lambda: screen.bucket == bucket and screen.scan is not None and screen.scan.listed, pilot=pilot)
    return screen


async def wait_screen(app, pilot, kind):
    await wait_until(lambda: isinstance(app.screen, kind), pilot=pilot)
    return app.screen


async def confirm(app, pilot, typed: str = "") -> None:
    """Confirm the dialog as a user does: type the name if asked, else move to Confirm (if not focused) and press enter."""
    dialog = await wait_screen(app, pilot, ConfirmScreen)
    if typed:
        await press_keys(pilot, *typed, "enter")
    else:
        if dialog.focused is None or dialog.focused.id != "confirm-yes":
            await press_keys(pilot, "shift+tab")
        await wait_until(lambda: dialog.focused is not None and dialog.focused.id == "confirm-yes", pilot=pilot)
        await press_keys(pilot, "enter")
    await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)


async def select_key(app, pilot, screen, key: str) -> None:
    screen.keys.focus()
    await wait_until(lambda: screen.keys.select_key(key), pilot=pilot)
    await wait_until(lambda: screen.current is not None and screen.current.key == key, pilot=pilot)


async def test_buckets_keys_and_values(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=5, ttl=3600, storage="memory")
    await kv.put("orders.eu", json.dumps({"total": 12.5, "items": [1, 2]}).encode())
    await kv.put("orders.us", b"plain text value")
    await kv.put("blob", b"\x00\xff\x10binary")
    await kv.put("markup", b"[bold red]x[/] \x1b[2J")
    await kv.put("old", b"x")
    await kv.delete("old")
    before = (await js.stream_info(f"KV_{name}")).state
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await wait_until(lambda: "4 keys" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        cells = next(line for line in text.splitlines() if line.startswith(f" {name} ")).split()
        # values (5 puts and a delete marker), bytes, history, TTL, storage, replicas
        assert cells[0] == name and cells[1] == "6" and cells[3] == "B" and cells[4:8] == ["5", "1h", "memory", "1"]
        assert "(1 deleted not shown)" in text and "◉ watching" in text
        assert text.index("  blob ") < text.index("  markup ") < text.index("  orders.eu ") < text.index("  orders.us ")
        assert " old " not in text

        await select_key(app, pilot, screen, "orders.eu")
        await wait_until(lambda: '"total": 12.5' in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "Revision  1" in text and "Operation PUT" in text and "view: auto → json" in text
        await press_keys(pilot, "v", "v", "v")  # auto -> json -> text -> hex
        await wait_until(lambda: "view: hex" in screen_text(app), pilot=pilot)
        assert "7b 22 74 6f 74 61 6c 22" in screen_text(app)
        await press_keys(pilot, "v")

        await select_key(app, pilot, screen, "markup")
        await wait_until(lambda: "[bold red]x[/]" in screen_text(app), pilot=pilot)
        assert "\\e[2J" in screen_text(app) and "\x1b" not in screen_text(app)
        await select_key(app, pilot, screen, "blob")
        await wait_until(lambda: "00 ff 10 62" in screen_text(app), pilot=pilot)

        # browsing leaves no durable state, and what it reads with goes when the view is left
        consumers = await js.consumers_info(f"KV_{name}")
        assert consumers and all(c.config.durable_name is None and c.config.mem_storage for c in consumers)
        await press_keys(pilot, "1")
        await wait_until(lambda: screen.scan is None, pilot=pilot)
        assert await js.consumers_info(f"KV_{name}") == []
        await press_keys(pilot, "4")  # back: listed afresh
        await wait_until(lambda: screen.scan is not None and screen.scan.listed and len(screen.index) == 4, pilot=pilot)
    after = (await js.stream_info(f"KV_{name}")).state
    assert (after.messages, after.last_seq) == (before.messages, before.last_seq)  # browsing changed nothing


async def test_filter_with_wildcards(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name)
    for i in range(3000):  # a bigger bucket: the list is virtual, the filter is applied by the server
        await nc.publish(f"$KV.{name}.item.{i:05d}", b"v")
    for key in ("orders.eu.1", "orders.us.1", "orders.eu", "users.7"):
        await kv.put(key, b"v")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await wait_until(lambda: "3,004 keys" in screen_text(app), pilot=pilot)
        screen.keys.focus()
        await press_keys(pilot, "end")
        await wait_until(lambda: "users.7" in screen_text(app) and screen.keys.cursor_key == "users.7", pilot=pilot)
        await press_keys(pilot, "home")
        await wait_until(lambda: "item.00000" in screen_text(app) and "users.7" not in screen_text(app), pilot=pilot)
        await press_keys(pilot, "slash")
        await wait_screen(app, pilot, PromptScreen)
        await press_keys(pilot, *"orders.*.1", "enter")
        await wait_until(lambda: "2 keys  filter orders.*.1" in screen_text(app), pilot=pilot)
        assert screen.index.keys == ["orders.eu.1", "orders.us.1"]
        # a pattern that is not a key filter is refused with the reason; the listing stays
        await press_keys(pilot, "slash")
        await wait_screen(app, pilot, PromptScreen)
        app.screen.query_one("#prompt-input").value = "orders..x"
        await press_keys(pilot, "enter")
        await wait_until(lambda: any("Not a key filter" in n.message for n in app._notifications), pilot=pilot)
        assert screen.pattern == "orders.*.1"
        await press_keys(pilot, "escape")  # clears the filter
        await wait_until(
            lambda: "3,004 keys" in screen_text(app) and "filter" not in screen.info.text.plain, pilot=pilot
        )


async def test_watch_shows_changes_as_they_happen(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=3)
    await kv.put("a", b"first")
    await kv.put("b", b"bee")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "a")
        await wait_until(lambda: "first" in screen_text(app), pilot=pilot)
        scan = screen.scan
        await kv.put("c", b"new key")
        await kv.delete("b")
        await kv.put("a", b"second")
        await wait_until(lambda: "3 change(s), last PUT a rev 5" in screen_text(app), pilot=pilot)
        assert screen.scan is scan  # not re-listed
        text = screen_text(app)
        assert "● c " in text and "● b " in text and " DEL " in text  # marked; the deleted key stays, marked DEL
        assert screen.index.fresh("c")
        # the selected key's new value replaces the old one in the inspector
        await wait_until(lambda: "second" in screen_text(app) and "Revision  5" in screen_text(app), pilot=pilot)


async def test_history_and_diff(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=10)
    await kv.put("cfg", json.dumps({"rate": 50, "burst": 100, "name": "x"}).encode())
    await kv.put("cfg", json.dumps({"rate": 75, "burst": 100, "name": "x"}).encode())
    await kv.put("cfg", json.dumps({"rate": 75, "burst": 400, "name": "x"}).encode())
    await kv.delete("cfg")
    await kv.put("cfg", json.dumps({"rate": 1, "burst": 400, "name": "x"}).encode())
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "cfg")
        await press_keys(pilot, "h")
        await wait_until(lambda: "History of cfg: 5 revision(s)" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert text.count(" DEL ") == 1 and text.count(" PUT ") >= 4
        # newest first: revision 5 (PUT) is highlighted; d compares it with revision 4 (the delete)
        await press_keys(pilot, "down")  # revision 4, the delete marker
        await wait_until(lambda: "Operation DEL" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "down")  # revision 3
        await wait_until(lambda: "Revision  3" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "d")
        diff = await wait_screen(app, pilot, DiffScreen)
        assert ("-", '  "burst": 100,') in diff.rows and ("+", '  "burst": 400,') in diff.rows
        assert not any('"rate"' in line for tag, line in diff.rows if tag in "+-")
        assert "revision 2 (PUT) → revision 3 (PUT)" in screen_text(app)
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, DiffScreen), pilot=pilot)
        # mark revision 1, move to revision 5, compare the two
        await press_keys(pilot, "down", "down", "m")  # from revision 3 down to revision 1
        await wait_until(lambda: screen.history.marked == 1 and "◆" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "up", "up", "up", "up", "d")
        diff = await wait_screen(app, pilot, DiffScreen)
        assert ("-", '  "rate": 50') in [(t, line.rstrip(",")) for t, line in diff.rows]
        assert "revision 1 (PUT) → revision 5 (PUT)" in screen_text(app)


async def test_put_delete_purge_from_the_view(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=5)
    await kv.put("settings", b'{"a": 1}')
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "settings")
        await press_keys(pilot, "e")
        put = await wait_screen(app, pilot, PutScreen)
        editor = put.query_one("#kv-put-value")
        assert editor.text == '{"a": 1}'  # the current value, to edit
        editor.text = '{"a": 2,}'
        await press_keys(pilot, "ctrl+s")
        await wait_until(lambda: "not valid JSON" in screen_text(app), pilot=pilot)
        assert isinstance(app.screen, PutScreen)  # refused once
        editor.text = '{"a": 2}'
        await press_keys(pilot, "ctrl+s")
        await confirm(app, pilot)
        await wait_until(lambda: screen.current is not None and screen.current.value == b'{"a": 2}', pilot=pilot)
        assert (await kv.get("settings")).value == b'{"a": 2}'

        # a new key, stored as text after the JSON warning
        await press_keys(pilot, "e")
        put = await wait_screen(app, pilot, PutScreen)
        put.query_one("#kv-put-key").value = "notes.today"
        put.query_one("#kv-put-value").text = "[not json"
        await press_keys(pilot, "ctrl+s")
        await wait_until(lambda: "Save again" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "ctrl+s")
        await confirm(app, pilot)
        await wait_until(lambda: screen.keys.cursor_key == "notes.today", pilot=pilot)
        assert (await kv.get("notes.today")).value == b"[not json"

        # delete, then purge, each confirmed; cancelling changes nothing
        await select_key(app, pilot, screen, "settings")
        await press_keys(pilot, "x")
        await wait_screen(app, pilot, ConfirmScreen)
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert (await kv.get("settings")).value == b'{"a": 2}'
        await press_keys(pilot, "x")
        await confirm(app, pilot)
        await wait_until(lambda: screen.index.entries["settings"].op == "DEL", pilot=pilot)
        assert [e.operation for e in await kv.history("settings")] == [None, None, "DEL"]
        await press_keys(pilot, "P")
        await confirm(app, pilot)
        await wait_until(lambda: screen.index.entries["settings"].op == "PURGE", pilot=pilot)
        assert [e.operation for e in await kv.history("settings")] == ["PURGE"]


async def test_create_and_delete_a_bucket(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    anchor = bucket_name()
    await js.create_key_value(bucket=anchor)
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, anchor)
        await press_keys(pilot, "c")
        form = await wait_screen(app, pilot, CreateBucketScreen)
        form.query_one("#kv-create-name").value = name
        form.query_one("#kv-create-history").value = "7"
        form.query_one("#kv-create-ttl").value = "2h"
        form.query_one("#kv-create-name").focus()
        await press_keys(pilot, "enter")
        await confirm(app, pilot)
        await wait_until(lambda: screen.bucket == name, pilot=pilot)
        status = await (await js.key_value(name)).status()
        assert status.history == 7 and status.ttl == 7200

        await press_keys(pilot, "D")
        dialog = await wait_screen(app, pilot, ConfirmScreen)
        await press_keys(pilot, *name[:-1], "enter")  # not the exact name: nothing happens
        assert isinstance(app.screen, ConfirmScreen) and dialog.query_one("#confirm-yes").disabled
        await press_keys(pilot, name[-1], "enter")
        await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await wait_until(lambda: name not in screen.buckets, pilot=pilot)
        try:
            await js.key_value(name)
            raise AssertionError("bucket still exists")
        except NotFoundError:
            pass


async def test_read_only_refuses_every_change(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name)
    await kv.put("k", b"v")
    before = (await js.stream_info(f"KV_{name}")).state
    app = make_test_app(server_url, ["kvtest.none"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "k")
        for key, what in (
            ("e", "putting a value"),
            ("x", "deleting key k"),
            ("P", "purging key k"),
            ("c", "creating a bucket"),
            ("D", f"deleting bucket {name}"),
        ):
            app.last_refusal = ""
            await press_keys(pilot, key)
            await wait_until(lambda: what in app.last_refusal, pilot=pilot)
            assert isinstance(app.screen, KeyValueScreen)  # no editor, no confirmation
        assert "read-only" in screen_text(app)
        # every action's key is in the footer and in the help
        footer = screen_text(app).splitlines()[-1]
        for label in ("Filter keys", "History", "Diff", "Put", "Delete key", "Purge key", "New bucket"):
            assert label in footer, label
        await press_keys(pilot, "question_mark")
        help_screen = await wait_screen(app, pilot, HelpScreen)
        text = screen_text(app)
        help_screen.query_one("#help-box").scroll_end(animate=False)  # the help is longer than the screen
        await wait_until(lambda: "Last key" in screen_text(app), pilot=pilot)
        text += screen_text(app)
        for label in ("Key-Value view", "Mark revision for diff", "Delete bucket", "Clear filter", "Last key", "Quit"):
            assert label in text, label
    after = (await js.stream_info(f"KV_{name}")).state
    assert (after.messages, after.last_seq) == (before.messages, before.last_seq)
    assert (await kv.get("k")).value == b"v"

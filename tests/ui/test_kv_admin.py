"""Key-Value administration in Pilot against a real server: edit a bucket, revert a key, compact, TTLs."""

from natstui.client.jetstream import JetStream
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.jetstream_edit import BucketEditScreen
from natstui.ui.screens.kv import KeyValueScreen
from tests.conftest import make_test_app, press_button, press_keys, screen_text, wait_until
from tests.ui.test_kv import SIZE, bucket_name, confirm, open_view, select_key, wait_screen

NS = 10**9


async def test_edit_bucket_previews_then_changes(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_key_value(bucket=name, history=2, storage="memory")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, name)
        await press_keys(pilot, "E")
        form = await wait_screen(app, pilot, BucketEditScreen)
        assert form.query_one("#f-history").value == "2" and form.query_one("#f-ttl").value == "0"
        form.query_one("#f-history").value = "10"
        form.query_one("#f-ttl").value = "1h"
        form.query_one("#f-max-bytes").value = "1MB"
        await press_button(pilot, "#form-submit")
        await wait_screen(app, pilot, ConfirmScreen)
        text = " ".join(screen_text(app).split())
        assert "History (per key) 2 → 10" in text and "Max age unlimited → 1h" in text
        assert "Max bytes unlimited → 1.0 MiB" in text
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: isinstance(app.screen, KeyValueScreen), pilot=pilot)
    config = (await JetStream(nc).stream_info(f"KV_{name}"))["config"]
    assert config["max_msgs_per_subject"] == 10 and config["max_age"] == 3600 * NS
    assert config["max_bytes"] == 1024**2 and config["storage"] == "memory"


async def test_edit_bucket_refused_by_the_server_says_why(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_key_value(bucket=name, storage="memory")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, name)
        await press_keys(pilot, "E")
        form = await wait_screen(app, pilot, BucketEditScreen)
        form.query_one("#f-replicas").value = "3"  # a single server cannot hold three replicas
        await press_button(pilot, "#form-submit")
        await wait_screen(app, pilot, ConfirmScreen)
        await press_button(pilot, "#confirm-yes")
        await wait_until(lambda: "the server refused:" in screen_text(app), pilot=pilot)
        assert isinstance(app.screen, BucketEditScreen)
    assert (await JetStream(nc).stream_info(f"KV_{name}"))["config"]["num_replicas"] == 1


async def test_revert_a_key_to_a_revision_from_its_history(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=5)
    first = await kv.put("cfg", b"version one")
    await kv.put("cfg", b"version two")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "cfg")
        await press_keys(pilot, "R")  # without the history open: says how
        await wait_until(lambda: any("Open the history" in n.message for n in app._notifications), pilot=pilot)
        await press_keys(pilot, "h")
        await wait_until(lambda: screen.history.holds("cfg") and len(screen.history.revisions) == 2, pilot=pilot)
        screen.history.table.focus()
        screen.history.table.move_cursor(row=1)  # newest first: the older revision
        await wait_until(lambda: screen.history.highlighted().revision == first, pilot=pilot)
        await press_keys(pilot, "R")
        await wait_screen(app, pilot, ConfirmScreen)
        assert f"to revision {first}" in " ".join(screen_text(app).split())
        assert (await kv.get("cfg")).value == b"version two"  # nothing before the confirmation
        await confirm(app, pilot)
        await wait_until(lambda: screen.current is not None and screen.current.value == b"version one", pilot=pilot)
    entry = await kv.get("cfg")
    assert entry.value == b"version one" and entry.revision > first + 1


async def test_compact_removes_markers_and_their_history(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=5)
    await kv.put("gone", b"a")
    await kv.put("gone", b"b")
    await kv.delete("gone")
    await kv.put("wiped", b"x")
    await kv.purge("wiped")
    await kv.put("kept", b"1")
    await kv.put("kept", b"2")
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, name)
        await press_keys(pilot, "C")
        await wait_screen(app, pilot, ConfirmScreen)
        assert "Compact bucket" in screen_text(app) and app.screen.query_one("#confirm-yes").disabled
        await confirm(app, pilot, typed=name)
        await wait_until(lambda: any("2 deleted key(s) removed" in n.message for n in app._notifications), pilot=pilot)
    state = (await JetStream(nc).stream_info(f"KV_{name}"))["state"]
    assert state["messages"] == 2  # the two revisions of "kept", nothing of the deleted keys
    assert [e.value for e in await kv.history("kept")] == [b"1", b"2"]


async def test_a_key_with_a_message_ttl_shows_it(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_key_value(bucket=name, history=1)
    api = JetStream(nc)
    config = (await api.stream_info(f"KV_{name}"))["config"]
    await api.update_stream({**config, "allow_msg_ttl": True})
    await js.publish(f"$KV.{name}.session", b"token", headers={"Nats-TTL": "1h"})
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await wait_until(lambda: "session  ttl 1h" in screen_text(app), pilot=pilot)
        await select_key(app, pilot, screen, "session")
        await wait_until(lambda: "1h, expires" in screen_text(app), pilot=pilot)


async def test_a_keys_ttl_expires_from_when_it_was_stored_not_from_when_it_was_read(server_url, nc, monkeypatch):
    import time
    import types

    import natstui.ui.screens.kv as kv_screen
    from natstui.model.timefmt import format_datetime

    js = nc.jetstream()
    name = bucket_name()
    await js.create_key_value(bucket=name, history=1)
    api = JetStream(nc)
    config = (await api.stream_info(f"KV_{name}"))["config"]
    await api.update_stream({**config, "allow_msg_ttl": True})
    ack = await js.publish(f"$KV.{name}.session", b"token", headers={"Nats-TTL": "1h"})
    stored = (await js.get_msg(f"KV_{name}", ack.seq)).time
    # the view reads the key ten minutes after it was stored: a TTL counted from the reading would be late
    later = types.SimpleNamespace(**{n: getattr(time, n) for n in dir(time) if not n.startswith("_")})
    later.time = lambda: time.time() + 600
    monkeypatch.setattr(kv_screen, "time", later)
    app = make_test_app(server_url, ["kvtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "session")
        await wait_until(lambda: "Message features" in screen_text(app), pilot=pilot)
        expires = format_datetime(stored.timestamp() + 3600)
        line = next(line for line in screen_text(app).splitlines() if "Expires" in line)
        assert expires in line, line


async def test_read_only_refuses_bucket_edit_revert_and_compact(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, history=3)
    await kv.put("k", b"1")
    await kv.put("k", b"2")
    await kv.put("d", b"x")
    await kv.delete("d")
    before = await JetStream(nc).stream_info(f"KV_{name}")
    app = make_test_app(server_url, ["kvtest.none"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_key(app, pilot, screen, "k")
        await press_keys(pilot, "h")
        await wait_until(lambda: screen.history.holds("k"), pilot=pilot)
        screen.history.table.move_cursor(row=1)
        for key, what in (
            ("E", f"editing bucket {name}"),
            ("R", "reverting key k"),
            ("C", f"compacting bucket {name}"),
        ):
            app.last_refusal = ""
            await press_keys(pilot, key)
            await wait_until(lambda: what in app.last_refusal, pilot=pilot)
            assert isinstance(app.screen, KeyValueScreen)
    after = await JetStream(nc).stream_info(f"KV_{name}")
    assert after["config"] == before["config"] and after["state"]["last_seq"] == before["state"]["last_seq"]
    assert after["state"]["messages"] == before["state"]["messages"]

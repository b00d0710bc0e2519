"""Subscriptions in the user's hands (issue 19), against a real server: add, unsubscribe, drain,
stop after N, queue groups, step mode, --count, the responder, and subjects refused before sending."""

from __future__ import annotations

import asyncio
import json
import uuid

import nats
import pytest
from nats import errors as nats_errors

from natstui.client.session import confirm
from natstui.config import load_subscriptions
from natstui.model.subscriptions import ResponderSpec, SubSpec
from natstui.ui.screens.subscriptions import (
    FormDialog,
    LimitsForm,
    ResponderForm,
    SubscriptionForm,
    SubscriptionsScreen,
)
from tests.conftest import make_test_app, screen_text, send_sentinel, store_has, wait_connected, wait_until

SIZE = (140, 36)


def prefix() -> str:
    return "sb" + uuid.uuid4().hex[:8]


def notifications(app) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


def payloads(app, subject_prefix: str) -> list[bytes]:
    store = app.store
    return [
        r.data for r in store.range(store.first_seq, store.last_seq + 1) if r.msg.subject.startswith(subject_prefix)
    ]


def row_text(app, subject: str) -> str:
    """The Subscriptions view's row of ``subject``, as the screen shows it."""
    return next((line for line in screen_text(app).splitlines() if f" {subject} " in line + " "), "")


async def open_subscriptions(app, pilot) -> None:
    await pilot.press("s")
    await wait_until(lambda: isinstance(app.screen, SubscriptionsScreen) and app.screen.ready, pilot=pilot)


async def fill_form(app, pilot, form_type, **values: str) -> None:
    await wait_until(lambda: isinstance(app.screen, form_type), pilot=pilot)
    form = app.screen
    for name, value in values.items():
        form.query_one(f"#f-{name}").value = value
    await pilot.press("enter")


async def publish(nc, subject: str, *payloads_: bytes) -> None:
    for data in payloads_:
        await nc.publish(subject, data)
    await nc.flush()


async def test_adding_a_subscription_shows_its_messages_and_unsubscribing_stops_them(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await publish(nc, f"{p}.b.x", b"before")  # not subscribed yet
        await open_subscriptions(app, pilot)
        await pilot.press("a")
        await fill_form(app, pilot, SubscriptionForm, subject=f"{p}.b.>")
        await wait_until(lambda: len(app.feed.entries) == 2 and app.feed.entries[1].sub is not None, pilot=pilot)
        await wait_until(lambda: "active" in row_text(app, f"{p}.b.>"), pilot=pilot)
        await confirm(app.session.nc)
        await publish(nc, f"{p}.b.x", b"seen")
        await wait_until(lambda: payloads(app, f"{p}.b") == [b"seen"], pilot=pilot)
        await wait_until(
            lambda: f"{p}.b.>" in row_text(app, f"{p}.b.>") and " 1 " in row_text(app, f"{p}.b.>"), pilot=pilot
        )

        app.screen.query_one("#subs-table").move_cursor(row=1)
        await pilot.press("u")
        await wait_until(lambda: len(app.feed.entries) == 1, pilot=pilot)
        await wait_until(lambda: not row_text(app, f"{p}.b.>"), pilot=pilot)
        await publish(nc, f"{p}.b.x", b"after removal")
        await send_sentinel(nc, f"{p}.a.end", lambda data: store_has(app.store, data), pilot=pilot)
        assert payloads(app, f"{p}.b") == [b"seen"]  # nothing after the unsubscribe


async def test_a_queue_group_member_shares_the_messages_with_another_member(server_url, nc):
    p = prefix()
    other = await nc.subscribe(f"{p}.work", queue="workers")
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("a")
        await fill_form(app, pilot, SubscriptionForm, subject=f"{p}.work", queue="workers")
        await wait_until(lambda: "workers" in row_text(app, f"{p}.work"), pilot=pilot)
        await confirm(app.session.nc)
        await publish(nc, f"{p}.work", *[f"job-{i}".encode() for i in range(200)])
        mine = lambda: len(payloads(app, f"{p}.work"))  # noqa: E731
        await wait_until(lambda: mine() + other.pending_msgs == 200, pilot=pilot)
        assert 0 < mine() < 200 and 0 < other.pending_msgs < 200  # shared, not copied
        await send_sentinel(nc, f"{p}.ctl", lambda data: store_has(app.store, data), pilot=pilot)
        assert mine() + other.pending_msgs == 200
        entry = app.feed.entries[1]
        assert entry.spec.queue == "workers" and entry.delivered == mine()
    await other.unsubscribe()


async def test_stop_after_n_receives_exactly_n_then_shows_closed(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("a")
        await fill_form(app, pilot, SubscriptionForm, subject=f"{p}.n.*", max="5")
        await wait_until(lambda: "stops after 5 more" in row_text(app, f"{p}.n.*"), pilot=pilot)
        await confirm(app.session.nc)
        await publish(nc, f"{p}.n.x", *[f"m{i}".encode() for i in range(20)])
        await send_sentinel(nc, f"{p}.ctl", lambda data: store_has(app.store, data), pilot=pilot)
        assert payloads(app, f"{p}.n") == [f"m{i}".encode() for i in range(5)]
        await wait_until(lambda: "closed" in row_text(app, f"{p}.n.*"), pilot=pilot)


async def test_drain_takes_in_what_was_pending_then_closes(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>", f"{p}.z.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        # step mode holds the messages in the subscription: they are pending when the drain starts
        await pilot.press("n")
        await wait_until(lambda: app.feed.held, pilot=pilot)
        await publish(nc, f"{p}.a.x", *[f"d{i}".encode() for i in range(30)])
        await wait_until(lambda: len(payloads(app, f"{p}.a")) == 1, pilot=pilot)  # n took the first one
        entry = app.feed.entries[0]
        await wait_until(lambda: entry.pending_msgs == 29, pilot=pilot)
        await open_subscriptions(app, pilot)
        await wait_until(lambda: " 29/" in row_text(app, f"{p}.a.>"), pilot=pilot)  # shown as pending
        await pilot.press("d")
        await wait_until(lambda: "closed" in row_text(app, f"{p}.a.>"), pilot=pilot)
        assert payloads(app, f"{p}.a") == [f"d{i}".encode() for i in range(30)]  # all of them, in order
        assert entry.sub is not None and entry.sub._id not in app.session.nc._subs
        await publish(nc, f"{p}.a.x", b"after the drain")
        await pilot.press("escape")
        await pilot.press("space")  # resume the stream: the other subscription flows again
        await send_sentinel(nc, f"{p}.z.end", lambda data: store_has(app.store, data), pilot=pilot)
        assert len(payloads(app, f"{p}.a")) == 30


async def test_step_mode_takes_one_message_per_key_and_loses_none(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    burst = [f"s{i:03d}".encode() for i in range(300)]  # far more than the screen shows
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("space")  # paused
        await pilot.press("n")  # step mode: waits for the next message
        await wait_until(lambda: app.feed.held, pilot=pilot)
        await publish(nc, f"{p}.busy", *burst)
        await wait_until(lambda: payloads(app, p) == burst[:1], pilot=pilot)
        entry = app.feed.entries[0]
        await wait_until(lambda: entry.pending_msgs == 299, pilot=pilot)
        for taken in (2, 3, 4):
            await pilot.press("n")
            await wait_until(lambda: len(payloads(app, p)) == taken, pilot=pilot)
            assert entry.pending_msgs == 300 - taken
        await pilot.pause(0.1)
        assert payloads(app, p) == burst[:4] and len(app.view) == 4
        await wait_until(lambda: "s003" in screen_text(app), pilot=pilot)  # the stepped one is selected
        await wait_until(lambda: f"step mode on {p}.>: 296 pending" in screen_text(app), pilot=pilot)
        await pilot.press("space")  # resume: the 296 that waited flow in, in order
        await send_sentinel(nc, f"{p}.end", lambda data: store_has(app.store, data, last=400), pilot=pilot)
        assert payloads(app, f"{p}.busy") == burst
        assert app.session.total_dropped == 0 and not app.feed.held


async def test_step_mode_within_small_pending_limits_shows_the_drops(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        entry = app.feed.entries[0]
        app.feed.set_limits(entry, 10, 0)
        assert entry.sub._pending_queue.maxsize == 10
        await pilot.press("n")
        await wait_until(lambda: app.feed.held, pilot=pilot)
        await publish(nc, f"{p}.x", *[f"l{i}".encode() for i in range(50)])
        # each drop is counted by nats-py's error callback, one task each: the count grows a while
        await wait_until(lambda: app.feed.dropped_of(entry) > 0, pilot=pilot)
        await open_subscriptions(app, pilot)
        dropped = app.feed.dropped_of(entry)
        # the first message went to n; the queue filled to its limit and the rest were dropped (10 held,
        # or 9 when n took its message before the burst ended: both happen, by the scheduler's turns)
        await wait_until(lambda: entry.pending_msgs in (9, 10), pilot=pilot)
        await wait_until(lambda: f" {entry.pending_msgs}/10 " in row_text(app, f"{p}.>"), pilot=pilot)
        await wait_until(lambda: f" {app.feed.dropped_of(entry)} " in row_text(app, f"{p}.>"), pilot=pilot)
        assert app.feed.dropped_of(entry) >= dropped > 0
        # every message is accounted for once the last drop has been reported
        await wait_until(
            lambda: len(payloads(app, p)) + entry.pending_msgs + app.session.total_dropped == 50, pilot=pilot
        )


async def test_count_stops_the_live_stream_after_n_messages_in_all(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>", f"{p}.b.>"], count=7)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        for i in range(10):
            await nc.publish(f"{p}.a.x", f"a{i}".encode())
            await nc.publish(f"{p}.b.x", f"b{i}".encode())
        await nc.flush()
        await wait_until(lambda: app.feed.counted_out and not app.feed.subscriptions, pilot=pilot)
        await wait_until(lambda: "stopped after 7 messages (--count)" in screen_text(app), pilot=pilot)
        # nothing more: a subscriber that is not the app confirms the traffic was delivered
        probe = await nc.subscribe(f"{p}.a.end")
        await publish(nc, f"{p}.a.end", b"end")
        await probe.next_msg(timeout=5)
        await confirm(app.session.nc)
        assert app.store.total == 7


async def test_responder_answers_a_request_with_its_payload_headers_and_delay(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("o")
        await fill_form(
            app, pilot, ResponderForm, subject=f"{p}.svc.*", payload='{"ok": true}', headers="X-Stub: yes; X-B: 2"
        )
        await wait_until(lambda: "answering (0 answered)" in row_text(app, f"{p}.svc.*"), pilot=pilot)
        reply = await nc.request(f"{p}.svc.get", b"question", timeout=5)
        assert reply.data == b'{"ok": true}' and reply.headers == {"X-Stub": "yes", "X-B": "2"}
        await wait_until(lambda: "answering (1 answered)" in row_text(app, f"{p}.svc.*"), pilot=pilot)

        # echoed, after a delay of one second, with a service error
        await app.feed.add(
            SubSpec(f"{p}.slow"),
            ResponderSpec(f"{p}.slow", echo=True, delay=1.0, error="down for maintenance", error_code="503"),
        )
        try:
            await nc.request(f"{p}.slow", b"too soon", timeout=0.2)
            raise AssertionError("answered before its delay")
        except nats_errors.TimeoutError:
            pass
        reply = await nc.request(f"{p}.slow", b"echo me", headers={"X-Req": "1"}, timeout=5)
        assert reply.data == b"echo me"
        assert reply.headers == {
            "X-Req": "1",
            "Nats-Service-Error": "down for maintenance",
            "Nats-Service-Error-Code": "503",
        }
        await pilot.press("q")

    # removed when the app quits (once the server has seen its connection close: no responders)
    async def no_responders() -> bool:
        try:
            await nc.request(f"{p}.svc.get", b"anyone?", timeout=0.5)
        except nats_errors.NoRespondersError:
            return True
        except nats_errors.TimeoutError:
            return False  # the closing connection still had the interest
        raise AssertionError("still answered after the app quit")

    for _ in range(20):
        if await no_responders():
            break
    else:
        raise AssertionError("the responder outlived the app")


async def test_a_read_only_natstui_refuses_to_start_a_responder(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.ctl"], read_only=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("o")
        await wait_until(
            lambda: any("answering requests" in n and "read-only" in n for n in notifications(app)), pilot=pilot
        )
        assert not isinstance(app.screen, FormDialog) and len(app.feed.entries) == 1
        # the palette's entry is refused the same way
        app.last_refusal = ""
        from natstui.ui.screens.subscriptions import open_responder

        open_responder(app)
        assert "read-only" in app.last_refusal and not isinstance(app.screen, FormDialog)
        try:
            await nc.request(f"{p}.svc", b"anyone?", timeout=2)
            raise AssertionError("a read-only natstui answered")
        except nats_errors.NoRespondersError:
            pass


async def test_invalid_subjects_are_refused_with_the_reason_before_anything_is_sent(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        subs_before = set(app.session.nc._subs)
        sent_before = app.session.nc.stats["out_bytes"]
        await open_subscriptions(app, pilot)
        await pilot.press("a")
        for subject, reason in (
            ("orders new", "whitespace"),
            ("orders..new", "empty token"),
            (".orders", "empty token"),
            ("orders.>.new", "'>' may only be the last token"),
            ("orders.a*", "must be whole tokens"),
            ("", "empty"),
        ):
            await fill_form(app, pilot, SubscriptionForm, subject=subject)
            await wait_until(lambda: reason in screen_text(app), pilot=pilot)
            assert isinstance(app.screen, SubscriptionForm)
        await pilot.press("escape")
        assert set(app.session.nc._subs) == subs_before and len(app.feed.entries) == 1
        assert app.session.nc.stats["out_bytes"] == sent_before


async def test_a_subscription_the_server_refuses_says_so_on_its_row():
    from natstui.config import ConnectionSettings
    from natstui.demo.server import EmbeddedServer
    from tests.reliability.test_errors import LIMITED

    with EmbeddedServer(jetstream=False, config=LIMITED) as server:
        limited = ConnectionSettings(servers=[server.url], user="limited", password="pw-limited-4821")
        from natstui.cli import make_app
        from natstui.config import Settings

        app = make_app(Settings(connection=limited, subjects=["allowed.>"]))
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await open_subscriptions(app, pilot)
            await pilot.press("a")
            await fill_form(app, pilot, SubscriptionForm, subject="secret.>")
            await wait_until(lambda: "refused: permission denied" in row_text(app, "secret.>"), pilot=pilot)
            assert "active" in row_text(app, "allowed.>")
            await pilot.press("q")


async def test_saved_subscriptions_are_the_next_start_default(server_url, nc, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_connected(app, pilot)
        await app.feed.add(SubSpec(f"{p}.b.*", "grp", pending_msgs_limit=1000))
        await open_subscriptions(app, pilot)
        await pilot.press("w")
        await wait_until(lambda: any("Saved as the default" in n for n in notifications(app)), pilot=pilot)
    saved = load_subscriptions()
    assert saved == [SubSpec(f"{p}.a.>"), SubSpec(f"{p}.b.*", "grp", pending_msgs_limit=1000)]

    from natstui.cli import build_settings

    settings = build_settings([server_url], None, [], "", 1000, False)
    assert settings.subscriptions == saved
    app = make_test_app(server_url, subscriptions=settings.subscriptions)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        assert [(s.subject, s.queue) for s in app.feed.subscriptions] == [(f"{p}.a.>", ""), (f"{p}.b.*", "grp")]
        await publish(nc, f"{p}.b.x", b"from the saved one")
        await wait_until(lambda: payloads(app, f"{p}.b") == [b"from the saved one"], pilot=pilot)
    # given on the command line, --subject wins over the saved ones
    assert build_settings([server_url], None, ["x.>"], "", 1000, False).subscriptions == []
    # with --read-only a saved queue group is left out: natstui watches, taking no share
    read_only = build_settings([server_url], None, [], "", 1000, True)
    assert [(s.subject, s.queue) for s in read_only.subscriptions] == [(f"{p}.a.>", ""), (f"{p}.b.*", "")]


async def test_a_read_only_natstui_joins_no_queue_group(server_url, nc):
    """A queue group member takes a share of the group's messages from the others: --read-only refuses
    --queue at start, and the Subscriptions view's form refuses a queue group."""
    from natstui.cli import build_settings
    from natstui.config import ConfigError

    with pytest.raises(ConfigError, match="read-only"):
        build_settings([server_url], None, ["x.>"], "workers", 1000, True)
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("a")
        await fill_form(app, pilot, SubscriptionForm, subject=f"{p}.work", queue="workers")
        flat = lambda: "".join(screen_text(app).split())  # noqa: E731 (the reason wraps in the form)
        await wait_until(lambda: "notwith--read-only:aqueuegroup" in flat(), pilot=pilot)
        assert [s.subject for s in app.feed.subscriptions] == [f"{p}.a.>"]  # nothing subscribed


async def test_the_feed_on_its_own_steps_and_releases_in_order(server_url):
    """The client layer without the UI: hold, one step, release."""
    from natstui.client.feed import LiveFeed
    from natstui.client.session import Session
    from natstui.config import ConnectionSettings
    from natstui.model.store import RingStore

    p = prefix()
    session = Session(ConnectionSettings(servers=[server_url]))
    await session.connect()
    store = RingStore(1000)
    feed = LiveFeed(session, store, [f"{p}.>"])
    await feed.start()
    pub = await nats.connect(server_url)
    try:
        feed.hold()
        await publish(pub, f"{p}.x", *[f"r{i}".encode() for i in range(50)])
        entry = feed.entries[0]
        await wait_until(lambda: entry.pending_msgs == 50)
        assert store.total == 0
        assert feed.step(entry) and store.total == 1 and entry.pending_msgs == 49
        await feed.release()
        await send_sentinel(pub, f"{p}.end", lambda data: store_has(store, data))
        assert [r.data for r in store.range(1, 51)] == [f"r{i}".encode() for i in range(50)]
        await asyncio.sleep(0)
    finally:
        await pub.close()
        await feed.stop()
        await session.close()


async def test_resuming_while_n_still_waits_keeps_the_order(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("n")  # waits for a message that has not come
        await wait_until(lambda: app.feed.held, pilot=pilot)
        await pilot.press("space")  # resumed before anything arrived
        await wait_until(lambda: not app.feed.held and not app.view.paused, pilot=pilot)
        burst = [f"o{i:02d}".encode() for i in range(60)]
        await publish(nc, f"{p}.x", *burst)
        await send_sentinel(nc, f"{p}.end", lambda data: store_has(app.store, data), pilot=pilot)
        assert payloads(app, f"{p}.x") == burst


async def test_the_chosen_subscription_is_the_one_stepped_and_its_limits_change_in_place(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.a.>", f"{p}.b.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        table = app.screen.query_one("#subs-table")
        table.move_cursor(row=1)
        await pilot.press("enter")
        await wait_until(lambda: f"▶ {p}.b.>" in row_text(app, f"{p}.b.>"), pilot=pilot)
        await pilot.press("l")
        await fill_form(app, pilot, LimitsForm, msgs="1000", bytes="1MiB")
        second = app.feed.entries[1]
        await wait_until(lambda: " 0/1,000 " in row_text(app, f"{p}.b.>"), pilot=pilot)
        assert second.sub._pending_queue.maxsize == 1000 and second.sub._pending_bytes_limit == 1024**2
        assert " 0/256Ki " in row_text(app, f"{p}.a.>")  # the other one keeps its own

        await pilot.press("escape")
        await pilot.press("n")
        await wait_until(lambda: app.feed.held, pilot=pilot)
        await publish(nc, f"{p}.a.x", b"a1", b"a2")
        await publish(nc, f"{p}.b.x", b"b1", b"b2")
        await wait_until(lambda: payloads(app, p) == [b"b1"], pilot=pilot)  # from the chosen one only
        await pilot.press("N")  # now the first one
        await pilot.press("n")
        await wait_until(lambda: payloads(app, p) == [b"b1", b"a1"], pilot=pilot)
        await pilot.press("space")
        await wait_until(lambda: sorted(payloads(app, p)) == [b"a1", b"a2", b"b1", b"b2"], pilot=pilot)


async def test_a_responder_answers_with_a_compose_template_filled_for_each_request(server_url, nc):
    from natstui.model import templates

    p = prefix()
    templates.save(
        [templates.Template("stub-order", f"{p}.ignored", "X-Order: {{seq}}", '{"order": {{seq}}, "id": "{{uuid}}"}')]
    )
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("o")
        await wait_until(lambda: isinstance(app.screen, ResponderForm), pilot=pilot)
        app.screen.query_one("#f-mode").value = "template:stub-order"
        await fill_form(app, pilot, ResponderForm, subject=f"{p}.orders.get")
        await wait_until(lambda: "answering (0 answered)" in row_text(app, f"{p}.orders.get"), pilot=pilot)
        first = await nc.request(f"{p}.orders.get", b"", timeout=5)
        second = await nc.request(f"{p}.orders.get", b"", timeout=5)
        one, two = json.loads(first.data), json.loads(second.data)
        assert (one["order"], two["order"]) == (1, 2) and one["id"] != two["id"]  # filled at each answer
        assert first.headers == {"X-Order": "1"} and second.headers == {"X-Order": "2"}


async def test_at_80_columns_the_highlighted_subscription_shows_its_state_whole(server_url, nc):
    """The State column is cut at 80 columns; the line under the table gives the highlighted row whole."""
    p = prefix()
    app = make_test_app(server_url, [f"{p}.ctl"])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_connected(app, pilot)
        await open_subscriptions(app, pilot)
        await pilot.press("o")
        await fill_form(app, pilot, ResponderForm, subject=f"{p}.svc", payload="pong")
        await pilot.press("a")
        await fill_form(app, pilot, SubscriptionForm, subject=f"{p}.orders.*", max="5")
        screen = app.screen
        await wait_until(lambda: len(app.feed.entries) == 3, pilot=pilot)
        assert (await nc.request(f"{p}.svc", b"ping", timeout=5)).data == b"pong"

        screen.table.move_cursor(row=1)
        await wait_until(lambda: f"{p}.svc (responder): answering (1 answered)" in screen_text(app), pilot=pilot)
        screen.table.move_cursor(row=2)
        await wait_until(lambda: f"{p}.orders.*: active, stops after 5 more" in screen_text(app), pilot=pilot)
        await pilot.press("q")

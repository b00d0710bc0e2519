"""Requests paired with their replies: the model, and the Latency view against a real server."""

from __future__ import annotations

import asyncio

import nats

from natstui.model.latency import LatencyTracker, group_subject
from natstui.model.records import Record, StoredMsg
from natstui.ui.screens.latency import LatencyScreen
from tests.conftest import make_test_app, screen_text, send_sentinel, store_has, table_cells, wait_connected, wait_until


def rec(seq: int, t: float, subject: str, reply: str = "", data: bytes = b"x", headers=None) -> Record:
    return Record(seq, t, StoredMsg(subject, data, headers, reply))


def test_grouping_puts_ids_together_and_leaves_words():
    assert group_subject("api.users.42.get") == "api.users.*.get"
    assert group_subject("orders.3f2a9c1d7e6b.status") == "orders.*.status"
    assert group_subject("svc.6f1c2b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f") == "svc.*"
    assert group_subject("api.users.get") == "api.users.get"
    assert group_subject("inventory.stock.reserve") == "inventory.stock.reserve"


def test_pairs_out_of_order_replies_times_out_and_counts_no_responders():
    tracker = LatencyTracker(timeout=5.0, clock=lambda: 100.0)
    tracker.feed(
        [
            rec(1, 10.0, "api.users.1.get", "_INBOX.a.1"),
            rec(2, 10.1, "api.users.2.get", "_INBOX.a.2"),
            rec(3, 10.2, "api.users.3.get", "_INBOX.a.3"),
            rec(4, 10.25, "_INBOX.a.2"),  # the second answered first
            rec(5, 10.5, "_INBOX.a.1"),
            rec(6, 10.6, "api.ping", "_INBOX.b.1"),
            rec(7, 10.61, "_INBOX.b.1", data=b"", headers={"Status": "503"}),
        ]
    )
    users = tracker.groups["api.users.*.get"]
    assert (users.requests, users.answered, users.waiting) == (3, 2, 1)
    assert sorted(round(x, 3) for x in users.samples) == [0.15, 0.5]
    assert tracker.link(2).reply == 4 and tracker.link(4).request == 2
    assert tracker.link(1).reply == 5 and abs(tracker.link(5).latency - 0.5) < 1e-9
    assert tracker.groups["api.ping"].no_responders == 1 and tracker.link(6) is None
    assert tracker.expire(now=15.3) == 1  # request 3 (sent at 10.2) is past 5 s
    assert (users.unanswered, users.waiting) == (1, 0)
    tracker.feed([rec(8, 16.0, "_INBOX.a.3")])  # a late reply pairs with nothing
    assert users.answered == 2


async def test_latency_view_measures_a_slow_responder_and_counts_the_unanswered(server_url, nc):
    delay = 0.05
    answering = set()

    async def slow(msg):
        # request n waits delay + (7 - n) * 10 ms, in a task of its own: later requests are answered first
        n = int(msg.subject.rsplit(".", 1)[1]) - 1000

        async def answer():
            await asyncio.sleep(delay + (7 - n) * 0.01)
            await msg.respond(b"done")

        task = asyncio.ensure_future(answer())
        answering.add(task)
        task.add_done_callback(answering.discard)

    await nc.subscribe("lat.slow.*", cb=slow)

    async def silent(msg):
        pass

    await nc.subscribe("lat.never", cb=silent)  # interest, and no answer
    await nc.flush()
    requester = await nats.connect(server_url, name="latency-requester")
    app = make_test_app(server_url, ["lat.>", "_INBOX.>"])
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            tracker = app.monitor.latency
            tracker.timeout = 1.0
            # out of order: later requests answered first (each waits the same, sent concurrently)
            replies = await asyncio.gather(
                *(requester.request(f"lat.slow.{1000 + i}", b"q", timeout=5) for i in range(8))
            )
            assert all(r.data == b"done" for r in replies)
            for _ in range(3):
                try:
                    await requester.request("lat.never", b"q", timeout=0.2)
                except nats.errors.TimeoutError:
                    pass
            await send_sentinel(requester, "lat.sentinel", lambda data: store_has(app.store, data), pilot=pilot)
            await wait_until(
                lambda: tracker.groups.get("lat.never") and tracker.groups["lat.never"].unanswered == 3,
                pilot=pilot,
                timeout=10,
            )
            slow_group = tracker.groups["lat.slow.*"]
            assert (slow_group.requests, slow_group.answered, slow_group.unanswered) == (8, 8, 0)
            p50, _, _ = slow_group.percentiles()
            assert delay <= p50 < delay + 1.0  # at least the responder's delay
            assert tracker.groups["lat.never"].answered == 0
            # each reply paired with its own request: the latency is that request's own delay
            for link in {id(link): link for link in tracker.links.values()}.values():
                n = int(app.store.get(link.request).msg.subject.rsplit(".", 1)[1]) - 1000
                assert delay + (7 - n) * 0.01 <= link.latency < delay + (7 - n) * 0.01 + 0.5
            # the view
            app.action_show_view("latency")
            await wait_until(lambda: isinstance(app.screen, LatencyScreen) and app.screen.ready, pilot=pilot)
            await wait_until(lambda: "lat.slow.*" in screen_text(app), pilot=pilot)
            cells = table_cells(app.screen.table, "lat.slow.*")
            assert cells["Requests"] == "8" and cells["Answered"] == "8" and cells["p50"].endswith("ms")
            assert table_cells(app.screen.table, "lat.never")["Unanswered"] == "3"
            # J in the Live view: from a request to its reply
            app.action_show_view("live")
            await wait_until(lambda: app.screen.VIEW_NAME == "live", pilot=pilot)
            live = app.screen
            request_seq = next(s for s, link in tracker.links.items() if link.request == s)
            live.stream.following = False
            live.stream.select_index(live.stream.view.index_of(request_seq))
            await wait_until(lambda: "J jumps to the" in screen_text(app), pilot=pilot)
            await pilot.press("J")
            await wait_until(lambda: live.stream.cursor_seq == tracker.links[request_seq].reply, pilot=pilot)
            await wait_until(lambda: live.inspector.record.seq == tracker.links[request_seq].reply, pilot=pilot)
            assert "to the reply" in screen_text(app)
    finally:
        await requester.close()


async def test_latency_view_at_80_columns_keeps_subjects_and_the_timeout_readable(server_url, nc):
    """Two subjects that differ only at their end stay apart at 80x24, beside p50, p90 and p99, and
    the line above says after how long a request counts as unanswered."""
    subjects = ["lat80.accounts.ping.statz", "lat80.accounts.ping.connz"]

    async def answer(msg):
        await msg.respond(b"ok")

    for subject in subjects:
        await nc.subscribe(subject, cb=answer)
    await nc.flush()
    requester = await nats.connect(server_url, name="latency-80")
    app = make_test_app(server_url, ["lat80.>", "_INBOX.>"])
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            for subject in subjects:
                await requester.request(subject, b"q", timeout=5)
            tracker = app.monitor.latency
            await wait_until(
                lambda: all(tracker.groups.get(s) and tracker.groups[s].answered for s in subjects), pilot=pilot
            )
            app.action_show_view("latency")
            await wait_until(lambda: isinstance(app.screen, LatencyScreen) and app.screen.ready, pilot=pilot)
            await wait_until(lambda: all(s in screen_text(app) for s in subjects), pilot=pilot)
            text = screen_text(app)
            header = next(line for line in text.splitlines() if "Request subject" in line)
            assert all(label in header for label in ("p50", "p90", "p99", "Unanswered"))
            assert f"unanswered after {tracker.timeout:g}s" in " ".join(text.split())
    finally:
        await requester.close()


async def test_j_on_a_request_whose_reply_came_after_the_pause_says_space_shows_it(server_url, nc):
    answered = asyncio.Event()

    async def late(msg):
        await asyncio.sleep(0.3)
        await msg.respond(b"late")
        answered.set()

    await nc.subscribe("latpause.get", cb=late)
    await nc.flush()
    requester = await nats.connect(server_url, name="latency-pause")
    app = make_test_app(server_url, ["latpause.>", "_INBOX.>"])
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            live = app.screen
            pending = asyncio.ensure_future(requester.request("latpause.get", b"q", timeout=5))
            await wait_until(lambda: live.stream.view.index_of(app.store.last_seq) is not None, pilot=pilot)
            request_seq = app.store.last_seq
            await pilot.press("space")  # paused before the reply comes
            assert (await pending).data == b"late"
            tracker = app.monitor.latency
            await wait_until(lambda: tracker.link(request_seq) and tracker.link(request_seq).reply, pilot=pilot)
            live.stream.following = False
            live.stream.select_index(live.stream.view.index_of(request_seq))
            await pilot.press("J")
            await wait_until(
                lambda: any("space resumes and shows it" in n.message for n in app._notifications), pilot=pilot
            )
            await pilot.press("space")
            await pilot.press("J")
            await wait_until(lambda: live.stream.cursor_seq == tracker.link(request_seq).reply, pilot=pilot)
    finally:
        await requester.close()


async def test_a_reply_later_than_the_timeout_counts_as_unanswered(server_url, nc):
    """However soon after the timeout the view looks: a reply after it is late, not an answer."""

    async def slow(msg):
        await asyncio.sleep(0.4)
        await msg.respond(b"late")

    await nc.subscribe("latlate.get", cb=slow)
    await nc.flush()
    requester = await nats.connect(server_url, name="latency-late")
    app = make_test_app(server_url, ["latlate.>", "_INBOX.>"])
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            tracker = app.monitor.latency
            tracker.timeout = 0.1
            for _ in range(3):
                assert (await requester.request("latlate.get", b"q", timeout=5)).data == b"late"
            await send_sentinel(requester, "latlate.sentinel", lambda data: store_has(app.store, data), pilot=pilot)
            group = await wait_until(lambda: tracker.groups.get("latlate.get"), pilot=pilot)
            await wait_until(lambda: group.waiting == 0, pilot=pilot)
            assert (group.requests, group.answered, group.unanswered) == (3, 0, 3)
    finally:
        await requester.close()

"""The Live view in Pilot, receiving messages published over the wire to a real server."""

import json
import uuid

import nats

from natstui.ui.screens.filter import FilterScreen
from natstui.ui.screens.help import HelpScreen
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from natstui.ui.widgets.tree import SubjectTree
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 40)


def prefix() -> str:
    return "t" + uuid.uuid4().hex[:8]


def inspector_text(app) -> str:
    return screen_text(app)


async def test_messages_reach_stream_tree_status_and_inspector(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(
            f"{p}.orders.eu.created",
            json.dumps({"id": 7, "total": 12.5}).encode(),
            headers={"Nats-Msg-Id": "abc-1", "X-Tenant": "acme"},
        )
        await nc.publish(f"{p}.orders.us.paid", b"paid in full", reply="_INBOX.reply.1")
        await nc.publish(f"{p}.sensors.hq", b"\xff\x00\x01binary")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 3, pilot=pilot)
        await wait_until(lambda: "3 received" in screen_text(app), pilot=pilot)
        # the tree is brought up to date a few times a second
        await wait_until(lambda: f"{p} 3" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "● connected" in text
        assert f"{p}.orders.eu.c" in text  # stream row (subject column)
        assert "paid in full" in text  # payload preview
        assert "⟨bin⟩ ff 00 01" in text

        # select the first message: the inspector shows headers and pretty JSON
        stream = app.screen.query_one(MessageStream)
        stream.focus()
        await pilot.press("home")
        await wait_until(lambda: app.screen.query_one(Inspector).record is not None, pilot=pilot)
        text = screen_text(app)
        assert "Nats-Msg-Id" in text and "abc-1" in text and "X-Tenant" in text
        assert '"total": 12.5' in text
        assert "view: auto → json" in text

        # the second has a reply subject, marked in the row and shown in the inspector
        await pilot.press("down")
        await wait_until(lambda: "_INBOX.reply.1" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "view: auto → text" in text
        assert f"sid {app.feed.subscriptions[0]._id} on {p}.>" in text

        # v cycles the payload view: json, text, hex
        await pilot.press("v")
        await pilot.press("v")
        await pilot.press("v")
        await wait_until(lambda: "view: hex" in screen_text(app), pilot=pilot)
        assert "70 61 69 64 20 69 6e 20" in screen_text(app)


async def test_subject_tree_counts_expands_and_filters(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        for _i in range(4):
            await nc.publish(f"{p}.orders.eu.created", b"{}")
        for _i in range(2):
            await nc.publish(f"{p}.logs.api", b"log line")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 6, pilot=pilot)
        tree = app.screen.query_one(SubjectTree)
        await wait_until(lambda: f"{p} 6" in screen_text(app), pilot=pilot)
        tree.focus()
        await pilot.press("down", "right")  # onto our prefix, expand it
        await wait_until(lambda: "orders 4" in screen_text(app) and "logs 2" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert text.index("logs 2") < text.index("orders 4")  # sorted
        # select "orders": the stream shows only that subtree
        await pilot.press("down", "down", "enter")
        await wait_until(lambda: len(app.view) == 4, pilot=pilot)
        assert f"tree {p}.orders, {p}.orders.>" in screen_text(app)
        await nc.publish(f"{p}.logs.api", b"more")
        await nc.publish(f"{p}.orders.us.paid", b"more")
        await nc.flush()
        await wait_until(lambda: app.store.total == 8, pilot=pilot)
        await wait_until(lambda: len(app.view) == 5, pilot=pilot)
        # escape clears the filter
        app.screen.query_one(MessageStream).focus()
        await pilot.press("escape")
        await wait_until(lambda: len(app.view) == 8, pilot=pilot)


async def test_filter_dialog_by_wildcard_and_payload(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.a.x", b"alpha ERROR one")
        await nc.publish(f"{p}.b.x", b"beta error two")
        await nc.publish(f"{p}.a.y", b"gamma ok")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 3, pilot=pilot)
        await pilot.press("slash")
        await wait_until(lambda: isinstance(app.screen, FilterScreen), pilot=pilot)
        await pilot.press(*f"{p}.*.x")
        await pilot.press("tab")
        await pilot.press(*"error")
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, FilterScreen), pilot=pilot)
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)
        assert "filter: subject" in screen_text(app)
        # case-sensitive once the text has a capital letter; regex too
        await pilot.press("slash")
        await wait_until(lambda: isinstance(app.screen, FilterScreen), pilot=pilot)
        text_input = app.screen.query_one("#filter-text")
        text_input.value = "ERR(OR)"
        app.screen.query_one("#filter-regex").value = True
        await pilot.click("#filter-apply")
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        # an invalid pattern is refused in the dialog, with the reason
        await pilot.press("slash")
        await wait_until(lambda: isinstance(app.screen, FilterScreen), pilot=pilot)
        app.screen.query_one("#filter-subject").value = "a..b"
        await pilot.click("#filter-apply")
        await wait_until(lambda: "empty token" in screen_text(app), pilot=pilot)
        assert isinstance(app.screen, FilterScreen)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, FilterScreen), pilot=pilot)
        assert len(app.view) == 1


async def test_pause_freezes_display_while_counting_goes_on(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.x", b"1")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        await pilot.press("space")
        for _i in range(5):
            await nc.publish(f"{p}.x", b"more")
        await nc.flush()
        await wait_until(lambda: app.store.total == 6, pilot=pilot)
        await wait_until(lambda: "6 received" in screen_text(app), pilot=pilot)
        assert len(app.view) == 1
        text = screen_text(app)
        assert "PAUSED" in text and "5 waiting" in text
        await pilot.press("space")
        await wait_until(lambda: len(app.view) == 6, pilot=pilot)
        await wait_until(lambda: "PAUSED" not in screen_text(app), pilot=pilot)


async def test_follow_unless_scrolled_up_then_count_new(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_connected(app, pilot)
        for i in range(50):
            await nc.publish(f"{p}.n", f"msg-{i:03d}".encode())
        await nc.flush()
        await wait_until(lambda: len(app.view) == 50, pilot=pilot)
        await wait_until(lambda: "msg-049" in screen_text(app), pilot=pilot)  # following the tail
        stream = app.screen.query_one(MessageStream)
        stream.focus()
        await pilot.press("pageup", "pageup")
        await wait_until(lambda: not stream.following, pilot=pilot)
        for i in range(50, 60):
            await nc.publish(f"{p}.n", f"msg-{i:03d}".encode())
        await nc.flush()
        await wait_until(lambda: "10 new" in screen_text(app), pilot=pilot)
        assert "msg-059" not in screen_text(app)
        await pilot.press("f")
        await wait_until(lambda: "msg-059" in screen_text(app), pilot=pilot)
        assert stream.following


async def test_buffer_is_bounded(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"], buffer=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        for i in range(25):
            await nc.publish(f"{p}.n", f"m{i}".encode())
        await nc.flush()
        await wait_until(lambda: app.store.total == 25, pilot=pilot)
        await wait_until(lambda: len(app.view) == 10, pilot=pilot)
        assert app.view.record_at(0).data == b"m15"
        await wait_until(lambda: "25 received" in screen_text(app) and "10 messages" in screen_text(app), pilot=pilot)


async def test_hostile_message_is_shown_as_data(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.evil", b"[bold red]x[/] \x1b[2J\xff", headers={"X-Evil": "[/]"})
        await nc.publish(f"{p}.big", b"y" * (1024 * 1024))
        await nc.flush()
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)
        stream = app.screen.query_one(MessageStream)
        stream.focus()
        await pilot.press("home")
        await wait_until(lambda: "X-Evil" in screen_text(app), pilot=pilot)
        assert "view: auto → hex" in screen_text(app)  # invalid UTF-8
        await pilot.press("v", "v")  # the text view, with replacement characters
        await wait_until(lambda: "view: text" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "[bold red]x[/] \\e[2J\ufffd" in text  # literally: not styled, the escape shown, not run
        assert "\x1b" not in text
        await pilot.press("down")
        await wait_until(lambda: "showing the first 64.0 KiB of 1.0 MiB" in screen_text(app), pilot=pilot)


async def test_help_lists_every_key_and_palette_reaches_views(server_url):
    app = make_test_app(server_url, ["help.>"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_until(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)
        lines = [
            " ".join(line.translate({ord(c): " " for c in "│▕▏▁▂▃▄▅▆▇█"}).split())
            for line in screen_text(app).splitlines()
        ]
        for key, what in [
            ("space", "Pause"),
            ("/", "Filter"),
            ("v", "Payload view"),
            ("q", "Quit"),
            ("1", "Live"),
            ("2", "Streams"),
            ("r", "Reconnect"),
        ]:
            assert f"{key} {what}" in lines, (key, what)  # the key and what it does, on one line of the help
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, HelpScreen), pilot=pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Pause" in footer and "Filter" in footer and "Live" in footer and "Help" in footer
        # the palette reaches a view: type its name, enter, and that view is shown
        await pilot.press("ctrl+p")
        await wait_until(lambda: "🔎" in screen_text(app), pilot=pilot)
        await pilot.press(*"streams")
        await wait_until(lambda: "JetStream streams, their configuration" in screen_text(app), pilot=pilot)
        await pilot.press("enter")
        await wait_until(lambda: app.current_mode == "streams" and "in the account" in screen_text(app), pilot=pilot)


async def test_unreachable_server_shows_error_state_not_a_traceback():
    from natstui.demo.server import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    app = make_test_app(url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.session.state.value == "failed", pilot=pilot)
        await wait_until(lambda: "connection refused" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "● failed" in text and "Traceback" not in text
        assert "r reconnects" in text
        assert any("Press r to retry" in n.message for n in app._notifications)


async def test_r_reconnects_once_the_server_is_up():
    from natstui.demo.server import EmbeddedServer, free_port

    port = free_port()
    app = make_test_app(f"nats://127.0.0.1:{port}", ["back.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: app.session.state.value == "failed" and "r reconnects" in screen_text(app), pilot=pilot
        )
        with EmbeddedServer(port=port, jetstream=False) as server:
            await pilot.press("r")
            await wait_until(
                lambda: app.session.state.value == "connected" and "● connected" in screen_text(app) and app.feed.ready,
                pilot=pilot,
                timeout=20,
            )
            publisher = await nats.connect(server.url)
            try:
                await publisher.publish("back.online", b"after the reconnect")
                await publisher.flush()
                await wait_until(lambda: "after the reconnect" in screen_text(app), pilot=pilot)
            finally:
                await publisher.close()
            await pilot.exit(None)

"""Server errors appear in plain words in the UI, and the app goes on."""

from __future__ import annotations

import uuid

import nats
import pytest
from nats import errors as nats_errors
from textual.widgets import Input, Static, TextArea

from natstui.client.session import confirm, describe_error
from natstui.config import ConnectionSettings
from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.compose import ComposeScreen
from natstui.ui.screens.consumers import ConsumersScreen
from natstui.ui.screens.streams import StreamsScreen
from natstui.ui.screens.workbench import WorkbenchScreen
from tests.conftest import screen_text, send_sentinel, store_has, wait_connected, wait_until
from tests.reliability.helpers import SIZE, app_on, notifications, quit_app, status_line

LIMITED = (
    "authorization {\n"
    "  users: [\n"
    '    { user: limited, password: "pw-limited-4821",\n'
    '      permissions: { subscribe: { allow: ["allowed.>", "_INBOX.>"] }, publish: { allow: ["allowed.>"] } } }\n'
    '    { user: admin, password: "pw-admin-9313" }\n'
    "  ]\n"
    "}\n"
)


async def live_receives(app, pilot, nc, subject: str) -> None:
    """The Live view still takes in messages: the app went on."""
    before = app.store.total
    await nc.publish(subject, b"still here")
    await nc.flush()
    await wait_until(lambda: app.store.total == before + 1, pilot=pilot)
    await pilot.press("1")
    await wait_until(lambda: f"{before + 1} received" in status_line(app), pilot=pilot)


async def test_no_jetstream_says_so_in_the_streams_view():
    with EmbeddedServer(jetstream=False) as server:
        nc = await nats.connect(server.url)
        app = app_on([server.url], ["nojs.>"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("2")
            await wait_until(lambda: isinstance(app.screen, StreamsScreen) and app.screen.error, pilot=pilot)
            await pilot.pause(0.1)
            assert "JetStream is not enabled" in screen_text(app), screen_text(app).splitlines()[1]
            await pilot.press("3")
            await wait_until(
                lambda: (
                    isinstance(app.screen, ConsumersScreen)
                    and app.screen.query_one("#consumers-title").text.plain != "Consumers"
                ),
                pilot=pilot,
            )
            await pilot.pause(0.1)
            assert "JetStream is not enabled" in screen_text(app)
            await live_receives(app, pilot, nc, "nojs.after")
            await quit_app(pilot)
        await nc.close()


async def test_key_value_and_objects_say_jetstream_is_not_available_and_the_app_goes_on():
    with EmbeddedServer(jetstream=False) as server:
        nc = await nats.connect(server.url)
        app = app_on([server.url], ["nojs.>"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            for key in "45":
                await pilot.press(key)
                await wait_until(lambda: "JetStream is not available" in screen_text(app), timeout=10, pilot=pilot)
            await live_receives(app, pilot, nc, "nojs.after")
            await quit_app(pilot)
        await nc.close()


async def test_permission_denied_is_told_in_plain_words_and_allowed_subjects_work():
    with EmbeddedServer(jetstream=False, config=LIMITED) as server:
        admin = await nats.connect(server.url, user="admin", password="pw-admin-9313")
        limited = ConnectionSettings(servers=[server.url], user="limited", password="pw-limited-4821")
        app = app_on([], [">"], connection=limited)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            words = 'permission denied: this user may not subscribe to ">"'
            await wait_until(lambda: any(words in n for n in notifications(app)), pilot=pilot)
            await wait_until(lambda: words in screen_text(app), pilot=pilot)  # the notification, on screen
            assert "pw-limited-4821" not in screen_text(app)
            assert app.session.state.value == "connected" and "● connected" in status_line(app)
            assert app.feed.refused == [">"]  # known, for the views to say so
            await quit_app(pilot)

        # Started on what the user may see, it works.
        app = app_on([], ["allowed.>"], connection=limited)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            await admin.publish("allowed.orders", b"visible")
            await admin.publish("secret.orders", b"not for this user")
            await admin.flush()
            await wait_until(lambda: app.store.total == 1 and "visible" in screen_text(app), pilot=pilot)
            end = await send_sentinel(admin, "allowed.end", lambda data: store_has(app.store, data), pilot=pilot)
            assert [r.data for r in app.store.range(1, app.store.last_seq + 1)] == [b"visible", end]
            assert not any("permission" in n for n in notifications(app))
            assert app.feed.refused == []
            await quit_app(pilot)
        await admin.close()


async def test_stream_not_found_in_the_workbench_and_the_app_goes_on(server_url, nc):
    app = app_on([server_url], ["nope.>"], stream="NOPE", consumer="x")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_connected(app, pilot)
        await wait_until(lambda: isinstance(app.screen, WorkbenchScreen), pilot=pilot)
        words = "opening consumer x failed: stream not found"
        await wait_until(lambda: any(words in n for n in notifications(app)), pilot=pilot)
        await wait_until(lambda: words in screen_text(app), pilot=pilot)
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ConsumersScreen), pilot=pilot)
        await wait_until(lambda: "stream not found" in str(app.screen.query_one("#consumers-title").text), pilot=pilot)
        await live_receives(app, pilot, nc, "nope.after")
        await quit_app(pilot)


async def test_max_payload_no_responders_and_timeout_from_the_compose_screen():
    p = "e" + uuid.uuid4().hex[:8]
    with EmbeddedServer(jetstream=False, config="max_payload: 1024\n") as server:
        nc = await nats.connect(server.url)

        async def silent(msg):
            pass

        await nc.subscribe(f"{p}.silent", cb=silent)
        await confirm(nc)  # the subscription is on the server before anything is sent to it
        app = app_on([server.url], [f"{p}.live.>"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_connected(app, pilot)
            assert app.session.nc.max_payload == 1024
            await pilot.press("p")
            await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
            screen = app.screen

            def result() -> str:
                return str(screen.query_one("#compose-result", Static).content)

            screen.query_one("#compose-subject", Input).value = f"{p}.live.big"
            screen.query_one("#compose-payload", TextArea).text = "x" * 2000
            await pilot.press("ctrl+s")
            await wait_until(lambda: "payload too large for the server" in result(), pilot=pilot)
            assert result().startswith("✗ publish failed: payload too large for the server:")
            assert "nats:" not in result()
            # a payload that fits goes through, on the same connection
            screen.query_one("#compose-payload", TextArea).text = "x" * 900
            await pilot.press("ctrl+s")
            await wait_until(lambda: result().startswith("✓ Published"), pilot=pilot)
            await wait_until(lambda: app.store.total == 1, pilot=pilot)

            screen.query_one("#compose-subject", Input).value = f"{p}.nobody"
            screen.query_one("#compose-timeout", Input).value = "0.3"
            await pilot.press("ctrl+r")
            await wait_until(
                lambda: result() == "✗ request failed: no responders: nothing is subscribed to that subject",
                pilot=pilot,
            )
            screen.query_one("#compose-subject", Input).value = f"{p}.silent"
            await pilot.press("ctrl+r")
            await wait_until(lambda: result() == "✗ no reply within 0.3 s: timed out", pilot=pilot)
            await pilot.press("escape")
            await live_receives(app, pilot, nc, f"{p}.live.after")
            await quit_app(pilot)
        await nc.close()


async def test_every_error_message_is_plain_words_from_real_errors():
    """describe_error on errors a real server and nats-py raise: no 'nats:' prefix, no protocol codes, one line."""
    with EmbeddedServer(jetstream=False, config="max_payload: 512\n" + LIMITED) as server:
        seen = []

        async def on_error(exc):
            seen.append(exc)

        nc = await nats.connect(server.url, user="limited", password="pw-limited-4821", error_cb=on_error)
        texts = {}
        with pytest.raises(nats_errors.MaxPayloadError) as info:
            await nc.publish("allowed.x", b"x" * 600)
        texts["max payload"] = describe_error(info.value)
        with pytest.raises(nats_errors.NoRespondersError) as info:
            await nc.request("allowed.nobody", b"", timeout=2)
        texts["no responders"] = describe_error(info.value)
        await nc.subscribe("secret.>")
        await nc.publish("secret.x", b"")
        await confirm(nc)  # the subscription is on the server before anything is sent to it
        await wait_until(lambda: len(seen) >= 2)
        texts["permissions"] = " / ".join(describe_error(e) for e in seen)
        await nc.close()
        with pytest.raises(nats_errors.ConnectionClosedError) as info:
            await nc.publish("allowed.x", b"")
        texts["closed"] = describe_error(info.value)
    assert texts["max payload"] == (
        "payload too large for the server: the message is bigger than the largest it accepts (max_payload)"
    )
    assert texts["no responders"] == "no responders: nothing is subscribed to that subject"
    assert texts["permissions"] == (
        'permission denied: this user may not subscribe to "secret.>" / '
        'permission denied: this user may not publish to "secret.x"'
    )
    assert texts["closed"] == "the connection is closed"
    for text in texts.values():
        assert "nats:" not in text and "\n" not in text and "Error" not in text

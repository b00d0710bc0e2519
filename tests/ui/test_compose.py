"""The compose screen in Pilot: publish, request, reply and re-publish, over a real server."""

import asyncio
import json
import uuid

from textual.widgets import Input, Static, TextArea

from natstui.client.session import confirm
from natstui.ui.screens.compose import REPLY, REPUBLISH, ComposeScreen, open_request
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 44)


def prefix() -> str:
    return "c" + uuid.uuid4().hex[:8]


async def collect(nc, subject):
    got = []

    async def cb(msg):
        got.append(msg)

    await nc.subscribe(subject, cb=cb)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    return got


async def open_compose(app, pilot) -> ComposeScreen:
    await pilot.press("p")
    await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
    return app.screen


def result(screen: ComposeScreen) -> str:
    """The one-line result above the inspector (read from the widget: it wraps in the terminal)."""
    return str(screen.query_one("#compose-result", Static).content)


def fill(screen: ComposeScreen, subject=None, headers=None, payload=None, timeout=None) -> None:
    if subject is not None:
        screen.query_one("#compose-subject", Input).value = subject
    if headers is not None:
        screen.query_one("#compose-headers", TextArea).text = headers
    if payload is not None:
        screen.query_one("#compose-payload", TextArea).text = payload
    if timeout is not None:
        screen.query_one("#compose-timeout", Input).value = timeout


async def test_publish_from_the_compose_screen_with_headers(server_url, nc):
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await wait_until(lambda: "p Publish" in screen_text(app).splitlines()[-1], pilot=pilot)  # in the footer
        screen = await open_compose(app, pilot)
        fill(screen, subject=f"{p}.orders.")
        screen.query_one("#compose-subject", Input).cursor_position = len(f"{p}.orders.")
        await pilot.press(*"new")  # typed into the focused subject
        fill(screen, headers="Content-Type: application/json\nX-Tag: a\nX-Tag: b", payload='{"id": 7}')
        await wait_until(lambda: "✓ valid JSON" in screen_text(app), pilot=pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 1, pilot=pilot)
        msg = got[0]
        assert msg.subject == f"{p}.orders.new" and msg.data == b'{"id": 7}'
        assert msg.headers["Content-Type"] == "application/json" and msg.headers["X-Tag"] == "b"
        await wait_until(lambda: f"Published: 9 B to {p}.orders.new, 3 header(s)" in screen_text(app), pilot=pilot)
        # the live stream saw it too, and p reopens the same draft
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ComposeScreen), pilot=pilot)
        await wait_until(lambda: app.store.total == 1, pilot=pilot)
        screen = await open_compose(app, pilot)
        assert screen.query_one("#compose-subject", Input).value == f"{p}.orders.new"
        assert "X-Tag: b" in screen.query_one("#compose-headers", TextArea).text


async def test_subject_headers_and_json_are_checked_before_sending(server_url, nc):
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_compose(app, pilot)
        cases = [
            (dict(subject=f"{p}.a b"), "the subject contains whitespace"),
            (dict(subject=f"{p}..a"), "the subject has an empty token"),
            (dict(subject=f"{p}.*"), "the subject has the wildcard '*'"),
            (dict(subject=f"{p}.>"), "the subject has the wildcard '>'"),
            (dict(subject=f"{p}.ok", headers="Bad Header: x"), "not a valid header name"),
            (dict(subject=f"{p}.ok", headers="", payload='{"a": 1,'), "the payload looks like JSON but is not valid"),
        ]
        for values, problem in cases:
            fill(screen, **values)
            screen.last_error = ""
            await pilot.press("ctrl+s")
            await wait_until(lambda: problem in screen.last_error, pilot=pilot)
            # shown under the form or the payload (wrapped in the terminal, so read from the widget)
            where = "#compose-payload-note" if "payload" in problem else "#compose-problems"
            await wait_until(lambda: problem in str(screen.query_one(where, Static).content), pilot=pilot)
        fill(screen, subject=f"{p}.ok", payload='{"a": 1,')
        screen.last_error = ""
        await pilot.press("ctrl+r")  # a request is checked the same way
        await wait_until(lambda: "the payload looks like JSON" in screen.last_error, pilot=pilot)
        await app.session.nc.flush()
        await nc.flush()
        assert got == [] and app.store.total == 0


async def test_request_shows_the_reply_in_the_inspector(server_url, nc):
    p = prefix()

    async def responder(msg):
        await nc.publish(msg.reply, json.dumps({"echo": msg.data.decode()}).encode(), headers={"X-Served-By": "pytest"})

    await nc.subscribe(f"{p}.echo", cb=responder)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_compose(app, pilot)
        fill(screen, subject=f"{p}.echo", payload="hello")
        await pilot.press("ctrl+r")
        await wait_until(lambda: screen.last_reply is not None, pilot=pilot)
        await wait_until(lambda: "Round trip" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "✓ reply in" in text
        assert '"echo": "hello"' in text  # the reply's payload, as pretty JSON
        assert "X-Served-By" in text and "pytest" in text
        assert f"Request subject {p}.echo" in text


async def test_no_responders_and_timeout_are_shown_in_plain_words(server_url, nc):
    p = prefix()

    async def silent(msg):
        pass

    await nc.subscribe(f"{p}.silent", cb=silent)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_compose(app, pilot)
        fill(screen, subject=f"{p}x.nobody")  # outside the live stream's subscription
        await pilot.press("ctrl+r")
        words = "request failed: no responders: nothing is subscribed to that subject"
        await wait_until(lambda: result(screen) == f"✗ {words}", pilot=pilot)
        await wait_until(lambda: "Request failed" in screen_text(app), pilot=pilot)  # in the inspector
        assert "no responders: nothing is" in screen_text(app)
        assert any(words in n.message for n in app._notifications)
        fill(screen, subject=f"{p}.silent", timeout="0.3")
        await pilot.press("ctrl+r")
        await wait_until(
            lambda: result(screen).startswith(
                "✗ no reply within 0.3 s: timed out (natstui's live stream subscribes to this subject"
            ),
            pilot=pilot,
        )
        await wait_until(lambda: "no reply within 0.3 s: timed out" in screen_text(app), pilot=pilot)
        fill(screen, timeout="soon")
        await pilot.press("ctrl+r")
        await wait_until(lambda: "not sent: the timeout 'soon' is not a number" in result(screen), pilot=pilot)


async def select_message(app, pilot, index: int) -> None:
    stream = app.screen.query_one(MessageStream)
    stream.focus()
    await pilot.press("home")
    for _ in range(index):
        await pilot.press("down")
    await wait_until(lambda: stream.cursor_index == index, pilot=pilot)


async def test_reply_to_the_selected_message_reaches_the_requester(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.plain", b"nobody waits")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        request = asyncio.ensure_future(nc.request(f"{p}.question", b"what is six times seven?", timeout=10))
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)

        # a message without a reply subject: refused, with the reason
        await select_message(app, pilot, 0)
        await pilot.press("R")
        await wait_until(lambda: any("has no reply subject" in n.message for n in app._notifications), pilot=pilot)
        assert not isinstance(app.screen, ComposeScreen)

        await select_message(app, pilot, 1)
        await pilot.press("R")
        await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
        screen = app.screen
        assert screen.mode == REPLY
        assert screen.query_one("#compose-subject", Input).value == app.store.get(app.store.last_seq).reply
        assert not screen.query("#compose-request")  # a reply is published, not a request
        await pilot.press(*"42")  # the payload has the focus
        await pilot.press("ctrl+s")
        answer = await asyncio.wait_for(request, 10)
        assert answer.data == b"42"
        await wait_until(lambda: "Replied: 2 B" in screen_text(app), pilot=pilot)


async def test_republish_the_selected_message_with_its_headers_after_editing(server_url, nc):
    p = prefix()
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.orders", b'{"id": 1}', headers={"Nats-Msg-Id": "m-1", "X-Tenant": "acme"})
        await nc.publish(f"{p}.bin", b"\x00\xff\x1b[2J")
        await nc.publish(f"{p}.latin1", b"caf\xe9")  # not UTF-8, no control character
        await nc.publish(f"{p}.big", b"y" * 100_000)
        await nc.flush()
        await wait_until(lambda: len(app.view) == 4, pilot=pilot)
        got = await collect(nc, f"{p}.>")
        await select_message(app, pilot, 0)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
        screen = app.screen
        assert screen.mode == REPUBLISH
        assert screen.query_one("#compose-subject", Input).value == f"{p}.orders"
        assert screen.query_one("#compose-headers", TextArea).text == "Nats-Msg-Id: m-1\nX-Tenant: acme"
        fill(screen, payload='{"id": 2}')
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 1, pilot=pilot)
        assert got[0].subject == f"{p}.orders" and got[0].data == b'{"id": 2}'
        assert got[0].headers == {"Nats-Msg-Id": "m-1", "X-Tenant": "acme"}
        await pilot.press("escape")

        # binary, with an escape sequence: shown escaped, sent byte for byte
        await wait_until(lambda: not isinstance(app.screen, ComposeScreen), pilot=pilot)
        await select_message(app, pilot, 1)
        await pilot.press("e")
        await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
        assert "\x1b" not in app.screen.query_one("#compose-payload", TextArea).text
        await wait_until(lambda: "shown escaped, sent unchanged" in screen_text(app), pilot=pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 2, pilot=pilot)
        assert got[1].data == b"\x00\xff\x1b[2J"

        for index, data in ((2, b"caf\xe9"), (3, b"y" * 100_000)):
            await pilot.press("escape")
            await wait_until(lambda: not isinstance(app.screen, ComposeScreen), pilot=pilot)
            await select_message(app, pilot, index)
            await pilot.press("e")
            await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
            await pilot.press("ctrl+s")
            await wait_until(lambda: len(got) == index + 1, pilot=pilot)
            assert got[index].data == data
        assert "too large to edit here" in str(app.screen.query_one("#compose-payload-note", Static).content)


async def test_read_only_refuses_publish_request_reply_and_republish(server_url, nc):
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        request = asyncio.ensure_future(nc.request(f"{p}.question", b"?", timeout=10))
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        got.clear()  # the request itself

        await pilot.press("p")
        await wait_until(lambda: "Refused: publishing a message" in app.last_refusal, pilot=pilot)
        await select_message(app, pilot, 0)
        await pilot.press("R")
        await wait_until(lambda: "Refused: replying to" in app.last_refusal, pilot=pilot)
        await pilot.press("e")
        await wait_until(lambda: "Refused: re-publishing" in app.last_refusal, pilot=pilot)
        open_request(app, f"{p}.endpoint")  # the Services view's test request
        await wait_until(lambda: "Refused: sending a request" in app.last_refusal, pilot=pilot)
        assert not isinstance(app.screen, ComposeScreen)

        # even a compose screen opened some other way refuses to send
        app.last_refusal = ""
        screen = ComposeScreen()
        await app.push_screen(screen)
        fill(screen, subject=f"{p}.x", payload="nope")
        await pilot.press("ctrl+s")
        await wait_until(lambda: "Refused: publishing to" in app.last_refusal, pilot=pilot)
        await pilot.press("ctrl+r")
        await wait_until(lambda: "Refused: sending a request" in app.last_refusal, pilot=pilot)
        await wait_until(lambda: "refused: natstui runs with --read-only" in screen_text(app), pilot=pilot)
        assert screen.sent == 0

        out = app.session.nc.stats["out_msgs"]
        await app.session.nc.flush()
        await nc.flush()
        assert got == [] and out == 0  # the app's connection sent nothing at all
        request.cancel()

"""Compose's saved messages over a real server: history, templates with placeholders, the load test."""

import json
import uuid
from datetime import datetime

from textual.widgets import Button, Input, OptionList, Select, Static

from natstui.client.session import confirm
from natstui.model import history, templates
from natstui.ui.screens.compose import ComposeScreen
from natstui.ui.screens.saved import HistoryScreen, LoadTestScreen, TemplatesScreen
from tests.conftest import make_test_app, press_button, screen_text, wait_connected, wait_until
from tests.ui.test_compose import collect, fill, open_compose, result

SIZE = (160, 44)


def prefix() -> str:
    return "s" + uuid.uuid4().hex[:8]


async def sentinel_reached(nc, got, subject):
    """Everything sent before reaches ``got`` before this sentinel does."""
    await nc.publish(subject, b"sentinel")
    await nc.flush()


async def run_load(app, pilot, count: str, rate: str = "0", mode: str | None = None) -> LoadTestScreen:
    await pilot.press("ctrl+l")
    await wait_until(lambda: isinstance(app.screen, LoadTestScreen), pilot=pilot)
    screen = app.screen
    screen.query_one("#load-count", Input).value = count
    screen.query_one("#load-rate", Input).value = rate
    if mode:
        screen.query_one("#load-mode", Select).value = mode
    await press_button(pilot, "#load-start")
    await wait_until(lambda: screen.progress is not None and screen.progress.done, pilot=pilot, timeout=60)
    return screen


async def test_load_test_sends_exactly_n_with_placeholders_filled(server_url, nc, monkeypatch):
    monkeypatch.setenv("NATSTUI_TEST_TEAM", "blue")
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}x.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        fill(
            compose,
            subject=p + ".load.{{seq}}",
            headers="X-Run: {{uuid}}",
            payload='{"n": {{seq}}, "id": "{{uuid}}", "team": "{{env:NATSTUI_TEST_TEAM}}", "at": "{{now}}"}',
        )
        screen = await run_load(app, pilot, "300", rate="0")
        await wait_until(lambda: "Done: sent 300 of 300, errors 0" in screen_text(app), pilot=pilot)
        await sentinel_reached(nc, got, f"{p}.end")
        await wait_until(lambda: got and got[-1].subject == f"{p}.end", pilot=pilot)
        sent = got[:-1]
        assert len(sent) == 300  # exactly N, counted by a subscriber of our own
        assert [m.subject for m in sent] == [f"{p}.load.{i}" for i in range(1, 301)]
        bodies = [json.loads(m.data) for m in sent]
        assert [b["n"] for b in bodies] == list(range(1, 301))
        assert len({b["id"] for b in bodies}) == 300  # a new UUID for each message
        assert {b["team"] for b in bodies} == {"blue"}
        assert all(datetime.fromisoformat(b["at"].replace("Z", "+00:00")) for b in bodies)
        assert len({m.headers["X-Run"] for m in sent}) == 300
        assert screen.query_one("#load-bar").progress == 300
        # the run is kept in the history with its summary
        entries = history.load()
        assert entries[0].kind == "load" and "sent 300 of 300" in entries[0].note


async def test_load_test_requests_count_replies_and_latency(server_url, nc):
    p = prefix()
    served = []

    async def responder(msg):
        served.append(msg.data)
        await nc.publish(msg.reply, b"ok")

    await nc.subscribe(f"{p}.svc", cb=responder)
    await confirm(nc)
    app = make_test_app(server_url, [f"{p}x.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        fill(compose, subject=f"{p}.svc", payload="req {{seq}}")
        screen = await run_load(app, pilot, "40", rate="400", mode="request")
        text = str(screen.query_one("#load-summary", Static).content)
        assert "Done: sent 40 of 40, errors 0, replies 40, latency p50 " in text and ", p99 " in text
        assert sorted(served) == sorted(f"req {i}".encode() for i in range(1, 41))
        # a subject nobody serves: every request an error, said in words
        screen.query_one("#load-mode", Select).value = "request"
        screen.template.subject = f"{p}.nobody"
        await press_button(pilot, "#load-start")
        await wait_until(lambda: screen.progress.done and screen.progress.total == 40, pilot=pilot)
        await wait_until(lambda: "errors 40, replies 0" in str(screen.query_one("#load-summary", Static).content))
        assert "first error: no responders" in str(screen.query_one("#load-summary", Static).content)


async def test_load_test_is_refused_in_read_only(server_url, nc):
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}x.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = ComposeScreen()  # opened some other way than p (which is refused)
        await app.push_screen(compose)
        fill(compose, subject=f"{p}.load", payload="x")
        await pilot.press("ctrl+l")
        await wait_until(lambda: "Refused: a load test" in app.last_refusal, pilot=pilot)
        assert app.screen is compose
        screen = LoadTestScreen(templates.Template("", f"{p}.load", "", "x"))
        await app.push_screen(screen)
        await press_button(pilot, "#load-start")
        await wait_until(lambda: "refused: natstui runs with --read-only" in screen_text(app), pilot=pilot)
        assert screen.progress is None
    await sentinel_reached(nc, got, f"{p}.end")
    await wait_until(lambda: got)
    assert [m.subject for m in got] == [f"{p}.end"]  # nothing but the sentinel arrived


async def test_history_is_kept_across_restarts_searched_and_loaded(server_url, nc):
    p = prefix()

    async def responder(msg):
        await nc.publish(msg.reply, b'{"answer": 42}')

    await nc.subscribe(f"{p}.ask", cb=responder)
    await confirm(nc)
    app = make_test_app(server_url, [f"{p}x.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        fill(compose, subject=f"{p}.orders.created", headers="X-Tag: red", payload='{"order": "A-17"}')
        await pilot.press("ctrl+s")
        await wait_until(lambda: compose.sent == 1, pilot=pilot)
        fill(compose, subject=f"{p}.ask", headers="", payload="question")
        await pilot.press("ctrl+r")
        await wait_until(lambda: compose.sent == 2, pilot=pilot)

    app = make_test_app(server_url, [f"{p}x.>"])  # a new run of the app
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        await pilot.press("ctrl+o")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), pilot=pilot)
        screen = app.screen
        assert [e.subject for e in screen.shown] == [f"{p}.ask", f"{p}.orders.created"]  # newest first
        await wait_until(lambda: '"answer": 42' in screen_text(app), pilot=pilot)  # the reply, in the preview
        screen.query_one("#saved-search", Input).value = "a-17 red"
        await wait_until(lambda: screen.query_one(OptionList).option_count == 1, pilot=pilot)
        await wait_until(lambda: f"{p}.orders.created" in screen_text(app), pilot=pilot)
        await pilot.press("enter")
        await wait_until(lambda: app.screen is compose, pilot=pilot)
        assert compose.query_one("#compose-subject", Input).value == f"{p}.orders.created"
        assert compose._form_template().payload == '{"order": "A-17"}'
        assert compose._form_template().headers == "X-Tag: red"


async def test_templates_are_saved_to_a_file_loaded_and_filled_when_sent(server_url, nc):
    p = prefix()
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}x.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        fill(compose, subject=f"{p}.tick", headers="Id: {{uuid}}", payload="tick {{seq}} at {{now}}")
        await pilot.press("ctrl+t")
        await wait_until(lambda: isinstance(app.screen, TemplatesScreen), pilot=pilot)
        screen = app.screen
        await wait_until(lambda: "No templates yet" in screen_text(app), pilot=pilot)
        screen.query_one("#saved-search", Input).value = "ticker"
        await press_button(pilot, "#saved-save")
        await wait_until(lambda: "Saved template ticker" in str(screen.query_one("#saved-note", Static).content))
        saved = json.loads(templates.default_path().read_text())
        assert saved == [
            {"name": "ticker", "subject": f"{p}.tick", "headers": "Id: {{uuid}}", "payload": "tick {{seq}} at {{now}}"}
        ]
        await pilot.press("escape")
        await wait_until(lambda: app.screen is compose, pilot=pilot)
        fill(compose, subject="", headers="", payload="")
        await pilot.press("ctrl+t")
        await wait_until(lambda: isinstance(app.screen, TemplatesScreen), pilot=pilot)
        await wait_until(lambda: "holds placeholders" in screen_text(app), pilot=pilot)
        await pilot.press("enter")
        await wait_until(lambda: app.screen is compose, pilot=pilot)
        assert compose._form_template().payload == "tick {{seq}} at {{now}}"
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 2, pilot=pilot)
        assert [m.data.decode().split(" at ")[0] for m in got] == ["tick 1", "tick 2"]
        assert "{{" not in got[0].data.decode() and got[0].headers["Id"] != got[1].headers["Id"]
        # an unset variable is refused in words before anything is sent
        fill(compose, payload="{{env:NATSTUI_SURELY_UNSET}}")
        await pilot.press("ctrl+s")
        await wait_until(lambda: "NATSTUI_SURELY_UNSET" in result(compose) and "is not set" in result(compose))
        assert compose.query_one("#compose-publish", Button)  # still open, nothing sent
        await nc.flush()
        assert len(got) == 2


async def test_a_templates_file_that_does_not_parse_is_said_and_never_overwritten(server_url):
    path = templates.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[{"name": "kept", "subject": "a.b", }]')  # a hand edit with a stray comma
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        compose = await open_compose(app, pilot)
        fill(compose, subject="x.y", payload="p")
        await pilot.press("ctrl+t")
        await wait_until(lambda: isinstance(app.screen, TemplatesScreen), pilot=pilot)
        screen = app.screen
        await wait_until(lambda: "not valid JSON" in str(screen.query_one("#saved-note", Static).content))
        screen.query_one("#saved-search", Input).value = "new"
        await press_button(pilot, "#saved-save")
        await wait_until(lambda: "fix or move the file first" in str(screen.query_one("#saved-note", Static).content))
    assert path.read_text() == '[{"name": "kept", "subject": "a.b", }]'

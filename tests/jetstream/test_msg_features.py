"""The newer stream features (per-message TTL, schedules, counters, atomic batches) against a real server:
the stream form and detail, the inspector, and compose publishing with a TTL and a schedule."""

import json

from textual.widgets import DataTable, Input

from natstui.model.timefmt import format_datetime
from natstui.ui.screens.compose import ComposeScreen
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.screens.jetstream_forms import StreamCreateScreen
from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.widgets.compose_features import MessageFeatures
from tests.conftest import make_test_app, press_button, screen_text, wait_connected, wait_until
from tests.ui.test_compose import fill, result

SIZE = (170, 50)


def flat(app) -> str:
    return " ".join(screen_text(app).split())


async def create(js, name, **features):
    await js.create_stream(
        {"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory", "allow_direct": True, **features}
    )


async def js_publish(nc, subject, data=b"", headers=None) -> dict:
    answer = json.loads((await nc.request(subject, data, headers=headers, timeout=5)).data)
    assert "error" not in answer, answer
    return answer


async def test_create_form_enables_the_newer_features_and_the_detail_shows_them(server_url, nc, js, name):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2", "n")
        await wait_until(lambda: isinstance(app.screen, StreamCreateScreen), pilot=pilot)
        form = app.screen
        form.query_one("#f-name").value = name
        form.query_one("#f-subjects").value = f"{name.lower()}.>"
        for id in ("#f-allow-msg-ttl", "#f-allow-msg-schedules", "#f-allow-msg-counter", "#f-allow-atomic"):
            form.query_one(id).value = "yes"
        await press_button(pilot, "#form-submit")  # a counter stream cannot have TTLs: the server's words
        await wait_until(lambda: "the server refused: counter stream cannot use message TTLs" in flat(app), pilot=pilot)
        form.query_one("#f-allow-msg-counter").value = "no"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: not isinstance(app.screen, StreamCreateScreen), pilot=pilot)
        config = (await js.stream_info(name))["config"]
        assert config["allow_msg_ttl"] and config["allow_msg_schedules"] and config["allow_atomic"]
        assert not config.get("allow_msg_counter")
        # the detail of the stream says so
        await wait_until(lambda: name in screen_text(app), pilot=pilot)
        table = app.screen.query_one("#streams-table", DataTable)
        table.move_cursor(row=table.get_row_index(name))
        await wait_until(lambda: "Msg features TTL, schedules, atomic batch" in flat(app), pilot=pilot)


async def test_a_plain_stream_shows_the_features_off(server_url, nc, js, name):
    await create(js, name)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await wait_until(lambda: "Msg features none" in flat(app), pilot=pilot)


async def browse_to(app, pilot, name, seq):
    await pilot.press("2")
    await wait_until(lambda: name in screen_text(app), pilot=pilot)
    table = app.screen.query_one("#streams-table", DataTable)
    table.move_cursor(row=table.get_row_index(name))
    await wait_until(lambda: app.selected_stream == name, pilot=pilot)
    await pilot.press("enter")
    await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
    await jump(app, pilot, seq)


async def jump(app, pilot, seq):
    browser = app.screen
    await pilot.press("s")
    await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
    await pilot.press(*str(seq), "enter")
    await wait_until(lambda: app.screen is browser and browser.page and browser.page[0].seq == seq, pilot=pilot)
    await wait_until(lambda: f"Sequence {seq}" in flat(app), pilot=pilot)


async def test_inspector_shows_ttl_and_expiry_schedule_and_counter_total(server_url, nc, js, name):
    await create(js, name, allow_msg_ttl=True, allow_msg_schedules=True)
    counters = name + "C"
    await create(js, counters, allow_msg_counter=True)
    s = name.lower()
    await js_publish(nc, f"{s}.ttl", b"short-lived", {"Nats-TTL": "1h"})  # 1
    await js_publish(nc, f"{s}.sched", b"tick", {"Nats-Schedule": "@every 1h", "Nats-Schedule-Target": f"{s}.ticks"})
    await js_publish(nc, f"{s}.plain", b"nothing special")  # 3
    await js_publish(nc, f"{counters.lower()}.hits", headers={"Nats-Incr": "+5"})
    await js_publish(nc, f"{counters.lower()}.hits", headers={"Nats-Incr": "+8"})
    stored = (await js.read(name, 1, 1))[0]
    expires = format_datetime(stored.timestamp + 3600)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await browse_to(app, pilot, name, 1)
        await wait_until(lambda: "Message features" in screen_text(app), pilot=pilot)
        assert "TTL 1h" in flat(app)
        assert f"Expires {expires} (in 59m" in flat(app)  # from the stored timestamp
        assert "TTL 1h short-lived" in flat(app)  # marked in the list
        assert "⏲ @every 1h →" in flat(app)
        await jump(app, pilot, 2)
        await wait_until(lambda: "Schedule every 1h (@every 1h)" in flat(app), pilot=pilot)
        assert f"Delivers to {s}.ticks" in flat(app)
        await jump(app, pilot, 3)
        assert "Message features" not in screen_text(app)  # nothing to say about a plain message
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, StreamMessagesScreen), pilot=pilot)
        await browse_to(app, pilot, counters, 2)
        await wait_until(lambda: "Counter total 13 (after this message)" in flat(app), pilot=pilot)
        assert "Counter added +8" in flat(app)


async def test_compose_publishes_with_a_ttl_and_a_schedule_and_says_when_the_stream_refuses(server_url, nc, js, name):
    await create(js, name, allow_msg_ttl=True, allow_msg_schedules=True)
    plain = name + "P"
    await create(js, plain)
    s, p = name.lower(), plain.lower()
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("p")
        await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
        compose = app.screen
        fill(compose, subject=f"{s}.session", payload="token")
        compose.query_one("#compose-ttl", Input).value = "2h"
        features = compose.query_one(MessageFeatures)
        # before sending, what the subject's stream allows
        await wait_until(lambda: features.note == f"the stream {name} stores {s}.session and allows a TTL", pilot=pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: f"stored in {name} as #1, expires in 2h" in result(compose), pilot=pilot)
        first = (await js.read(name, 1, 1))[0]
        assert first.headers["Nats-TTL"] == "2h" and first.data == b"token"

        compose.query_one("#compose-ttl", Input).value = ""
        compose.query_one("#compose-schedule", Input).value = "@every 30m"
        compose.query_one("#compose-schedule-target", Input).value = f"{s}.reminders"
        fill(compose, subject=f"{s}.schedules.reminder", payload="remember")
        await pilot.press("ctrl+s")
        await wait_until(lambda: f"scheduled every 30m to {s}.reminders" in result(compose), pilot=pilot)
        second = (await js.read(name, 2, 1))[0]
        assert second.headers["Nats-Schedule"] == "@every 30m"
        assert second.headers["Nats-Schedule-Target"] == f"{s}.reminders"

        # checked before sending: the target is the schedule's own subject
        compose.query_one("#compose-schedule-target", Input).value = f"{s}.schedules.reminder"
        await pilot.press("ctrl+s")
        await wait_until(lambda: "target must be another subject" in result(compose), pilot=pilot)
        compose.query_one("#compose-schedule", Input).value = ""
        compose.query_one("#compose-schedule-target", Input).value = ""
        compose.query_one("#compose-ttl", Input).value = "500ms"
        await pilot.press("ctrl+s")
        await wait_until(lambda: "the TTL must be at least 1 second" in result(compose), pilot=pilot)

        # a stream that does not allow them: the server's refusal, in words, and nothing stored
        compose.query_one("#compose-ttl", Input).value = "1h"
        fill(compose, subject=f"{p}.x")
        await wait_until(lambda: features.note == f"the stream {plain} does not allow per-message TTL", pilot=pilot)
        assert f"⚠ the stream {plain} does not allow per-message TTL" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_until(
            lambda: (
                f"not stored: the stream {plain} refused it: per-message TTL is disabled — the stream {plain} "
                "does not allow per-message TTL" in result(compose)
            ),
            pilot=pilot,
        )
        compose.query_one("#compose-ttl", Input).value = ""
        compose.query_one("#compose-schedule", Input).value = "@every 1h"
        compose.query_one("#compose-schedule-target", Input).value = f"{p}.y"
        await pilot.press("ctrl+s")
        await wait_until(lambda: "message schedules is disabled" in result(compose), pilot=pilot)
        assert f"the stream {plain} does not allow message schedules" in result(compose)
        # no stream at all
        compose.query_one("#compose-schedule", Input).value = ""
        compose.query_one("#compose-schedule-target", Input).value = ""
        compose.query_one("#compose-ttl", Input).value = "1h"
        fill(compose, subject="nostream.here")
        await wait_until(lambda: features.note.startswith("no stream stores nostream.here"), pilot=pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: "not stored: no stream stores nostream.here" in result(compose), pilot=pilot)
    assert (await js.stream_info(plain))["state"]["messages"] == 0
    assert (await js.stream_info(name))["state"]["messages"] == 2

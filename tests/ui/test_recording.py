"""Recordings: record the live stream, open it offline, replay it; bytes and headers survive."""

import json
import uuid

from natstui.cli import make_app
from natstui.client.replay import replay_file
from natstui.client.session import confirm
from natstui.config import ConnectionSettings, Settings
from natstui.model.recording import load
from natstui.model.store import RingStore
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 40)
BINARY = bytes(range(256))


async def publish_corpus(nc, p):
    await nc.publish(f"{p}.orders.eu", b'{"id": 1}', headers={"Nats-Msg-Id": "a1", "X-Tenant": "acme"})
    await nc.publish(f"{p}.bin", BINARY, reply="_INBOX.r1")
    await nc.publish(f"{p}.text", "naïve [bold]café[/] \x1b[2J".encode())
    await nc.flush()


async def test_record_open_and_replay_round_trip(server_url, nc, tmp_path):
    p = "rec" + uuid.uuid4().hex[:6]
    path = tmp_path / "rec.jsonl"
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await wait_until(lambda: app.screen.recorder is not None, pilot=pilot)
        await publish_corpus(nc, p)
        await wait_until(lambda: app.screen.recorder.count == 3, pilot=pilot)
        await wait_until(lambda: "● REC" in screen_text(app), pilot=pilot)
        await pilot.press("ctrl+s")
        await wait_until(lambda: app.screen.recorder is None, pilot=pilot)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["subject"] for line in lines] == [f"{p}.orders.eu", f"{p}.bin", f"{p}.text"]
    assert lines[0]["headers"] == {"Nats-Msg-Id": ["a1"], "X-Tenant": ["acme"]}
    assert lines[1]["reply"] == "_INBOX.r1"

    # open offline: same stream, tree and inspector, no server
    store = RingStore(100)
    assert load(str(path), store) == 3
    offline = make_app(Settings(read_only=True), store=store, connect=False, offline_label=str(path))
    async with offline.run_test(size=SIZE) as pilot:
        await wait_until(lambda: len(offline.view) == 3, pilot=pilot)
        await wait_until(lambda: f"{p} 3" in screen_text(offline), pilot=pilot)
        assert "● offline" in screen_text(offline) and str(path) in screen_text(offline)
        offline.screen.query_one(MessageStream).focus()
        await pilot.press("home")
        await wait_until(lambda: "X-Tenant" in screen_text(offline), pilot=pilot)
        await pilot.press("down")
        await wait_until(lambda: offline.screen.query_one(Inspector).record.data == BINARY, pilot=pilot)

    # replay under a prefix: the same bytes and headers arrive
    got = []

    async def collect(msg):
        got.append(msg)

    sub = await nc.subscribe(f"again.{p}.>", cb=collect)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    sent = await replay_file(ConnectionSettings(servers=[server_url]), str(path), prefix="again", rate=100)
    assert sent == 3
    await wait_until(lambda: len(got) == 3)
    assert [m.subject for m in got] == [f"again.{p}.orders.eu", f"again.{p}.bin", f"again.{p}.text"]
    assert got[0].headers == {"Nats-Msg-Id": "a1", "X-Tenant": "acme"}
    assert got[1].data == BINARY and got[2].data == "naïve [bold]café[/] \x1b[2J".encode()
    await sub.unsubscribe()


async def test_export_writes_what_the_filter_selects(server_url, nc, tmp_path):
    p = "exp" + uuid.uuid4().hex[:6]
    path = tmp_path / "export.jsonl"
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await publish_corpus(nc, p)
        await wait_until(lambda: len(app.view) == 3, pilot=pilot)
        from natstui.model.view import MessageFilter

        app.screen._apply(MessageFilter(subject=f"{p}.orders.*"))
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        await pilot.press("x")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await wait_until(lambda: path.exists() and path.read_text().count("\n") == 1, pilot=pilot)
    assert json.loads(path.read_text())["subject"] == f"{p}.orders.eu"


def test_cli_refuses_replay_in_read_only(tmp_path):
    from click.testing import CliRunner

    from natstui.cli import main

    path = tmp_path / "r.jsonl"
    path.write_text("")
    result = CliRunner().invoke(main, ["replay", str(path), "--read-only"])
    assert result.exit_code == 2 and "--read-only refuses" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = CliRunner().invoke(main, ["open", str(bad)])
    assert result.exit_code == 2 and "line 1: not a natstui recording line" in result.output

"""Decoders in the inspector, the diff with the previous message, and copying (OSC 52)."""

import sys
import uuid

import msgpack

from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 40)


async def test_decoder_rules_diff_and_copy(server_url, nc, tmp_path, monkeypatch):
    p = "dec" + uuid.uuid4().hex[:6]
    (tmp_path / "natstui").mkdir()
    (tmp_path / "natstui" / "config.toml").write_text(f"""
[[decoders]]
subject = "{p}.mp.>"
decoder = "msgpack"

[[decoders]]
subject = "{p}.cmd"
decoder = "command"
command = "{sys.executable} -c 'import sys; sys.stdout.write(sys.stdin.read()[::-1])'"
""")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.mp.sensor", msgpack.packb({"temp": 20.5, "unit": "C"}))
        await nc.publish(f"{p}.cmd", b"olleh")
        await nc.publish(f"{p}.doc", b'{"a": 1, "b": 2}')
        await nc.publish(f"{p}.doc", b'{"a": 1, "b": 3}')
        await nc.flush()
        await wait_until(lambda: len(app.view) == 4, pilot=pilot)
        app.screen.query_one(MessageStream).focus()
        await pilot.press("home")
        await wait_until(lambda: "view: auto → msgpack" in screen_text(app), pilot=pilot)
        assert '"temp": 20.5' in screen_text(app) and "decoded from MessagePack" in screen_text(app)
        await pilot.press("down")
        await wait_until(lambda: "hello" in screen_text(app) and "decoded by:" in screen_text(app), pilot=pilot)
        # the difference from the previous message on the same subject
        await pilot.press("end")
        await wait_until(lambda: app.screen.query_one(Inspector).record.seq == app.store.last_seq, pilot=pilot)
        await pilot.press("D")
        await wait_until(lambda: "view: auto → diff" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert '-  "b": 2' in text and '+  "b": 3' in text
        await pilot.press("D")
        await wait_until(lambda: "→ diff" not in screen_text(app), pilot=pilot)
        # copy payload and subject (OSC 52 through Textual's clipboard)
        await pilot.press("y")
        await wait_until(lambda: app.clipboard == '{"a": 1, "b": 3}', pilot=pilot)
        await pilot.press("Y")
        await wait_until(lambda: app.clipboard == f"{p}.doc", pilot=pilot)


async def test_bad_config_file_is_a_warning_not_a_crash(server_url, tmp_path, monkeypatch):
    (tmp_path / "natstui").mkdir()
    (tmp_path / "natstui" / "config.toml").write_text('[[decoders]]\nsubject = "a"\ndecoder = "xml"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: any("decoders ignored" in n.message for n in app._notifications), pilot=pilot)
        assert app.decoder_rules == []

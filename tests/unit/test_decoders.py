"""Decoders per subject pattern, each on real encoded data."""

import base64
import json
import shlex
import sys

import cbor2
import msgpack
import pytest

from natstui.decoders import DecoderError, Rule, decode, load_rules, parse_rules, rule_for, run_command
from natstui.model.subjects import SubjectPattern

CONFIG = f"""
[[decoders]]
subject = "telemetry.>"
decoder = "msgpack"

[[decoders]]
subject = "iot.*.cbor"
decoder = "cbor"

[[decoders]]
subject = "legacy.b64"
decoder = "base64"

[[decoders]]
subject = "shout.>"
decoder = "command"
command = "{sys.executable} -c 'import sys; sys.stdout.write(sys.stdin.read().upper())'"

[[decoders]]
subject = ">"
decoder = "hex"
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return load_rules(path)


def test_first_matching_pattern_wins(rules):
    assert rule_for(rules, "telemetry.a.b").decoder == "msgpack"
    assert rule_for(rules, "iot.x.cbor").decoder == "cbor"
    assert rule_for(rules, "iot.x.y.cbor").decoder == "hex"
    assert rule_for(rules, "legacy.b64").decoder == "base64"
    assert rule_for(rules, "anything").decoder == "hex"
    assert rule_for([], "x") is None


def test_msgpack_and_cbor_become_pretty_json(rules):
    value = {"id": 7, "temp": 21.5, "tags": ["a", "b"], "raw": b"\x00\x01"}
    m = decode(rule_for(rules, "telemetry.x"), msgpack.packb(value))
    assert m.mode == "json" and '"temp": 21.5' in m.text and '"$bytes": "0001"' in m.text
    assert m.note.startswith("decoded from MessagePack")
    c = decode(rule_for(rules, "iot.d1.cbor"), cbor2.dumps(value))
    assert c.mode == "json" and '"tags": [' in c.text and "CBOR" in c.note


def test_base64_then_auto(rules):
    r = decode(rule_for(rules, "legacy.b64"), base64.b64encode(json.dumps({"ok": True}).encode()))
    assert r.mode == "json" and '"ok": true' in r.text and "base64" in r.note


def test_command_gets_the_payload_on_stdin(rules):
    r = decode(rule_for(rules, "shout.x"), b"hello \x1b[2J")
    assert r.mode == "text" and r.text == "HELLO \\e[2J" and r.note.startswith("decoded by:")
    missing = run_command("no-such-decoder-command --x", b"x")
    assert "not found" in missing.note and missing.mode == "text"


def test_bad_data_falls_back_with_the_reason(rules):
    r = decode(rule_for(rules, "telemetry.x"), b"\xc1\xc1\xc1")
    assert "MessagePack" in r.note or "msgpack" in r.note
    assert r.mode == "hex"
    b = decode(rule_for(rules, "legacy.b64"), b"not base64!!")
    assert "not valid base64" in b.note


def test_bad_rules_are_named():
    with pytest.raises(DecoderError, match="decoders #1: decoder must be one of"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "xml"}]})
    with pytest.raises(DecoderError, match="decoders #2: subject"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "hex"}, {"subject": "a..b", "decoder": "hex"}]})
    with pytest.raises(DecoderError, match="needs 'command'"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "command"}]})
    assert Rule(SubjectPattern("a.*"), "json").matches("a.b")


def test_a_decoder_command_that_hangs_is_stopped_at_the_timeout(monkeypatch, tmp_path):
    """The command is killed at the timeout and the payload is shown undecoded, with the reason."""
    import os

    from natstui import decoders

    monkeypatch.setattr(decoders, "COMMAND_TIMEOUT", 0.5)
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    rendered = run_command(f"{sys.executable} -c {shlex.quote(script)}", b'{"a": 1}')
    assert rendered.note.startswith("decoder command timed out after 0.5s")
    assert '"a": 1' in rendered.text  # the payload itself, as the JSON view shows it
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)  # subprocess.run kills and reaps it: no such process any more
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive, "the hanging decoder is still running"

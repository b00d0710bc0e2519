"""Decoding and escaping of hostile payloads."""

import json

from rich.console import Console
from rich.text import Text

from natstui.model.decode import HEX_LIMIT, TEXT_LIMIT, hex_dump, preview, render_payload
from natstui.model.sanitize import escape_block, escape_line, is_safe, redact, redact_url


def rendered_on_terminal(s: str) -> str:
    console = Console(width=200, color_system="truecolor", force_terminal=True, record=True)
    console.print(Text(s))
    return console.export_text()


def test_markup_is_data_not_style():
    for payload in (b"[/]", b"[bold red]x", b"[link=http://x]y[/link]"):
        r = render_payload(payload)
        assert r.mode == "text"
        assert r.text == payload.decode()
        assert payload.decode() in rendered_on_terminal(r.text)


def test_ansi_escapes_are_shown_escaped():
    r = render_payload(b"\x1b[2J\x1b[31mred\x07")
    assert "\x1b" not in r.text and "\x07" not in r.text
    assert r.text == "\\e[2J\\e[31mred\\x07"
    assert preview(b"\x1b[2Jhi\nthere") == "\\e[2Jhi\\nthere"


def test_invalid_utf8_falls_back_to_hex():
    r = render_payload(b"\xff\xfe\x00abc")
    assert r.mode == "hex"
    assert r.text.startswith("00000000  ff fe 00 61 62 63")
    assert r.text.endswith("...abc")
    assert preview(b"\xff\xfe\x00abc").startswith("⟨bin⟩ ff fe 00")


def test_forced_text_view_of_binary_uses_replacement_characters():
    r = render_payload(b"ok\xffok", "text")
    assert r.mode == "text" and "\ufffd" in r.text and "not valid UTF-8" in r.note


def test_json_is_pretty_printed_and_escaped():
    r = render_payload(json.dumps({"a": [1, 2], "b": "\u202eevil", "c": "[bold]x"}).encode())
    assert r.mode == "json"
    assert '"a": [\n    1,' in r.text
    assert "\u202e" not in r.text and "\\u202e" in r.text
    assert "[bold]x" in r.text


def test_scalar_json_reads_as_text_in_auto_but_parses_when_asked():
    assert render_payload(b"21.5").mode == "text"
    assert render_payload(b"21.5", "json").mode == "json"
    assert render_payload(b"not json", "json").note.startswith("not JSON")


def test_deeply_nested_json_does_not_crash():
    deep = b"[" * 100_000 + b"]" * 100_000
    r = render_payload(deep)
    assert r.mode == "text"
    assert "showing the first" in r.note


def test_one_megabyte_payload_is_cut_with_a_note():
    big = b"x" * (1024 * 1024)
    r = render_payload(big)
    assert r.mode == "text"
    assert len(r.text) == TEXT_LIMIT
    assert "showing the first 64.0 KiB of 1.0 MiB" in r.note
    h = render_payload(big, "hex")
    assert h.mode == "hex" and h.text.count("\n") == HEX_LIMIT // 16 - 1
    assert "of 1.0 MiB" in h.note
    big_json = json.dumps([{"k": i} for i in range(60_000)]).encode()
    j = render_payload(big_json)
    assert j.mode == "json" and "formatted JSON" in j.note


def test_utf8_character_cut_at_the_limit_is_still_text():
    data = "é".encode() * (TEXT_LIMIT * 3)
    assert render_payload(data).mode == "text"


def test_empty_payload():
    assert render_payload(b"").mode == "empty"
    assert preview(b"") == ""


def test_hex_dump_layout():
    assert hex_dump(b"ABC\x00") == "00000000  41 42 43 00" + " " * 36 + "  ABC."


def test_escape_helpers():
    assert escape_line("a\tb\nc\x00\x9b\u2028") == "a\\tb\\nc\\0\\x9b\\u2028"
    assert escape_block("a\tb\r\nc\x1b") == "a\tb\nc\\e"
    assert is_safe("plain text ✓") and not is_safe("a\x1bb")


def test_redaction():
    assert redact_url("nats://alice:s3cret@host:4222") == "nats://host:4222"
    assert redact_url("nats://host:4222") == "nats://host:4222"
    assert redact("failed for s3cret at tls://bob:pw@h:1", ["s3cret"]) == "failed for *** at tls://***@h:1"

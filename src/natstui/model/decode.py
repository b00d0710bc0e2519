"""Turn payload bytes into text to show: JSON, UTF-8 text or a hex dump.

Everything returned is plain, escaped text (see ``sanitize``); rendering
is capped so a megabyte payload costs no more than its first part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from natstui.model.sanitize import escape_block, escape_line

VIEW_MODES = ("auto", "json", "text", "hex")

TEXT_LIMIT = 64 * 1024  # characters of text or pretty JSON shown
HEX_LIMIT = 4 * 1024  # bytes shown as a hex dump
JSON_PARSE_LIMIT = 4 * 1024 * 1024  # payloads above this are not parsed
PREVIEW_BYTES = 240

_JSON_START = frozenset(b'{["-0123456789tfn')
_JSON_DOC_START = frozenset(b"{[")


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n_f = n / 1024
        if n_f < 1024 or unit == "GiB":
            return f"{n_f:.1f} {unit}"
        n = int(n_f)
    return f"{n} B"  # pragma: no cover


def try_json(data: bytes, documents_only: bool = False) -> tuple[bool, object]:
    """(True, value) when ``data`` parses as JSON.

    With ``documents_only``, only objects and arrays count: a payload of
    ``21.5`` or ``true`` reads better as text.
    """
    if not data or len(data) > JSON_PARSE_LIMIT:
        return False, None
    stripped = data.lstrip()
    if not stripped or stripped[0] not in (_JSON_DOC_START if documents_only else _JSON_START):
        return False, None
    try:
        return True, json.loads(data)
    except (ValueError, RecursionError):
        return False, None


def try_text(data: bytes) -> str | None:
    """The payload as text when it is valid UTF-8 (checked on the part shown)."""
    head = data[: TEXT_LIMIT * 4]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of ``head`` is still text.
        if len(head) < len(data) and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8")
        return None


def hex_dump(data: bytes, limit: int = HEX_LIMIT, per_line: int = 16) -> str:
    lines = []
    width = per_line * 3 - 1
    for offset in range(0, min(len(data), limit), per_line):
        chunk = data[offset : offset + per_line]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<{width}}  {text}")
    return "\n".join(lines)


def hex_per_line(width: int) -> int:
    """16 bytes a line when the hex dump fits in ``width`` cells, else 8."""
    return 16 if width >= 76 else 8


@dataclass
class Rendered:
    """What the inspector shows for a payload."""

    mode: str  # the view actually used: json, text or hex (or "empty")
    text: str  # escaped, markup-free
    note: str = ""  # what was cut or why another view was used


def render_payload(data: bytes, mode: str = "auto", width: int = 80) -> Rendered:
    if mode not in VIEW_MODES:
        raise ValueError(f"unknown view {mode!r}")
    size = len(data)
    if size == 0:
        return Rendered("empty", "", "empty payload")
    note = ""
    if mode in ("auto", "json"):
        ok, value = try_json(data, documents_only=mode == "auto")
        if ok:
            try:
                pretty = json.dumps(value, indent=2, ensure_ascii=False)
            except (ValueError, RecursionError):
                pretty = None
            if pretty is not None:
                text = escape_block(pretty[:TEXT_LIMIT])
                if len(pretty) > TEXT_LIMIT:
                    note = f"showing the first {human_size(TEXT_LIMIT)} of {human_size(len(pretty))} of formatted JSON"
                return Rendered("json", text, note)
        if mode == "json":
            note = "not JSON" if size <= JSON_PARSE_LIMIT else f"too large to parse as JSON ({human_size(size)})"
    if mode in ("auto", "json", "text"):
        decoded = try_text(data)
        if decoded is not None:
            text = decoded
            cut = text[:TEXT_LIMIT]
            if len(cut) < len(text) or len(text.encode("utf-8")) < size:
                note = _join(note, f"showing the first {human_size(len(cut.encode('utf-8')))} of {human_size(size)}")
            return Rendered("text", escape_block(cut), note)
        if mode == "text":
            note = "not valid UTF-8; shown with replacement characters"
            text = data[:TEXT_LIMIT].decode("utf-8", errors="replace")
            if size > TEXT_LIMIT:
                note = _join(note, f"showing the first {human_size(TEXT_LIMIT)} of {human_size(size)}")
            return Rendered("text", escape_block(text), note)
        note = _join(note, "not UTF-8 text") if mode == "json" else note
    dump = hex_dump(data, per_line=hex_per_line(width))
    if size > HEX_LIMIT:
        note = _join(note, f"showing the first {human_size(HEX_LIMIT)} of {human_size(size)}")
    return Rendered("hex", dump, note)


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def preview(data: bytes, limit: int = PREVIEW_BYTES) -> str:
    """One line for the stream: text with controls escaped, or hex for binary."""
    if not data:
        return ""
    head = data[:limit]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(data) > limit:
            text = head[: exc.start].decode("utf-8")
        else:
            return "⟨bin⟩ " + head[:48].hex(" ")
    return escape_line(text)

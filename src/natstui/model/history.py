"""What compose published and requested, kept across runs and searchable.

Plain Python: no nats-py, no Textual. One JSON object per line in
``~/.config/natstui/history.jsonl`` (next to ``config.toml``), appended as
messages are sent; the newest ``MAX_ENTRIES`` are kept. A payload is kept as
text when it is UTF-8 (base64 otherwise) and up to ``PAYLOAD_LIMIT`` bytes.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from natstui.files import write_atomically

FILE_NAME = "history.jsonl"
MAX_ENTRIES = 500
PAYLOAD_LIMIT = 64 * 1024


@dataclass
class Entry:
    kind: str  # publish, request, reply, republish
    subject: str
    headers: str  # "Name: value" per line, as compose edits them
    payload: str  # text, or base64 when ``binary``
    when: float  # seconds since the epoch
    binary: bool = False
    truncated: bool = False  # the payload was longer than PAYLOAD_LIMIT: its start is kept
    size: int = 0  # the payload's size as sent, in bytes
    reply: dict[str, Any] | None = field(default=None)  # subject, headers, payload, round_trip (s)
    error: str = ""  # a request that got no reply, or a publish the server refused
    note: str = ""  # e.g. a load test's summary

    def payload_bytes(self) -> bytes:
        return base64.b64decode(self.payload) if self.binary else self.payload.encode("utf-8")

    def text(self) -> str:
        """Everything that a search looks in, lowered."""
        parts = [self.kind, self.subject, self.headers, "" if self.binary else self.payload, self.error, self.note]
        if self.reply:
            parts += [str(self.reply.get("headers", "")), str(self.reply.get("payload", ""))]
        return "\n".join(parts).lower()


def default_path(env: Mapping[str, str] = os.environ) -> Path:
    from natstui.config import config_path

    return config_path(env).parent / FILE_NAME


def payload_fields(payload: bytes) -> dict[str, Any]:
    """``payload``, ``binary``, ``truncated`` and ``size`` for an entry (or a reply) from bytes."""
    kept = payload[:PAYLOAD_LIMIT]
    try:
        text, binary = kept.decode("utf-8"), False
    except UnicodeDecodeError:
        text, binary = base64.b64encode(kept).decode("ascii"), True
    return {"payload": text, "binary": binary, "truncated": len(payload) > PAYLOAD_LIMIT, "size": len(payload)}


def make_entry(
    kind: str,
    subject: str,
    headers: str,
    payload: bytes,
    when: float,
    reply: dict[str, Any] | None = None,
    error: str = "",
) -> Entry:
    return Entry(
        kind=kind, subject=subject, headers=headers, when=when, reply=reply, error=error, **payload_fields(payload)
    )


def reply_fields(subject: str, headers: dict[str, Any] | None, payload: bytes, round_trip: float) -> dict[str, Any]:
    lines = []
    for name, value in (headers or {}).items():
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"{name}: {v}")
    fields = payload_fields(payload)
    if fields["binary"]:
        fields["payload"] = ""  # a binary reply is described by its size only
    return {"subject": subject, "headers": "\n".join(lines), "round_trip": round_trip, **fields}


def load(path: Path | None = None) -> list[Entry]:
    """The entries, newest first; a line that does not parse is skipped (a crash while writing).

    The file is cut back to the newest MAX_ENTRIES here, once it has grown past half as many again.
    """
    path = path or default_path()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    if len(lines) > MAX_ENTRIES * 3 // 2:
        lines = lines[-MAX_ENTRIES:]
        try:
            write_atomically(path, "\n".join(lines) + "\n")
        except OSError:
            pass  # read-only directory: kept as it is, read all the same
    out: list[Entry] = []
    names = set(Entry.__dataclass_fields__)
    for line in lines:
        try:
            item = json.loads(line)
            out.append(Entry(**{k: v for k, v in item.items() if k in names}))
        except (ValueError, TypeError):
            continue
    out.reverse()
    return out[:MAX_ENTRIES]


def append(entry: Entry, path: Path | None = None) -> None:
    """Add an entry at the end of the file."""
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")


def search(entries: list[Entry], query: str) -> list[Entry]:
    """Entries holding every word of ``query`` (case-insensitive) in their subject, headers, payload or reply."""
    words = query.lower().split()
    if not words:
        return list(entries)
    return [e for e in entries if all(w in e.text() for w in words)]

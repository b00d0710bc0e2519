"""Recordings: messages as JSON Lines, one object per message, and back.

Each line: ``subject``, ``reply``, ``headers`` (name -> list of values),
``payload`` (base64), ``received`` (RFC 3339, UTC) and, for JetStream
deliveries, ``jetstream`` (stream, consumer, sequences, delivered, pending,
timestamp, domain). A recording opens offline with the same views.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import IO, Any

from natstui.model.records import Record, StoredMsg
from natstui.model.store import RingStore
from natstui.model.timefmt import format_datetime, parse_server_time

FORMAT = "natstui-recording/1"


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _headers_out(headers: dict[str, Any] | None) -> dict[str, list[str]] | None:
    if not headers:
        return None
    out: dict[str, list[str]] = {}
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        out[str(name)] = [str(v) for v in values]
    return out


def to_line(record: Record) -> str:
    msg = record.msg
    line: dict[str, Any] = {
        "subject": msg.subject,
        "reply": msg.reply or "",
        "headers": _headers_out(msg.headers),
        "payload": base64.b64encode(msg.data or b"").decode("ascii"),
        "received": _rfc3339(record.time),
    }
    meta = record.js_metadata()
    if meta is not None:
        line["jetstream"] = {
            "stream": meta.stream,
            "consumer": meta.consumer,
            "stream_seq": meta.sequence.stream,
            "consumer_seq": meta.sequence.consumer,
            "delivered": meta.num_delivered,
            "pending": meta.num_pending,
            "timestamp": meta.timestamp.isoformat() if meta.timestamp else None,
            "domain": meta.domain or "",
        }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def write(records: Iterable[Record], out: IO[str]) -> int:
    n = 0
    for record in records:
        out.write(to_line(record))
        out.write("\n")
        n += 1
    return n


class RecordingError(ValueError):
    pass


def parse_line(text: str, number: int = 0) -> tuple[float, StoredMsg, dict[str, Any] | None]:
    try:
        obj = json.loads(text)
        headers = obj.get("headers") or None
        if headers:
            # one value per name, as nats-py's Msg.headers holds them; repeated values joined
            headers = {
                k: (v[0] if len(v) == 1 else ", ".join(v)) if isinstance(v, list) else str(v)
                for k, v in headers.items()
            }
        msg = StoredMsg(
            str(obj["subject"]), base64.b64decode(obj.get("payload") or ""), headers, obj.get("reply") or ""
        )
        received = _parse_time(obj["received"]) if obj.get("received") else 0.0
        return received, msg, obj.get("jetstream")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordingError(f"line {number}: not a natstui recording line ({exc.__class__.__name__})") from None


def read(lines: Iterable[str]) -> Iterator[tuple[float, StoredMsg, dict[str, Any] | None]]:
    for number, text in enumerate(lines, 1):
        if text.strip():
            yield parse_line(text, number)


def _recorded_time(value: Any) -> str:
    moment = parse_server_time(str(value)) if value else None
    return format_datetime(moment) if moment else str(value or "—")


def js_section(js: dict[str, Any] | None) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """The JetStream fields of a recorded delivery, for the inspector."""
    if not js:
        return None
    return [
        (
            "JetStream (recorded)",
            [
                ("Stream", str(js.get("stream", ""))),
                ("Consumer", str(js.get("consumer", ""))),
                ("Stream seq", str(js.get("stream_seq", ""))),
                ("Consumer seq", str(js.get("consumer_seq", ""))),
                ("Delivered", f"{js.get('delivered', '')} time(s)"),
                ("Pending", str(js.get("pending", ""))),
                ("Timestamp", _recorded_time(js.get("timestamp"))),
                ("Domain", str(js.get("domain") or "—")),
            ],
        )
    ]


class Recorder:
    """Appends to a file what the live stream takes in (all of it, or what a filter lets through).

    ``flush`` is called on the UI's timer with whatever arrived since the last call.
    """

    def __init__(self, store: RingStore, path: str, match: Callable[[Record], bool] | None = None) -> None:
        self.store = store
        self.path = path
        self.match = match  # a callable(record) -> bool, or None for everything
        self.count = 0
        self.missed = 0  # evicted from the store before they could be written
        self._next = store.last_seq + 1
        self._out: IO[str] | None = open(path, "a", encoding="utf-8")

    def flush(self) -> int:
        if self._out is None:
            return 0
        store = self.store
        if self._next < store.first_seq:
            self.missed += store.first_seq - self._next
            self._next = store.first_seq
        records = store.range(self._next, store.last_seq + 1)
        if self.match is not None:
            records = (r for r in records if self.match(r))
        n = write(records, self._out)
        self._next = store.last_seq + 1
        self.count += n
        if n:
            self._out.flush()
        return n

    def close(self) -> None:
        if self._out is not None:
            self.flush()
            self._out.close()
            self._out = None

    @property
    def active(self) -> bool:
        return self._out is not None


def load(path: str, store: RingStore) -> int:
    """Fill ``store`` from a recording file (its clock is not used: times come from the file)."""
    n = 0
    with open(path, encoding="utf-8") as f:
        for received, msg, js in read(f):
            record = store.append(msg)
            record.time = received
            record.sections = js_section(js)
            n += 1
    return n


# the names other modules use (an export writes the same lines)
rfc3339 = _rfc3339
headers_out = _headers_out

"""Plain-Python state for the key-value and object store views: the key index, diffs, formats."""

from __future__ import annotations

import bisect
import difflib
import json
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from natstui.model.decode import hex_dump, human_size, try_json, try_text
from natstui.model.sanitize import escape_line
from natstui.model.timefmt import format_datetime

HIGHLIGHT_SECONDS = 3.0  # a live change stands out this long
DIFF_LIMIT = 256 * 1024  # bytes of each side compared


def fmt_time(ts: float | None) -> str:
    """Date and time to the second, in the zone times are shown in ('' when unknown)."""
    if not ts:
        return ""
    return format_datetime(ts, millis=False)


def fmt_ttl(seconds: float | None) -> str:
    if not seconds:
        return "—"
    total = int(round(seconds))
    if total < 1:
        return f"{seconds * 1000:.0f}ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts[:2])


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '2h', '7d', '1h30m' -> seconds; '' or '0' -> 0 (no expiry)."""
    text = text.strip().lower()
    if not text or text in ("0", "none", "-"):
        return 0.0
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    number = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 7d)")
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        total += float(number)
    if total < 0:
        raise ValueError("a duration cannot be negative")
    return total


def fmt_bytes(n: int | None) -> str:
    return human_size(n or 0)


class KeyIndex:
    """The keys of one listing, sorted, updated in batches.

    ``apply`` takes items with ``key``, ``revision``, ``op`` and ``live``
    (delivered after the initial listing). A key is shown while its latest
    operation is a put; a key deleted or purged while watched stays shown,
    marked, so the change can be seen; keys already deleted when listed are
    only counted.
    """

    def __init__(self, show_deleted: bool = False) -> None:
        self.show_deleted = show_deleted  # object stores mark deleted objects instead of hiding them
        self.entries: dict[str, Any] = {}
        self.keys: list[str] = []
        self._shown: set[str] = set()
        self.changed: dict[str, float] = {}  # key -> monotonic time of its latest live change
        self.live_changes = 0
        self.last_change: Any = None
        self._recent: deque[tuple[float, str]] = deque()  # live changes still highlighted
        self.version = 0  # bumped whenever ``keys`` changes

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def deleted_hidden(self) -> int:
        return len(self.entries) - len(self._shown)

    def apply(self, items: Iterable[Any], now: float | None = None) -> set[str]:
        """Take in a batch; returns the keys whose state changed."""
        now = time.monotonic() if now is None else now
        touched: set[str] = set()
        added: list[str] = []
        removed: list[str] = []
        for item in items:
            key = item.key
            old = self.entries.get(key)
            if old is not None and item.revision <= old.revision:
                continue
            self.entries[key] = item
            touched.add(key)
            if item.live:
                self.changed[key] = now
                self._recent.append((now, key))
                self.live_changes += 1
                self.last_change = item
            if item.op == "PUT" or self.show_deleted:
                if key not in self._shown:
                    self._shown.add(key)
                    added.append(key)
            elif key in self._shown and not item.live:
                self._shown.discard(key)
                removed.append(key)
        if removed:
            for key in removed:
                i = bisect.bisect_left(self.keys, key)
                if i < len(self.keys) and self.keys[i] == key:
                    del self.keys[i]
        if added:
            if len(added) < 32:
                for key in added:
                    bisect.insort(self.keys, key)
            else:
                self.keys.extend(added)
                self.keys.sort()  # Timsort merges the sorted list and the new run
        if added or removed:
            self.version += 1
        return touched

    def index_of(self, key: str | None) -> int | None:
        if key is None:
            return None
        i = bisect.bisect_left(self.keys, key)
        return i if i < len(self.keys) and self.keys[i] == key else None

    def nearest(self, key: str) -> int:
        """Where ``key`` is or would be (to keep the cursor near a key that went away)."""
        return min(bisect.bisect_left(self.keys, key), max(0, len(self.keys) - 1))

    def fresh(self, key: str, now: float | None = None) -> bool:
        at = self.changed.get(key)
        if at is None:
            return False
        return ((time.monotonic() if now is None else now) - at) < HIGHLIGHT_SECONDS

    def any_fresh(self, now: float | None = None) -> bool:
        """True while some live change is still highlighted (cheap: looks only at recent changes)."""
        now = time.monotonic() if now is None else now
        recent = self._recent
        while recent and now - recent[0][0] >= HIGHLIGHT_SECONDS:
            recent.popleft()
        return bool(recent)


# -- diff ---------------------------------------------------------------------------------------


def _as_lines(data: bytes) -> tuple[list[str], str]:
    """Lines to compare and how they were made: pretty JSON, text, or a hex dump."""
    head = data[:DIFF_LIMIT]
    ok, value = try_json(head, documents_only=True)
    if ok:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).splitlines(), "json"
    text = try_text(head)
    if text is not None:
        return text.splitlines(), "text"
    return hex_dump(head, limit=DIFF_LIMIT).splitlines(), "hex"


def line_diff(old: bytes, new: bytes, context: int = 3) -> tuple[list[tuple[str, str]], str]:
    """A unified diff of two values as (tag, line): tag is ' ', '-', '+' or '@'.

    JSON documents are compared pretty-printed with sorted keys, so a changed
    field is one line; binary values are compared as hex dumps. Lines are
    escaped (safe to show). Returns the rows and the form compared.
    """
    a, kind_a = _as_lines(old)
    b, kind_b = _as_lines(new)
    if kind_a != kind_b:  # e.g. JSON became text: compare as text where both are text
        if "hex" in (kind_a, kind_b):
            a, b, kind = (
                hex_dump(old[:DIFF_LIMIT], DIFF_LIMIT).splitlines(),
                hex_dump(new[:DIFF_LIMIT], DIFF_LIMIT).splitlines(),
                "hex",
            )
        else:
            a, b, kind = (
                (try_text(old[:DIFF_LIMIT]) or "").splitlines(),
                (try_text(new[:DIFF_LIMIT]) or "").splitlines(),
                "text",
            )
    else:
        kind = kind_a
    rows: list[tuple[str, str]] = []
    for i, line in enumerate(difflib.unified_diff(a, b, lineterm="", n=context)):
        if i < 2 and line.startswith(("---", "+++")):
            continue
        tag = "@" if line.startswith("@@") else line[:1] or " "
        rows.append((tag, escape_line(line if tag == "@" else line[1:])))
    return rows, kind

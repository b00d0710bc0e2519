"""One way to show and read times everywhere: local time by default, UTC as an option.

Rows show a clock (``HH:MM:SS.mmm``), details a full date and time
(``YYYY-MM-DD HH:MM:SS.mmm``); neither repeats the zone, which the status bar
shows once (:func:`zone_label`). Server timestamps (RFC 3339 with nanoseconds,
``Z`` or an offset) are read by :func:`parse_server_time`.
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta, timezone

When = float | datetime | None

_utc = False
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$")


def set_utc(utc: bool) -> None:
    """Show times in UTC (``--utc``, ``utc = true`` in config.toml) instead of local time."""
    global _utc
    _utc = bool(utc)


def use_utc() -> bool:
    return _utc


def _struct(ts: float) -> time.struct_time:
    return time.gmtime(ts) if _utc else time.localtime(ts)


def _split(when: When) -> tuple[int, int] | None:
    """Whole seconds since the epoch and milliseconds (cut, not rounded), without float error in the milliseconds."""
    if when is None:
        return None
    if isinstance(when, datetime):
        if when.tzinfo is None:  # naive: taken as local time, as Python does
            when = when.astimezone()
        return math.floor(when.timestamp()), when.microsecond // 1000
    ts = float(when)
    seconds = math.floor(ts)
    return seconds, min(999, int(round((ts - seconds) * 1000, 3)))


def format_clock(when: When) -> str:
    """``HH:MM:SS.mmm`` for rows ('—' when unknown)."""
    split = _split(when)
    if split is None:
        return "—"
    t = _struct(split[0])
    return f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{split[1]:03d}"


def format_datetime(when: When, millis: bool = True) -> str:
    """``YYYY-MM-DD HH:MM:SS.mmm`` (or to the second) for details ('—' when unknown)."""
    split = _split(when)
    if split is None:
        return "—"
    t = _struct(split[0])
    text = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{text}.{split[1]:03d}" if millis else text


def parse_server_time(value: str | None) -> datetime | None:
    """An RFC 3339 time as servers send it (``2026-12-04T16:02:37.795123456Z``, ``…+01:00``) to an aware datetime.

    Digits past microseconds are dropped; a time without a zone is UTC (servers
    speak UTC); Go's zero time and text that is not a time give None.
    """
    if not value:
        return None
    match = _ISO.match(value.strip())
    if not match:
        return None
    day, clock, frac, zone = match.groups()
    if clock.count(":") == 1:
        clock += ":00"
    text = f"{day}T{clock}" + (f".{(frac + '000000')[:6]}" if frac else "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.year <= 1:
        return None
    if not zone or zone in ("Z", "z"):
        return moment.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(sign * offset))


def parse_user_time(text: str, now: datetime | None = None) -> datetime:
    """What a user types to jump to a time: ``07:30[:15]`` (today), ``2026-11-28 07:30[:15]``,
    or ISO 8601 with a zone. Without a zone the time is in the zone times are shown in."""
    text = text.strip()
    zone = timezone.utc if _utc else None
    now = now or (datetime.now(timezone.utc) if _utc else datetime.now().astimezone())
    try:
        if len(text) <= 8 and ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) > 3:
                raise ValueError
            parts += [0] * (3 - len(parts))
            return now.replace(hour=parts[0], minute=parts[1], second=parts[2], microsecond=0)
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("a time is HH:MM[:SS] (today) or YYYY-MM-DD HH:MM[:SS]") from None
    if when.tzinfo:
        return when
    return when.replace(tzinfo=zone) if zone else when.astimezone()


def zone_name(ts: float | None = None) -> str:
    """``CET (UTC+01:00)``, or ``UTC``: the zone times are shown in."""
    if _utc:
        return "UTC"
    moment = datetime.fromtimestamp(time.time() if ts is None else ts).astimezone()
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    name = moment.tzname() or ""
    if minutes == 0 and name in ("UTC", "GMT", "Z", ""):
        return "UTC"
    if not name or name[0] in "+-" or name == text:
        return text
    return f"{name} ({text})"


def zone_label(short: bool = False) -> str:
    """For the status bar: ``times CET (UTC+01:00)``; ``short`` gives ``times CET``."""
    name = zone_name()
    return f"times {name.split(' (')[0] if short else name}"

"""The newer JetStream message features (nats-server 2.11 and 2.12): per-message TTL,
message schedules, counters and atomic batch publish.

Plain Python: no nats-py, no Textual. What a message's headers say about them
(for the inspector), what a stream's configuration enables (for the stream
detail), and a stream's refusal in words (for compose).

Headers:
- ``Nats-TTL: 30s`` (a Go duration, whole seconds, or ``never``): the message
  expires that long after it was stored; the stream needs ``allow_msg_ttl``.
- ``Nats-Schedule: @at 2026-12-05T10:00:00Z`` / ``@every 5m`` / a cron line with
  seconds, with ``Nats-Schedule-Target: SUBJECT`` (another subject of the same
  stream) and optionally ``Nats-Schedule-TTL``; the stream needs
  ``allow_msg_schedules``. A message a schedule produced carries
  ``Nats-Scheduler`` (the schedule's subject) and ``Nats-Schedule-Next``.
- ``Nats-Incr: +5`` adds to a counter subject; the stored message's body is
  ``{"val": "13"}``, the total after it. The stream needs ``allow_msg_counter``.
- ``Nats-Batch-Id``, ``Nats-Batch-Sequence``, ``Nats-Batch-Commit``: atomic batch
  publish; the stream needs ``allow_atomic``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from natstui.model.jetstream import format_duration
from natstui.model.timefmt import format_datetime

TTL = "Nats-TTL"
SCHEDULE = "Nats-Schedule"
SCHEDULE_TARGET = "Nats-Schedule-Target"
SCHEDULE_TTL = "Nats-Schedule-TTL"
SCHEDULER = "Nats-Scheduler"
SCHEDULE_NEXT = "Nats-Schedule-Next"
INCR = "Nats-Incr"
BATCH_ID = "Nats-Batch-Id"
BATCH_SEQ = "Nats-Batch-Sequence"
BATCH_COMMIT = "Nats-Batch-Commit"
# A publish with one of these asks the stream for a feature: compose waits for the stream's answer.
FEATURE_HEADERS = (TTL, SCHEDULE, INCR, BATCH_ID)

# (config field, what it enables, the server version that brought it)
STREAM_FEATURES = (
    ("allow_msg_ttl", "Per-message TTL", "2.11"),
    ("allow_msg_schedules", "Message schedules", "2.12"),
    ("allow_msg_counter", "Counters", "2.12"),
    ("allow_atomic", "Atomic batch publish", "2.12"),
)

_GO_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
NEVER = float("inf")


class FeatureError(ValueError):
    """A TTL or schedule typed in compose that the server would refuse; the message says why."""


def parse_ttl(text: str) -> float:
    """A per-message TTL in seconds (``NEVER`` for ``never``); FeatureError when the server would refuse it.

    The server takes a Go duration (``90s``, ``1h30m``) or whole seconds (``90``), at least 1 s, or ``never``.
    """
    value = text.strip()
    if value.lower() == "never":
        return NEVER
    if value.isdigit():
        seconds = float(value)
    elif _GO_DURATION.fullmatch(value):
        seconds = sum(float(n) * _UNITS[u] for n, u in _GO_PART.findall(value))
    else:
        raise FeatureError(f"the TTL {value!r} is not a duration: e.g. 30s, 5m, 1h30m, 90 (seconds) or never")
    if seconds < 1:
        raise FeatureError("the TTL must be at least 1 second (or never)")
    return seconds


def ttl_text(seconds: float) -> str:
    return "never expires" if seconds == NEVER else format_duration(seconds)


def check_schedule(schedule: str, target: str, subject: str) -> None:
    """FeatureError when a schedule typed in compose cannot be right (the server checks the rest)."""
    schedule = schedule.strip()
    if schedule.startswith("@at "):
        try:
            datetime.fromisoformat(schedule[4:].strip().replace("Z", "+00:00"))
        except ValueError:
            raise FeatureError("'@at' takes an RFC 3339 time, e.g. @at 2026-12-05T10:00:00Z") from None
    elif schedule.startswith("@every "):
        try:
            parse_ttl(schedule[7:])
        except FeatureError:
            raise FeatureError("'@every' takes a duration of at least 1 s, e.g. @every 5m") from None
    elif not (schedule.startswith("@") or len(schedule.split()) == 6):
        raise FeatureError(
            "a schedule is '@at 2026-12-05T10:00:00Z', '@every 5m', '@hourly'-like, "
            "or a cron line with seconds ('0 30 9 * * *')"
        )
    if not target.strip():
        raise FeatureError("a schedule needs a target: the subject its messages are delivered to")
    if target.strip() == subject:
        raise FeatureError("the schedule's target must be another subject than the schedule's own")


def schedule_text(schedule: str) -> str:
    """``@every 5m`` as "every 5 m"; other forms as written."""
    schedule = schedule.strip()
    if schedule.startswith("@every "):
        try:
            return f"every {format_duration(parse_ttl(schedule[7:]))}"
        except FeatureError:
            return schedule
    if schedule.startswith("@at "):
        when = _parse_time(schedule[4:].strip())
        return f"once, at {format_datetime(when)}" if when else schedule
    return schedule


def _parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _one(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    return str(value[-1] if isinstance(value, list) else value)


def message_rows(
    headers: dict[str, Any] | None,
    data: bytes,
    stored_at: datetime | float | None,
    now: float | None = None,
    approximate: bool = False,
) -> list[tuple[str, str]]:
    """(label, value) rows for a message's TTL, schedule, counter and batch; [] when it has none.

    ``stored_at`` is when the stream stored it (the expiry is counted from there);
    ``approximate``: the time is when it was received here, not the stored one.
    """
    if not headers:
        return []
    rows: list[tuple[str, str]] = []
    ttl = _one(headers, TTL)
    if ttl is not None:
        try:
            seconds = parse_ttl(ttl)
        except FeatureError:
            rows.append(("TTL", f"{ttl} (not a TTL the server takes)"))
        else:
            rows.append(("TTL", ttl_text(seconds)))
            if seconds != NEVER and stored_at is not None:
                start = stored_at.timestamp() if isinstance(stored_at, datetime) else float(stored_at)
                expires = start + seconds
                left = expires - (now if now is not None else datetime.now(timezone.utc).timestamp())
                when = ("≈ " if approximate else "") + format_datetime(expires)
                state = (
                    f"in {format_duration(float(max(1, round(left))))}"
                    if left > 0
                    else "expired: the server removes it"
                )
                rows.append(("Expires", f"{when} ({state})"))
    schedule = _one(headers, SCHEDULE)
    if schedule is not None:
        described = schedule_text(schedule)
        rows.append(("Schedule", f"{described} ({schedule})" if described != schedule else schedule))
        target = _one(headers, SCHEDULE_TARGET)
        rows.append(("Delivers to", target or "—"))
        schedule_ttl = _one(headers, SCHEDULE_TTL)
        if schedule_ttl:
            rows.append(("Delivered with TTL", schedule_ttl))
    scheduler = _one(headers, SCHEDULER)
    if scheduler is not None:
        rows.append(("Produced by schedule", scheduler))
        following = _one(headers, SCHEDULE_NEXT)
        if following:
            rows.append(("Next", "none (the schedule is done)" if following == "purge" else following))
    incr = _one(headers, INCR)
    if incr is not None:
        rows.append(("Counter added", incr))
        total = counter_value(data)
        rows.append(("Counter total", f"{total} (after this message)" if total is not None else "—"))
    batch = _one(headers, BATCH_ID)
    if batch is not None:
        part = _one(headers, BATCH_SEQ) or "?"
        commit = " (commit)" if _one(headers, BATCH_COMMIT) else ""
        rows.append(("Atomic batch", f"{batch}, message {part}{commit}"))
    return rows


def counter_value(data: bytes) -> str | None:
    """A counter message's total (``{"val": "13"}`` → ``13``), or None."""
    try:
        body = json.loads(data or b"null")
    except ValueError:
        return None
    value = body.get("val") if isinstance(body, dict) else None
    return None if value is None else str(value)


def stream_features_text(config: dict[str, Any]) -> str:
    """Which of the newer features a stream enables, in one line ("none" when none)."""
    names = [short for key, _, _, short in _FEATURE_NAMES if config.get(key)]
    text = ", ".join(names) or "none"
    marker = config.get("subject_delete_marker_ttl")
    if marker:
        text += f"; delete markers kept {format_duration(int(marker) / 1e9)}"
    return text


_FEATURE_NAMES = [
    (key, label, version, short)
    for (key, label, version), short in zip(STREAM_FEATURES, ("TTL", "schedules", "counters", "atomic batch"))
]


# What the stream's refusal means, by the server's error code.
_EXPLAIN = {
    10165: "the TTL is not valid: a duration of at least 1 s (30s, 5m, 1h) or never",
    10166: "the stream {stream} does not allow per-message TTL (its 'Per-message TTL' setting, allow_msg_ttl, is off)",
    10188: "the stream {stream} does not allow message schedules (allow_msg_schedules is off)",
    10189: "the schedule is not valid: @at 2026-12-05T10:00:00Z, @every 5m, or a cron line with seconds",
    10190: "the schedule's target must be another subject of the same stream",
    10168: "the stream {stream} does not allow counters (allow_msg_counter is off)",
    10170: "a counter message carries no payload: the Nats-Incr header is the increment",
}


def refusal_text(description: str, err_code: int = 0, stream: str = "") -> str:
    """A stream's refusal of a publish, in words: the server's own, then what it means."""
    meaning = _EXPLAIN.get(err_code)
    text = f"the stream {stream} refused it: {description}" if stream else f"refused: {description}"
    if meaning:
        text += f" — {meaning.format(stream=stream or 'it')}"
    return text


def ignored_features(requested: dict[str, Any], answered: dict[str, Any]) -> list[str]:
    """The features asked for that the server's answer does not have (a server older than they are)."""
    return [
        f"{label} (needs nats-server {version})"
        for key, label, version in STREAM_FEATURES
        if requested.get(key) and not answered.get(key)
    ]


def list_mark(headers: dict[str, Any] | None) -> str:
    """A short mark before a stream message's payload in a list: its schedule or TTL ('' for neither)."""
    if not headers:
        return ""
    schedule = _one(headers, SCHEDULE)
    if schedule is not None:
        return f"⏲ {schedule} → {_one(headers, SCHEDULE_TARGET) or '?'}  "
    ttl = _one(headers, TTL)
    if ttl is not None:
        return f"TTL {ttl}  "
    return ""


def allowance_text(config: dict[str, Any] | None, subject: str, ttl: bool, schedule: bool) -> tuple[str, bool]:
    """Before sending: does the stream that stores ``subject`` allow what the message asks? (text, all allowed)."""
    if config is None:
        return f"no stream stores {subject}: a TTL or a schedule needs one", False
    name = config.get("name", "?")
    missing = []
    if ttl and not config.get("allow_msg_ttl"):
        missing.append("per-message TTL")
    if schedule and not config.get("allow_msg_schedules"):
        missing.append("schedules")
    if missing:
        return f"the stream {name} does not allow {' or '.join(missing)}", False
    wanted = " and ".join(w for w, on in (("a TTL", ttl), ("schedules", schedule)) if on)
    return f"the stream {name} stores {subject} and allows {wanted}", True

"""Editing JetStream configurations: forms filled from a live config, locked fields, the change as a diff.

Plain Python (no Textual): the edit dialogs and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from natstui.model.jetstream import NS, format_duration, limit, ns_to_seconds, parse_duration
from natstui.model.timefmt import parse_user_time

# Fields of an existing stream the server refuses to change, and why (the form shows them locked).
STREAM_LOCKED = {
    "name": "a stream's name cannot be changed",
    "storage": "the server cannot change a stream's storage type",
}
# Fields of an existing consumer the server refuses to change (its answers: "... can not be updated").
CONSUMER_LOCKED = {
    "name": "a consumer's name cannot be changed",
    "deliver_policy": "the server refuses: deliver policy can not be updated",
    "start": "the start follows the deliver policy, which cannot be updated",
    "ack_policy": "the server refuses: ack policy can not be updated",
}

LABELS = {
    "name": "Name",
    "subjects": "Subjects",
    "retention": "Retention",
    "storage": "Storage",
    "num_replicas": "Replicas",
    "max_msgs": "Max messages",
    "max_bytes": "Max bytes",
    "max_age": "Max age",
    "discard": "Discard",
    "max_msgs_per_subject": "History (per key)",
    "durable_name": "Name",
    "filter_subject": "Filter subject",
    "filter_subjects": "Filter subjects",
    "deliver_policy": "Deliver policy",
    "ack_policy": "Ack policy",
    "ack_wait": "Ack wait",
    "max_deliver": "Max deliver",
    "backoff": "Backoff",
    "inactive_threshold": "Inactive threshold",
    "duplicate_window": "Duplicates window",
    "sealed": "Sealed",
    "description": "Description",
}
_DURATIONS = {"max_age", "ack_wait", "inactive_threshold", "duplicate_window"}
_SIZES = {"max_bytes", "max_msg_size"}
_COUNTS = {"max_msgs", "max_deliver", "max_msgs_per_subject", "max_consumers", "max_ack_pending"}


@dataclass(frozen=True)
class FieldChange:
    """One field of a configuration, before and after, in words."""

    field: str
    label: str
    old: str
    new: str


def show_value(field: str, value: Any) -> str:
    """A configuration value as a user reads it (durations, sizes, unlimited)."""
    if value is None:
        return "—"
    if field in _DURATIONS:
        return format_duration(ns_to_seconds(value))
    if field == "backoff":
        return ", ".join(format_duration(ns_to_seconds(b)) for b in value) or "—"
    if field in _SIZES:
        return limit(value, size=True)
    if field in _COUNTS:
        return limit(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def config_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The fields whose value differs between two configurations, in ``new``'s order then ``old``'s.

    A field absent on one side counts as unset (shown as —); equal values are left out.
    """
    changes = []
    for field in [*new, *(f for f in old if f not in new)]:
        before, after = old.get(field), new.get(field)
        if _same(before, after):
            continue
        changes.append(
            FieldChange(field, LABELS.get(field, field), show_value(field, before), show_value(field, after))
        )
    return changes


def _same(a: Any, b: Any) -> bool:
    empty: tuple[Any, ...] = (None, [], "", 0, False)
    if a in empty and b in empty:
        return True
    return bool(a == b)


def diff_text(changes: list[FieldChange]) -> str:
    """The diff, one line per field: ``Max messages: unlimited → 1,000``."""
    if not changes:
        return "No change."
    width = max(len(c.label) for c in changes)
    return "\n".join(f"{c.label:<{width}}  {c.old} → {c.new}" for c in changes)


_LIMITS = ("max_msgs", "max_bytes", "max_age", "max_msgs_per_subject", "max_msg_size")


def shrinks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The labels of limits the change lowers (a lower limit may remove stored messages at once)."""
    lowered = []
    for field in _LIMITS:
        before, after = _limit_value(old.get(field)), _limit_value(new.get(field))
        if after < before:
            lowered.append(LABELS.get(field, field))
    return lowered


def _limit_value(value: Any) -> float:
    """A limit as a number to compare: unset, -1 and 0 are unlimited."""
    if value is None or int(value) <= 0:
        return float("inf")
    return float(value)


# -- streams -------------------------------------------------------------------------------------
def _size_text(value: Any) -> str:
    return "-1" if value is None or int(value) < 0 else str(int(value))


def _duration_text(value: Any) -> str:
    seconds = ns_to_seconds(value) or 0
    return "0" if seconds <= 0 else format_duration(seconds)


def stream_form_values(config: dict[str, Any]) -> dict[str, str]:
    """StreamForm's fields, filled from a stream's configuration."""
    return {
        "name": str(config.get("name", "")),
        "subjects": ", ".join(config.get("subjects") or []),
        "retention": str(config.get("retention", "limits")),
        "storage": str(config.get("storage", "file")),
        "replicas": str(config.get("num_replicas", 1) or 1),
        "max_msgs": _size_text(config.get("max_msgs")),
        "max_bytes": _size_text(config.get("max_bytes")),
        "max_age": _duration_text(config.get("max_age")),
        "discard": str(config.get("discard", "old")),
        # the newer message features (nats-server 2.11+/2.12+), as the form's yes/no choices
        **{
            key: "yes" if config.get(key) else "no"
            for key in ("allow_msg_ttl", "allow_msg_schedules", "allow_msg_counter", "allow_atomic")
        },
    }


def edited_stream(current: dict[str, Any], form_config: dict[str, Any]) -> dict[str, Any]:
    """The full configuration to send: the current one with the form's fields over it.

    Fields the form does not show (per-subject limits, sources, direct get...) are kept as
    they are, and the locked ones stay the server's.
    """
    config = {**current, **form_config}
    for field in ("name", "storage", "allow_direct"):
        if field in current:
            config[field] = current[field]
    if not config.get("subjects") and not current.get("subjects"):
        config.pop("subjects", None)  # a mirror has none
    return config


# -- consumers -----------------------------------------------------------------------------------
def consumer_form_values(config: dict[str, Any]) -> dict[str, str]:
    """ConsumerForm's fields, filled from a consumer's configuration."""
    filters = config.get("filter_subjects") or ([config["filter_subject"]] if config.get("filter_subject") else [])
    start = ""
    if config.get("opt_start_seq"):
        start = str(config["opt_start_seq"])
    elif config.get("opt_start_time"):
        start = str(config["opt_start_time"])
    max_deliver = config.get("max_deliver", -1)
    return {
        "name": str(config.get("durable_name") or config.get("name") or ""),
        "filters": ", ".join(filters),
        "deliver_policy": str(config.get("deliver_policy", "all")),
        "start": start,
        "ack_policy": str(config.get("ack_policy", "explicit")),
        "ack_wait": _duration_text(config.get("ack_wait")) if config.get("ack_wait") else "30s",
        "max_deliver": "-1" if max_deliver in (None, 0) or int(max_deliver) < 0 else str(int(max_deliver)),
        "backoff": " ".join(format_duration(ns_to_seconds(b)) for b in config.get("backoff") or []),
        "inactive_threshold": _duration_text(config.get("inactive_threshold")) or "0",
    }


def edited_consumer(current: dict[str, Any], form_config: dict[str, Any]) -> dict[str, Any]:
    """The full consumer configuration to send: the current one with the form's editable fields over it."""
    config = {k: v for k, v in current.items() if k not in ("filter_subject", "filter_subjects", "backoff")}
    for field in ("ack_wait", "max_deliver", "backoff", "filter_subject", "filter_subjects"):
        if field in form_config:
            config[field] = form_config[field]
    if not current.get("durable_name") and "inactive_threshold" in form_config:
        config["inactive_threshold"] = form_config["inactive_threshold"]
    return config


# -- key-value buckets ---------------------------------------------------------------------------
def bucket_form_values(config: dict[str, Any]) -> dict[str, str]:
    """A bucket's editable settings (its stream's configuration) as form text."""
    return {
        "history": str(config.get("max_msgs_per_subject") or 1),
        "ttl": _duration_text(config.get("max_age")),
        "max_bytes": _size_text(config.get("max_bytes")),
        "replicas": str(config.get("num_replicas", 1) or 1),
    }


def edited_bucket(current: dict[str, Any], history: str, ttl: str, max_bytes: str, replicas: str) -> dict[str, Any]:
    """A bucket stream's configuration with new history, TTL, max bytes and replicas; ValueError names a bad one."""
    from natstui.model.jetstream import parse_size

    try:
        history_n = int(history.strip() or "1")
        replicas_n = int(replicas.strip() or "1")
    except ValueError:
        raise ValueError("history and replicas are whole numbers") from None
    if not 1 <= history_n <= 64:
        raise ValueError("history must be between 1 and 64")
    if not 1 <= replicas_n <= 5:
        raise ValueError("replicas must be between 1 and 5")
    max_age = int(parse_duration(ttl) * NS)
    config = {
        **current,
        "max_msgs_per_subject": history_n,
        "max_age": max_age,
        "max_bytes": parse_size(max_bytes),
        "num_replicas": replicas_n,
    }
    # the server wants the duplicates window within the TTL (as nats-py sets it at creation)
    window = int(current.get("duplicate_window") or 0)
    if max_age and (not window or window > max_age):
        config["duplicate_window"] = max_age
    elif not max_age and window == int(current.get("max_age") or 0) and window:
        config["duplicate_window"] = 120 * NS
    return config


# -- pausing consumers ---------------------------------------------------------------------------
PAUSE_NEEDS = (2, 11)


def pause_supported(major: int, minor: int) -> bool:
    return (major, minor) >= PAUSE_NEEDS


def pause_until(text: str, now: datetime | None = None) -> datetime:
    """When to pause until, from ``30m`` / ``2h`` (a duration from now) or a date and time."""
    now = now or datetime.now(timezone.utc)
    text = text.strip()
    if not text:
        raise ValueError("give a duration (e.g. 30m, 2h) or a time (YYYY-MM-DD HH:MM)")
    try:
        seconds = parse_duration(text)
    except ValueError:
        try:
            when = parse_user_time(text)
        except ValueError:
            raise ValueError(f"not a duration or a time: {text!r} (e.g. 30m, 2h, 2026-12-24 18:00)") from None
        when = when if when.tzinfo else when.astimezone()
    else:
        if seconds <= 0:
            raise ValueError("the pause must last longer than 0s")
        when = now + timedelta(seconds=seconds)
    if when <= now:
        raise ValueError("that time has passed")
    return when


def pause_left(info: dict[str, Any]) -> float | None:
    """Seconds a consumer stays paused (None: not paused)."""
    if not info.get("paused"):
        return None
    return max(0.0, (ns_to_seconds(info.get("pause_remaining")) or 0.0))


# -- per-message TTL -----------------------------------------------------------------------------
def ttl_text(header: str, created: float) -> str:
    """A ``Nats-TTL`` header (``30s``, ``1h``, ``60``, ``never``) with when the value expires."""
    from natstui.model.timefmt import format_datetime

    value = header.strip()
    if value.lower() == "never":
        return "never expires"
    try:
        seconds = parse_duration(value)
    except ValueError:
        return value
    if seconds <= 0 or not created:
        return format_duration(seconds)
    return f"{format_duration(seconds)}, expires {format_datetime(created + seconds, millis=False)}"

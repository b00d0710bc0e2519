"""Plain-Python views of JetStream API data: rows, details, pages with gaps, form validation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from natstui.model.decode import human_size
from natstui.model.subjects import SubjectPattern
from natstui.model.timefmt import format_datetime, parse_server_time, parse_user_time

NS = 1_000_000_000
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
NAME_RE = re.compile(r"^[^.*>\s/\\]+$")

RETENTIONS = ("limits", "workqueue", "interest")
STORAGES = ("file", "memory")
DISCARDS = ("old", "new")
DELIVER_POLICIES = ("all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject")
ACK_POLICIES = ("explicit", "all", "none")


# -- units ------------------------------------------------------------------------------
def parse_duration(text: str) -> float:
    """``1h30m``, ``90s``, ``250ms``, ``2d`` or a bare number of seconds, to seconds."""
    text = text.strip().replace(" ", "")
    if not text or text == "0":
        return 0.0
    try:
        return float(text)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h30m, 2d)")
    return total


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds <= 0:
        return "unlimited"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            n = int(seconds // size)
            parts.append(f"{n}{unit}")
            seconds -= n * size
    if seconds or not parts:
        parts.append(f"{seconds:.0f}s" if seconds == int(seconds) else f"{seconds:.1f}s")
    return "".join(parts)


def ns_to_seconds(value: Any) -> float | None:
    return None if value is None else int(value) / NS


def parse_size(text: str) -> int:
    """``10MB``, ``1.5GiB``, ``512K``, ``-1`` (unlimited) or a plain number of bytes."""
    text = text.strip().upper().replace(" ", "")
    if not text or text in ("-1", "UNLIMITED"):
        return -1
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)(I?B)?", text)
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 512K, 10MB, 1GiB, -1)")
    factor = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}[match.group(2)]
    return int(float(match.group(1)) * factor)


def parse_count(text: str, what: str) -> int:
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return -1
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number (or -1 for unlimited)") from None
    if value < -1:
        raise ValueError(f"{what} must be -1 (unlimited) or more")
    return value


def limit(value: Any, size: bool = False) -> str:
    if value is None or int(value) < 0:
        return "unlimited"
    return human_size(int(value)) if size else f"{int(value):,}"


def age(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return "—"
    now = now or datetime.now(timezone.utc)
    seconds = max(0.0, (now - when).total_seconds())
    if seconds < 1:
        return "now"
    return format_duration(int(seconds))


def parse_ts(value: str | None) -> datetime | None:
    """A server timestamp (RFC 3339, nanoseconds, ``Z`` or an offset); None for Go's zero time."""
    return parse_server_time(value)


# -- streams ----------------------------------------------------------------------------
@dataclass
class StreamRow:
    name: str
    subjects: str
    retention: str
    storage: str
    replicas: int
    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    consumers: int
    last_ts: datetime | None
    allow_direct: bool


def stream_row(info: dict[str, Any]) -> StreamRow:
    config, state = info.get("config", {}), info.get("state", {})
    subjects = config.get("subjects") or []
    if not subjects and config.get("mirror"):
        subjects = [f"mirror of {config['mirror'].get('name', '?')}"]
    elif not subjects and config.get("sources"):
        subjects = [f"sources: {', '.join(s.get('name', '?') for s in config['sources'])}"]
    return StreamRow(
        name=config.get("name", "?"),
        subjects=", ".join(subjects),
        retention=config.get("retention", "limits"),
        storage=config.get("storage", "file"),
        replicas=int(config.get("num_replicas", 1) or 1),
        messages=int(state.get("messages", 0)),
        bytes=int(state.get("bytes", 0)),
        first_seq=int(state.get("first_seq", 0)),
        last_seq=int(state.get("last_seq", 0)),
        consumers=int(state.get("consumer_count", 0)),
        last_ts=parse_ts(state.get("last_ts")),
        allow_direct=bool(config.get("allow_direct")),
    )


Section = tuple[str, list[tuple[str, str]]]


def stream_details(info: dict[str, Any]) -> list[Section]:
    """Configuration and state of a stream, grouped for display."""
    config, state = info.get("config", {}), info.get("state", {})
    sections: list[Section] = [
        (
            "Stream",
            [
                ("Name", config.get("name", "")),
                ("Description", config.get("description") or "—"),
                ("Subjects", ", ".join(config.get("subjects") or []) or "—"),
                ("Created", _fmt_dt(parse_ts(info.get("created")))),
                ("Retention", config.get("retention", "")),
                ("Storage", f"{config.get('storage', '')}, {config.get('num_replicas', 1)} replica(s)"),
                ("Direct get", "yes" if config.get("allow_direct") else "no"),
            ],
        ),
        (
            "Limits",
            [
                ("Max messages", limit(config.get("max_msgs"))),
                ("Max bytes", limit(config.get("max_bytes"), size=True)),
                ("Max age", format_duration(ns_to_seconds(config.get("max_age")))),
                ("Max msgs/subject", limit(config.get("max_msgs_per_subject"))),
                ("Max msg size", limit(config.get("max_msg_size"), size=True)),
                ("Max consumers", limit(config.get("max_consumers"))),
                (
                    "Discard",
                    config.get("discard", "old") + (" (per subject)" if config.get("discard_new_per_subject") else ""),
                ),
                ("Duplicates window", format_duration(ns_to_seconds(config.get("duplicate_window")))),
                (
                    "Deny delete/purge",
                    f"{'yes' if config.get('deny_delete') else 'no'}/{'yes' if config.get('deny_purge') else 'no'}",
                ),
                ("Sealed", "yes" if config.get("sealed") else "no"),
            ],
        ),
        (
            "State",
            [
                ("Messages", f"{int(state.get('messages', 0)):,}"),
                ("Bytes", human_size(int(state.get("bytes", 0)))),
                ("First", f"{state.get('first_seq', 0):,} at {_fmt_dt(parse_ts(state.get('first_ts')))}"),
                ("Last", f"{state.get('last_seq', 0):,} at {_fmt_dt(parse_ts(state.get('last_ts')))}"),
                ("Deleted", f"{int(state.get('num_deleted', 0) or 0):,}"),
                ("Subjects", f"{int(state.get('num_subjects', 0) or 0):,}"),
                ("Consumers", str(state.get("consumer_count", 0))),
            ],
        ),
    ]
    mirror = config.get("mirror")
    sources = config.get("sources") or []
    if mirror or sources:
        rows = []
        if mirror:
            rows.append(("Mirror of", _source_text(mirror, info.get("mirror"))))
        for i, src in enumerate(sources):
            live = (info.get("sources") or [{}] * len(sources))[i] if i < len(info.get("sources") or []) else None
            rows.append(("Source", _source_text(src, live)))
        sections.append(("Replication", rows))
    cluster = info.get("cluster")
    if cluster:
        rows = [("Cluster", cluster.get("name") or "—"), ("Leader", cluster.get("leader") or "none")]
        for peer in cluster.get("replicas") or []:
            health = "offline" if peer.get("offline") else ("current" if peer.get("current") else "catching up")
            rows.append(("Replica", f"{peer.get('name', '?')}: {health}, lag {peer.get('lag', 0)}"))
        sections.append(("Placement", rows))
    subjects = state.get("subjects")
    if subjects:
        top = sorted(subjects.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = [(name, f"{count:,}") for name, count in top[:50]]
        if len(top) > 50:
            rows.append(("…", f"{len(top) - 50:,} more subjects"))
        sections.append(("Subjects (messages)", rows))
    from natstui.model.msgfeatures import stream_features_text  # that module reads this one's helpers

    sections[0][1].append(("Msg features", stream_features_text(config)))
    return sections


def _source_text(config: dict[str, Any], live: dict[str, Any] | None) -> str:
    text = str(config.get("name", "?"))
    if config.get("filter_subject"):
        text += f" ({config['filter_subject']})"
    if live:
        text += f", lag {live.get('lag', 0)}, active {format_duration(ns_to_seconds(live.get('active')))} ago"
    return text


def _fmt_dt(when: datetime | None) -> str:
    return format_datetime(when)


# -- consumers --------------------------------------------------------------------------
@dataclass
class ConsumerRow:
    name: str
    durable: bool
    pull: bool
    deliver_policy: str
    ack_policy: str
    filters: str
    ack_wait: float | None
    max_deliver: int
    pending: int
    ack_pending: int
    redelivered: int
    waiting: int
    delivered_stream: int
    delivered_consumer: int
    ack_floor_stream: int
    paused: bool


def consumer_row(info: dict[str, Any]) -> ConsumerRow:
    config = info.get("config", {})
    filters = config.get("filter_subjects") or ([config["filter_subject"]] if config.get("filter_subject") else [])
    delivered = info.get("delivered") or {}
    ack_floor = info.get("ack_floor") or {}
    return ConsumerRow(
        name=info.get("name", "?"),
        durable=bool(config.get("durable_name")),
        pull=not config.get("deliver_subject"),
        deliver_policy=config.get("deliver_policy", "all"),
        ack_policy=config.get("ack_policy", "explicit"),
        filters=", ".join(filters) or "—",
        ack_wait=ns_to_seconds(config.get("ack_wait")),
        max_deliver=int(config.get("max_deliver", -1) or -1),
        pending=int(info.get("num_pending", 0) or 0),
        ack_pending=int(info.get("num_ack_pending", 0) or 0),
        redelivered=int(info.get("num_redelivered", 0) or 0),
        waiting=int(info.get("num_waiting", 0) or 0),
        delivered_stream=int(delivered.get("stream_seq", 0) or 0),
        delivered_consumer=int(delivered.get("consumer_seq", 0) or 0),
        ack_floor_stream=int(ack_floor.get("stream_seq", 0) or 0),
        paused=bool(info.get("paused")),
    )


def consumer_details(info: dict[str, Any]) -> list[Section]:
    config = info.get("config", {})
    row = consumer_row(info)
    delivered = info.get("delivered") or {}
    ack_floor = info.get("ack_floor") or {}
    backoff = config.get("backoff") or []
    sections: list[Section] = [
        (
            "Consumer",
            [
                ("Name", row.name),
                ("Stream", info.get("stream_name", "")),
                ("Kind", f"{'durable' if row.durable else 'ephemeral'}, {'pull' if row.pull else 'push'}"),
                ("Description", config.get("description") or "—"),
                ("Created", _fmt_dt(parse_ts(info.get("created")))),
                ("Filter", row.filters),
                ("Deliver policy", row.deliver_policy + _start_text(config)),
                ("Ack policy", row.ack_policy),
                ("Ack wait", format_duration(row.ack_wait)),
                ("Max deliver", "unlimited" if row.max_deliver < 0 else str(row.max_deliver)),
                ("Backoff", ", ".join(format_duration(ns_to_seconds(b)) for b in backoff) or "—"),
                ("Max ack pending", limit(config.get("max_ack_pending"))),
                # a pull consumer's limit: the server has no such value for a push consumer
                *([("Max waiting", limit(config.get("max_waiting")))] if row.pull else []),
                ("Replay", config.get("replay_policy", "instant")),
                ("Inactive threshold", format_duration(ns_to_seconds(config.get("inactive_threshold")))),
            ],
        ),
        (
            "State",
            [
                ("Pending", f"{row.pending:,}"),
                ("Ack pending", f"{row.ack_pending:,}"),
                ("Redelivered", f"{row.redelivered:,}"),
                ("Waiting pulls", f"{row.waiting:,}")
                if row.pull
                else ("Active interest", "yes (a subscriber is bound)" if info.get("push_bound") else "no"),
                (
                    "Last delivered",
                    f"stream {delivered.get('stream_seq', 0)}, consumer {delivered.get('consumer_seq', 0)}",
                ),
                ("Ack floor", f"stream {ack_floor.get('stream_seq', 0)}, consumer {ack_floor.get('consumer_seq', 0)}"),
                (
                    "Paused",
                    f"until {_fmt_dt(parse_ts(config.get('pause_until')))}, "
                    f"{format_duration(ns_to_seconds(info.get('pause_remaining')))} left"
                    if row.paused
                    else "no",
                ),
            ],
        ),
    ]
    if not row.pull:
        sections[0][1].append(("Deliver subject", config.get("deliver_subject", "")))
        if config.get("deliver_group"):
            sections[0][1].append(("Deliver group", config["deliver_group"]))
    return sections


def _start_text(config: dict[str, Any]) -> str:
    if config.get("opt_start_seq"):
        return f" from {config['opt_start_seq']}"
    if config.get("opt_start_time"):
        return f" from {config['opt_start_time']}"
    return ""


# -- pages of stored messages ------------------------------------------------------------
@dataclass
class Gap:
    """Sequences between two shown messages that the stream no longer holds."""

    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def with_gaps(seqs: Sequence[int], start: int | None = None) -> list[int | Gap]:
    """Sequence numbers with the deleted ones between them shown as gaps."""
    rows: list[int | Gap] = []
    previous = start - 1 if start else None
    for seq in seqs:
        if previous is not None and seq > previous + 1:
            rows.append(Gap(previous + 1, seq - 1))
        rows.append(seq)
        previous = seq
    return rows


# -- forms --------------------------------------------------------------------------------
def validate_name(name: str, what: str = "name") -> str:
    name = name.strip()
    if not name:
        raise ValueError(f"the {what} is required")
    if not NAME_RE.match(name):
        raise ValueError(f"the {what} may not contain spaces, '.', '*', '>', '/' or '\\'")
    if len(name) > 255:
        raise ValueError(f"the {what} is too long")
    return name


def validate_subjects(text: str, required: bool = True) -> list[str]:
    subjects = [s for s in re.split(r"[\s,]+", text.strip()) if s]
    if not subjects and required:
        raise ValueError("at least one subject is required")
    for subject in subjects:
        try:
            SubjectPattern(subject)
        except ValueError as exc:
            raise ValueError(f"subject {subject!r}: {exc}") from None
    return subjects


@dataclass
class StreamForm:
    name: str = ""
    subjects: str = ""
    retention: str = "limits"
    storage: str = "file"
    replicas: str = "1"
    max_msgs: str = "-1"
    max_bytes: str = "-1"
    max_age: str = "0"
    discard: str = "old"
    # nats-server 2.11+/2.12+ message features, "yes" or "no" (model/msgfeatures.STREAM_FEATURES)
    allow_msg_ttl: str = "no"
    allow_msg_schedules: str = "no"
    allow_msg_counter: str = "no"
    allow_atomic: str = "no"
    errors: list[str] = field(default_factory=list)

    def to_config(self) -> dict[str, Any]:
        """The stream configuration, or ValueError naming the first bad field."""
        config: dict[str, Any] = {"name": validate_name(self.name, "stream name")}
        config["subjects"] = validate_subjects(self.subjects)
        if self.retention not in RETENTIONS:
            raise ValueError(f"retention must be one of {', '.join(RETENTIONS)}")
        if self.storage not in STORAGES:
            raise ValueError(f"storage must be one of {', '.join(STORAGES)}")
        if self.discard not in DISCARDS:
            raise ValueError(f"discard must be one of {', '.join(DISCARDS)}")
        try:
            replicas = int(self.replicas)
        except ValueError:
            raise ValueError("replicas must be a number from 1 to 5") from None
        if not 1 <= replicas <= 5:
            raise ValueError("replicas must be a number from 1 to 5")
        config.update(
            retention=self.retention,
            storage=self.storage,
            num_replicas=replicas,
            max_msgs=parse_count(self.max_msgs, "max messages"),
            max_bytes=parse_size(self.max_bytes),
            max_age=int(parse_duration(self.max_age) * NS),
            discard=self.discard,
            allow_direct=True,
        )
        config.update(self.feature_config())
        return config

    def feature_config(self) -> dict[str, bool]:
        """The newer message features switched on (only those: an older server is sent nothing new)."""
        chosen = {}
        for key in ("allow_msg_ttl", "allow_msg_schedules", "allow_msg_counter", "allow_atomic"):
            value = getattr(self, key)
            if value not in ("yes", "no"):
                raise ValueError(f"{key} must be yes or no")
            if value == "yes":
                chosen[key] = True
        return chosen


@dataclass
class ConsumerForm:
    name: str = ""  # empty: ephemeral
    filters: str = ""
    deliver_policy: str = "all"
    start: str = ""  # sequence or time for by_start_*
    ack_policy: str = "explicit"
    ack_wait: str = "30s"
    max_deliver: str = "-1"
    backoff: str = ""
    inactive_threshold: str = "5m"  # for ephemeral consumers

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.name.strip():
            config["durable_name"] = validate_name(self.name, "consumer name")
        else:
            config["inactive_threshold"] = int(parse_duration(self.inactive_threshold or "5m") * NS)
        filters = validate_subjects(self.filters, required=False)
        if len(filters) == 1:
            config["filter_subject"] = filters[0]
        elif filters:
            config["filter_subjects"] = filters
        if self.deliver_policy not in DELIVER_POLICIES:
            raise ValueError(f"deliver policy must be one of {', '.join(DELIVER_POLICIES)}")
        config["deliver_policy"] = self.deliver_policy
        if self.deliver_policy == "by_start_sequence":
            try:
                config["opt_start_seq"] = int(self.start)
            except ValueError:
                raise ValueError("a start sequence is required for by_start_sequence") from None
        elif self.deliver_policy == "by_start_time":
            try:
                when = parse_user_time(self.start)
            except ValueError:
                raise ValueError("a start time (YYYY-MM-DD HH:MM[:SS]) is required for by_start_time") from None
            config["opt_start_time"] = (
                (when if when.tzinfo else when.astimezone()).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
            )
        if self.ack_policy not in ACK_POLICIES:
            raise ValueError(f"ack policy must be one of {', '.join(ACK_POLICIES)}")
        config["ack_policy"] = self.ack_policy
        if self.ack_policy != "none":
            config["ack_wait"] = int(parse_duration(self.ack_wait or "30s") * NS)
        config["max_deliver"] = parse_count(self.max_deliver, "max deliver")
        if config["max_deliver"] == 0:
            raise ValueError("max deliver must be -1 (unlimited) or at least 1")
        backoff = [parse_duration(b) for b in re.split(r"[\s,]+", self.backoff.strip()) if b]
        if backoff:
            if self.ack_policy == "none":
                raise ValueError("backoff needs an ack policy other than none")
            if config["max_deliver"] != -1 and config["max_deliver"] <= len(backoff):
                raise ValueError("max deliver must be larger than the number of backoff steps")
            config["backoff"] = [int(b * NS) for b in backoff]
        return config

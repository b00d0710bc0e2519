"""Requests paired with their replies, from the live stream: latency per request subject.

A request is a message with a reply subject; its reply is the next message published on that reply
subject. The store's new records are fed in batches (the monitor's pump, also while the stream is
paused), so each message costs one dictionary lookup, two for a request or a reply. Subjects that
differ only in ids are one group (``api.users.42.get`` and ``api.users.43.get`` are
``api.users.*.get``). A request with no reply within ``timeout`` seconds is unanswered; a reply
with the ``503`` status is a no-responders answer (natstui sees those only for its own requests:
its own wildcard subscription is interest enough for the server).
"""

from __future__ import annotations

import re
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 5.0
MAX_PENDING = 100_000  # requests waiting for a reply (the oldest are given up beyond it)
MAX_LINKS = 200_000  # request <-> reply links kept for the inspector
SAMPLES = 2_000  # latencies kept per group for the percentiles
SPARK_SECONDS = 60

_ID = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{10,})$"
)


def is_id(token: str) -> bool:
    """A token that names one thing among many: a number, a hex or UUID id, a long mixed token."""
    return bool(_ID.match(token))


def group_subject(subject: str) -> str:
    """The subject with its id tokens as ``*``: subjects that differ only in ids share a group."""
    tokens = subject.split(".")
    if not any(is_id(t) for t in tokens):
        return subject
    return ".".join("*" if is_id(t) else t for t in tokens)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass
class GroupStats:
    group: str
    requests: int = 0
    answered: int = 0
    unanswered: int = 0
    no_responders: int = 0
    waiting: int = 0
    max: float = 0.0
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    per_second: deque[int] = field(default_factory=lambda: deque([0] * SPARK_SECONDS, maxlen=SPARK_SECONDS))
    _second: int = 0

    def count_request(self, when: float) -> None:
        self.requests += 1
        self.waiting += 1
        second = int(when)
        if second > self._second:
            for _ in range(min(SPARK_SECONDS, second - self._second) if self._second else 1):
                self.per_second.append(0)
            self._second = second
        self.per_second[-1] += 1

    def spark(self, now: float) -> list[int]:
        """Requests per second over the last minute, the newest last (seconds with none count 0)."""
        shift = min(SPARK_SECONDS, max(0, int(now) - self._second)) if self._second else SPARK_SECONDS
        return list(self.per_second)[shift:] + [0] * shift

    def percentiles(self) -> tuple[float | None, float | None, float | None]:
        values = sorted(self.samples)
        return percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)


@dataclass
class Link:
    """A request and its reply, by store sequence; ``latency`` in seconds."""

    request: int
    reply: int
    latency: float


class LatencyTracker:
    def __init__(self, timeout: float = DEFAULT_TIMEOUT, clock: Callable[[], float] = _time.time) -> None:
        self.timeout = timeout
        self.clock = clock
        self.enabled = True
        # reply subject -> (request seq, request time, group)
        self._pending: dict[str, tuple[int, float, GroupStats]] = {}
        self.groups: dict[str, GroupStats] = {}
        self._group_of: dict[str, GroupStats] = {}
        self.links: dict[int, Link] = {}  # by request seq and by reply seq
        self.paired = 0

    def _stats(self, subject: str) -> GroupStats:
        stats = self._group_of.get(subject)
        if stats is None:
            name = group_subject(subject)
            stats = self.groups.get(name)
            if stats is None:
                stats = self.groups[name] = GroupStats(name)
            if len(self._group_of) < 100_000:
                self._group_of[subject] = stats
        return stats

    def feed(self, records: Iterable[Any]) -> None:
        """Pair the records (the store's, in order): a request waits for its reply subject."""
        if not self.enabled:
            return
        pending = self._pending
        for record in records:
            msg = record.msg
            waiting = pending.pop(msg.subject, None) if pending else None
            if waiting is not None:
                if record.time - waiting[1] > self.timeout:  # late: expire() had not come round to it yet
                    _unanswered(waiting)
                else:
                    self._answer(waiting, record)
            reply = msg.reply
            if reply:
                stats = self._stats(msg.subject)
                stats.count_request(record.time)
                pending[reply] = (record.seq, record.time, stats)
                if len(pending) > MAX_PENDING:
                    self._give_up(next(iter(pending)))

    def _answer(self, waiting: tuple[int, float, GroupStats], record: Any) -> None:
        seq, sent, stats = waiting
        stats.waiting -= 1
        headers = getattr(record.msg, "headers", None) or {}
        if headers.get("Status") == "503" and not record.msg.data:
            stats.no_responders += 1
            return
        latency = max(0.0, record.time - sent)
        stats.answered += 1
        stats.samples.append(latency)
        stats.max = max(stats.max, latency)
        link = Link(seq, record.seq, latency)
        self.links[seq] = link
        self.links[record.seq] = link
        self.paired += 1
        if len(self.links) > MAX_LINKS:
            for key in list(self.links)[: len(self.links) // 4]:
                del self.links[key]

    def _give_up(self, reply: str) -> None:
        _unanswered(self._pending.pop(reply))

    def expire(self, now: float | None = None) -> int:
        """Count requests older than the timeout as unanswered; returns how many."""
        now = self.clock() if now is None else now
        limit = now - self.timeout
        old = []
        for reply, (_, sent, _) in self._pending.items():  # oldest first: stop at the first still in time
            if sent >= limit:
                break
            old.append(reply)
        for reply in old:
            self._give_up(reply)
        return len(old)

    def link(self, seq: int) -> Link | None:
        return self.links.get(seq)

    def reset(self) -> None:
        self._pending.clear()
        self.groups.clear()
        self._group_of.clear()
        self.links.clear()
        self.paired = 0


def _unanswered(waiting: tuple[int, float, GroupStats]) -> None:
    """A request given up on (no reply within the timeout, or one that came too late)."""
    stats = waiting[2]
    stats.waiting -= 1
    stats.unanswered += 1

"""The consumer report: every consumer of every stream, the most behind first, with its delivery
rate from one poll to the next (like ``nats consumer report``, but kept up to date)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from natstui.model.fields import as_int
from natstui.model.jetstream import parse_ts

SPARKS = "▁▂▃▄▅▆▇█"
HISTORY = 20  # rates kept per consumer (one per poll)


def sparkline(values: Sequence[float], width: int = HISTORY) -> str:
    """The last ``width`` values as block characters, scaled to the largest (blank before the first)."""
    values = list(values)[-width:]
    top = max(values, default=0.0)
    chars = []
    for value in values:
        level = 0 if top <= 0 else int(max(0.0, value) / top * (len(SPARKS) - 1) + 0.5)
        chars.append(SPARKS[min(level, len(SPARKS) - 1)])
    return " " * (width - len(chars)) + "".join(chars)


def row_key(stream: str, consumer: str) -> str:
    """A report row's key (stream and consumer names never hold a tab)."""
    return f"{stream}\t{consumer}"


def split_key(key: str) -> tuple[str, str]:
    stream, _, consumer = key.partition("\t")
    return stream, consumer


@dataclass
class ReportRow:
    stream: str
    name: str
    pending: int
    ack_pending: int
    redelivered: int
    waiting: int
    delivered: int  # delivered.consumer_seq
    last_active: datetime | None
    rate: float | None  # deliveries per second since the previous poll (None: first poll)
    rates: list[float] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def unprocessed(self) -> int:
        return self.pending + self.ack_pending

    @property
    def key(self) -> str:
        return row_key(self.stream, self.name)


def last_active(info: dict[str, Any]) -> datetime | None:
    """The newest of the last delivery and the last ack (``last_active`` of ``delivered`` and ``ack_floor``)."""
    times = []
    for part in ("delivered", "ack_floor"):
        value = (info.get(part) or {}).get("last_active")
        when = parse_ts(value) if isinstance(value, str) else None
        if when is not None:
            times.append(when)
    return max(times) if times else None


def sort_key(row: ReportRow) -> tuple[int, int, str, str]:
    """The most unprocessed first, then the most redelivered, then by name."""
    return (-row.unprocessed, -row.redelivered, row.stream, row.name)


class ConsumerReport:
    """Rows from one poll's consumer infos; rates from the difference with the previous poll."""

    def __init__(self, history: int = HISTORY) -> None:
        self.history = history
        self._last: dict[str, tuple[float, int]] = {}  # key -> (time of the poll, delivered.consumer_seq)
        self._rates: dict[str, deque[float]] = {}

    def update(self, consumers: Iterable[tuple[str, dict[str, Any]]], now: float) -> list[ReportRow]:
        """``consumers``: (stream, consumer info) of one poll; ``now``: its (monotonic) time."""
        rows = []
        seen = set()
        for stream, info in consumers:
            name = str(info.get("name", "?"))
            key = row_key(stream, name)
            seen.add(key)
            delivered = as_int((info.get("delivered") or {}).get("consumer_seq"))
            rate = None
            previous = self._last.get(key)
            rates = self._rates.setdefault(key, deque(maxlen=self.history))
            if previous is not None and now > previous[0]:
                if delivered >= previous[1]:
                    rate = (delivered - previous[1]) / (now - previous[0])
                    rates.append(rate)
                else:  # the consumer was made again: its numbers start over
                    rates.clear()
            self._last[key] = (now, delivered)
            rows.append(
                ReportRow(
                    stream=stream,
                    name=name,
                    pending=as_int(info.get("num_pending")),
                    ack_pending=as_int(info.get("num_ack_pending")),
                    redelivered=as_int(info.get("num_redelivered")),
                    waiting=as_int(info.get("num_waiting")),
                    delivered=delivered,
                    last_active=last_active(info),
                    rate=rate,
                    rates=list(rates),
                    info=info,
                )
            )
        for gone in set(self._last) - seen:  # deleted consumers are forgotten
            self._last.pop(gone, None)
            self._rates.pop(gone, None)
        rows.sort(key=sort_key)
        return rows

"""A bounded ring buffer of records: append in O(1), read by sequence."""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from typing import Any

from natstui.model.records import Record

DEFAULT_CAPACITY = 100_000


class RingStore:
    """Keeps the last ``capacity`` records; sequence numbers start at 1.

    ``append`` is the only thing a subscription callback calls: it stamps the
    message with a sequence number and a receive time and overwrites the
    oldest slot once the buffer is full.
    """

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = _time.time,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._slots: list[Record | None] = [None] * capacity
        self.last_seq = 0
        self._floor = 1  # no record below this is held (raised by a resize)
        self.clock = clock

    def append(self, msg: Any, sub_subject: str = "", queue: str = "") -> Record:
        seq = self.last_seq + 1
        record = Record(seq, self.clock(), msg, sub_subject, queue)
        self._slots[seq % self.capacity] = record
        self.last_seq = seq
        return record

    @property
    def first_seq(self) -> int:
        """The oldest sequence still held (``last_seq + 1`` when empty)."""
        return max(self._floor, self.last_seq - self.capacity + 1)

    def __len__(self) -> int:
        return self.last_seq - self.first_seq + 1

    @property
    def total(self) -> int:
        """Every message ever appended, including those evicted."""
        return self.last_seq

    def get(self, seq: int) -> Record | None:
        if seq < self.first_seq or seq > self.last_seq:
            return None
        return self._slots[seq % self.capacity]

    def range(self, start: int, stop: int) -> Iterator[Record]:
        """Records with ``start <= seq < stop`` that are still held."""
        start = max(start, self.first_seq)
        stop = min(stop, self.last_seq + 1)
        slots, cap = self._slots, self.capacity
        for seq in range(start, stop):
            yield slots[seq % cap]  # type: ignore[misc]

    def resize(self, capacity: int) -> None:
        """Change the capacity, keeping the newest records that fit."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        kept = list(self.range(max(self.first_seq, self.last_seq - capacity + 1), self.last_seq + 1))
        self._floor = kept[0].seq if kept else self.last_seq + 1
        self.capacity = capacity
        self._slots = [None] * capacity
        for record in kept:
            self._slots[record.seq % capacity] = record

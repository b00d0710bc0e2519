"""What the live stream shows: the store seen through a filter, paused or following."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Protocol

from natstui.model.records import Record
from natstui.model.store import RingStore
from natstui.model.subjects import SubjectPattern


class InvalidCheck(Protocol):
    """What finds the messages that fail their JSON Schema (``natstui.validity.Validity``)."""

    def settle(self, store: RingStore, upto: int) -> int: ...

    def is_invalid(self, record: Record) -> bool: ...

    spent: bool

    def invalid(self, seq: int, subject: str, data: bytes, may_check: bool = True) -> bool | None: ...


@dataclass
class MessageFilter:
    """Subject wildcards (NATS semantics) and a text or regex to find in the payload.

    Text search is case-insensitive unless the text holds an upper-case
    letter ("smart case", as in ripgrep and less).
    """

    subject: str = ""
    text: str = ""
    regex: bool = False
    scope: str = ""  # the subject-tree selection: a subject and everything below it
    invalid: bool = False  # only messages that fail their rule's JSON Schema (needs ``checker``)
    checker: InvalidCheck | None = field(default=None, repr=False, compare=False)
    _patterns: list[SubjectPattern] = field(default_factory=list, init=False, repr=False)
    _needle: re.Pattern[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.subject = self.subject.strip()
        self._patterns = [SubjectPattern(p) for p in re.split(r"[\s,]+", self.subject) if p]
        self.scope = self.scope.strip(". ")
        self._scope_prefix = self.scope + "."
        if self.text:
            flags = 0 if any(c.isupper() for c in self.text) else re.IGNORECASE
            source = self.text if self.regex else re.escape(self.text)
            try:
                self._needle = re.compile(source.encode("utf-8"), flags)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None

    @property
    def active(self) -> bool:
        return bool(self._patterns or self.scope or self._needle or self.invalid)

    def settled(self, store: RingStore, upto: int) -> int:
        """The last sequence up to ``upto`` this filter can judge now (validation takes a bounded step a frame)."""
        if self.invalid and self.checker is not None:
            return min(upto, self.checker.settle(store, upto))
        return upto

    def matches(self, record: Record) -> bool:
        subject = record.msg.subject
        scope = self.scope
        if scope and subject != scope and not subject.startswith(self._scope_prefix):
            return False
        if self._patterns and not any(p.matches(subject) for p in self._patterns):
            return False
        if self.invalid and (self.checker is None or not self.checker.is_invalid(record)):
            return False
        return not (self._needle is not None and self._needle.search(record.msg.data or b"") is None)

    def describe(self) -> str:
        parts = []
        if self.scope:
            # the node itself and everything below it: "orders" matches orders and orders.eu.x
            parts.append(f"tree {self.scope}, {self.scope}.>")
        if self.subject:
            parts.append(f"subject {self.subject}")
        if self.text:
            parts.append(f"{'regex' if self.regex else 'text'} {self.text!r}")
        if self.invalid:
            parts.append("invalid against their JSON Schema")
        return ", ".join(parts)


class StreamView:
    """The rows of the live stream.

    Unfiltered, row ``i`` is store sequence ``first + i``; filtered, the view
    keeps the list of matching sequences. ``update`` takes in what arrived
    since the last call (nothing while paused) and drops rows whose records
    the store has evicted.

    While the stream is not following, rows that arrive are counted as new
    (``count_new``): ``new_rows`` are those still held, ``passed_over`` those
    the store evicted before anyone scrolled down to them.
    """

    def __init__(self, store: RingStore) -> None:
        self.store = store
        self.filter = MessageFilter()
        self.paused = False
        self._upto = store.last_seq  # last sequence taken into the view
        self._first = store.first_seq  # first sequence shown (unfiltered)
        self._matches: list[int] = []
        self._offset = 0  # index of the first live entry in _matches
        self._new_from: int | None = None  # rows from this sequence on are new (None: not counting)
        self._new_added = 0  # rows added since counting started, held or evicted since
        self._catch_up = 0  # a filter that judges progressively takes in rows up to here even while paused
        self.validity: InvalidCheck | None = None  # marks invalid rows (natstui.validity.Validity), if schemas are set

    def count_new(self, on: bool) -> None:
        """Start counting the rows that arrive from now on as new (the stream stopped following), or stop."""
        self._new_from = self._upto + 1 if on else None
        self._new_added = 0

    @property
    def new_rows(self) -> int:
        """New rows still in the view (they are its last rows: eviction takes the oldest first)."""
        new_from = self._new_from
        if new_from is None:
            return 0
        if self.filter.active:
            return len(self._matches) - bisect.bisect_left(self._matches, new_from, self._offset)
        return max(0, self._upto - max(new_from, self._first) + 1)

    @property
    def passed_over(self) -> int:
        """New rows the store evicted before they were seen."""
        return self._new_added - self.new_rows if self._new_from is not None else 0

    def set_filter(self, flt: MessageFilter) -> None:
        self.filter = flt
        self._matches = []
        self._offset = 0
        target = self._upto = max(self._upto, self._catch_up)
        if self._new_from is not None:  # the rows are another selection now: count afresh
            self.count_new(True)
        if flt.active:
            end = flt.settled(self.store, target)  # the rest is taken in by the next updates
            self._matches = [r.seq for r in self.store.range(self.store.first_seq, end + 1) if flt.matches(r)]
            self._upto = end
        self._catch_up = target

    def update(self) -> tuple[int, int]:
        """Returns (rows added, rows dropped from the front)."""
        store = self.store
        added = 0
        limit = self._catch_up if self.paused else store.last_seq
        if limit > self._upto:
            start = self._upto + 1
            if self.filter.active:
                self._upto = self.filter.settled(store, limit)
                matches = self.filter.matches
                new = [r.seq for r in store.range(start, self._upto + 1) if matches(r)]
                self._matches.extend(new)
                added = len(new)
                # (what the filter would have made of messages evicted meanwhile is unknown)
                new_from = self._new_from
                arrived = (
                    added if new_from is None or new_from <= start else len(new) - bisect.bisect_left(new, new_from)
                )
            else:
                self._upto = limit
                added = self._upto - max(start, store.first_seq) + 1
                arrived = self._upto - start + 1  # with those evicted before this update took them in
            if self._new_from is not None:
                self._new_added += arrived
        dropped = self._trim()
        return added, dropped

    def _trim(self) -> int:
        first = self.store.first_seq
        if not self.filter.active:
            dropped = max(0, first - self._first)
            self._first = max(self._first, first)
            return dropped
        matches = self._matches
        offset = start = self._offset
        end = len(matches)
        while offset < end and matches[offset] < first:
            offset += 1
        self._offset = offset
        if offset > 4096 and offset > end // 2:
            del matches[:offset]
            self._offset = 0
        return offset - start

    def __len__(self) -> int:
        if self.filter.active:
            return len(self._matches) - self._offset
        return max(0, self._upto - self._first + 1)

    def seq_at(self, index: int) -> int | None:
        if index < 0 or index >= len(self):
            return None
        if self.filter.active:
            return self._matches[self._offset + index]
        return self._first + index

    def record_at(self, index: int) -> Record | None:
        seq = self.seq_at(index)
        return None if seq is None else self.store.get(seq)

    def index_of(self, seq: int) -> int | None:
        """The row showing ``seq``, if it is in the view."""
        if self.filter.active:
            i = bisect.bisect_left(self._matches, seq, self._offset)
            if i < len(self._matches) and self._matches[i] == seq:
                return i - self._offset
            return None
        if self._first <= seq <= self._upto:
            return seq - self._first
        return None

    @property
    def behind(self) -> int:
        """Messages received but not yet taken into the view (while paused)."""
        return self.store.last_seq - self._upto

"""Which received messages fail their rule's JSON Schema, without validating each message as it arrives.

Two ways in, both bounded whatever the message rate:

- the live stream's marks ask :meth:`Validity.invalid` for the rows it draws (the screen's height,
  each row once: the stream keeps drawn rows), cached by sequence;
- the filter "only invalid" walks the store in order with :meth:`Validity.settle`, a few
  milliseconds per frame; the stream takes in rows only as far as the walk has settled, so
  under a firehose the filtered stream lags instead of the keys.

Only rules that decode as JSON are checked here (Protobuf and Avro payloads are validated in the
inspector, for the message shown). A schema file that changed is read again (looked at once a second).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from natstui.decoders import Rule, rule_for
from natstui.model.decode import try_json
from natstui.model.records import Record
from natstui.model.store import RingStore

SETTLE_BUDGET = 0.004  # seconds of validation per frame for the filter (20 frames a second: at most 8%)
SCHEMA_RECHECK = 1.0  # seconds between looks at a schema file's modification time
MARKS_KEPT = 4096
SUBJECTS_KEPT = 10_000


class Validity:
    def __init__(self, rules: list[Rule], clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules
        self.clock = clock
        self._rule_of: dict[str, Rule | None] = {}
        self._validators: dict[str, tuple[float, Any]] = {}  # schema path -> (looked at, validator or None)
        self._marks: OrderedDict[int, bool] = OrderedDict()
        self._invalid: set[int] = set()
        self._cursor = 0  # every sequence below this has been walked by settle()
        self.checked = 0  # payloads validated, for the tests and benchmarks
        self.spent = False  # a mark was validated since the stream last reset this (once a paint)

    @staticmethod
    def wanted(rules: list[Rule]) -> bool:
        return any(r.json_schema and r.decoder == "json" for r in rules)

    def _rule(self, subject: str) -> Rule | None:
        try:
            return self._rule_of[subject]
        except KeyError:
            pass
        if len(self._rule_of) >= SUBJECTS_KEPT:
            self._rule_of.clear()
        rule = rule_for(self.rules, subject)
        if rule is not None and not (rule.json_schema and rule.decoder == "json"):
            rule = None
        self._rule_of[subject] = rule
        return rule

    def _validator(self, path: str) -> Any:
        now = self.clock()
        hit = self._validators.get(path)
        if hit is not None and now - hit[0] < SCHEMA_RECHECK:
            return hit[1]
        from natstui.typed import SchemaError, json_validator

        try:
            validator = json_validator(path)
        except (ImportError, SchemaError):  # said at start and in the inspector; nothing to mark here
            validator = None
        if hit is not None and hit[1] is not validator:
            self._marks.clear()  # another schema: the marks are drawn again against it
        self._validators[path] = (now, validator)
        return validator

    def _check(self, rule: Rule, data: bytes) -> bool | None:
        validator = self._validator(rule.json_schema or "")
        if validator is None:
            return None
        self.checked += 1
        ok, value = try_json(data)
        return not ok or not validator.is_valid(value)

    def invalid(self, seq: int, subject: str, data: bytes, may_check: bool = True) -> bool | None:
        """True when the message fails its rule's schema (for the stream's mark); None when that is not
        known yet and ``may_check`` is false (the frame's time for marks is spent)."""
        rule = self._rule(subject)
        if rule is None:
            return False
        if seq < self._cursor:
            return seq in self._invalid
        marks = self._marks
        known = marks.get(seq)
        if known is None:
            if not may_check:
                return None
            self.spent = True
            known = bool(self._check(rule, data))
            marks[seq] = known
            if len(marks) > MARKS_KEPT:
                marks.popitem(last=False)
        return known

    def settle(self, store: RingStore, upto: int, budget: float = SETTLE_BUDGET) -> int:
        """Validate stored messages in order up to ``upto`` for at most ``budget`` seconds;
        returns the last sequence whose verdict is known (messages already evicted count as known)."""
        start = max(self._cursor, store.first_seq)
        if start > upto:
            self._cursor = max(self._cursor, start)
            return upto
        deadline = self.clock() + budget
        invalid, rule_of, done = self._invalid, self._rule, start - 1
        for record in store.range(start, upto + 1):
            msg = record.msg
            rule = rule_of(msg.subject)
            if rule is not None and self._check(rule, msg.data or b""):
                invalid.add(record.seq)
            done = record.seq
            if rule is not None and self.clock() > deadline:
                break
        self._cursor = done + 1
        if len(invalid) > 4096 and len(invalid) > store.capacity // 2:
            first = store.first_seq
            self._invalid = {seq for seq in invalid if seq >= first}
        return done

    def is_invalid(self, record: Record) -> bool:
        """The filter's question: known for what settle() walked; validated now (and kept) for a record
        past it, which only a recording's filter asks about (the stream takes in settled records only)."""
        if record.seq < self._cursor:
            return record.seq in self._invalid
        return bool(self.invalid(record.seq, record.msg.subject, record.msg.data or b""))

"""Find a message by content: scan a stream's history in batched direct gets, one batch at a time.

Never a consumer, never an ack: with the stream's ``allow_direct`` each request is
``$JS.API.DIRECT.GET.<stream>`` with ``{"seq": N, "batch": B}`` (and ``next_by_subj`` for a
subject filter), which the server answers with up to B messages and an ``EOB`` status (204);
without direct gets, windows of sequences are read with ``STREAM.MSG.GET``, a few requests in
flight. Either way a work-queue or interest stream keeps every message. At most one batch is
held at a time, so memory stays bounded whatever the stream's size; only a match is converted
to a :class:`StoredMessage`. The progress fields are read by the UI on its timer.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

from natstui.client.inbox import bulk_inbox
from natstui.client.jetstream import JetStream, JetStreamError, StoredMessage, _from_direct
from natstui.model.find import Query, parse_range, parse_sequence
from natstui.model.subjects import SubjectPattern
from natstui.model.timefmt import parse_user_time

BATCH = 1000  # messages per direct get
GET_WINDOW = 32  # message gets in flight without direct gets


class Finder:
    """Scans from a sequence, forward or backward, to the next message the query matches.

    ``first`` and ``last`` bound the scan (inclusive). ``seq`` (the sequence reached),
    ``scanned``, ``matches`` and :attr:`rate` say how it goes; ``matches`` counts every match
    found by this finder (each ``f`` stops at one).
    """

    def __init__(
        self,
        js: JetStream,
        stream: str,
        query: Query,
        *,
        first: int,
        last: int,
        subject: str | None = None,
        direct: bool = True,
        batch: int | None = None,
    ) -> None:
        self.js = js
        self.stream = stream
        self.query = query
        self.first = max(1, first)
        self.last = last
        self.subject = subject or None
        self._pattern = SubjectPattern(subject) if subject else None
        self.direct = direct
        self.batch = batch or BATCH
        self.seq = 0
        self.scanned = 0  # in the current (or last) scan
        self.matches = 0
        self.running = False
        self.exhausted = False  # the last scan reached the end of the range without a match
        self._started = 0.0
        self._elapsed = 0.0
        self._sub: Any = None
        self._inbox = ""
        self._request = 0
        self._current = ""
        self._got: list[Any] = []
        self._end: asyncio.Event | None = None
        self._status: tuple[str, str] | None = None

    # -- progress -----------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started if self.running else self._elapsed

    @property
    def rate(self) -> float:
        elapsed = self.elapsed
        return self.scanned / elapsed if elapsed > 0 else 0.0

    # -- the scan ------------------------------------------------------------------------------
    async def find(self, start: int, backward: bool = False) -> StoredMessage | None:
        """The first match at or after ``start`` (at or before, ``backward``) in the range; None when there is none.

        Cancelling the task that awaits it stops the scan at once (the finder can scan again).
        """
        self.running = True
        self.exhausted = False
        self.scanned = 0
        self.seq = start
        self._started = time.monotonic()
        try:
            if self.direct:
                found = await (self._direct_backward(start) if backward else self._direct_forward(start))
            else:
                found = await self._by_get(start, backward)
        finally:
            self._elapsed = time.monotonic() - self._started
            self.running = False
        if found is None:
            self.exhausted = True
        else:
            self.matches += 1
        return found

    async def _direct_forward(self, start: int) -> StoredMessage | None:
        seq = max(start, self.first)
        matches = self.query.matches
        last = self.last
        while seq <= last:
            got = await self._direct_batch(seq, self.batch)
            if not got:
                self.seq = last
                return None
            for msg in got:
                s = int(msg.headers["Nats-Sequence"])
                if s > last:
                    self.seq = last
                    return None
                self.scanned += 1
                if matches(msg.data):
                    self.seq = s
                    return _from_direct(self.stream, msg)
            self.seq = s
            seq = s + 1
        return None

    async def _direct_backward(self, start: int) -> StoredMessage | None:
        hi = min(start, self.last)
        matches = self.query.matches
        while hi >= self.first:
            lo = max(self.first, hi - self.batch + 1)
            window: list[Any] = []
            seq = lo
            while seq <= hi:  # read the window [lo, hi] forward, then look at it from its end
                got = await self._direct_batch(seq, hi - seq + 1)
                if not got:
                    break
                window.extend(m for m in got if int(m.headers["Nats-Sequence"]) <= hi)
                seq = int(got[-1].headers["Nats-Sequence"]) + 1
            for msg in reversed(window):
                self.scanned += 1
                if matches(msg.data):
                    self.seq = int(msg.headers["Nats-Sequence"])
                    return _from_direct(self.stream, msg)
            self.seq = lo
            hi = lo - 1
        return None

    async def _direct_batch(self, seq: int, count: int) -> list[Any]:
        """Up to ``count`` raw messages from ``seq`` on ([] at the end); one request."""
        if self._sub is None:
            nc = self.js.nc
            self._inbox = bulk_inbox(nc)
            self._sub = await nc.subscribe(f"{self._inbox}.*", cb=self._on_msg)
        self._request += 1
        self._current = f"{self._inbox}.{self._request}"
        self._got = []
        self._status = None
        self._end = end = asyncio.Event()
        request: dict[str, Any] = {"seq": seq, "batch": count}
        if self.subject:
            request["next_by_subj"] = self.subject
        await self.js.nc.publish(
            f"{self.js.prefix}.DIRECT.GET.{self.stream}", json.dumps(request).encode(), reply=self._current
        )
        try:
            await asyncio.wait_for(end.wait(), self.js.timeout)
        except asyncio.TimeoutError:
            raise JetStreamError(
                f"no answer to a direct get from sequence {seq:,} in {self.js.timeout:.0f} s"
            ) from None
        if self._status is not None and self._status[0] not in ("204", "404"):
            code, description = self._status
            raise JetStreamError(description or f"status {code}", int(code) if code.isdigit() else 0)
        return self._got

    async def _on_msg(self, msg: Any) -> None:
        if msg.subject != self._current:
            return  # the answer to a request given up (a cancelled scan)
        headers = msg.headers
        if headers and "Nats-Sequence" not in headers and "Status" in headers:
            self._status = (headers.get("Status", ""), headers.get("Description", ""))
            if self._end is not None:
                self._end.set()
            return
        self._got.append(msg)

    async def _by_get(self, start: int, backward: bool) -> StoredMessage | None:
        step = -1 if backward else 1
        seq = min(start, self.last) if backward else max(start, self.first)
        pattern = self._pattern
        while self.first <= seq <= self.last:
            end = max(self.first, seq - GET_WINDOW + 1) if backward else min(self.last, seq + GET_WINDOW - 1)
            window = list(range(seq, end + step, step))
            got = await asyncio.gather(*(self._get(s) for s in window))
            for message in got:
                if message is None or (pattern is not None and not pattern.matches(message.subject)):
                    continue
                self.scanned += 1
                if self.query.matches(message.data):
                    self.seq = message.seq
                    return message
            self.seq = end
            seq = end + step
        return None

    async def _get(self, seq: int) -> StoredMessage | None:
        from natstui.client.jetstream import _from_get

        try:
            body = await self.js.api(f"STREAM.MSG.GET.{self.stream}", {"seq": seq}, bulk=True)
        except JetStreamError as exc:
            if exc.code == 404 or exc.err_code == 10037:  # deleted, or never there
                return None
            raise
        return _from_get(self.stream, body.get("message") or {})

    async def close(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            try:
                await sub.unsubscribe()
            except Exception:
                pass


async def resolve_range(
    js: JetStream,
    stream: str,
    text: str,
    first_seq: int,
    last_seq: int,
    subject: str | None = None,
    direct: bool = True,
) -> tuple[int, int]:
    """``A..B`` (sequences or times, either side open) to the inclusive sequences to scan.

    A time is the first message stored at or after it; the end time is exclusive.
    """
    start_text, end_text = parse_range(text)
    first, last = first_seq, last_seq
    if start_text:
        first = await _side(js, stream, start_text, first_seq, last_seq, subject, direct, default=last_seq + 1)
    if end_text:
        seq = parse_sequence(end_text)
        if seq is not None:
            last = seq
        else:
            last = await _side(js, stream, end_text, first_seq, last_seq, subject, direct, default=last_seq + 1) - 1
    return max(first, first_seq), min(last, last_seq)


async def _side(
    js: JetStream,
    stream: str,
    text: str,
    first_seq: int,
    last_seq: int,
    subject: str | None,
    direct: bool,
    default: int,
) -> int:
    seq = parse_sequence(text)
    if seq is not None:
        return seq
    when: datetime = parse_user_time(text)  # ValueError says what it accepts
    found = await js.seek_time(stream, when, first_seq, last_seq, subject, direct)
    return found.message.seq if found.message is not None else default

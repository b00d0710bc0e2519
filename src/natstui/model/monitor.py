"""Takes in what the store gained since the last look: subject counts, rates, totals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from natstui.model.latency import LatencyTracker
from natstui.model.store import RingStore
from natstui.model.subjects import SubjectTrie


class Monitor:
    """Called on the UI's timer, never per message.

    ``pump`` feeds the subject trie from the records appended since the last
    call; ``sample`` (about once a second) computes rates.
    """

    def __init__(
        self, store: RingStore, trie: SubjectTrie | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.store = store
        self.trie = trie or SubjectTrie()
        self.clock = clock or store.clock
        self._pumped = store.first_seq - 1  # what the store already holds is taken in too
        self.missed = 0  # records evicted before they were pumped (counted, not named)
        self.rate = 0.0
        self._last_total = store.last_seq
        self._last_sample: float | None = None
        self.latency = LatencyTracker(clock=self.clock)  # requests paired with their replies

    def pump(self) -> int:
        store = self.store
        last = store.last_seq
        if last == self._pumped:
            return 0
        start = self._pumped + 1
        first = store.first_seq
        if start < first:
            self.missed += first - start
            start = first
        counts = Counter(r.msg.subject for r in store.range(start, last + 1))
        self.trie.add_many(counts)
        if self.latency.enabled:
            self.latency.feed(store.range(start, last + 1))
        new = last - self._pumped
        self._pumped = last
        return new

    def sample(self) -> None:
        now = self.clock()
        self.trie.sample(now)
        self.latency.expire(now)
        total = self.store.last_seq
        if self._last_sample is not None and now > self._last_sample:
            self.rate = (total - self._last_total) / (now - self._last_sample)
        self._last_sample = now
        self._last_total = total

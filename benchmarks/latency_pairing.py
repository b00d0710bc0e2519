#!/usr/bin/env python
"""Latency pairing benchmark: the firehose intake with request/reply pairing on, against it off.

Runs the firehose benchmark's app phase (the real app, headless, Live view shown, subscribed to
``>``) in rounds, pairing off and on in alternating order, with a publisher that makes every
``--request-every``-th message a request answered by the next message. Prints each intake rate
and the ratio on/off (target: pairing costs at most 5%, ratio >= 0.95). Same server, same run.

    python benchmarks/latency_pairing.py [--count 200000] [--rounds 3] [--request-every 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import firehose
from _common import benchmark_main, versions

RATIO_TARGET = 0.95


def pairing_cost(count: int, request_every: int) -> float:
    """Microseconds per message that the pairing itself takes (the tracker fed the same mix, in process)."""
    import time

    from natstui.model.latency import LatencyTracker
    from natstui.model.records import Record, StoredMsg

    now = time.time()
    records = []
    for i in range(count):
        if i % request_every == 0:
            msg = StoredMsg(f"bench.s{i % 100}.data", b"x", None, f"_INBOX.bench.{i}")
        elif i % request_every == 1:
            msg = StoredMsg(f"_INBOX.bench.{i - 1}", b"x")
        else:
            msg = StoredMsg(f"bench.s{i % 100}.data", b"x")
        records.append(Record(i + 1, now, msg))
    best = float("inf")
    for _ in range(5):
        tracker = LatencyTracker()
        t0 = time.perf_counter()
        tracker.feed(records)
        best = min(best, time.perf_counter() - t0)
    return best / count * 1e6


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="messages per phase (default 200000)")
    parser.add_argument("--subjects", type=int, default=100)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of off+on (default 3)")
    parser.add_argument("--request-every", type=int, default=10, help="one request (and its reply) per N messages")
    args = parser.parse_args(argv)

    from natstui.demo.server import EmbeddedServer

    rates: dict[bool, list[float]] = {False: [], True: []}
    paired: list[int] = []
    with EmbeddedServer(jetstream=False) as server:
        for round_ in range(args.rounds):
            order = (False, True) if round_ % 2 == 0 else (True, False)
            for pairing in order:
                args.pairing = pairing
                result = firehose.run_app(server.url, args)
                rates[pairing].append(result["rate"])
                if pairing:
                    paired.append(result["paired"])
    cost = pairing_cost(args.count, args.request_every)
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    ratio = on / off if off else 0.0
    ok = ratio >= RATIO_TARGET
    print()
    print("natstui latency pairing benchmark")
    print("=" * 78)
    found = versions()
    print(f"nats-py {found['nats-py']}, nats-server {found['nats-server']}, textual {found['textual']}")
    print(
        f"workload          {args.count:,} msgs x {args.size} B, one request+reply per {args.request_every}, "
        f"{args.rounds} rounds"
    )
    print(f"pairing off       median {off:,.0f} msgs/s  [{', '.join(f'{r:,.0f}' for r in rates[False])}]")
    print(f"pairing on        median {on:,.0f} msgs/s  [{', '.join(f'{r:,.0f}' for r in rates[True])}]")
    print(f"pairs made        {', '.join(f'{p:,}' for p in paired)} per round")
    print(f"ratio on/off      {ratio:.3f}   target >= {RATIO_TARGET}   {'PASS' if ok else 'FAIL'}")
    share = cost * off / 1e6
    print(
        f"pairing alone     {cost:.3f} us a message in process (best of 5): {share:.1%} of a second at {off:,.0f} msgs/s"
    )
    print("=" * 78)
    return 0


if __name__ == "__main__":
    sys.exit(main())

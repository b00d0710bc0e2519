#!/usr/bin/env python
"""Events benchmark: 10,000 advisories in 10 s do not slow the Live view.

Starts its own nats-server on a free loopback port, then runs the real app (headless, Live view
shown, subscribed to ``bench.>``; the Events view opened once before, so that its subscriptions
collect in the background) while a publisher process sends a firehose on ``bench.*`` at ``--rate``
messages a second for ``--seconds``. Two kinds of run, alternated ``--rounds`` times:

- **without events**: the firehose alone;
- **with events**: the firehose, and a second process publishing ``--advisories`` JetStream
  advisories (a mix of max deliveries, naks, API audits of ~1 KB, consumer and stream actions,
  ack metrics and a type natstui does not know) paced over the same seconds on
  ``$JS.EVENT.ADVISORY.*`` and ``$JS.EVENT.METRIC.*``.

The Live view's intake is what its store gained per second from the end of the first second to
the end of the run. The figure is the ratio of the medians (with / without); target >= 0.9. The
default rate is one this 2-core machine's app takes in while other work runs on it; ``--rate 0``
sends flat out (the server then closes the app's connection as a slow consumer after a few seconds,
and reconnects lose messages of both kinds: a measure of the server's limits, not of the view). Also shown: the events the
Events view took in (all of them, none dropped), event-loop lag p95 and, after the run, how long
the Events view takes to show with its buffer full.

    python benchmarks/events.py [--seconds 10] [--rate 30000] [--advisories 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    benchmark_main,
    load_average,
    machine_rows,
    median,
    ms,
    percentile,
    print_kv,
    publisher_spec,
    read_result,
    reap,
    spawn_script,
    start_paced_publisher,
    versions,
)

RATIO_TARGET = 0.9
CONNECT_DEADLINE = 30.0
SIZE = (160, 48)

# Publishes ``count`` advisories paced over ``seconds``; prints one JSON line (sent, elapsed).
ADVISORIES = r"""
import asyncio, json, sys, time
import nats

JS = "io.nats.jetstream.advisory.v1."

def advisories():
    audit_response = json.dumps({"type": "io.nats.jetstream.api.v1.consumer_info_response", "name": "workers",
                                 "stream_name": "WORK", "config": {"ack_policy": "explicit", "max_deliver": 5},
                                 "delivered": {"consumer_seq": 100, "stream_seq": 100}, "num_pending": 5})
    i = 0
    while True:
        i += 1
        k = i % 7
        if k == 0:
            yield ("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.WORK.workers",
                   {"type": JS + "max_deliver", "id": str(i), "stream": "WORK", "consumer": "workers",
                    "stream_seq": i, "deliveries": 5})
        elif k == 1:
            yield ("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.WORK.workers",
                   {"type": JS + "nak", "id": str(i), "stream": "WORK", "consumer": "workers",
                    "consumer_seq": i, "stream_seq": i, "deliveries": 2})
        elif k == 2:
            yield ("$JS.EVENT.ADVISORY.API",
                   {"type": JS + "api_audit", "id": str(i), "server": "bench",
                    "client": {"host": "127.0.0.1", "id": i, "acc": "APP", "user": "app", "name": "worker",
                               "lang": "go", "ver": "1.37.0", "server": "bench"},
                    "subject": "$JS.API.CONSUMER.INFO.WORK.workers", "request": "", "response": audit_response})
        elif k == 3:
            yield ("$JS.EVENT.ADVISORY.CONSUMER.CREATED.WORK.c" + str(i),
                   {"type": JS + "consumer_action", "id": str(i), "stream": "WORK", "consumer": "c" + str(i),
                    "action": "create"})
        elif k == 4:
            yield ("$JS.EVENT.ADVISORY.STREAM.UPDATED.WORK",
                   {"type": JS + "stream_action", "id": str(i), "stream": "WORK", "action": "modify"})
        elif k == 5:
            yield ("$JS.EVENT.METRIC.CONSUMER.ACK.WORK.workers",
                   {"type": "io.nats.jetstream.metric.v1.consumer_ack", "id": str(i), "stream": "WORK",
                    "consumer": "workers", "consumer_seq": i, "stream_seq": i, "ack_time": 1500000, "deliveries": 1})
        else:
            yield ("$JS.EVENT.ADVISORY.FUTURE.THING", {"type": "io.nats.jetstream.advisory.v9.future", "id": str(i)})

async def main(url, count, seconds):
    nc = await nats.connect(url, name="bench-advisories", allow_reconnect=False)
    source = advisories()
    # made before the clock starts: the process spends its time publishing, not encoding
    messages = [(subject, json.dumps(doc).encode()) for subject, doc in (next(source) for _ in range(count))]
    rate = count / seconds
    t0 = time.monotonic()
    sent = 0
    while sent < count:
        due = min(count, int((time.monotonic() - t0) * rate) + 1)
        while sent < due:
            subject, data = messages[sent]
            await nc.publish(subject, data)
            sent += 1
        await asyncio.sleep(0.002)
    elapsed = time.monotonic() - t0
    await nc.flush(timeout=30)
    await nc.close()
    print(json.dumps({"sent": sent, "elapsed": elapsed}), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
"""


async def run_once(url: str, args: argparse.Namespace, with_events: bool) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected, wait_until

    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), subjects=["bench.>"]))
    perf = time.perf_counter
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot, timeout=CONNECT_DEADLINE)
        await pilot.press("0")
        await wait_until(
            lambda: app.current_mode == "events" and app.screen.sources.jetstream.ready, CONNECT_DEADLINE, pilot
        )
        events = app.screen
        await pilot.press("1")
        await wait_until(lambda: app.current_mode == "live" and getattr(app.screen, "ready", False), 10, pilot)
        await pilot.pause(0.3)
        store = app.store
        stop = asyncio.Event()
        lags: list[float] = []

        async def lag_probe() -> None:
            while not stop.is_set():
                t = perf()
                await asyncio.sleep(0.005)
                lags.append(perf() - t - 0.005)

        probe = asyncio.create_task(lag_probe())
        firehose = start_paced_publisher(
            publisher_spec(url, rate=args.rate, duration=args.seconds, size=args.size, axes={"i": 100})
        )
        advisories = spawn_script(ADVISORIES, url, args.advisories, args.seconds, text=True) if with_events else None
        t0 = perf()
        cpu0 = time.process_time()
        mark_a = mark_b = None
        while perf() - t0 < args.seconds + 30 and firehose.poll() is None:
            await asyncio.sleep(0.01)
            elapsed = perf() - t0
            if mark_a is None and elapsed >= 1.0:
                mark_a = (perf(), store.total)
            if elapsed <= args.seconds:
                mark_b = (perf(), store.total)
        cpu = time.process_time() - cpu0
        stop.set()
        await probe
        sent = read_result(firehose, 60)
        adv = read_result(advisories, 60) if advisories is not None else {"sent": 0}
        # every advisory published is in the Events buffer (a sentinel-free check: the count)
        deadline = time.monotonic() + 10
        while events.sources.store.total < adv["sent"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        taken = events.sources.store.total
        # the firehose's backlog taken in (nothing new for 0.5 s) before the Events view is shown
        last, still = store.total, perf()
        while perf() - still < 0.5 and time.monotonic() < deadline + 20:
            await asyncio.sleep(0.05)
            if store.total != last:
                last, still = store.total, perf()
        # the Events view with its buffer full: key to its first drawn frame
        shown = perf()
        await pilot.press("0")
        await wait_until(lambda: app.current_mode == "events" and len(events.index) >= min(taken, 10_000), 10, pilot)
        await pilot.pause(0)
        shown = perf() - shown
        dropped = app.session.total_dropped
        reconnects = app.session.nc.stats.get("reconnects", 0)
        await pilot.pause(0.05)
    if advisories is not None:
        reap(advisories)
    a_t, a_n = mark_a or (0.0, 0)
    b_t, b_n = mark_b or (0.0, 0)
    return {
        "with_events": with_events,
        "intake": (b_n - a_n) / (b_t - a_t) if b_t > a_t else 0.0,
        "firehose_sent": sent.get("sent", 0),
        "advisories_sent": adv["sent"],
        "advisories_taken": taken,
        "lag_p95": percentile(lags, 95),
        "events_shown": shown,
        "dropped": dropped,
        "reconnects": reconnects,
        "cpu": cpu,
    }


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run (default 10)")
    parser.add_argument("--advisories", type=int, default=10_000, help="advisories per run (default 10000)")
    parser.add_argument("--size", type=int, default=128, help="firehose payload bytes (default 128)")
    parser.add_argument("--rate", type=int, default=30_000, help="firehose msgs/s, 0 = flat out (default 30000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each kind, alternated (default 3)")
    args = parser.parse_args(argv)
    if args.seconds < 2 or args.advisories < 1 or args.rounds < 1:
        parser.error("--seconds must be >= 2, --advisories and --rounds >= 1")

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    runs: list[dict] = []
    with EmbeddedServer(jetstream=False) as server:
        print(f"nats-server at {server.url}", flush=True)
        for i in range(args.rounds):
            for with_events in (False, True):
                label = "with events" if with_events else "without events"
                print(f"[{i + 1}/{args.rounds}] {label} ...", flush=True)
                result = asyncio.run(asyncio.wait_for(run_once(server.url, args, with_events), args.seconds + 120))
                print(
                    f"  Live intake {result['intake']:,.0f} msg/s; advisories {result['advisories_taken']:,}"
                    f" of {result['advisories_sent']:,}; lag p95 {ms(result['lag_p95'])} ms;"
                    f" dropped by the client {result['dropped']:,}; reconnections {result['reconnects']}",
                    flush=True,
                )
                runs.append(result)
    without = [r["intake"] for r in runs if not r["with_events"]]
    with_ = [r["intake"] for r in runs if r["with_events"]]
    ratio = median(with_) / median(without) if median(without) else 0.0
    evented = [r for r in runs if r["with_events"]]
    rows = [
        *[(k, v) for k, v in versions().items()],
        *machine_rows(load_start, load_average()),
        ("", ""),
        (
            "run",
            f"{args.seconds:.0f} s of firehose ({args.size} B, {f'{args.rate:,}/s' if args.rate else 'flat out'})"
            f" x {args.rounds} rounds of each kind",
        ),
        ("advisories", f"{args.advisories:,} per run with events ({args.advisories / args.seconds:,.0f}/s)"),
        (
            "Live intake without events",
            f"median {median(without):,.0f} msg/s  [{', '.join(f'{v:,.0f}' for v in without)}]",
        ),
        ("Live intake with events", f"median {median(with_):,.0f} msg/s  [{', '.join(f'{v:,.0f}' for v in with_)}]"),
        (
            "ratio (with / without)",
            f"{ratio:.2f}  (target >= {RATIO_TARGET}: {'PASS' if ratio >= RATIO_TARGET else 'FAIL'})",
        ),
        (
            "advisories taken in",
            ", ".join(f"{r['advisories_taken']:,}/{r['advisories_sent']:,}" for r in evented),
        ),
        (
            "app CPU during a run",
            f"without {median([r['cpu'] for r in runs if not r['with_events']]):.2f} s, "
            f"with {median([r['cpu'] for r in evented]):.2f} s (this process: the app, its client and the probes)",
        ),
        ("firehose sent", ", ".join(f"{r['firehose_sent']:,}" for r in runs)),
        ("dropped by the client, reconnections", ", ".join(f"{r['dropped']:,}/{r['reconnects']}" for r in runs)),
        (
            "event-loop lag p95",
            f"without {ms(median([r['lag_p95'] for r in runs if not r['with_events']]))} ms, "
            f"with {ms(median([r['lag_p95'] for r in evented]))} ms",
        ),
        (
            "Events view shown after a run",
            f"{ms(median([r['events_shown'] for r in evented]))} ms (key to its rows, buffer of 10,000 events full)",
        ),
    ]
    print_kv("Events: 10,000 advisories in 10 s while the Live view takes a firehose", rows, width=100)
    print(json.dumps({"ratio": round(ratio, 3), "without": without, "with": with_}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

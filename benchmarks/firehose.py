#!/usr/bin/env python
"""Firehose benchmark: how fast natstui takes in messages, compared with bare nats-py.

Starts its own nats-server on a free loopback port, then (per round):

1. Baseline: a bare nats-py subscriber (a separate process) on ``>`` with a
   trivial counting callback, while a publisher process sends ``--count``
   messages of ``--size`` bytes across ``--subjects`` subjects as fast as it can.
2. App: the real natstui app, headless (``App.run_test``), Live view visible and
   redrawing, subscribed to ``>``; the same publisher runs again. Intake is read
   from ``app.store.total``; event-loop lag is sampled meanwhile. Afterwards a
   few more messages are sent to check the app still receives them.

Prints a report and exits 0 (unless something crashed). Every phase has a
deadline, and child processes are always terminated.

    python benchmarks/firehose.py [--count 300000] [--subjects 100] [--size 128] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import benchmark_main, reap, reap_all, server_version, spawn_script, version  # noqa: E402

RATIO_TARGET = 0.6
LAG_P95_TARGET_MS = 50.0
PHASE_DEADLINE = 120.0  # seconds, per phase
CONNECT_DEADLINE = 30.0
IDLE_END = 1.0  # a phase's intake ends when nothing has arrived for this long
FLUSH_EVERY = 5000  # the publisher flushes every this many messages
LAG_INTERVAL = 0.005
LIVENESS_COUNT = 100  # messages sent after the burst to check the app still receives
LIVENESS_SETTLE = 3.0  # wait before the liveness check: lets an RTT ping in flight resolve

# -- child processes -----------------------------------------------------------------------

PUBLISHER = r"""
import asyncio, json, sys, time
import nats

async def main(url, count, subjects, size, flush_every, request_every):
    nc = await nats.connect(url, name="bench-publisher", allow_reconnect=False)
    names = [f"bench.s{i}.data" for i in range(subjects)]
    payload = b"x" * size
    publish = nc.publish
    t0 = time.perf_counter()
    for i in range(count):
        if request_every and i % request_every == 0:  # a request, answered by the next message
            await publish(names[i % subjects], payload, reply=f"_INBOX.bench.{i}")
        elif request_every and i % request_every == 1:
            await publish(f"_INBOX.bench.{i - 1}", payload)
        else:
            await publish(names[i % subjects], payload)
        if i % flush_every == flush_every - 1:
            await nc.flush()
    await nc.flush()
    elapsed = time.perf_counter() - t0
    await nc.close()
    print(json.dumps({"sent": count, "elapsed": elapsed}), flush=True)

asyncio.run(main(*sys.argv[1:2], *map(int, sys.argv[2:7])))
"""

SUBSCRIBER = r"""
import asyncio, json, sys, time
import nats
from nats import errors as nats_errors

async def main(url, count, idle_end, deadline, lag_interval):
    errors = []
    slow = 0

    async def on_error(exc):
        nonlocal slow
        if isinstance(exc, nats_errors.SlowConsumerError):
            slow += 1
        else:
            errors.append(repr(exc))

    nc = await nats.connect(url, name="bench-subscriber", allow_reconnect=False, error_cb=on_error)
    received = 0
    first = last = None
    perf = time.perf_counter

    async def cb(msg):
        nonlocal received, first, last
        received += 1
        last = perf()
        if first is None:
            first = last

    await nc.subscribe(">", cb=cb, pending_msgs_limit=1_000_000, pending_bytes_limit=1 << 30)
    await nc.flush()

    # Event-loop lag of the bare client, for comparison with the app's (same probe).
    lags = []
    done = False

    async def lag_probe():
        while not done:
            t = perf()
            await asyncio.sleep(lag_interval)
            if first is not None:
                lags.append(perf() - t - lag_interval)

    lag_task = asyncio.create_task(lag_probe())
    print("READY", flush=True)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        await asyncio.sleep(0.05)
        if received >= count:
            break
        if first is not None and perf() - last > idle_end:
            break
    timed_out = time.monotonic() >= end
    done = True
    await lag_task
    await nc.close()
    print(json.dumps({
        "received": received,
        "first": first,
        "last": last,
        "lags": lags,
        "errors": errors[:5],
        "error_count": len(errors),
        "slow_consumer": slow,
        "timed_out": timed_out,
    }), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])))
"""


def finish(proc: subprocess.Popen, timeout: float) -> dict:
    """Wait for a child to print its one JSON line; kill it if it overruns."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reap(proc)
        raise RuntimeError(f"child process did not finish within {timeout:.0f}s") from None
    # (on any other exception, e.g. Ctrl-C, the child stays listed for reap_all)
    reap(proc)  # it has ended: only forgotten
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"child process exited {proc.returncode} without a result:\n{err.strip()[-2000:]}")


def start_publisher(url: str, count: int, args: argparse.Namespace) -> subprocess.Popen:
    return spawn_script(PUBLISHER, url, count, args.subjects, args.size, FLUSH_EVERY, getattr(args, "request_every", 0))


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# -- phase 1: baseline ----------------------------------------------------------------------


def run_baseline(url: str, args: argparse.Namespace) -> dict:
    sub = spawn_script(SUBSCRIBER, url, args.count, IDLE_END, PHASE_DEADLINE, LAG_INTERVAL)
    try:
        assert sub.stdout is not None and sub.stderr is not None
        ready, _, _ = select.select([sub.stdout], [], [], CONNECT_DEADLINE)
        line = sub.stdout.readline() if ready else ""
        if line.strip() != "READY":
            reap(sub)
            raise RuntimeError("baseline subscriber did not start")
        pub = start_publisher(url, args.count, args)
        published = finish(pub, PHASE_DEADLINE)
        result = finish(sub, PHASE_DEADLINE + 10)
    finally:
        reap_all()
    received = result["received"]
    span = (result["last"] - result["first"]) if result["first"] is not None else 0.0
    lags = result["lags"]
    return {
        "received": received,
        "span": span,
        "rate": received / span if span > 0 else 0.0,
        "dropped": args.count - received,
        "slow_consumer": result["slow_consumer"],
        "pub_rate": published["sent"] / published["elapsed"] if published["elapsed"] > 0 else 0.0,
        "lags": lags,
        "errors": result["error_count"],
        "timed_out": result["timed_out"],
    }


# -- phase 2: the app ------------------------------------------------------------------------


async def run_app_async(url: str, args: argparse.Namespace) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected
    from natstui.ui.widgets.status import StatusBar

    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), buffer=100_000))
    app.monitor.latency.enabled = getattr(args, "pairing", True)  # latency_pairing.py compares both
    perf = time.perf_counter
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_connected(app, pilot, timeout=CONNECT_DEADLINE)
        await pilot.pause(0.3)  # let the first frames render before the firehose starts
        screen_name = type(app.screen).__name__
        store = app.store
        stop = asyncio.Event()

        lags: list[float] = []

        async def lag_probe() -> None:
            sleep = asyncio.sleep
            while not stop.is_set():
                t = perf()
                await sleep(LAG_INTERVAL)
                lags.append(perf() - t - LAG_INTERVAL)

        # Evidence that the Live view redraws during the run: distinct texts seen in the
        # stream header ("N messages") and the status bar ("N received"), every 100 ms.
        seen_info: set = set()
        seen_status: set = set()

        async def view_probe() -> None:
            while not stop.is_set():
                try:
                    screen = app.screen
                    seen_info.add(screen.query_one("#stream-info").text.plain)
                    seen_status.add(screen.query_one(StatusBar).text.plain)
                except Exception:
                    pass
                await asyncio.sleep(0.1)

        intake: dict = {"first": None, "last": None, "timed_out": False}

        async def intake_probe() -> None:
            end = time.monotonic() + PHASE_DEADLINE
            last_total = store.total
            last_change = perf()
            while time.monotonic() < end:
                await asyncio.sleep(0.005)
                now = perf()
                total = store.total
                if total != last_total:
                    if intake["first"] is None:
                        intake["first"] = now
                    intake["last"] = now
                    last_total = total
                    last_change = now
                if total >= args.count:
                    return
                if intake["first"] is not None and now - last_change > IDLE_END:
                    return
            intake["timed_out"] = True

        tasks = [asyncio.create_task(lag_probe()), asyncio.create_task(view_probe())]
        pub = start_publisher(url, args.count, args)
        try:
            await intake_probe()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        pub_deadline = time.monotonic() + PHASE_DEADLINE
        while pub.poll() is None and time.monotonic() < pub_deadline:
            await asyncio.sleep(0.05)
        published = finish(pub, 5)
        received = store.total
        slow_consumer = app.session.total_dropped

        # Liveness after the burst: the app measures RTT every 2 s with a 2 s timeout;
        # give a ping in flight time to resolve, then check a few more messages arrive.
        await asyncio.sleep(LIVENESS_SETTLE)
        before = store.total
        probe_pub = start_publisher(url, LIVENESS_COUNT, args)
        alive_deadline = time.monotonic() + 5.0
        while store.total < before + LIVENESS_COUNT and time.monotonic() < alive_deadline:
            await asyncio.sleep(0.05)
        while probe_pub.poll() is None and time.monotonic() < alive_deadline + 5:
            await asyncio.sleep(0.05)
        reap(probe_pub)
        after_burst = store.total - before

        span = (intake["last"] - intake["first"]) if intake["first"] is not None else 0.0
        result = {
            "received": received,
            "span": span,
            "rate": received / span if span > 0 else 0.0,
            "slow_consumer": slow_consumer,
            "dropped": slow_consumer + (args.count - received),
            "lags": lags,
            "pub_rate": published["sent"] / published["elapsed"] if published["elapsed"] > 0 else 0.0,
            "timed_out": intake["timed_out"],
            "screen": screen_name,
            "paired": app.monitor.latency.paired,
            "info_updates": len(seen_info),
            "status_updates": len(seen_status),
            "after_burst": after_burst,
            "state_after": app.session.state.value,
        }
        await pilot.pause(0.05)
    return result


class _Capture(logging.Handler):
    """Collects what nats-py logs (it logs, and swallows, errors in its read loop)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {exc.__class__.__name__}: {exc}"
        self.records.append(text)


def run_app(url: str, args: argparse.Namespace) -> dict:
    capture = _Capture()
    logger = logging.getLogger("nats")
    logger.addHandler(capture)
    logger.propagate = False
    try:
        result = asyncio.run(asyncio.wait_for(run_app_async(url, args), PHASE_DEADLINE * 2 + 60))
    finally:
        logger.removeHandler(capture)
        logger.propagate = True
        reap_all()
    result["nats_errors"] = capture.records
    return result


# -- report ----------------------------------------------------------------------------------


def fmt_rate(v: float) -> str:
    return f"{v:,.0f} msgs/s"


def spread(values: list[float], fmt: str) -> str:
    if len(values) < 2:
        return ""
    return f"  [rounds: {', '.join(format(v, fmt) for v in values)}]"


def report(args, versions: dict[str, str], bases: list[dict], apps: list[dict]) -> None:
    med = statistics.median
    base_rates = [b["rate"] for b in bases]
    app_rates = [a["rate"] for a in apps]
    ratios = [a["rate"] / b["rate"] if b["rate"] > 0 else 0.0 for a, b in zip(apps, bases)]
    ratio = med(ratios)
    app_lags = [x for a in apps for x in a["lags"]]
    base_lags = [x for b in bases for x in b["lags"]]
    lag_p95 = percentile(app_lags, 95) * 1000
    ratio_ok = ratio >= RATIO_TARGET
    lag_ok = lag_p95 < LAG_P95_TARGET_MS
    n = args.rounds
    label = "median " if n > 1 else ""
    alive = [a["after_burst"] >= LIVENESS_COUNT for a in apps]
    nats_errors = [e for a in apps for e in a["nats_errors"]]

    def ms(samples: list[float], p: float) -> str:
        return f"{percentile(samples, p) * 1000:.1f} ms"

    rows = [
        ("python", versions["python"]),
        ("textual", versions["textual"]),
        ("nats-py", versions["nats-py"]),
        ("nats-server", versions["nats-server"]),
        ("cpus", str(os.cpu_count())),
        (
            "workload",
            f"{args.count:,} msgs x {args.size} B over {args.subjects} subjects, {n} round{'s' if n > 1 else ''}",
        ),
        ("", ""),
        ("baseline rate", f"{label}{fmt_rate(med(base_rates))}" + spread(base_rates, ",.0f")),
        (
            "baseline dropped",
            ", ".join(f"{b['dropped']:,}" for b in bases)
            + f"  (of {args.count:,}; slow-consumer errors "
            + ", ".join(str(b["slow_consumer"]) for b in bases)
            + ")",
        ),
        (
            "baseline loop lag",
            f"p50 {ms(base_lags, 50)}, p95 {ms(base_lags, 95)}, "
            f"max {ms(base_lags, 100)}  (bare nats-py, for reference)",
        ),
        ("app rate", f"{label}{fmt_rate(med(app_rates))}" + spread(app_rates, ",.0f")),
        (
            "app dropped",
            ", ".join(f"{a['dropped']:,}" for a in apps)
            + "  (slow-consumer "
            + ", ".join(f"{a['slow_consumer']:,}" for a in apps)
            + " + missing "
            + ", ".join(f"{args.count - a['received']:,}" for a in apps)
            + ")",
        ),
        (
            "ratio app/baseline",
            f"{label}{ratio:.2f}   target >= {RATIO_TARGET}   {'PASS' if ratio_ok else 'FAIL'}" + spread(ratios, ".2f"),
        ),
        ("app loop lag p50", ms(app_lags, 50)),
        (
            "app loop lag p95",
            f"{lag_p95:.1f} ms   target < {LAG_P95_TARGET_MS:.0f} ms   {'PASS' if lag_ok else 'FAIL'}",
        ),
        ("app loop lag max", f"{ms(app_lags, 100)}  ({len(app_lags):,} samples)"),
        (
            "publisher rate",
            f"baseline {fmt_rate(med([b['pub_rate'] for b in bases]))}, "
            f"app {fmt_rate(med([a['pub_rate'] for a in apps]))}",
        ),
        (
            "app after burst",
            ", ".join(f"{a['after_burst']}/{LIVENESS_COUNT}" for a in apps)
            + f" later messages received (state {apps[-1]['state_after']})"
            + ("" if all(alive) else "   <- STOPPED RECEIVING"),
        ),
        (
            "nats-py errors",
            f"{len(nats_errors)} logged in the app" + (f" (first: {nats_errors[0]})" if nats_errors else ""),
        ),
        (
            "app view",
            f"{apps[-1]['screen']}: "
            + ", ".join(f"{a['info_updates']}/{a['status_updates']}" for a in apps)
            + " distinct stream-header/status-bar texts seen during the run",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    print("natstui firehose benchmark")
    print("=" * 78)
    for key, value in rows:
        print(f"{key:<{width}}  {value}" if key else "-" * 78)
    print("=" * 78)
    if any(b["timed_out"] for b in bases) or any(a["timed_out"] for a in apps):
        print("note: a phase hit its deadline; figures are partial")
    if any(b["errors"] for b in bases):
        print(f"note: the baseline subscriber reported {sum(b['errors'] for b in bases)} async errors")
    print(f"overall: {'PASS' if ratio_ok and lag_ok else 'FAIL'}")


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300_000, help="messages to publish (default 300000)")
    parser.add_argument("--subjects", type=int, default=100, help="distinct subjects (default 100)")
    parser.add_argument("--size", type=int, default=128, help="payload bytes (default 128)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="baseline+app rounds; rates are medians over rounds (default 1)"
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.subjects < 1 or args.size < 0 or args.rounds < 1:
        parser.error("--count, --subjects and --rounds must be >= 1, --size >= 0")

    # SIGTERM is treated like Ctrl-C, so the same clean-up runs (children, server).

    from natstui.demo.server import EmbeddedServer

    versions = {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "textual": version("textual"),
        "nats-py": version("nats-py"),
    }
    bases: list[dict] = []
    apps: list[dict] = []
    with EmbeddedServer(jetstream=False) as server:
        versions["nats-server"] = server_version(server.command()[0])
        print(f"nats-server {versions['nats-server']} at {server.url}", flush=True)
        for i in range(args.rounds):
            tag = f"[{i + 1}/{args.rounds}] " if args.rounds > 1 else ""
            print(f"{tag}baseline: bare nats-py subscriber, {args.count:,} messages ...", flush=True)
            base = run_baseline(server.url, args)
            print(f"  {fmt_rate(base['rate'])}, received {base['received']:,}", flush=True)
            print(f"{tag}app: natstui headless, Live view ...", flush=True)
            app = run_app(server.url, args)
            print(f"  {fmt_rate(app['rate'])}, received {app['received']:,}", flush=True)
            bases.append(base)
            apps.append(app)
    report(args, versions, bases, apps)
    return 0


if __name__ == "__main__":
    sys.exit(main())

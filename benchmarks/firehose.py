#!/usr/bin/env python
"""Firehose benchmark: how fast can natstui take in messages, compared with bare nats-py?

Starts its own nats-server on a free loopback port, then:

1. Baseline: a bare nats-py subscriber (a separate process) on ``>`` with a
   trivial counting callback, while a publisher process sends ``--count``
   messages of ``--size`` bytes across ``--subjects`` subjects as fast as it can.
2. App: the real natstui app, headless (``App.run_test``), with its Live view
   visible and redrawing, subscribed to ``>``; the same publisher runs again.
   Intake is read from ``app.store.total``; event-loop lag is sampled meanwhile.

Prints a report and exits 0 (unless something crashed). Every phase has a
deadline, and child processes are always terminated.

    python benchmarks/firehose.py [--count 300000] [--subjects 100] [--size 128]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

RATIO_TARGET = 0.6
LAG_P95_TARGET_MS = 50.0
PHASE_DEADLINE = 120.0  # seconds, per phase
IDLE_END = 1.0
LIVENESS_COUNT = 100  # messages sent after the burst to check the app still receives  # a phase's intake ends when nothing has arrived for this long
FLUSH_EVERY = 5000

# -- child processes -----------------------------------------------------------------------

PUBLISHER = r"""
import asyncio, json, sys, time
import nats

async def main(url, count, subjects, size):
    nc = await nats.connect(url, name="bench-publisher", allow_reconnect=False)
    names = [f"bench.s{i}.data" for i in range(subjects)]
    payload = b"x" * size
    publish = nc.publish
    t0 = time.perf_counter()
    for i in range(count):
        await publish(names[i % subjects], payload)
        if i % FLUSH_EVERY == FLUSH_EVERY - 1:
            await nc.flush()
    await nc.flush()
    elapsed = time.perf_counter() - t0
    await nc.close()
    print(json.dumps({"sent": count, "elapsed": elapsed}), flush=True)

FLUSH_EVERY = int(sys.argv[5])
asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
"""

SUBSCRIBER = r"""
import asyncio, json, sys, time
import nats
from nats import errors as nats_errors

async def main(url, count, idle_end, deadline):
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
    print("READY", flush=True)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        await asyncio.sleep(0.05)
        if received >= count:
            break
        if first is not None and perf() - last > idle_end:
            break
    timed_out = time.monotonic() >= end
    await nc.close()
    print(json.dumps({
        "received": received,
        "first": first,
        "last": last,
        "errors": errors[:5],
        "error_count": len(errors),
        "slow_consumer_drops": slow,
        "timed_out": timed_out,
    }), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])))
"""

_children: List[subprocess.Popen] = []


def spawn(script: str, *args: object) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _children.append(proc)
    return proc


def reap(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass
    if proc in _children:
        _children.remove(proc)


def reap_all() -> None:
    for proc in list(_children):
        reap(proc)


def finish(proc: subprocess.Popen, timeout: float) -> Dict:
    """Wait for a child to print its one JSON line; kill it if it overruns."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reap(proc)
        raise RuntimeError(f"child process did not finish within {timeout:.0f}s")
    finally:
        if proc in _children:
            _children.remove(proc)
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"child process exited {proc.returncode} without a result:\n{err.strip()[-2000:]}")


def start_publisher(url: str, args: argparse.Namespace) -> subprocess.Popen:
    return spawn(PUBLISHER, url, args.count, args.subjects, args.size, FLUSH_EVERY)


# -- phase 1: baseline ----------------------------------------------------------------------

def run_baseline(url: str, args: argparse.Namespace) -> Dict:
    sub = spawn(SUBSCRIBER, url, args.count, IDLE_END, PHASE_DEADLINE)
    try:
        assert sub.stdout is not None
        # Wait for READY without blocking forever: readline on a pipe is bounded by the child's deadline.
        ready_deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < ready_deadline:
            line = sub.stdout.readline()
            if not line or line.strip() == "READY":
                break
        if line.strip() != "READY":
            err = sub.stderr.read() if sub.stderr else ""
            raise RuntimeError(f"baseline subscriber did not start:\n{err.strip()[-2000:]}")
        pub = start_publisher(url, args)
        published = finish(pub, PHASE_DEADLINE)
        result = finish(sub, PHASE_DEADLINE + 10)
    finally:
        reap_all()
    received = result["received"]
    span = (result["last"] - result["first"]) if result["first"] is not None else 0.0
    return {
        "received": received,
        "span": span,
        "rate": received / span if span > 0 else 0.0,
        "dropped": args.count - received,
        "pub_elapsed": published["elapsed"],
        "pub_rate": published["sent"] / published["elapsed"] if published["elapsed"] > 0 else 0.0,
        "errors": result["error_count"],
        "timed_out": result["timed_out"],
    }


# -- phase 2: the app ------------------------------------------------------------------------

def percentile(samples: List[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def run_app_async(url: str, args: argparse.Namespace) -> Dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), buffer=100_000))
    perf = time.perf_counter
    result: Dict = {}
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if app.session.state.value == "connected" and app.feed.subscriptions:
                break
            await pilot.pause(0.05)
        else:
            raise RuntimeError(f"app did not connect within 30s (state {app.session.state.value})")
        await pilot.pause(0.3)  # let the first frames render before the firehose starts
        screen_name = type(app.screen).__name__

        store = app.store
        lags: List[float] = []
        stop = asyncio.Event()

        async def lag_probe() -> None:
            sleep = asyncio.sleep
            while not stop.is_set():
                t = perf()
                await sleep(0.005)
                lags.append(perf() - t - 0.005)

        intake = {"first": None, "first_total": 0, "last": None, "total": 0}

        async def intake_probe() -> None:
            end = time.monotonic() + PHASE_DEADLINE
            last_total = store.total
            last_change = perf()
            while time.monotonic() < end:
                await asyncio.sleep(0.005)
                now = perf()
                total = store.total
                if total != last_total:
                    if intake["first"] is None and total > 0:
                        intake["first"] = now
                        intake["first_total"] = total
                    intake["last"] = now
                    intake["total"] = total
                    last_total = total
                    last_change = now
                if total >= args.count:
                    break
                if intake["first"] is not None and now - last_change > IDLE_END:
                    break
            intake["timed_out"] = time.monotonic() >= end

        # Evidence that the Live view redraws during the run: distinct texts seen in the
        # stream header ("N messages") and the status bar ("N received"), every 100 ms.
        seen_info: set = set()
        seen_status: set = set()

        async def view_probe() -> None:
            from natstui.ui.widgets.status import StatusBar

            while not stop.is_set():
                try:
                    screen = app.screen
                    seen_info.add(str(screen.query_one("#stream-info").content))
                    seen_status.add(str(screen.query_one(StatusBar).content))
                except Exception:
                    pass
                await asyncio.sleep(0.1)

        lag_task = asyncio.create_task(lag_probe())
        view_task = asyncio.create_task(view_probe())
        pub = start_publisher(url, args)
        try:
            await intake_probe()
        finally:
            stop.set()
            await lag_task
            await view_task
        # The publisher is done by now (or hung): collect it without blocking the loop for long.
        pub_deadline = time.monotonic() + PHASE_DEADLINE
        while pub.poll() is None and time.monotonic() < pub_deadline:
            await asyncio.sleep(0.05)
        published = finish(pub, 5)

        # Liveness after the burst: give any RTT ping in flight time to resolve (the app
        # measures RTT every 2 s with a 2 s timeout), then send a few more messages and
        # check they still arrive.
        await asyncio.sleep(3.0)
        before = store.total
        probe_args = argparse.Namespace(count=LIVENESS_COUNT, subjects=args.subjects, size=args.size)
        probe_pub = start_publisher(url, probe_args)
        alive_deadline = time.monotonic() + 5.0
        while store.total < before + LIVENESS_COUNT and time.monotonic() < alive_deadline:
            await asyncio.sleep(0.05)
        while probe_pub.poll() is None and time.monotonic() < alive_deadline + 5:
            await asyncio.sleep(0.05)
        reap(probe_pub)
        after_burst = store.total - before

        received = min(store.total - after_burst, args.count)
        span = (intake["last"] - intake["first"]) if intake["first"] is not None else 0.0
        result = {
            "received": received,
            "span": span,
            "rate": received / span if span > 0 else 0.0,
            # received after the first sample: rate not inflated by what arrived before it
            "rate_strict": (received - intake["first_total"]) / span if span > 0 else 0.0,
            "slow_consumer": app.session.total_dropped,
            "dropped": app.session.total_dropped + (args.count - received),
            "lag_p50": percentile(lags, 50) * 1000,
            "lag_p95": percentile(lags, 95) * 1000,
            "lag_max": max(lags) * 1000 if lags else float("nan"),
            "lag_samples": len(lags),
            "pub_elapsed": published["elapsed"],
            "pub_rate": published["sent"] / published["elapsed"] if published["elapsed"] > 0 else 0.0,
            "timed_out": intake.get("timed_out", False),
            "screen": screen_name,
            "info_updates": len(seen_info),
            "status_updates": len(seen_status),
            "after_burst": after_burst,
            "state_after": app.session.state.value,
        }
        await pilot.pause(0.05)
    return result


class _Capture(logging.Handler):
    """Collects what nats-py logs (it logs and swallows errors in its read loop)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {exc.__class__.__name__}: {exc}"
        self.records.append(text)


def run_app(url: str, args: argparse.Namespace) -> Dict:
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

def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def server_version(cmd0: str) -> str:
    try:
        out = subprocess.run([cmd0, "--version"], capture_output=True, text=True, timeout=10)
        line = (out.stdout or out.stderr).strip().splitlines()[0]
        return line.split(":", 1)[1].strip() if line.startswith("nats-server:") else line
    except Exception as exc:
        return f"unknown ({exc.__class__.__name__})"


def fmt_rate(v: float) -> str:
    return f"{v:,.0f} msgs/s"


def report(args, versions: Dict[str, str], base: Dict, app: Dict) -> None:
    ratio = app["rate"] / base["rate"] if base["rate"] > 0 else 0.0
    ratio_ok = ratio >= RATIO_TARGET
    lag_ok = app["lag_p95"] < LAG_P95_TARGET_MS
    rows = [
        ("python", versions["python"]),
        ("textual", versions["textual"]),
        ("nats-py", versions["nats-py"]),
        ("nats-server", versions["nats-server"]),
        ("cpus", str(os.cpu_count())),
        ("workload", f"{args.count:,} msgs x {args.size} B over {args.subjects} subjects"),
        ("", ""),
        ("baseline rate", fmt_rate(base["rate"]) + f"  ({base['received']:,} in {base['span']:.2f} s)"),
        ("baseline dropped", f"{base['dropped']:,}"),
        ("baseline publisher", fmt_rate(base["pub_rate"])),
        ("app rate", fmt_rate(app["rate"]) + f"  ({app['received']:,} in {app['span']:.2f} s)"),
        ("app dropped", f"{app['dropped']:,}  (slow-consumer {app['slow_consumer']:,}"
                        f" + missing {args.count - app['received']:,})"),
        ("app publisher", fmt_rate(app["pub_rate"])),
        ("ratio app/baseline", f"{ratio:.2f}   target >= {RATIO_TARGET}   "
                               f"{'PASS' if ratio_ok else 'FAIL'}"),
        ("app loop lag p50", f"{app['lag_p50']:.1f} ms"),
        ("app loop lag p95", f"{app['lag_p95']:.1f} ms   target < {LAG_P95_TARGET_MS:.0f} ms   "
                             f"{'PASS' if lag_ok else 'FAIL'}"),
        ("app loop lag max", f"{app['lag_max']:.1f} ms  ({app['lag_samples']:,} samples)"),
        ("app after burst", f"{app['after_burst']}/{LIVENESS_COUNT} later messages received, "
                            f"state {app['state_after']}"
                            + ("" if app['after_burst'] >= LIVENESS_COUNT else "   <- STOPPED RECEIVING")),
        ("nats-py errors", f"{len(app['nats_errors'])} logged in the app"
                           + (f" (first: {app['nats_errors'][0]})" if app['nats_errors'] else "")),
        ("app view", f"{app['screen']}: {app['info_updates']} distinct stream headers, "
                     f"{app['status_updates']} distinct status bars seen during the run"),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    print("natstui firehose benchmark")
    print("=" * 72)
    for key, value in rows:
        print(f"{key:<{width}}  {value}" if key else "-" * 72)
    print("=" * 72)
    notes = []
    if base["timed_out"] or app["timed_out"]:
        notes.append("a phase hit its deadline; figures are partial")
    if base["errors"]:
        notes.append(f"baseline subscriber reported {base['errors']} async errors")
    if notes:
        for n in notes:
            print(f"note: {n}")
    print(f"overall: {'PASS' if ratio_ok and lag_ok else 'FAIL'}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300_000, help="messages to publish (default 300000)")
    parser.add_argument("--subjects", type=int, default=100, help="distinct subjects (default 100)")
    parser.add_argument("--size", type=int, default=128, help="payload bytes (default 128)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.subjects < 1 or args.size < 0:
        parser.error("--count and --subjects must be >= 1, --size >= 0")

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    atexit.register(reap_all)

    from natstui.demo.server import EmbeddedServer

    versions = {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "textual": version("textual"),
        "nats-py": version("nats-py"),
    }
    try:
        with EmbeddedServer(jetstream=False) as server:
            versions["nats-server"] = server_version(server.command()[0])
            print(f"nats-server {versions['nats-server']} at {server.url}", flush=True)
            print(f"baseline: bare nats-py subscriber, {args.count:,} messages ...", flush=True)
            base = run_baseline(server.url, args)
            print(f"  {fmt_rate(base['rate'])}, received {base['received']:,}", flush=True)
            print("app: natstui headless, Live view ...", flush=True)
            app = run_app(server.url, args)
            print(f"  {fmt_rate(app['rate'])}, received {app['received']:,}", flush=True)
    finally:
        reap_all()
    report(args, versions, base, app)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Overload benchmark: key-to-frame latency while the server sends 2x and 4x what natstui can take in.

Starts its own nats-server on a free loopback port and the real app (``make_app``, headless
``run_test`` at 160x48, Live view), then, in one run:

1. Intake capacity: ``--capacity-publishers`` publisher processes send flat out for
   ``--capacity-seconds``; the app's intake is what its store gained per second after the first
   second (``--capacity RATE`` skips this and uses a figure measured before, to compare builds at
   the same rates).
2. Baseline: the key sequence with no traffic.
3. 2x and 4x (``--factors``): publisher processes (``--per-publisher`` msgs/s each at most) paced
   to that multiple of the capacity; after ``--settle`` s the key sequence runs.

The key sequence and the way a key is timed are responsiveness.py's: ``up`` ``down`` ``up``
``pageup`` ``pagedown`` in the stream, ``2`` ``1`` (Streams view and back), ``question_mark``
``escape`` (help), each posted with ``App.simulate_key`` and timed to the first frame that shows it.
Also reported per phase: what the app took in, what it dropped (slow consumer, counted by nats-py),
reconnections (the server cuts off a client that reads too slowly), event-loop lag and frames.

Target: key-to-frame p95 under each overload < 200 ms. Prints a report and exits 0.

    python benchmarks/overload.py [--factors 2,4] [--reps 6] [--capacity RATE] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    GcWatch,
    benchmark_main,
    load_average,
    machine_rows,
    ms,
    pause_app_timers,
    percentile,
    print_kv,
    print_table,
    publisher_spec,
    read_result,
    reap,
    reap_all,
    start_paced_publisher,
    stop_publisher,
    versions,
)
from natstui.testing import wait_connected
from responsiveness import SEQUENCE, KeyNotShown, KeyProbe, KeyTimeout

P95_TARGET = 0.200
KEY_TIMEOUT = 5.0
APP_DEADLINE = 1200.0
EFFECT_POLL = 0.005
LAG_INTERVAL = 0.005
GAP = (0.05, 0.25)


def start_publishers(
    url: str, rate: float, per: float, size: int, subjects: int, duration: float = 0, stdin_stop: bool = True
) -> list:
    """Enough paced publisher processes for ``rate`` msgs/s (0: ``per`` is the number of flat-out ones)."""
    if rate <= 0:
        n, each = int(per), 0.0
    else:
        n = max(1, math.ceil(rate / per))
        each = rate / n
    return [
        start_paced_publisher(
            publisher_spec(
                url,
                rate=each,
                size=size,
                axes={"i": subjects},
                stdin_stop=stdin_stop,
                duration=duration or APP_DEADLINE,
            )
        )
        for _ in range(n)
    ]


def stop_all(procs: list) -> dict:
    sent, rate = 0, 0.0
    for proc in procs:
        try:
            res = stop_publisher(proc, 60)
            sent += res["sent"]
            rate += res["rate"]
        except RuntimeError:
            reap(proc)
    return {"sent": sent, "rate": rate, "n": len(procs)}


async def run_app_async(url: str, args: argparse.Namespace) -> dict:

    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    perf = time.perf_counter
    rng = random.Random(args.seed)
    app = make_app(Settings(connection=ConnectionSettings(servers=[url])))
    frames = {"count": 0}
    out: dict = {"phases": []}

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_connected(app, pilot, timeout=30.0)
        await pilot.pause(0.3)
        live = app.screen
        stream = live.query_one("#stream")
        stream.focus()

        probe = KeyProbe(app, live, stream, frames, encode=True)
        press, to_newest, recover = probe.press, probe.to_newest, probe.recover

        lag: list[float] = []
        lag_on = [False]
        stop = asyncio.Event()

        queued = [0]  # the most messages seen waiting in nats-py's pending queues

        async def lag_probe() -> None:
            while not stop.is_set():
                t = perf()
                await asyncio.sleep(LAG_INTERVAL)
                if lag_on[0]:
                    lag.append(perf() - t - LAG_INTERVAL)
                    queued[0] = max(queued[0], app.feed.pending_msgs)

        async def phase(name: str, rate: float, reps: int, profile: bool = False) -> dict:
            procs = start_publishers(url, rate, args.per_publisher, args.size, args.subjects) if rate else []
            if procs:
                await asyncio.sleep(args.settle)
            prof = None
            if profile:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            total0, dropped0, reconnects0 = app.store.total, app.session.total_dropped, app.session.reconnects
            frames["count"] = 0
            gcw = GcWatch()
            gcw.active = True
            queued[0] = 0
            lag.clear()
            lag_on[0] = True
            samples: list[dict] = []
            timeouts: list[str] = []
            not_shown: list[str] = []
            t0 = perf()
            try:
                for _ in range(reps):
                    await to_newest()
                    for key, kind in SEQUENCE:
                        try:
                            samples.append(await press(key, kind))
                        except KeyNotShown as exc:
                            not_shown.append(str(exc))
                        except KeyTimeout as exc:
                            timeouts.append(str(exc))
                            await recover()
                        await asyncio.sleep(rng.uniform(*GAP))
            finally:
                span = perf() - t0
                lag_on[0] = False
                gcw.active = False
                gcw.close()
                if prof is not None:
                    prof.disable()
                    prof.dump_stats(args.profile)
                res = {
                    "name": name,
                    "rate": rate,
                    "samples": samples,
                    "timeouts": timeouts,
                    "not_shown": not_shown,
                    "span": span,
                    "frames": frames["count"],
                    "lag": list(lag),
                    "received": app.store.total - total0,
                    "dropped": app.session.total_dropped - dropped0,
                    "reconnects": app.session.reconnects - reconnects0,
                    "queued": queued[0],
                    "gc": gcw.summary(),
                }
                res["published"] = await asyncio.to_thread(stop_all, procs) if procs else None
                res["state"] = app.session.state.value
            # let the backlog go before the next phase
            await asyncio.sleep(2.0)
            return res

        probe = asyncio.create_task(lag_probe())
        try:
            # -- intake capacity: flat-out publishers, the store's growth after the first second
            if args.capacity:
                out["capacity"] = {"rate": args.capacity, "measured": False}
            else:
                total0, dropped0, reconnects0 = app.store.total, app.session.total_dropped, app.session.reconnects
                procs = start_publishers(
                    url,
                    0,
                    args.capacity_publishers,
                    args.size,
                    args.subjects,
                    duration=args.capacity_seconds,
                    stdin_stop=False,
                )
                t_start = perf()
                while app.store.total == total0 and perf() - t_start < 30:
                    await asyncio.sleep(0.005)
                await asyncio.sleep(1.0)
                a_total, a_t = app.store.total, perf()
                b_total, b_t = a_total, a_t
                while any(p.poll() is None for p in procs) and perf() - a_t < args.capacity_seconds + 30:
                    await asyncio.sleep(0.05)
                    if app.store.total != a_total:
                        b_total, b_t = app.store.total, perf()
                    if perf() - a_t > args.capacity_seconds - 1.0:
                        break
                published = [await asyncio.to_thread(read_result, p, 120) for p in procs]
                rate = (b_total - a_total) / (b_t - a_t) if b_t > a_t else 0.0
                if rate <= 0:
                    raise RuntimeError("the app took nothing in while the publishers sent: no capacity to measure")
                out["capacity"] = {
                    "rate": rate,
                    "measured": True,
                    "dropped": app.session.total_dropped - dropped0,
                    "published": sum(r["rate"] for r in published),
                    "n": len(procs),
                    "reconnects": app.session.reconnects - reconnects0,
                }
                await asyncio.sleep(2.0)
            capacity = out["capacity"]["rate"]

            # -- warm-up (builds the Streams view), then the baseline and the overloads
            await phase("warm-up", 0, 1)
            out["phases"].append(await phase("baseline", 0, args.reps))
            for factor in args.factors:
                out["phases"].append(
                    await phase(
                        f"{factor:g}x",
                        factor * capacity,
                        args.reps,
                        profile=bool(args.profile) and factor == args.factors[-1],
                    )
                )
        finally:
            stop.set()
            await probe
        await pilot.pause(0.05)
        pause_app_timers(app)
    return out


def report(args, vers: dict[str, str], load_start: str, res: dict) -> None:
    cap = res["capacity"]
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("", ""),
        (
            "workload",
            f"{args.size} B payloads on {args.subjects} subjects; app buffer 100,000; "
            f"{args.reps} reps of {len(SEQUENCE)} keys per phase, after {args.settle:g} s of traffic",
        ),
    ]
    if cap["measured"]:
        rows.append(
            (
                "intake capacity",
                f"{cap['rate']:,.0f} msgs/s (the store's growth while {cap['n']} publishers "
                f"sent {cap['published']:,.0f} msgs/s flat out; {cap['dropped']:,} dropped, "
                f"{cap['reconnects']} reconnections)",
            )
        )
    else:
        rows.append(("intake capacity", f"{cap['rate']:,.0f} msgs/s (given with --capacity)"))
    for ph in res["phases"]:
        lag = ph["lag"]
        pub = ph["published"]
        what = (
            "no traffic"
            if pub is None
            else (f"{pub['n']} publishers, target {ph['rate']:,.0f}, achieved {pub['rate']:,.0f} msgs/s")
        )
        rows.append(
            (
                ph["name"],
                f"{what}; app took in {ph['received'] / ph['span']:,.0f} msgs/s, dropped "
                f"{ph['dropped'] / ph['span']:,.0f}/s ({ph['dropped']:,}), reconnections "
                f"{ph['reconnects']}, state after: {ph['state']}; most queued in nats-py "
                f"{ph['queued']:,}",
            )
        )
        rows.append(
            (
                "  loop lag, frames",
                f"lag p50 {ms(percentile(lag, 50))} ms, p95 "
                f"{ms(percentile(lag, 95))} ms, max {ms(percentile(lag, 100))} ms; "
                f"{ph['frames'] / ph['span']:.1f} frames/s",
            )
        )
        rows.append(("  gc pauses", ph["gc"]))
    print_kv(
        "natstui overload benchmark (key to screen while the server sends more than the app takes in)", rows, width=110
    )
    base = next(p for p in res["phases"] if p["name"] == "baseline")
    base_f = [s["frame"] for s in base["samples"]]
    print()
    print(
        f"Key to frame in ms (all keys; view switch = 2 and 1). Target: p95 under overload < "
        f"{P95_TARGET * 1000:.0f} ms."
    )
    table = []
    for ph in res["phases"]:
        f = [s["frame"] for s in ph["samples"]]
        e = [s["effect"] for s in ph["samples"]]
        views = [s["frame"] for s in ph["samples"] if s["key"] in ("1", "2")]
        ratio = percentile(f, 95) / percentile(base_f, 95) if f and base_f else float("nan")
        ok = bool(f) and percentile(f, 95) < P95_TARGET and not ph["timeouts"]
        table.append(
            [
                ph["name"],
                str(len(f)),
                ms(percentile(e, 95)),
                ms(percentile(f, 50)),
                ms(percentile(f, 95)),
                ms(percentile(f, 100)),
                ms(percentile(views, 95)),
                ms(percentile(views, 100)),
                f"{ratio:.1f}x",
                str(len(ph["timeouts"])),
                str(len(ph["not_shown"])),
                "—" if ph["name"] == "baseline" else ("PASS" if ok else "FAIL"),
            ]
        )
    print_table(
        [
            "phase",
            "n",
            "effect p95",
            "p50",
            "p95",
            "max",
            "views p95",
            "views max",
            "p95/base",
            "timeouts",
            "not shown",
            "< 200 ms",
        ],
        table,
        right=tuple(range(1, 11)),
    )
    for ph in res["phases"]:
        if ph["timeouts"]:
            print(f"{ph['name']}: {len(ph['timeouts'])} key(s) timed out: {ph['timeouts'][0]}")


def run_app(url: str, args: argparse.Namespace) -> dict:
    try:
        return asyncio.run(asyncio.wait_for(run_app_async(url, args), APP_DEADLINE))
    finally:
        reap_all()


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", default="2,4", help="multiples of the intake capacity (default 2,4)")
    parser.add_argument(
        "--capacity", type=float, default=0, help="use this intake capacity (msgs/s) instead of measuring it"
    )
    parser.add_argument("--capacity-seconds", type=float, default=5.0, help="flat-out traffic to measure (default 5)")
    parser.add_argument("--capacity-publishers", type=int, default=2, help="flat-out publishers (default 2)")
    parser.add_argument(
        "--per-publisher",
        type=float,
        default=150_000,
        help="msgs/s one paced publisher process is asked for at most (default 150000)",
    )
    parser.add_argument("--subjects", type=int, default=100)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--reps", type=int, default=6, help="repetitions of the key sequence per phase (default 6)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of traffic before the first key")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the last overload phase into FILE")
    args = parser.parse_args(argv)
    args.factors = [float(f) for f in args.factors.split(",") if f]

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    vers = versions()
    with EmbeddedServer(jetstream=True) as server:
        print(f"nats-server {vers['nats-server']} at {server.url}", flush=True)
        res = run_app(server.url, args)
    report(args, vers, load_start, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())

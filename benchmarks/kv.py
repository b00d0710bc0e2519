#!/usr/bin/env python
"""Key-Value listing benchmark: a bucket of 100,000 keys in the Key-Value view.

Starts its own nats-server on a free loopback port and fills a bucket with
``--keys`` keys (core publishes in batches, checked against the stream's
count). Then:

1. Baseline: nats-py's own ``KeyValue.keys()``, which returns once every key
   has arrived (nothing can be shown before that).
2. App: the real natstui app, headless (``App.run_test``), switches to the
   Key-Value view and opens the bucket. Measured from the key press: the
   first key row drawn by the key list (``KeyList.render_line``), and the
   whole list taken in (``N keys``, listing finished). Event-loop lag is
   sampled meanwhile (5 ms sleep probe), and a key press is timed while the
   listing runs.

Prints a report and exits 0 (unless something crashed).

    python benchmarks/kv.py [--keys 100000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import resource
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

BUCKET = "bench"
DEADLINE = 120.0  # seconds, per phase
LAG_INTERVAL = 0.005
FIRST_KEYS_TARGET = 1.0  # seconds from the key press to the first keys drawn
LAG_P95_TARGET_MS = 50.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


async def fill(url: str, keys: int) -> float:
    import nats

    nc = await nats.connect(url, name="bench-fill")
    js = nc.jetstream()
    await js.create_key_value(bucket=BUCKET, history=1)
    start = time.perf_counter()
    stream = f"KV_{BUCKET}"
    for _attempt in range(3):
        for i in range(keys):
            await nc.publish(f"$KV.{BUCKET}.key.{i % 100:02d}.{i:06d}", b"value %d" % i)
            if i % 5000 == 4999:
                await nc.flush()
        await nc.flush()
        deadline = time.monotonic() + 30
        while (await js.stream_info(stream)).state.messages < keys and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if (await js.stream_info(stream)).state.messages >= keys:
            break
    elapsed = time.perf_counter() - start
    await nc.close()
    return elapsed


async def baseline(url: str) -> dict:
    import nats

    nc = await nats.connect(url, name="bench-baseline")
    kv = await nc.jetstream().key_value(BUCKET)
    start = time.perf_counter()
    keys = await kv.keys()
    elapsed = time.perf_counter() - start
    await nc.close()
    return {"keys": len(keys), "elapsed": elapsed}


async def app_run(url: str, keys: int) -> dict:
    from textual import events

    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected
    from natstui.ui.screens.kv import KeyValueScreen
    from natstui.ui.widgets.kv_keys import KeyList

    first_drawn: dict[str, float] = {}
    original = KeyList.render_line

    def render_line(self, y):  # records when a key row is first drawn
        if y > 0 and "t" not in first_drawn and len(self.index.keys) > int(self.scroll_y) + y - 1:
            first_drawn["t"] = time.perf_counter()
        return original(self, y)

    KeyList.render_line = render_line
    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), subjects=["bench.none"]))
    perf = time.perf_counter
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_connected(app, pilot, timeout=30.0)
            await pilot.pause(0.3)
            lags: list[float] = []
            stop = asyncio.Event()

            async def lag_probe() -> None:
                while not stop.is_set():
                    t = perf()
                    await asyncio.sleep(LAG_INTERVAL)
                    lags.append(perf() - t - LAG_INTERVAL)

            probe = asyncio.create_task(lag_probe())
            start = perf()
            app.post_message(events.Key("4", "4"))  # as the terminal driver delivers a key press
            while not isinstance(app.screen, KeyValueScreen):
                await asyncio.sleep(0.002)
            screen = app.screen
            press_latency: float | None = None
            full: float | None = None
            phases: dict[str, float] = {}
            end = time.monotonic() + DEADLINE
            while time.monotonic() < end:
                await asyncio.sleep(0.005)
                scan = screen.scan
                now = perf() - start
                if screen.ready:
                    phases.setdefault("view mounted", now)
                if screen.bucket:
                    phases.setdefault("bucket listed and opened", now)
                if scan is not None:
                    phases.setdefault("consumer created", now)
                    if scan.received:
                        phases.setdefault("first keys received", now)
                if press_latency is None and "t" in first_drawn and scan is not None and not scan.listed:
                    # A key press while keys stream in: from the key event to the cursor moving.
                    keylist = screen.keys
                    keylist.focus()
                    await asyncio.sleep(0.05)
                    before = keylist.cursor_key
                    t = perf()
                    app.post_message(events.Key("down", None))
                    while keylist.cursor_key == before and perf() - t < 10:
                        await asyncio.sleep(0.002)
                    press_latency = perf() - t
                if scan is not None and scan.listed and len(screen.index) >= keys and not scan._items:
                    full = perf() - start
                    break
            stop.set()
            await probe
            await pilot.pause(0.2)
            info = screen.info.text.plain
            result = {
                "first": first_drawn.get("t", float("nan")) - start,
                "full": full if full is not None else float("nan"),
                "listed": len(screen.index),
                "lags": lags,
                "press": press_latency,
                "phases": phases,
                "info": info,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
    finally:
        KeyList.render_line = original
    return result


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=100_000, help="keys in the bucket (default 100000)")
    parser.add_argument("--rounds", type=int, default=1, help="app rounds; medians reported (default 1)")
    args = parser.parse_args(argv)

    from natstui.demo.server import EmbeddedServer

    with EmbeddedServer(name="natstui-bench") as server:
        print(f"nats-server at {server.url}; filling bucket {BUCKET!r} with {args.keys:,} keys ...", flush=True)
        fill_time = asyncio.run(fill(server.url, args.keys))
        print(f"  filled in {fill_time:.1f} s", flush=True)
        print("baseline: nats-py KeyValue.keys() ...", flush=True)
        base = asyncio.run(baseline(server.url))
        print(f"  {base['keys']:,} keys in {base['elapsed']:.2f} s", flush=True)
        runs = []
        for i in range(args.rounds):
            print(f"app round {i + 1}/{args.rounds}: Key-Value view, headless ...", flush=True)
            runs.append(asyncio.run(asyncio.wait_for(app_run(server.url, args.keys), DEADLINE + 60)))
            r = runs[-1]
            print(
                f"  first keys drawn after {r['first'] * 1000:.0f} ms, all {r['listed']:,} after {r['full']:.2f} s",
                flush=True,
            )

    med = statistics.median
    first = med([r["first"] for r in runs])
    full = med([r["full"] for r in runs])
    lags = [x for r in runs for x in r["lags"]]
    p95 = percentile(lags, 95) * 1000
    presses = [r["press"] for r in runs if r["press"] is not None]
    rows = [
        ("python", platform.python_version()),
        ("textual", version("textual")),
        ("nats-py", version("nats-py")),
        ("workload", f"{args.keys:,} keys in one bucket (history 1), {args.rounds} round(s)"),
        ("", ""),
        ("baseline keys()", f"{base['elapsed']:.2f} s for {base['keys']:,} keys (nothing to show until then)"),
        (
            "first keys drawn",
            f"{first * 1000:.0f} ms after pressing 4   target < {FIRST_KEYS_TARGET * 1000:.0f} ms   "
            f"{'PASS' if first < FIRST_KEYS_TARGET else 'FAIL'}",
        ),
        ("full list", f"{full:.2f} s ({runs[-1]['listed']:,} keys; {full / base['elapsed']:.2f}x the baseline)"),
        ("loop lag p50", f"{percentile(lags, 50) * 1000:.1f} ms"),
        (
            "loop lag p95",
            f"{p95:.1f} ms   target < {LAG_P95_TARGET_MS:.0f} ms   {'PASS' if p95 < LAG_P95_TARGET_MS else 'FAIL'}",
        ),
        ("loop lag max", f"{percentile(lags, 100) * 1000:.1f} ms ({len(lags):,} samples)"),
        ("first keys, step by step", ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in runs[-1]["phases"].items())),
        (
            "key press while listing",
            f"{med(presses) * 1000:.0f} ms from the key event to the cursor moving"
            if presses
            else "not measured (the listing finished first)",
        ),
        ("max RSS", f"{runs[-1]['rss_mb']:.0f} MiB (whole benchmark process)"),
        ("view info line", runs[-1]["info"]),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    print("natstui key-value listing benchmark")
    print("=" * 78)
    for key, value in rows:
        print(f"{key:<{width}}  {value}" if key else "-" * 78)
    print("=" * 78)
    return 0


if __name__ == "__main__":
    sys.exit(main())

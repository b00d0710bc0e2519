#!/usr/bin/env python
"""Find-by-content benchmark: a value in the last message of a 1,000,000-message stream.

Starts its own nats-server (JetStream, file storage) on a free loopback port, fills ``BENCH``
(allow_direct) with ``--messages`` ~100-byte JSON messages with a publisher process (as
streams.py does), then stores one more message holding a value found nowhere else. Then, in
rounds, alternately:

1. Bare loop: the same batched direct gets natstui's find sends (``$JS.API.DIRECT.GET.BENCH``
   with ``{"seq": N, "batch": B}``, the next request when the EOB status arrives), in this
   process with nats-py, counting messages and looking at nothing.
2. App: the real natstui app (headless ``run_test``, 160x45) opens the stream's message browser,
   ``f``, the value (plain text), Enter; timed from Enter until the last message is selected.
   Event-loop lag is sampled meanwhile (5 ms sleep probe) in the app's loop. Then the bare loop
   runs again in the app's process, on its connection (natstui's client, which gives the event
   loop a turn every 50 messages), to tell the find's own cost from the process's.

Figures: the app's scan rate as a ratio of the bare loop's (medians over rounds; target >= 0.7),
and the lag p95 during the app's scans (target < 50 ms). Prints a report and exits 0 (unless
something crashed); every phase has a deadline and child processes are always terminated.

    python benchmarks/find.py [--messages 1000000] [--rounds 3] [--batch 1000]
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
    lag_probe,
    load_average,
    machine_rows,
    median,
    ms,
    pause_app_timers,
    percentile,
    print_kv,
    print_table,
    versions,
)
from streams import fill

STREAM = "BENCH"
PREFIX = "bench"
NEEDLE = "needle-7f3a9c"  # in the last message only
RATIO_TARGET = 0.7
LAG_P95_TARGET = 0.050
SCAN_DEADLINE = 600.0  # seconds for one scan


async def bare_loop(nc, stream: str, first: int, last: int, batch: int) -> tuple[int, float]:
    """Every message from ``first`` to ``last`` with batched direct gets, looked at by nothing: (messages, seconds)."""
    inbox = nc.new_inbox()
    got: list = []
    done = asyncio.Event()

    async def on_msg(msg) -> None:
        headers = msg.headers
        if headers and "Nats-Sequence" not in headers and "Status" in headers:
            done.set()
            return
        got.append(msg)

    sub = await nc.subscribe(inbox, cb=on_msg)
    count = 0
    t0 = time.perf_counter()
    try:
        seq = first
        while seq <= last:
            got.clear()
            done.clear()
            await nc.publish(f"$JS.API.DIRECT.GET.{stream}", json.dumps({"seq": seq, "batch": batch}).encode(), inbox)
            await asyncio.wait_for(done.wait(), 30)
            if not got:
                break
            count += len(got)
            seq = int(got[-1].headers["Nats-Sequence"]) + 1
    finally:
        await sub.unsubscribe()
    return count, time.perf_counter() - t0


async def app_scan(
    url: str, first_seq: int, last_seq: int, batch: int, lags: list[float], live: str = "none.>"
) -> tuple[int, float, int, float]:
    """The real app finds NEEDLE from the first message: (messages read, seconds from Enter to the match selected),
    then the bare loop again on the app's own connection in its process (messages, seconds)."""
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected, wait_until

    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), subjects=[live]))
    stop = asyncio.Event()
    active = [False]
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_connected(app, pilot, timeout=60)
        await pilot.press("2")
        await wait_until(lambda: STREAM in getattr(app.screen, "streams", {}), timeout=60, pilot=pilot)
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "StreamMessagesScreen" and app.screen.page, 60, pilot)
        browser = app.screen
        await pilot.press("f")
        await wait_until(lambda: type(app.screen).__name__ == "FindDialog", 30, pilot)
        app.screen.query_one("#find-query").value = NEEDLE
        probe = asyncio.ensure_future(lag_probe(stop, lags, active=lambda: active[0]))
        t0 = time.perf_counter()
        active[0] = True
        app.simulate_key("enter")
        while not (browser.selected_message is not None and browser.selected_message.seq == last_seq):
            if time.perf_counter() - t0 > SCAN_DEADLINE:
                raise RuntimeError(f"the find did not reach #{last_seq:,} in {SCAN_DEADLINE:.0f}s")
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - t0
        active[0] = False
        stop.set()
        await probe
        scanned = browser.finder.scanned if browser.finder else 0
        in_app = await bare_loop(app.session.nc, STREAM, first_seq, last_seq, batch)
        pause_app_timers(app)
    return scanned, elapsed, *in_app


async def prepare(url: str, messages: int) -> dict:
    import nats

    nc = await nats.connect(url, name="bench-admin", allow_reconnect=False)
    try:
        info = await fill(nc, url, STREAM, PREFIX, messages, 50, True)
        ack = await nc.request(f"{PREFIX}.last", json.dumps({"n": messages + 1, "note": NEEDLE}).encode(), timeout=10)
        info["last_seq"] = int(json.loads(ack.data)["seq"])
        info["messages"] += 1
        return info
    finally:
        await nc.close()


async def bare_round(url: str, first: int, last: int, batch: int) -> tuple[int, float]:
    import nats

    nc = await nats.connect(url, name="bench-bare", allow_reconnect=False, pending_size=64 * 1024 * 1024)
    try:
        return await bare_loop(nc, STREAM, first, last, batch)
    finally:
        await nc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages before the one searched for")
    parser.add_argument("--rounds", type=int, default=3, help="bare/app rounds; medians reported (default 3)")
    parser.add_argument("--batch", type=int, default=0, help="messages per direct get (default: natstui's)")
    parser.add_argument(
        "--live",
        default="none.>",
        help="the live stream's subject while the app finds (default none.>; > as users run)",
    )
    args = parser.parse_args(argv)

    from natstui.client import find as find_module
    from natstui.demo.server import EmbeddedServer

    batch = args.batch or find_module.BATCH
    find_module.BATCH = batch
    load_start = load_average()
    vers = versions()
    with EmbeddedServer(jetstream=True) as server:
        print(f"nats-server {vers['nats-server']} at {server.url} (store {server.store_dir})", flush=True)
        info = asyncio.run(prepare(server.url, args.messages))
        print(f"filled {info['messages']:,} messages in {info['elapsed']:.1f}s", flush=True)
        bare_rates: list[float] = []
        app_rates: list[float] = []
        in_app_rates: list[float] = []
        lags: list[float] = []
        rows = []
        for r in range(args.rounds):
            count, seconds = asyncio.run(bare_round(server.url, info["first_seq"], info["last_seq"], batch))
            bare_rates.append(count / seconds)
            scanned, app_seconds, in_count, in_seconds = asyncio.run(
                app_scan(server.url, info["first_seq"], info["last_seq"], batch, lags, args.live)
            )
            app_rates.append(scanned / app_seconds)
            in_app_rates.append(in_count / in_seconds)
            rows.append(
                (
                    str(r + 1),
                    f"{count:,} in {seconds:.2f}s",
                    f"{count / seconds:,.0f}",
                    f"{scanned:,} in {app_seconds:.2f}s",
                    f"{scanned / app_seconds:,.0f}",
                    f"{(scanned / app_seconds) / (count / seconds):.2f}",
                    f"{in_count / in_seconds:,.0f}",
                    f"{(scanned / app_seconds) / (in_count / in_seconds):.2f}",
                )
            )
            print(
                f"round {r + 1}: bare {count / seconds:,.0f} msg/s, app {scanned / app_seconds:,.0f} msg/s", flush=True
            )
    ratio = median(app_rates) / median(bare_rates)
    in_app_ratio = median(app_rates) / median(in_app_rates)
    p95 = percentile(lags, 95)
    print_kv(
        "Find by content: a value in the last message",
        [
            ("stream", f"{info['messages']:,} messages, {info['bytes'] / 1e6:,.1f} MB, file storage, allow_direct"),
            ("direct get batch", f"{batch:,} messages a request"),
            *[(k, v) for k, v in vers.items()],
            *machine_rows(load_start, load_average()),
        ],
    )
    print_table(
        ("round", "bare loop", "msg/s", "app: f to the match", "msg/s", "ratio", "bare in app", "ratio"),
        rows,
        right=(2, 4, 5, 6, 7),
    )
    print()
    verdict = "meets" if ratio >= RATIO_TARGET else "misses"
    print(f"ratio (medians): {ratio:.2f}  target >= {RATIO_TARGET}  {verdict}")
    print(
        f"against the bare loop on the app's own connection, in its process, right after: {in_app_ratio:.2f}"
        " (what the find costs over its reads, the app's process and client being the same)"
    )
    verdict = "meets" if p95 < LAG_P95_TARGET else "misses"
    print(
        f"event-loop lag while scanning: p50 {ms(percentile(lags, 50))} ms, p95 {ms(p95)} ms, "
        f"max {ms(max(lags) if lags else float('nan'))} ms ({len(lags):,} samples)  target p95 < 50 ms  {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(benchmark_main(main)())

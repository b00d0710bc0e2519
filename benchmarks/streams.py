#!/usr/bin/env python
"""Stream browsing benchmark: how fast natstui lists, opens and pages through a big stream.

Starts its own nats-server (JetStream, file storage in the server's temporary
store) on a free loopback port, then:

1. Fill: two streams, filled by a publisher process with core NATS publishes
   (flushed every few thousand; no per-message acks), until STREAM.INFO shows
   the target count (a short top-up follows if the server dropped any):
   ``BENCH`` with ``--messages`` messages (allow_direct: true) and ``BENCHGET``
   with ``--get-messages`` messages (allow_direct: false, so the app reads it
   message by message with $JS.API.STREAM.MSG.GET). ~100-byte JSON payloads
   on ``--subjects`` subjects (``bench.s{i}`` / ``benchget.s{i}``).
2. Baseline: raw nats-py reads of 50-message pages, in this process: one
   ``$JS.API.DIRECT.GET.BENCH`` request with ``{"seq": N, "batch": 50}``
   collecting the 50 replies; and, for BENCHGET, 50 sequential
   ``$JS.API.STREAM.MSG.GET`` requests.
3. App: the real natstui app (``make_app``, headless ``run_test`` at 160x45).
   Each step is timed from the key press to the condition being true (polled
   every 5 ms): "2" lists the streams; "enter" opens the first page; "G"/"g"
   jump to the last/first page; "b"/"n" page back/forward; "s", a sequence
   and "enter" jump into the middle. Event-loop lag is sampled (5 ms sleep
   probe) while paging.

Target: every step (every repetition) under 300 ms. Prints a report and exits
0 (unless something crashed); every phase has a deadline and child processes
are always terminated.

    python benchmarks/streams.py [--messages 1000000] [--get-messages 100000] [--subjects 50] [--reps 5] [--pages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
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
    print_table,
    reap,
    spawn_script,
    versions,
)

STEP_TARGET = 0.300  # seconds, every step
PAGE = 50  # the app's page size (natstui.ui.screens.messages.PAGE_SIZE)
FILL_DEADLINE = 600.0  # seconds for filling both streams
FILL_STALL = 5.0  # the count has not moved for this long after the publisher ended: top up
STEP_DEADLINE = 30.0  # one key press to its condition
CONNECT_DEADLINE = 30.0
APP_DEADLINE = 900.0
LAG_INTERVAL = 0.005
POLL = 0.005
FLUSH_EVERY = 5000

DIRECT_STREAM = "BENCH"
GET_STREAM = "BENCHGET"

# -- the filler (a child process) -----------------------------------------------------------------

FILLER = r"""
import asyncio, sys, time
import nats

async def main(url, prefix, first, count, subjects, flush_every):
    nc = await nats.connect(url, name="bench-filler", allow_reconnect=False, pending_size=8 * 1024 * 1024)
    names = [f"{prefix}.s{i}" for i in range(subjects)]
    raw = [n.encode() for n in names]
    publish = nc.publish
    t0 = time.perf_counter()
    for i in range(first, first + count):
        s = i % subjects
        # ~100 bytes of JSON
        payload = b'{"n":%d,"kind":"order","subject":"%s","amount":%d.%02d,"note":"benchmark payload padding"}' % (
            i, raw[s], i % 997, i % 100)
        await publish(names[s], payload)
        if i % flush_every == flush_every - 1:
            await nc.flush(timeout=30)
    await nc.flush(timeout=30)
    print(time.perf_counter() - t0, flush=True)
    await nc.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])))
"""


async def api(nc, suffix: str, payload: dict | None = None, timeout: float = 10.0) -> dict:
    msg = await nc.request(
        f"$JS.API.{suffix}", json.dumps(payload).encode() if payload is not None else b"", timeout=timeout
    )
    body = json.loads(msg.data or b"{}")
    if body.get("error"):
        raise RuntimeError(f"{suffix}: {body['error']}")
    return body


async def stream_count(nc, name: str) -> tuple[int, int]:
    state = (await api(nc, f"STREAM.INFO.{name}"))["state"]
    return int(state["messages"]), int(state["last_seq"])


async def fill(nc, url: str, name: str, prefix: str, target: int, subjects: int, allow_direct: bool) -> dict:
    await api(
        nc,
        f"STREAM.CREATE.{name}",
        {
            "name": name,
            "subjects": [f"{prefix}.>"],
            "storage": "file",
            "retention": "limits",
            "allow_direct": allow_direct,
            "num_replicas": 1,
        },
    )
    t0 = time.perf_counter()
    deadline = time.monotonic() + FILL_DEADLINE
    published = 0
    top_ups = 0
    count = 0
    while count < target:
        proc = spawn_script(FILLER, url, prefix, published, target - count, subjects, FLUSH_EVERY)
        published += target - count
        last_change = time.monotonic()
        while True:
            await asyncio.sleep(0.25)
            now_count, _ = await stream_count(nc, name)
            if now_count != count:
                count = now_count
                last_change = time.monotonic()
            if count >= target:
                break
            if time.monotonic() > deadline:
                reap(proc)
                raise RuntimeError(f"filling {name}: {count:,} of {target:,} after {FILL_DEADLINE:.0f}s")
            if proc.poll() is not None and time.monotonic() - last_change > FILL_STALL:
                break  # the publisher is done and the count stopped short: the server dropped some
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if proc.returncode not in (0, None):
            err = proc.stderr.read() if proc.stderr else ""
            reap(proc)
            raise RuntimeError(f"filler exited {proc.returncode}: {err.strip()[-1000:]}")
        reap(proc)
        if count < target:
            top_ups += 1
    elapsed = time.perf_counter() - t0
    info = await api(nc, f"STREAM.INFO.{name}")
    return {
        "name": name,
        "messages": count,
        "elapsed": elapsed,
        "top_ups": top_ups,
        "bytes": int(info["state"]["bytes"]),
        "first_seq": int(info["state"]["first_seq"]),
        "last_seq": int(info["state"]["last_seq"]),
        "direct": allow_direct,
    }


# -- baseline: raw nats-py ----------------------------------------------------------------------------


async def direct_page(nc, stream: str, seq: int, batch: int = PAGE) -> float:
    """One DIRECT.GET batch request; seconds until all ``batch`` replies arrived."""
    inbox = nc.new_inbox()
    done = asyncio.get_running_loop().create_future()
    got = 0

    async def cb(msg) -> None:
        nonlocal got
        if (msg.headers or {}).get("Status"):  # EOB (204) or an error
            if not done.done():
                done.set_result(got)
            return
        got += 1
        if got >= batch and not done.done():
            done.set_result(got)

    sub = await nc.subscribe(inbox, cb=cb)
    try:
        t0 = time.perf_counter()
        await nc.publish(f"$JS.API.DIRECT.GET.{stream}", json.dumps({"seq": seq, "batch": batch}).encode(), reply=inbox)
        n = await asyncio.wait_for(done, 10)
        elapsed = time.perf_counter() - t0
    finally:
        await sub.unsubscribe()
    if n != batch:
        raise RuntimeError(f"direct get at {seq}: {n} of {batch} messages")
    return elapsed


async def msg_get_page(nc, stream: str, seq: int, count: int = PAGE) -> float:
    """``count`` sequential STREAM.MSG.GET requests; seconds for all."""
    t0 = time.perf_counter()
    for s in range(seq, seq + count):
        await api(nc, f"STREAM.MSG.GET.{stream}", {"seq": s})
    return time.perf_counter() - t0


def page_starts(first: int, last: int, pages: int) -> list[int]:
    """Page starts like the app's paging: forward from the start, back from the end, and the middle."""
    starts = [first + PAGE * k for k in range(pages)]
    starts += [last + 1 - PAGE * (k + 1) for k in range(pages)]
    mid = (first + last) // 2
    starts += [mid + PAGE * k for k in range(pages)]
    return [s for s in starts if first <= s <= last - PAGE + 1]


async def run_baseline(url: str, direct: dict, get: dict, pages: int) -> dict:
    import nats

    nc = await nats.connect(url, name="bench-baseline", allow_reconnect=False)
    try:
        for _ in range(3):  # warm up (first requests set up the reply path)
            await direct_page(nc, direct["name"], direct["first_seq"])
            await msg_get_page(nc, get["name"], get["first_seq"], 5)
        direct_times = [
            await direct_page(nc, direct["name"], s)
            for s in page_starts(direct["first_seq"], direct["last_seq"], pages)
        ]
        get_times = [
            await msg_get_page(nc, get["name"], s)
            for s in page_starts(get["first_seq"], get["last_seq"], max(3, pages // 4))
        ]
        info_times = []
        for _ in range(20):
            t0 = time.perf_counter()
            await api(nc, f"STREAM.INFO.{direct['name']}")
            info_times.append(time.perf_counter() - t0)
    finally:
        await nc.close()
    return {"direct": direct_times, "get": get_times, "info": info_times}


# -- the app -----------------------------------------------------------------------------------------


class StepTimeout(Exception):
    pass


async def run_app_async(url: str, direct: dict, get: dict, args: argparse.Namespace) -> dict:
    from textual.widgets import DataTable

    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected

    perf = time.perf_counter
    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), subjects=["none.>"]))
    results: dict[str, dict[str, list[float]]] = {direct["name"]: {}, get["name"]: {}}
    lags: dict[str, list[float]] = {direct["name"]: [], get["name"]: []}
    recording: list[str | None] = [None]  # the stream whose paging the lag probe records
    stop = asyncio.Event()

    async def lag_probe() -> None:
        sleep = asyncio.sleep
        while not stop.is_set():
            t = perf()
            await sleep(LAG_INTERVAL)
            name = recording[0]
            if name is not None:
                lags[name].append(perf() - t - LAG_INTERVAL)

    def screen_name() -> str:
        return type(app.screen).__name__

    async with app.run_test(size=(160, 45)) as pilot:

        async def until(cond: Callable[[], bool], what: str, t0: float | None = None) -> float:
            t0 = perf() if t0 is None else t0
            while not cond():
                if perf() - t0 > STEP_DEADLINE:
                    raise StepTimeout(f"{what}: not done after {STEP_DEADLINE:.0f}s (screen {screen_name()})")
                await pilot.pause(POLL)
            return perf() - t0

        async def step(keys: tuple[str, ...], cond: Callable[[], bool], what: str) -> float:
            t0 = perf()
            if args.pilot_press:
                await pilot.press(*keys)  # waits for the process to look idle (up to 1 s) after each key
            else:
                for key in keys:
                    app.simulate_key(key)  # the key event, as the terminal driver would post it
            return await until(cond, what, t0)

        def record(stream: str, label: str, seconds: float) -> None:
            results[stream].setdefault(label, []).append(seconds)

        await wait_connected(app, pilot, timeout=STEP_DEADLINE)
        await pilot.pause(0.3)  # first frames
        lag_task = asyncio.create_task(lag_probe())
        try:
            names = (direct["name"], get["name"])
            # -- list the streams: the Streams view's first open (its screen is built once per app)
            listed = await step(
                ("2",),
                lambda: (
                    screen_name() == "StreamsScreen" and all(n in getattr(app.screen, "streams", {}) for n in names)
                ),
                "list streams",
            )
            streams_screen = app.screen
            table = streams_screen.query_one("#streams-table", DataTable)
            record(direct["name"], "list streams (2)", listed)  # one open lists both streams
            for info in (direct, get):
                name = info["name"]
                await pilot.pause(0.2)
                table.move_cursor(row=table.get_row_index(name), animate=False)
                await until(lambda: app.selected_stream == name and streams_screen.selected == name, "select")
                await pilot.pause(0.2)
                last_seq, first_seq = info["last_seq"], info["first_seq"]

                def page() -> list:
                    return getattr(app.screen, "page", None) or []

                def at(seq: int, index: int = 0) -> Callable[[], bool]:
                    return lambda: screen_name() == "StreamMessagesScreen" and bool(page()) and page()[index].seq == seq

                # first page: open the browser (a new screen each time), then back
                for r in range(args.reps):
                    t = await step(
                        ("enter",), lambda: screen_name() == "StreamMessagesScreen" and bool(page()), "first page"
                    )
                    record(name, "first page (enter)", t)
                    if r < args.reps - 1:
                        await pilot.press("escape")
                        await until(lambda: app.screen is streams_screen, "back")
                        await pilot.pause(0.05)
                browser = app.screen
                await pilot.pause(0.1)
                # last page and back to the first
                for _ in range(args.reps):
                    record(name, "last page (G)", await step(("G",), at(last_seq, -1), "G"))
                    await pilot.pause(0.05)
                    record(name, "first page (g)", await step(("g",), at(first_seq), "g"))
                    await pilot.pause(0.05)
                # forward from the first page, then back from the last
                recording[0] = name
                for k in range(args.pages):
                    record(name, "next page (n)", await step(("n",), at(first_seq + PAGE * (k + 1)), "n"))
                recording[0] = None
                await step(("G",), at(last_seq, -1), "G")
                recording[0] = name
                for _ in range(args.pages):
                    start = browser.page[0].seq
                    record(name, "previous page (b)", await step(("b",), at(start - PAGE), "b"))
                recording[0] = None
                # jump to a sequence in the middle
                span = last_seq - first_seq
                for r in range(args.reps):
                    target = first_seq + span // 2 + (r - args.reps // 2) * (span // (4 * args.reps)) + 7 * r
                    record(name, "seek prompt (s)", await step(("s",), lambda: screen_name() == "PromptScreen", "s"))
                    await pilot.press(*str(target))
                    record(name, "jump to seq (enter)", await step(("enter",), at(target), "jump"))
                    await pilot.pause(0.05)
                await pilot.press("escape")
                await until(lambda: app.screen is streams_screen, "back")
        finally:
            stop.set()
            recording[0] = None
            await lag_task
        state_after = app.session.state.value
        await pilot.pause(0.05)
    return {"steps": results, "lags": lags, "state_after": state_after}


def run_app(url: str, direct: dict, get: dict, args: argparse.Namespace) -> dict:
    coro = asyncio.wait_for(run_app_async(url, direct, get, args), APP_DEADLINE)
    if not args.profile:
        return asyncio.run(coro)
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return asyncio.run(coro)
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile written to {args.profile}", flush=True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


# -- report ------------------------------------------------------------------------------------------

STEP_ORDER = [
    "list streams (2)",
    "first page (enter)",
    "last page (G)",
    "first page (g)",
    "next page (n)",
    "previous page (b)",
    "seek prompt (s)",
    "jump to seq (enter)",
]


def report(args, vers: dict[str, str], load_start: str, fills: list[dict], base: dict, app: dict) -> None:
    direct, get = fills
    per_page_direct = median(base["direct"])
    per_page_get = median(base["get"])
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("", ""),
    ]
    for f in fills:
        rows.append(
            (
                f"stream {f['name']}",
                f"{f['messages']:,} msgs, {f['bytes'] / 1e6:,.0f} MB, file storage, "
                f"allow_direct {str(f['direct']).lower()}; filled in {f['elapsed']:.1f} s "
                f"({f['messages'] / f['elapsed']:,.0f} msgs/s, {f['top_ups']} top-ups)",
            )
        )
    rows.append(
        (
            "workload",
            f"{args.subjects} subjects, ~100 B JSON payloads, page = {PAGE} messages, "
            f"{args.reps} reps, {args.pages} pages each way",
        )
    )
    rows.append(
        (
            "baseline DIRECT.GET",
            f"batch {PAGE}: median {ms(per_page_direct, 2)} ms/page "
            f"(min {ms(min(base['direct']), 2)}, max {ms(max(base['direct']), 2)}, "
            f"{len(base['direct'])} pages)",
        )
    )
    rows.append(
        (
            "baseline MSG.GET",
            f"{PAGE} sequential requests: median {ms(per_page_get, 2)} ms/page "
            f"(min {ms(min(base['get']), 2)}, max {ms(max(base['get']), 2)}, "
            f"{len(base['get'])} pages)",
        )
    )
    rows.append(
        ("baseline STREAM.INFO", f"median {ms(median(base['info']), 2)} ms (the app asks for it before every page)")
    )
    print_kv("natstui stream browsing benchmark", rows, width=100)

    overall: dict[str, bool] = {}
    for f, baseline in ((direct, per_page_direct), (get, per_page_get)):
        name = f["name"]
        steps = app["steps"][name]
        print()
        print(
            f"{name}: {f['messages']:,} messages, "
            + (
                "direct gets (one batched request per page)"
                if f["direct"]
                else "no direct gets (the app reads 50 x STREAM.MSG.GET per page)"
            )
            + f"; times in ms, key press to condition; target every step < {STEP_TARGET * 1000:.0f} ms"
        )
        table = []
        ok_all = True
        for label in STEP_ORDER:
            values = steps.get(label, [])
            if not values:
                continue
            ok = max(values) < STEP_TARGET
            ok_all &= ok
            table.append(
                [
                    label,
                    str(len(values)),
                    ms(min(values)),
                    ms(median(values)),
                    ms(max(values)),
                    "PASS" if ok else "FAIL",
                ]
            )
        print_table(["step", "n", "min", "median", "max", "< 300 ms"], table, right=(1, 2, 3, 4))
        pages = steps.get("next page (n)", []) + steps.get("previous page (b)", [])
        app_page = median(pages)
        lag = app["lags"][name]
        what = "DIRECT.GET batch" if f["direct"] else f"{PAGE} x MSG.GET"
        print(
            f"per page (n and b): app median {ms(app_page)} ms, raw {what} {ms(baseline, 2)} ms, "
            f"ratio app/baseline {app_page / baseline:.1f}x"
        )
        print(
            f"event-loop lag while paging: p50 {ms(percentile(lag, 50))} ms, p95 {ms(percentile(lag, 95))} ms, "
            f"max {ms(percentile(lag, 100))} ms ({len(lag):,} samples)"
        )
        overall[name] = ok_all
    print()
    print(
        f"overall ({direct['name']}, {direct['messages']:,} msgs, direct gets): "
        f"{'PASS' if overall[direct['name']] else 'FAIL'}"
    )
    print(
        f"overall ({get['name']}, {get['messages']:,} msgs, message gets, for comparison): "
        f"{'PASS' if overall[get['name']] else 'FAIL'}"
    )
    print(f"app connection state after the run: {app['state_after']}")


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--messages", type=int, default=1_000_000, help="messages in the direct-get stream (default 1000000)"
    )
    parser.add_argument(
        "--get-messages", type=int, default=100_000, help="messages in the stream without direct gets (default 100000)"
    )
    parser.add_argument("--subjects", type=int, default=50, help="distinct subjects (default 50)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of open/jump steps (default 5)")
    parser.add_argument("--pages", type=int, default=20, help="pages forward and back (default 20)")
    parser.add_argument(
        "--pilot-press",
        action="store_true",
        help="send keys with Pilot.press (adds Textual's wait-for-idle) instead of App.simulate_key",
    )
    parser.add_argument("--profile", metavar="FILE", help="profile the app phase with cProfile into FILE")
    args = parser.parse_args(argv)
    if args.subjects < 1 or args.reps < 1 or args.pages < 1:
        parser.error("--subjects, --reps and --pages must be >= 1")
    for n in (args.messages, args.get_messages):
        if n < PAGE * (2 * args.pages + 4):
            parser.error(f"streams need at least {PAGE * (2 * args.pages + 4)} messages for {args.pages} pages")

    import nats

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    vers = versions()
    with EmbeddedServer(jetstream=True) as server:
        print(f"nats-server {vers['nats-server']} at {server.url} (store {server.store_dir})", flush=True)

        async def prepare() -> tuple[list[dict], dict]:
            nc = await nats.connect(server.url, name="bench-admin", allow_reconnect=False)
            try:
                fills = []
                for name, prefix, count, allow_direct in (
                    (DIRECT_STREAM, "bench", args.messages, True),
                    (GET_STREAM, "benchget", args.get_messages, False),
                ):
                    print(
                        f"filling {name} with {count:,} messages (allow_direct {str(allow_direct).lower()}) ...",
                        flush=True,
                    )
                    f = await fill(nc, server.url, name, prefix, count, args.subjects, allow_direct)
                    print(f"  {f['messages']:,} in {f['elapsed']:.1f} s", flush=True)
                    fills.append(f)
            finally:
                await nc.close()
            print("baseline: raw nats-py page reads ...", flush=True)
            base = await run_baseline(server.url, fills[0], fills[1], args.pages)
            return fills, base

        fills, base = asyncio.run(asyncio.wait_for(prepare(), FILL_DEADLINE * 2 + 120))
        print("app: natstui headless, Streams view and message browser ...", flush=True)
        app = run_app(server.url, fills[0], fills[1], args)
    report(args, vers, load_start, fills, base, app)
    return 0


if __name__ == "__main__":
    sys.exit(main())

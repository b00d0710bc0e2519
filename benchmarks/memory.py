#!/usr/bin/env python
"""Memory benchmark: natstui's resident memory after 2,000,000 messages, and whether it stops growing.

Starts its own nats-server on a free loopback port. Every configuration runs in
its own child process (so each RSS figure starts clean), subscribed to ``>``,
while a publisher process sends ``--count`` messages of ``--size`` bytes on
``--subjects`` subjects, paced at ``--rate`` messages per second:

- app, buffer 100,000 (the default) and app, buffer 1,000,000
  (``Settings(buffer=...)``): the real app (``make_app``), headless
  ``run_test`` at 160x48, Live view visible and redrawing;
- baseline: a bare nats-py subscriber that only counts (the issue's baseline),
  and bare subscribers that keep the last 100,000 / 1,000,000 messages in a
  ``deque(maxlen=N)``: what holding that many nats-py messages costs by itself.

Each child reads its own RSS (``/proc/self/status`` VmRSS) before the first
message and every time another ``--step`` messages have arrived, and once more
after the last (and after a ``gc.collect()``), with the peak (VmHWM). The slope
is a least-squares fit of RSS against messages over the samples taken once the
buffer is full (from buffer + step on), in MB per 100,000 messages.

Targets: the default buffer under 300 MB after ``--count`` messages; memory
stops growing once the buffer is full (slope reported; |slope| under 1 MB per
100k messages counts as flat). Prints a report and exits 0 (unless something
crashed); every phase has a deadline and child processes are always terminated.

    python benchmarks/memory.py [--count 2000000] [--rate 50000] [--step 100000] [--no-keep-baselines]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import select
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    benchmark_main,
    load_average,
    machine_rows,
    pause_app_timers,
    print_kv,
    print_table,
    publisher_spec,
    read_result,
    reap,
    reap_all,
    rss_mb,
    spawn,
    start_paced_publisher,
    versions,
)
from natstui.testing import wait_connected

DEFAULT_TARGET_MB = 300.0
FLAT_MB_PER_STEP = 1.0  # |slope| below this (MB per 100k msgs) counts as "stopped growing"
IDLE_END = 5.0  # a child stops when nothing has arrived for this long
READY_DEADLINE = 60.0
POLL = 0.01

# -- the children ---------------------------------------------------------------------------------------


def sample_record(samples: list[dict], mark: int, total: int, pending: int, t0: float) -> None:
    samples.append({"mark": mark, "total": total, "rss": rss_mb(), "pending": pending, "t": time.monotonic() - t0})


async def watch_intake(count: int, step: int, deadline: float, total_fn, pending_fn) -> dict:
    """Sample RSS every ``step`` messages until ``count`` arrived or intake went quiet."""
    samples: list[dict] = []
    t0 = time.monotonic()
    end = t0 + deadline
    next_mark = step
    last_total, last_change, first = total_fn(), time.monotonic(), None
    max_pending = 0
    while time.monotonic() < end:
        await asyncio.sleep(POLL)
        total = total_fn()
        pending = pending_fn()
        max_pending = max(max_pending, pending)
        now = time.monotonic()
        if total != last_total:
            last_total, last_change = total, now
            if first is None:
                first = now
        while total >= next_mark and next_mark <= count:
            sample_record(samples, next_mark, total, pending, t0)
            next_mark += step
        if total >= count:
            break
        if first is not None and now - last_change > IDLE_END:
            break
    return {
        "samples": samples,
        "received": total_fn(),
        "max_pending": max_pending,
        "span": (last_change - first) if first is not None else 0.0,
        "timed_out": time.monotonic() >= end,
    }


def collect_and_count(result: dict) -> None:
    """A full collection, timed (what a gen2 pause costs with this heap), then the objects the collector tracks."""
    t = time.perf_counter()
    gc.collect()
    result["gc_full"] = time.perf_counter() - t
    result["rss_gc"] = rss_mb()
    result["gc_tracked"] = len(gc.get_objects())


def per_message_sizes(msg, record=None) -> dict[str, int]:
    """sys.getsizeof of what one buffered message holds (shared objects such as the client left out)."""
    sizes = {}
    if record is not None:
        sizes["Record (slots)"] = sys.getsizeof(record)
        sizes["receive time (float)"] = sys.getsizeof(record.time)
    sizes["nats-py Msg (dataclass)"] = sys.getsizeof(msg)
    sizes["Msg.__dict__"] = sys.getsizeof(msg.__dict__) if hasattr(msg, "__dict__") else 0
    sizes["subject (str)"] = sys.getsizeof(msg.subject)
    sizes["payload (bytes)"] = sys.getsizeof(msg.data)
    return sizes


async def child_app(url: str, buffer: int, count: int, step: int, deadline: float) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings

    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), buffer=buffer))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_connected(app, pilot, timeout=30.0)
        await pilot.pause(0.5)  # first frames drawn
        rss_idle = rss_mb()
        print("READY", flush=True)
        store = app.store
        result = await watch_intake(count, step, deadline, lambda: store.total, lambda: app.feed.pending_msgs)
        await pilot.pause(1.0)  # the view catches up; a few more frames
        result["rss_end"] = rss_mb()
        collect_and_count(result)
        result["rss_peak"] = rss_mb("VmHWM")
        result["rss_idle"] = rss_idle
        result["held"] = len(store)
        result["dropped"] = app.session.total_dropped
        result["screen"] = type(app.screen).__name__
        try:
            result["stream_info"] = app.screen.query_one("#stream-info").text.plain
        except Exception:
            result["stream_info"] = ""
        record = store.get(store.last_seq)
        result["sizes"] = per_message_sizes(record.msg, record) if record is not None else {}
        await pilot.pause(0.05)
        pause_app_timers(app)  # see _common.pause_app_timers: a tick during shutdown raises
    return result


async def child_bare(url: str, keep: int, count: int, step: int, deadline: float) -> dict:
    from collections import deque

    import nats
    from nats import errors as nats_errors

    slow = 0

    async def on_error(exc) -> None:
        nonlocal slow
        if isinstance(exc, nats_errors.SlowConsumerError):
            slow += 1

    nc = await nats.connect(url, name="bench-bare", allow_reconnect=False, error_cb=on_error)
    received = 0
    kept: deque = deque(maxlen=keep or 1)

    if keep:
        append = kept.append

        async def cb(msg) -> None:
            nonlocal received
            received += 1
            append(msg)
    else:

        async def cb(msg) -> None:
            nonlocal received
            received += 1

    # the same pending limits the app's live feed uses
    from natstui.client.feed import PENDING_BYTES_LIMIT, PENDING_MSGS_LIMIT

    sub = await nc.subscribe(">", cb=cb, pending_msgs_limit=PENDING_MSGS_LIMIT, pending_bytes_limit=PENDING_BYTES_LIMIT)
    await nc.flush()
    await asyncio.sleep(0.5)
    rss_idle = rss_mb()
    print("READY", flush=True)
    result = await watch_intake(count, step, deadline, lambda: received, lambda: sub.pending_msgs)
    await asyncio.sleep(1.0)
    result["rss_end"] = rss_mb()
    collect_and_count(result)
    result["rss_peak"] = rss_mb("VmHWM")
    result["rss_idle"] = rss_idle
    result["held"] = len(kept) if keep else 0
    result["dropped"] = slow
    result["sizes"] = per_message_sizes(kept[-1]) if keep and kept else {}
    await nc.close()
    return result


def child_main(args: argparse.Namespace) -> int:
    if args.child == "app":
        coro = child_app(args.url, args.buffer, args.count, args.step, args.deadline)
    else:
        coro = child_bare(args.url, args.keep, args.count, args.step, args.deadline)
    result = asyncio.run(asyncio.wait_for(coro, args.deadline + 120))
    print(json.dumps(result), flush=True)
    return 0


# -- the parent -----------------------------------------------------------------------------------------


def run_config(url: str, label: str, child_args: list[str], args: argparse.Namespace) -> dict:
    deadline = args.count / args.rate * 3 + 120 if args.rate else 600.0
    child = spawn(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            *child_args,
            "--url",
            url,
            "--count",
            str(args.count),
            "--step",
            str(args.step),
            "--deadline",
            str(deadline),
        ],
        text=True,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], READY_DEADLINE)
        line = child.stdout.readline() if ready else ""
        if line.strip() != "READY":
            reap(child)
            raise RuntimeError(f"{label}: child did not start ({line.strip()!r})")
        pub = start_paced_publisher(
            publisher_spec(
                url, rate=args.rate, count=args.count, size=args.size, axes={"i": args.subjects}, max_behind=1.0
            )
        )
        result = read_result(child, deadline + 180)
        published = read_result(pub, 120)
    finally:
        reap_all()
    result["published"] = published
    result["label"] = label
    return result


def slope(samples: list[dict], from_mark: int, step: int) -> tuple[float, int]:
    """Least-squares RSS growth in MB per ``step`` messages over samples with mark >= from_mark."""
    pts = [(s["mark"], s["rss"]) for s in samples if s["mark"] >= from_mark]
    if len(pts) < 3:
        return float("nan"), len(pts)
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    return (sxy / sxx) * step if sxx else float("nan"), n


def rss_at(samples: list[dict], mark: int) -> float:
    for s in samples:
        if s["mark"] == mark:
            return s["rss"]
    return float("nan")


def mb(v: float) -> str:
    return "—" if v != v else f"{v:,.1f}"


def report(args, vers: dict[str, str], load_start: str, results: list[dict]) -> None:
    by = {r["label"]: r for r in results}
    pubs = [r["published"] for r in results]
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("", ""),
        (
            "workload",
            f"{args.count:,} msgs x {args.size} B over {args.subjects} subjects, paced at "
            f"{args.rate:,.0f} msgs/s (achieved {min(p['rate'] for p in pubs):,.0f}-"
            f"{max(p['rate'] for p in pubs):,.0f}); RSS sampled every {args.step:,} msgs",
        ),
        (
            "slope",
            f"least squares over the samples from buffer + {args.step:,} msgs on, "
            f"MB per {args.step:,} msgs; flat if |slope| < {FLAT_MB_PER_STEP:.0f}",
        ),
    ]
    print_kv("natstui memory benchmark (resident set size, MB)", rows, width=100)

    table = []
    verdicts = []
    base_end = by.get("bare subscriber (counts only)", {}).get("rss_end", float("nan"))
    for r in results:
        cap = r.get("capacity", 0)
        s, n = slope(r["samples"], (cap or 0) + args.step, args.step)
        full = rss_at(r["samples"], cap) if cap else float("nan")
        per_msg = (full - r["rss_idle"]) * 1024 * 1024 / cap if cap and full == full else float("nan")
        table.append(
            [
                r["label"],
                f"{r['received']:,}",
                mb(r["rss_idle"]),
                mb(rss_at(r["samples"], args.step)),
                mb(full),
                mb(r["rss_end"]),
                mb(r["rss_gc"]),
                mb(r["rss_peak"]),
                "—" if s != s else f"{s:+.2f} ({n})",
                "—" if per_msg != per_msg else f"{per_msg:,.0f}",
                "—" if base_end != base_end else f"{r['rss_end'] / base_end:.1f}x",
                f"{r['gc_tracked']:,}",
                f"{r['gc_full'] * 1000:,.0f}",
                f"{r['max_pending']:,}",
                f"{r['dropped']:,}",
            ]
        )
        if r["kind"] == "app":
            flat = s == s and abs(s) < FLAT_MB_PER_STEP
            verdicts.append((r, s, flat))
    print()
    print_table(
        [
            "configuration",
            "received",
            "idle",
            f"@{args.step // 1000}k",
            "@buffer full",
            f"@{args.count // 1000}k",
            "after gc",
            "peak",
            "slope (n)",
            "B/msg to fill",
            "vs bare",
            "gc objects",
            "full gc ms",
            "max pending",
            "dropped",
        ],
        table,
        right=tuple(range(1, 15)),
    )
    print(
        "(idle = connected, before the first message; B/msg to fill = (RSS when the buffer first filled - idle) "
        "/ buffer; vs bare = final RSS / the counting subscriber's; gc objects = objects the cyclic garbage "
        "collector tracks at the end, full gc ms = one gc.collect() then, i.e. what every generation-2 pause "
        "costs; pending = most messages seen waiting in nats-py)"
    )

    # what one buffered message holds
    for r in results:
        if r["kind"] == "app" and r.get("sizes"):
            sizes = r["sizes"]
            print()
            print(
                "one buffered message in the app (sys.getsizeof, shared objects left out): "
                + ", ".join(f"{k} {v}" for k, v in sizes.items())
                + f"; sum {sum(sizes.values())} B"
            )
            break
    print()
    for r in results:
        if r["kind"] == "app":
            print(
                f"{r['label']}: screen {r['screen']}, stream header '{r['stream_info']}', "
                f"intake {r['received'] / r['span']:,.0f} msgs/s"
                if r["span"]
                else ""
            )
    print()
    overall = True
    for r, s, flat in verdicts:
        if r["capacity"] == 100_000:
            ok = r["rss_end"] < DEFAULT_TARGET_MB
            overall &= ok
            print(
                f"default buffer: {mb(r['rss_end'])} MB after {r['received']:,} msgs, target < "
                f"{DEFAULT_TARGET_MB:.0f} MB: {'PASS' if ok else 'FAIL'}"
            )
        overall &= flat
        print(
            f"{r['label']}: slope once full {'—' if s != s else f'{s:+.2f}'} MB per {args.step:,} msgs: "
            f"{'PASS (flat)' if flat else 'FAIL (still growing)' if s == s else 'no samples'}"
        )
    incomplete = [r["label"] for r in results if r["received"] < args.count or r["timed_out"]]
    if incomplete:
        print(f"note: fewer than {args.count:,} messages arrived in: {', '.join(incomplete)}")
    print(f"overall: {'PASS' if overall else 'FAIL'}")


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2_000_000, help="messages per configuration (default 2000000)")
    parser.add_argument(
        "--rate", type=float, default=50_000, help="publisher pace, msgs/s; 0 = as fast as it can (default 50000)"
    )
    parser.add_argument(
        "--step", type=int, default=100_000, help="RSS sample every this many messages (default 100000)"
    )
    parser.add_argument("--subjects", type=int, default=100, help="distinct subjects (default 100)")
    parser.add_argument("--size", type=int, default=128, help="payload bytes (default 128)")
    parser.add_argument("--big-buffer", type=int, default=1_000_000, help="the raised buffer size (default 1000000)")
    parser.add_argument(
        "--no-keep-baselines",
        dest="keep_baselines",
        action="store_false",
        help="skip the bare subscribers that keep the last N messages",
    )
    # child mode (internal)
    parser.add_argument("--child", choices=("app", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--buffer", type=int, default=100_000, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=600.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    if args.count < args.step or args.step < 1 or args.rate < 0:
        parser.error("--count >= --step >= 1 and --rate >= 0")

    from natstui.demo.server import EmbeddedServer

    configs = [("bare subscriber (counts only)", "bare", 0, ["bare", "--keep", "0"])]
    if args.keep_baselines:
        configs.append(("bare + deque(maxlen=100,000)", "bare", 100_000, ["bare", "--keep", "100000"]))
    configs.append(("app, buffer 100,000 (default)", "app", 100_000, ["app", "--buffer", "100000"]))
    if args.keep_baselines:
        configs.append(
            (
                f"bare + deque(maxlen={args.big_buffer:,})",
                "bare",
                args.big_buffer,
                ["bare", "--keep", str(args.big_buffer)],
            )
        )
    configs.append(
        (f"app, buffer {args.big_buffer:,}", "app", args.big_buffer, ["app", "--buffer", str(args.big_buffer)])
    )

    load_start = load_average()
    vers = versions()
    results: list[dict] = []
    with EmbeddedServer(jetstream=False) as server:
        print(f"nats-server {vers['nats-server']} at {server.url}", flush=True)
        for label, kind, capacity, child_args in configs:
            print(f"{label}: {args.count:,} messages at {args.rate:,.0f} msgs/s ...", flush=True)
            r = run_config(server.url, label, child_args, args)
            r["kind"], r["capacity"] = kind, capacity
            print(f"  received {r['received']:,}, RSS {r['rss_idle']:,.1f} -> {r['rss_end']:,.1f} MB", flush=True)
            results.append(r)
    report(args, vers, load_start, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

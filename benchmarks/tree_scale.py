#!/usr/bin/env python
"""Subject tree scale benchmark: 100,000 distinct subjects in ~10 seconds, and how soon the tree shows them.

Starts its own nats-server on a free loopback port and the real app (``make_app``,
headless ``run_test`` at 160x48, Live view, the subject tree focused). A
publisher process sends one message on each of ``tenants x devices x metrics``
distinct subjects ``tenant.t{T}.device.d{D}.{metric}`` (default 100 x 200 x 5 =
100,000), in a shuffled order, paced at ``--rate`` messages per second (default
10,000, so ~10 s). Meanwhile:

- event-loop lag is sampled (5 ms sleep probe) from the first publish until the
  tree is current;
- every ``--expand-every`` seconds one key goes to the tree (``down`` ``down``
  ``right`` ``down`` ``right`` ...): it walks to ``tenant``, expands it, then the
  first tenant, its ``device`` node and its first device, so the tree has to create
  children under expanded nodes while subjects keep arriving.

Timed from the publisher's last publish (``time.monotonic()`` in both processes,
CLOCK_MONOTONIC), each noted where it happens (wrapped on the instances):

- last arrival: ``app.store.total`` reaches the count (polled every 5 ms);
- trie current: after ``Monitor.pump``, ``trie.root.count`` is the count and
  ``trie.node_count`` what the subjects make;
- tree synced: after ``SubjectTree.sync``, it has taken in that trie (its counted
  total and trie version);
- tree on screen: the first frame (``App._display``) after the tree repainted its
  root line (``SubjectTree.render_line``) once synced; the screen's text is then
  checked for ``all subjects <count>`` (``Compositor.render_strips``).

Targets: lag p95 < 50 ms; tree on screen within 1 s of the last publish. Prints a
report and exits 0 (unless something crashed); every phase has a deadline and
child processes are always terminated.

    python benchmarks/tree_scale.py [--tenants 100] [--devices 200] [--metrics 5] [--rate 10000] [--expand-every 1]
                                    [--gc-threshold G0,G1,G2] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    GcWatch,
    benchmark_main,
    gc_setting,
    hook_frames,
    lag_probe,
    load_average,
    machine_rows,
    ms,
    parse_gc_threshold,
    pause_app_timers,
    percentile,
    print_kv,
    publisher_spec,
    read_result,
    reap_all,
    start_paced_publisher,
    versions,
)
from natstui.testing import screen_text, wait_connected

LAG_P95_TARGET = 0.050
TREE_TARGET = 1.0  # seconds from the last publish to the tree on screen
LAG_INTERVAL = 0.005
POLL = 0.005
CATCH_UP_DEADLINE = 60.0  # after the last publish
APP_DEADLINE = 600.0
METRICS = ["cpu", "mem", "disk", "net", "temp", "load", "rx", "tx", "iops", "errors"]
EXPAND_KEYS = ["down", "down", "right", "down", "right", "down", "right", "down", "right"]


def expected_nodes(tenants: int, devices: int, metrics: int) -> int:
    """Trie nodes for tenant.t{T}.device.d{D}.{metric}: tenant, each t, its device, each d, each metric."""
    return 1 + tenants + tenants + tenants * devices + tenants * devices * metrics


async def run_app_async(url: str, args: argparse.Namespace) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.ui.widgets.tree import format_count

    count = args.tenants * args.devices * args.metrics
    nodes_expected = expected_nodes(args.tenants, args.devices, args.metrics)
    mono, perf = time.monotonic, time.perf_counter
    app = make_app(Settings(connection=ConnectionSettings(servers=[url])))
    ev: dict[str, float | None] = {"arrived": None, "trie": None, "synced": None, "painted": None, "frame": None}
    pump_times: list[float] = []
    sync_times: list[float] = []
    frames = [0]
    expanded: list[str] = []

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_connected(app, pilot, timeout=30.0)
        await pilot.pause(0.5)
        screen = app.screen
        tree = screen.query_one("#tree")
        tree.focus()
        await pilot.pause(0.2)
        trie = app.monitor.trie
        monitor = app.monitor

        # -- instrumentation (instance attributes: the app calls them through the instances) --------
        original_pump = monitor.pump

        def pump():
            t = perf()
            n = original_pump()
            pump_times.append(perf() - t)
            if ev["trie"] is None and trie.root.count >= count and trie.node_count >= nodes_expected:
                ev["trie"] = mono()
            return n

        monitor.pump = pump

        original_sync = tree.sync

        def sync():
            t = perf()
            original_sync()
            sync_times.append(perf() - t)
            if (
                ev["trie"] is not None
                and ev["synced"] is None
                and tree._counted >= count
                and tree._versions.get(-1) == trie.version
            ):
                ev["synced"] = mono()

        tree.sync = sync

        original_render_line = tree.render_line

        def render_line(y: int):
            strip = original_render_line(y)
            if ev["synced"] is not None and ev["painted"] is None and y + int(tree.scroll_offset.y) == 0:
                ev["painted"] = mono()
            return strip

        tree.render_line = render_line

        def on_frame(_screen, _update) -> None:
            frames[0] += 1
            if ev["painted"] is not None and ev["frame"] is None:
                ev["frame"] = mono()

        hook_frames(app, on_frame)

        # -- the run -----------------------------------------------------------------------------
        lags: list[float] = []
        stop = asyncio.Event()

        async def expander() -> None:
            for key in EXPAND_KEYS:
                await asyncio.sleep(args.expand_every)
                if stop.is_set():
                    return
                app.simulate_key(key)
                if key == "right":
                    wait_end = mono() + 1.0
                    while mono() < wait_end and not (tree.cursor_node is not None and tree.cursor_node.is_expanded):
                        await asyncio.sleep(POLL)
                    node = tree.cursor_node
                    if node is not None and node.data is not None:
                        expanded.append((node.data.path or "(root)") + ("" if node.is_expanded else " (not expanded)"))

        spec = publisher_spec(
            url,
            rate=args.rate,
            count=count,
            size=args.size,
            subject_format="tenant.t{t}.device.d{d}.{m}",
            axes={"t": args.tenants, "d": args.devices, "m": METRICS[: args.metrics]},
            shuffle=args.seed,
            max_behind=1.0,
        )
        total0, frames0 = app.store.total, frames[0]
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        gcw = GcWatch()
        gcw.active = True
        t_start = mono()
        pub = start_paced_publisher(spec)
        tasks = [asyncio.create_task(lag_probe(stop, lags, LAG_INTERVAL)), asyncio.create_task(expander())]
        published: dict | None = None
        try:
            end = mono() + count / args.rate * 3 + 60
            while mono() < end:
                await asyncio.sleep(POLL)
                if ev["arrived"] is None and app.store.total - total0 >= count:
                    ev["arrived"] = mono()
                if published is None and pub.poll() is not None:
                    published = await asyncio.to_thread(read_result, pub, 30)
                    end = min(end, published["last_publish"] + CATCH_UP_DEADLINE)
                if published is not None and ev["frame"] is not None:
                    break
        finally:
            stop.set()
            t_end = mono()
            gcw.active = False
            gcw.close()
            if profiler is not None:
                profiler.disable()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if published is None:
            published = await asyncio.to_thread(read_result, pub, 60)
        await pilot.pause(0.6)  # a later sync and frame, for the text check
        text = screen_text(app)
        label = f"all subjects {format_count(count)}"
        result = {
            "count": count,
            "nodes_expected": nodes_expected,
            "published": published,
            "events": ev,
            "t_start": t_start,
            "t_end": t_end,
            "lags": lags,
            "pump": pump_times,
            "sync": sync_times,
            "frames": frames[0] - frames0,
            "received": app.store.total - total0,
            "dropped": app.session.total_dropped,
            "node_count": trie.node_count,
            "root_count": trie.root.count,
            "tree_nodes": len(tree._tree_nodes),
            "tree_lines": len(tree._tree_lines),
            "expanded": expanded,
            "label": label,
            "label_on_screen": label in text,
            "root_line": next(
                (
                    line[tree.region.x : tree.region.right].strip(" ▕▏")
                    for line in text.splitlines()
                    if "all subjects" in line
                ),
                "",
            ),
            "missed": app.monitor.missed,
            "gc": gcw.summary(),
            "state_after": app.session.state.value,
        }
        await pilot.pause(0.05)
        pause_app_timers(app)  # see _common.pause_app_timers: a tick during shutdown raises
    if profiler is not None:
        import pstats

        profiler.dump_stats(args.profile)
        print(f"profile written to {args.profile}", flush=True)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return result


def run_app(url: str, args: argparse.Namespace) -> dict:
    try:
        return asyncio.run(asyncio.wait_for(run_app_async(url, args), APP_DEADLINE))
    finally:
        reap_all()


def report(args, vers: dict[str, str], load_start: str, r: dict) -> None:
    pub = r["published"]
    last = pub["last_publish"]
    ev = r["events"]

    def since(name: str, ref: float) -> str:
        t = ev[name]
        return "never" if t is None else f"{(t - ref) * 1000:,.0f} ms"

    span = r["t_end"] - r["t_start"]
    lag = r["lags"]
    lag_p95 = percentile(lag, 95)
    frame_delay = None if ev["frame"] is None else ev["frame"] - last
    lag_ok = lag_p95 < LAG_P95_TARGET
    tree_ok = frame_delay is not None and frame_delay < TREE_TARGET and r["label_on_screen"]
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("garbage collector", gc_setting() + ("  (what-if: --gc-threshold)" if args.gc_threshold else "")),
        ("", ""),
        (
            "workload",
            f"{r['count']:,} distinct subjects tenant.t{{0..{args.tenants - 1}}}"
            f".device.d{{0..{args.devices - 1}}}.{{{','.join(METRICS[: args.metrics])}}}, "
            f"one {args.size} B message each, shuffled",
        ),
        (
            "publisher",
            f"target {args.rate:,.0f} msgs/s, achieved {pub['rate']:,.0f} msgs/s "
            f"({pub['sent']:,} msgs in {pub['elapsed']:.1f} s)",
        ),
        (
            "app received",
            f"{r['received']:,} (slow-consumer drops {r['dropped']:,}; "
            f"evicted before counted in the trie {r['missed']:,})",
        ),
        ("trie", f"{r['node_count']:,} nodes (expected {r['nodes_expected']:,}), root count {r['root_count']:,}"),
        (
            "tree widget",
            f"{r['tree_nodes']:,} TreeNodes created, {r['tree_lines']:,} lines; expanded during the run: "
            + (", ".join(r["expanded"]) or "none"),
        ),
        ("", ""),
        ("last arrival", f"{since('arrived', last)} after the last publish"),
        (
            "trie current",
            f"{since('trie', last)} after the last publish "
            f"({since('trie', ev['arrived']) if ev['arrived'] else '—'} after the last arrival)",
        ),
        ("tree synced", f"{since('synced', last)} after the last publish"),
        (
            "tree on screen",
            f"{since('frame', last)} after the last publish   target < {TREE_TARGET * 1000:.0f} ms   "
            f"{'PASS' if tree_ok else 'FAIL'}",
        ),
        (
            "screen text",
            f"'{r['label']}' {'found' if r['label_on_screen'] else 'NOT found'} (root line: '{r['root_line']}')",
        ),
        ("", ""),
        ("loop lag p50", f"{ms(percentile(lag, 50))} ms"),
        (
            "loop lag p95",
            f"{ms(lag_p95)} ms   target < {LAG_P95_TARGET * 1000:.0f} ms   {'PASS' if lag_ok else 'FAIL'}",
        ),
        ("loop lag max", f"{ms(percentile(lag, 100))} ms ({len(lag):,} samples over {span:.1f} s)"),
        (
            "Monitor.pump",
            f"{len(r['pump'])} calls, p50 {ms(percentile(r['pump'], 50), 2)} ms, "
            f"p95 {ms(percentile(r['pump'], 95), 2)} ms, max {ms(percentile(r['pump'], 100), 2)} ms, "
            f"total {sum(r['pump']) * 1000:,.0f} ms",
        ),
        (
            "SubjectTree.sync",
            f"{len(r['sync'])} calls, p50 {ms(percentile(r['sync'], 50), 2)} ms, "
            f"p95 {ms(percentile(r['sync'], 95), 2)} ms, max {ms(percentile(r['sync'], 100), 2)} ms, "
            f"total {sum(r['sync']) * 1000:,.0f} ms",
        ),
        ("frames", f"{r['frames']:,} in {span:.1f} s ({r['frames'] / span:.1f}/s)"),
        ("gc pauses", r["gc"]),
    ]
    print_kv("natstui subject tree scale benchmark", rows, width=100)
    print(
        f"overall: {'PASS' if lag_ok and tree_ok else 'FAIL'} (lag p95 {'PASS' if lag_ok else 'FAIL'}, "
        f"tree current {'PASS' if tree_ok else 'FAIL'})"
    )
    print(f"app connection state after the run: {r['state_after']}")


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=100, help="tenants (default 100)")
    parser.add_argument("--devices", type=int, default=200, help="devices per tenant (default 200)")
    parser.add_argument("--metrics", type=int, default=5, help=f"metrics per device, up to {len(METRICS)} (default 5)")
    parser.add_argument("--rate", type=float, default=10_000, help="publisher pace, msgs/s (default 10000)")
    parser.add_argument("--size", type=int, default=128, help="payload bytes (default 128)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the subjects' shuffled order")
    parser.add_argument("--expand-every", type=float, default=1.0, help="seconds between tree keys (default 1)")
    parser.add_argument(
        "--gc-threshold",
        metavar="G0,G1,G2",
        help="what-if: gc.set_threshold(...) in the app's process first (default: CPython's 700,10,10)",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the run into FILE")
    args = parser.parse_args(argv)
    if min(args.tenants, args.devices, args.metrics) < 1 or args.metrics > len(METRICS) or args.rate <= 0:
        parser.error(f"--tenants, --devices >= 1, 1 <= --metrics <= {len(METRICS)}, --rate > 0")

    try:
        gc_threshold = parse_gc_threshold(args.gc_threshold)
    except ValueError as exc:
        parser.error(str(exc))
    if gc_threshold:
        import gc

        gc.set_threshold(*gc_threshold)

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    vers = versions()
    count = args.tenants * args.devices * args.metrics
    with EmbeddedServer(jetstream=False) as server:
        print(f"nats-server {vers['nats-server']} at {server.url}", flush=True)
        print(
            f"app: natstui headless, Live view, {count:,} distinct subjects at {args.rate:,.0f} msgs/s ...", flush=True
        )
        r = run_app(server.url, args)
    report(args, vers, load_start, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())

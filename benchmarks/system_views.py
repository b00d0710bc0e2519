#!/usr/bin/env python
"""System views benchmark: the Connections view with thousands of connections, the Servers view of 7 servers.

1. Connections: a cluster of three servers with a system account (``natstui.demo.topology``), and
   ``--connections`` client connections (default 2,000) spread over the three, made by a child
   process with plain sockets (CONNECT with a name, one SUB, a PING; it answers the servers' PINGs;
   one connection in ten publishes a message every 100 ms so that rates differ). The real app
   (``make_app`` with the system user, headless ``run_test`` at 160x45) then:
   - "8": the time from the key to the frame that shows the first rows (with every connection
     listed; this first refresh also opens the system account's connection);
   - a full refresh (``u``): from the key to the frame showing the new refresh (every server's CONNZ
     pages, the rates, the sort, the table), ``--refreshes`` times; the requests one refresh costs;
   - a re-sort (``s``, every column in turn): from the key to the frame with the new order;
   - key to frame while the view refreshes every 2 s by itself: ``down``/``up`` every 150 ms for
     ``--seconds``, each timed from the key to the first frame with the cursor on its new row.
   Targets: first rows, refresh and re-sort each under 300 ms; key to frame p95 under 100 ms.
2. Servers: clusters east and west of three servers joined by a gateway and a leaf node (7 servers),
   the Servers view shown for ``--seconds`` (it polls STATZ and VARZ every 2 s) while a 5 ms sleep
   probe samples event-loop lag. Target: lag p95 under 50 ms.

Prints a report and exits 0 (unless something crashed); child processes and servers are always ended.

    python benchmarks/system_views.py [--connections 2000] [--seconds 30] [--refreshes 10] [--only connections|servers]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    benchmark_main,
    hook_frames,
    lag_probe,
    load_average,
    machine_rows,
    median,
    ms,
    percentile,
    print_kv,
    print_table,
    spawn_script,
    stop_publisher,
    versions,
)

STEP_TARGET = 0.300
KEY_TARGET = 0.100
LAG_TARGET = 0.050
STEP_DEADLINE = 30.0
POLL = 0.005
KEY_EVERY = 0.150

# A child process holding many client connections with plain sockets (no client library per
# connection): argv = JSON {urls, count}. Prints {"ready": n} once every connection has its PONG,
# then keeps them open (answering PINGs, a few publishing) until its stdin closes.
CLIENTS = r"""
import asyncio, json, os, sys, time

async def client(url, i, ready, writers):
    host, port = url.rsplit("/", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
    await reader.readline()  # INFO
    connect = {"verbose": False, "pedantic": False, "name": f"bench-client-{i}", "lang": "raw", "version": "1.0",
               "protocol": 1}
    writer.write(b"CONNECT " + json.dumps(connect).encode() + b"\r\nSUB bench.c%d 1\r\nPING\r\n" % i)
    await writer.drain()
    announced = False
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"PING"):
            writer.write(b"PONG\r\n")
        elif line.startswith(b"PONG") and not announced:
            announced = True
            ready.append(i)
            writers.append((i, writer))
        elif line.startswith(b"MSG"):
            await reader.readline()

async def main(spec):
    urls, count = spec["urls"], spec["count"]
    ready, writers, stop = [], [], asyncio.Event()
    loop = asyncio.get_running_loop()
    def on_stdin():
        if not os.read(0, 4096):
            loop.remove_reader(0)
            stop.set()
    loop.add_reader(0, on_stdin)
    tasks = []
    for i in range(count):
        tasks.append(asyncio.create_task(client(urls[i % len(urls)], i, ready, writers)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # the servers accept in batches
    t0 = time.monotonic()
    while len(ready) < count and time.monotonic() - t0 < 120:
        await asyncio.sleep(0.1)
    print(json.dumps({"ready": len(ready)}), flush=True)
    while not stop.is_set():  # one connection in ten publishes every 100 ms, so that rates differ
        for i, writer in writers:
            if i % 10 == 0 and not writer.is_closing():
                writer.write(b"PUB bench.c%d 16\r\n0123456789abcdef\r\n" % ((i + 1) % count))
        try:
            await asyncio.wait_for(stop.wait(), 0.1)
        except asyncio.TimeoutError:
            pass
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"ready": len(ready), "done": True}), flush=True)

asyncio.run(main(json.loads(sys.argv[1])))
"""


class StepTimeout(Exception):
    pass


class Frames:
    """Times from a key to the first frame after which ``cond`` holds.

    The same frame hook as responsiveness.py's KeyProbe (``hook_frames``), each frame also turned into
    what the terminal driver writes (as KeyProbe's ``encode``); KeyProbe's own checks are the Live
    stream's (its cursor sequence), so the effect here is a condition on the Connections view."""

    def __init__(self, app) -> None:
        from textual._compositor import CompositorUpdate

        self.app = app
        self.kind = CompositorUpdate
        self.waiting: tuple[Callable[[], bool], asyncio.Future] | None = None
        self.count = 0
        hook_frames(app, self._frame)

    def _frame(self, screen, update) -> None:
        if isinstance(update, self.kind):
            update.render_segments(self.app.console)  # what the terminal driver does before writing
        self.count += 1
        if self.waiting is not None:
            cond, done = self.waiting
            if not done.done() and cond():
                done.set_result(time.perf_counter())

    async def after(self, press: Callable[[], None], cond: Callable[[], bool], what: str) -> float:
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self.waiting = (cond, done)
        t0 = time.perf_counter()
        press()
        try:
            t1 = await asyncio.wait_for(done, STEP_DEADLINE)
        except asyncio.TimeoutError:
            raise StepTimeout(f"{what}: no frame within {STEP_DEADLINE:.0f}s") from None
        finally:
            self.waiting = None
        return t1 - t0


async def run_connections(topo, args) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected
    from natstui.ui.screens.connections import KEYS, ConnectionsScreen

    app = make_app(
        Settings(
            connection=ConnectionSettings(servers=[topo.urls[0]]), subjects=["none.>"], system=topo.system_settings()
        )
    )
    out: dict = {"first": None, "refresh": [], "sort": [], "keys": [], "requests": set(), "auto_refreshes": 0}
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_connected(app, pilot)
        frames = Frames(app)
        want = args.connections

        def listed() -> bool:
            screen = app.screen
            return isinstance(screen, ConnectionsScreen) and len(screen.shown) >= want

        out["first"] = await frames.after(lambda: app.simulate_key("8"), listed, "first rows")
        screen = app.screen
        assert isinstance(screen, ConnectionsScreen)
        out["listed"] = len(screen.shown)
        out["requests"].add(screen.requests)
        await pilot.pause(0.5)
        for _ in range(args.refreshes):
            before = screen.refreshes
            # u asks at once; the table's rows object is replaced when the refresh is shown
            seconds = await frames.after(
                lambda: app.simulate_key("u"), lambda b=before: screen.refreshes > b, "refresh"
            )
            out["refresh"].append(seconds)
            out["requests"].add(screen.requests)
            await pilot.pause(0.2)
        for _ in range(len(KEYS)):
            rows_before = screen.table.rows
            seconds = await frames.after(
                lambda: app.simulate_key("s"), lambda r=rows_before: screen.table.rows is not r, "re-sort"
            )
            out["sort"].append((screen.model.sort_key, seconds))
            await pilot.pause(0.1)
        # key to frame while the view refreshes every 2 s by itself
        start_refreshes = screen.refreshes
        t_end = time.monotonic() + args.seconds
        direction = 1
        while time.monotonic() < t_end:
            row = screen.table.cursor_row or 0
            if row >= 30:
                direction = -1
            elif row <= 0:
                direction = 1
            target = row + direction
            key = "down" if direction > 0 else "up"
            seconds = await frames.after(
                lambda k=key: app.simulate_key(k), lambda t=target: screen.table.cursor_row == t, "cursor"
            )
            out["keys"].append(seconds)
            await asyncio.sleep(KEY_EVERY)
        out["auto_refreshes"] = screen.refreshes - start_refreshes
        out["servers"] = len({r.server_id for r in screen.model.rows.values()})
    return out


async def run_servers(topo, args) -> dict:
    from natstui.cli import make_app
    from natstui.config import ConnectionSettings, Settings
    from natstui.testing import wait_connected
    from natstui.ui.screens.servers import ServersScreen

    app = make_app(
        Settings(
            connection=ConnectionSettings(servers=[topo.urls[0]]), subjects=["none.>"], system=topo.system_settings()
        )
    )
    lags: list[float] = []
    stop = asyncio.Event()
    out: dict = {}
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_connected(app, pilot)
        app.simulate_key("7")
        t0 = time.perf_counter()
        while not (
            isinstance(app.screen, ServersScreen) and app.screen.ready and len(app.screen.model.rows) >= len(topo.nodes)
        ):
            if time.perf_counter() - t0 > STEP_DEADLINE:
                raise StepTimeout("Servers: not every server listed")
            await pilot.pause(POLL)
        out["listed_after"] = time.perf_counter() - t0
        screen = app.screen
        polls = screen.model.polls
        probe = asyncio.create_task(lag_probe(stop, lags))
        await asyncio.sleep(args.seconds)
        stop.set()
        await probe
        out["polls"] = screen.model.polls - polls
        out["servers"] = len(screen.model.rows)
        out["missing"] = sum(1 for r in screen.model.rows.values() if r.missing)
    out["lags"] = lags
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000, help="client connections (default 2000)")
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="seconds of key presses / lag sampling (default 30)"
    )
    parser.add_argument("--refreshes", type=int, default=10, help="timed manual refreshes (default 10)")
    parser.add_argument("--only", choices=("connections", "servers"), help="run one part")
    args = parser.parse_args(argv)

    from natstui.demo.topology import Topology

    load_start = load_average()
    vers = versions()
    conns = servers = None
    if args.only in (None, "connections"):
        with Topology([("bench", 3)]) as topo:
            print(f"cluster of 3 at {', '.join(topo.urls)}; opening {args.connections:,} connections ...", flush=True)
            proc = spawn_script(
                CLIENTS, json.dumps({"urls": topo.urls, "count": args.connections}), stdin=subprocess.PIPE
            )
            ready = json.loads(proc.stdout.readline() or "{}").get("ready", 0)
            print(f"  {ready:,} connections ready; app: Connections view ...", flush=True)
            try:
                conns = asyncio.run(run_connections(topo, args))
            finally:
                stop_publisher(proc)
    if args.only in (None, "servers"):
        with Topology([("east", 3), ("west", 3)], leaf=True) as topo:
            print(
                f"supercluster of {len(topo.nodes)} servers; app: Servers view for {args.seconds:.0f} s ...", flush=True
            )
            servers = asyncio.run(run_servers(topo, args))
    report(args, vers, load_start, conns, servers)
    return 0


def report(args, vers: dict, load_start: str, conns: dict | None, servers: dict | None) -> None:
    rows = [(k, v) for k, v in vers.items()]
    rows += machine_rows(load_start, load_average())
    print_kv("natstui system views benchmark", rows, width=100)
    table = []
    if conns is not None:
        refresh = conns["refresh"]
        sorts = [s for _, s in conns["sort"]]
        keys = conns["keys"]
        table += [
            (
                f"Connections: first rows ({conns['listed']:,} on {conns['servers']} servers)",
                ms(conns["first"]),
                "< 300 ms",
                verdict(conns["first"] < STEP_TARGET),
            ),
            (
                f"full refresh, median / max of {len(refresh)} "
                f"({', '.join(str(r) for r in sorted(conns['requests']))} requests each)",
                f"{ms(median(refresh))} / {ms(max(refresh))}",
                "< 300 ms",
                verdict(max(refresh) < STEP_TARGET),
            ),
            (
                f"re-sort, median / max of {len(sorts)} (every column)",
                f"{ms(median(sorts))} / {ms(max(sorts))}",
                "< 300 ms",
                verdict(max(sorts) < STEP_TARGET),
            ),
            (
                f"key to frame p50 / p95 / max, {len(keys)} keys, {conns['auto_refreshes']} refreshes meanwhile",
                f"{ms(percentile(keys, 50))} / {ms(percentile(keys, 95))} / {ms(max(keys))}",
                "p95 < 100 ms",
                verdict(percentile(keys, 95) < KEY_TARGET),
            ),
        ]
    if servers is not None:
        lags = servers["lags"]
        table += [
            (
                f"Servers: {servers['servers']} servers listed after '7'",
                ms(servers["listed_after"]),
                "",
                "",
            ),
            (
                f"event-loop lag p50 / p95 / max over {args.seconds:.0f} s, {servers['polls']} polls",
                f"{ms(percentile(lags, 50))} / {ms(percentile(lags, 95))} / {ms(max(lags))}",
                "p95 < 50 ms",
                verdict(percentile(lags, 95) < LAG_TARGET),
            ),
        ]
    print()
    print_table(["step", "ms", "target", ""], table)


if __name__ == "__main__":
    sys.exit(main())

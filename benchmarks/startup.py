#!/usr/bin/env python
"""Start-up benchmark: process start to the first frame connected, natstui against a minimal Textual app.

Starts its own nats-server on a free loopback port, then runs, as fresh
subprocesses and interleaved (after one unmeasured warm-up run of each):

- natstui: a small driver that imports ``natstui.cli.make_app``, builds the app
  against the benchmark server and runs it headless (``App.run_async(headless=True)``,
  160x45). A watcher task in the same loop notes when the first frame was drawn
  and when the status bar shows "connected" and that frame was drawn (the
  callback of ``call_after_refresh`` after both), then the app exits.
- minimal: a Textual ``App`` with one ``Static``, headless, same size, that notes
  its first frame (``call_after_refresh`` from ``on_mount``) and exits.
- python: ``python -c pass``, the interpreter's own floor, for reference.

Times run from just before the parent starts the child (``time.time()``,
passed in an environment variable) to the mark, so they include the
interpreter start and every import. Target: natstui / minimal (medians of the
first connected frame vs the first frame) < 1.5. Prints a report and exits 0
(unless something crashed); every run has a deadline and child processes are
always terminated.

    python benchmarks/startup.py [--runs 5] [--importtime]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    benchmark_main,
    load_average,
    machine_rows,
    median,
    ms,
    print_kv,
    print_table,
    reap,
    spawn,
    versions,
)

RATIO_TARGET = 1.5
RUN_DEADLINE = 60.0  # seconds per child process
SIZE = (160, 45)

NATSTUI_DRIVER = r"""
import os, sys, time
T0 = float(os.environ["BENCH_T0"])
marks = {"python up": time.time() - T0}
import asyncio, json
from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings

app = make_app(Settings(connection=ConnectionSettings(servers=[sys.argv[1]])))
marks["app built (imports)"] = time.time() - T0
from natstui.ui.widgets.status import StatusBar

async def watch():
    sleep = asyncio.sleep
    while not (app.is_running and getattr(app.screen, "ready", False)):  # the Live view is mounted
        await sleep(0.001)
    app.screen.call_after_refresh(lambda: marks.setdefault("first frame", time.time() - T0))
    while True:
        await sleep(0.001)
        if app.session.state.value != "connected":
            continue
        try:
            bar = app.screen.query_one(StatusBar)
        except Exception:
            continue
        if bar.text.plain.startswith("\u25cf connected"):
            break
    marks["connected (status bar set)"] = time.time() - T0
    marks["_aiohttp"] = "aiohttp" in sys.modules

    def drawn():
        marks["first frame connected"] = time.time() - T0
        print(json.dumps(marks), flush=True)
        app.exit()

    app.screen.call_after_refresh(drawn)

async def main():
    task = asyncio.create_task(watch())
    await app.run_async(headless=True, size=(int(sys.argv[2]), int(sys.argv[3])))
    task.cancel()

asyncio.run(main())
"""

MINIMAL_DRIVER = r"""
import os, time
T0 = float(os.environ["BENCH_T0"])
marks = {"python up": time.time() - T0}
import json, sys
from textual.app import App, ComposeResult
from textual.widgets import Static

class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Static("natstui start-up benchmark: a minimal Textual app")

    def on_mount(self) -> None:
        self.call_after_refresh(self.drawn)

    def drawn(self) -> None:
        marks["first frame"] = time.time() - T0
        print(json.dumps(marks), flush=True)
        self.exit()

app = Minimal()
marks["app built (imports)"] = time.time() - T0
app.run(headless=True, size=(int(sys.argv[1]), int(sys.argv[2])))
"""

PYTHON_FLOOR = r"""
import json, os, time
print(json.dumps({"python up": time.time() - float(os.environ["BENCH_T0"])}), flush=True)
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for name in ("TEXTUAL", "TEXTUAL_DEVTOOLS_HOST", "TEXTUAL_DEVTOOLS_PORT"):  # no devtools, no debug
        env.pop(name, None)
    # Bytecode as an installed package has it: pip compiles a package's modules when it installs
    # it (Textual's and nats-py's here), but a checkout run with PYTHONDONTWRITEBYTECODE set would
    # compile natstui's own modules again at every start. The warm-up run writes them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(
    script: str, args: list[str], extra: list[str] | None = None, env_extra: dict[str, str] | None = None
) -> dict:
    env = child_env()
    env.update(env_extra or {})
    t0 = time.time()
    env["BENCH_T0"] = repr(t0)
    proc = spawn([sys.executable, *(extra or []), "-c", script, *args], env=env, text=True)
    try:
        out, err = proc.communicate(timeout=RUN_DEADLINE)
    except subprocess.TimeoutExpired:
        reap(proc)
        raise RuntimeError(f"start-up run did not finish within {RUN_DEADLINE:.0f}s") from None
    exited = time.time() - t0
    reap(proc)
    for line in reversed(out.splitlines()):
        if line.strip().startswith("{"):
            marks = json.loads(line)
            marks["process exit"] = exited
            marks["_stderr"] = err
            return marks
    raise RuntimeError(f"start-up run exited {proc.returncode} without a result:\n{err.strip()[-2000:]}")


def import_times(url: str, top: int = 15) -> list[tuple]:
    """The slowest imports (cumulative) of one natstui start, from ``python -X importtime``."""
    marks = run_once(NATSTUI_DRIVER, [url, str(SIZE[0]), str(SIZE[1])], ["-X", "importtime"])
    rows = []
    for line in marks["_stderr"].splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        try:
            _, self_us, cum_us, name = [p.strip() for p in line.replace("import time:", "|").split("|")]
            rows.append((int(cum_us), int(self_us), name))
        except ValueError:
            continue
    top_level = [r for r in rows if not r[2].startswith(" ")]
    top_level.sort(reverse=True)
    return top_level[:top]


@benchmark_main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each (default 5)")
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="also list natstui's slowest top-level imports (python -X importtime, one run)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    from natstui.demo.server import EmbeddedServer

    load_start = load_average()
    vers = versions()
    size = [str(SIZE[0]), str(SIZE[1])]
    results: dict[str, list[dict]] = {"natstui": [], "minimal": [], "python": []}
    imports: list[tuple] = []
    with EmbeddedServer(jetstream=False) as server:
        print(f"nats-server {vers['nats-server']} at {server.url}", flush=True)
        kinds = {
            "natstui": (NATSTUI_DRIVER, [server.url, *size], {}),
            "minimal": (MINIMAL_DRIVER, size, {}),
            "python": (PYTHON_FLOOR, [], {}),
        }
        print("warm-up run of each (not counted) ...", flush=True)
        for script, extra, env in kinds.values():
            run_once(script, extra, env_extra=env)
        for i in range(args.runs):
            line = []
            for kind, (script, extra, env) in kinds.items():
                marks = run_once(script, extra, env_extra=env)
                results[kind].append(marks)
                key = (
                    "first frame" if kind == "minimal" else "python up" if kind == "python" else "first frame connected"
                )
                line.append(f"{kind} {marks[key] * 1000:.0f} ms")
            print(f"[{i + 1}/{args.runs}] " + ", ".join(line), flush=True)
        if args.importtime:
            print("natstui with -X importtime ...", flush=True)
            imports = import_times(server.url)

    nat = median([m["first frame connected"] for m in results["natstui"]])
    mini = median([m["first frame"] for m in results["minimal"]])
    ratio = nat / mini
    rows = [
        ("python", vers["python"]),
        ("textual", vers["textual"]),
        ("nats-py", vers["nats-py"]),
        ("nats-server", vers["nats-server"]),
        *machine_rows(load_start, load_average()),
        ("workload", f"{args.runs} runs of each, interleaved, after one warm-up run; headless, {SIZE[0]}x{SIZE[1]}"),
    ]
    print_kv("natstui start-up benchmark", rows, width=100)
    print()
    print("ms since the parent started the process (median / min / max over runs)")
    table = []
    for kind in ("python", "minimal", "natstui"):
        names = [k for k in results[kind][0] if not k.startswith("_")]
        by_mark = {k: [m[k] for m in results[kind] if k in m] for k in names}
        for mark in sorted(names, key=lambda k: median(by_mark[k])):  # in the order they happened
            values = by_mark[mark]
            table.append([kind, mark, ms(median(values), 0), ms(min(values), 0), ms(max(values), 0)])
        table.append([])
    print_table(["program", "mark", "median", "min", "max"], table[:-1], right=(2, 3, 4))
    print()
    print(
        f"natstui first frame connected / minimal first frame: {ms(nat, 0)} / {ms(mini, 0)} ms = "
        f"{ratio:.2f}   target < {RATIO_TARGET}   {'PASS' if ratio < RATIO_TARGET else 'FAIL'}"
    )
    with_aiohttp = sum(1 for m in results["natstui"] if m.get("_aiohttp"))
    print(
        f"runs of natstui that imported aiohttp before the first frame: {with_aiohttp} of {len(results['natstui'])} "
        f"(nats-py's websocket transport; natstui loads it only for ws:// URLs)"
    )
    if imports:
        print()
        print("natstui's slowest top-level imports, cumulative (one run, python -X importtime):")
        print_table(
            ["cumulative ms", "self ms", "module"],
            [[f"{c / 1000:.1f}", f"{s / 1000:.1f}", n.strip()] for c, s, n in imports],
            right=(0, 1),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

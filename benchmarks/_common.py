"""Helpers shared by streams.py and startup.py (run_all.py skips files starting with '_').

Child processes, percentiles, versions, the machine note and the report table. Waiting for the app
to connect and reading its screen are ``natstui.testing``'s (one copy with the tests and scripts).
"""

from __future__ import annotations

import atexit
import functools
import os
import platform
import signal
import statistics
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

_children: list[subprocess.Popen] = []


def spawn(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Start a child process that reap_all() will end (terminate, then kill)."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.Popen(list(argv), **kwargs)
    _children.append(proc)
    return proc


def spawn_script(script: str, *args: object, **kwargs) -> subprocess.Popen:
    kwargs.setdefault("text", True)
    return spawn([sys.executable, "-c", script, *map(str, args)], **kwargs)


def reap(proc: subprocess.Popen) -> None:
    """Terminate (then kill) one child of ours, and forget it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
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


def benchmark_main(main):
    """Wrap a benchmark's ``main``: SIGTERM ends it as Ctrl-C does ("interrupted", exit code 130),
    and every child process it started is ended whichever way it stops."""

    @functools.wraps(main)
    def run(*args, **kwargs) -> int:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        atexit.register(reap_all)
        try:
            return main(*args, **kwargs)
        except KeyboardInterrupt:
            reap_all()
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            reap_all()

    return run


def percentile(samples: Sequence[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


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


def versions() -> dict[str, str]:
    from natstui.demo.server import find_server_binary

    return {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "textual": version("textual"),
        "nats-py": version("nats-py"),
        "nats-server": server_version(find_server_binary()),
    }


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_rows(load_start: str, load_end: str | None = None) -> list[tuple]:
    """Rows that say how busy the machine was: figures on a shared 2-CPU box vary a lot."""
    rows = [("cpus", f"{os.cpu_count()} (shared: the server, the app and any other work on the machine)")]
    rows.append(("load avg 1/5/15 min", f"{load_start} at start" + (f", {load_end} at end" if load_end else "")))
    return rows


def print_kv(title: str, rows: list[tuple], width: int = 78) -> None:
    key_width = max((len(k) for k, _ in rows if k), default=0)
    print()
    print(title)
    print("=" * width)
    for key, value in rows:
        print(f"{key:<{key_width}}  {value}" if key else "-" * width)
    print("=" * width)


def print_table(headers: Sequence[str], rows: list[Sequence[str]], right: Sequence[int] = ()) -> None:
    """A plain text table; columns listed in ``right`` are right-aligned."""
    filled = [r for r in rows if r]  # an empty row prints as a blank line
    widths = [max([len(str(h))] + [len(str(r[i])) for r in filled]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row) if row else "")


def ms(seconds: float, digits: int = 1) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:,.{digits}f}"


# -- added for responsiveness.py, memory.py and tree_scale.py ---------------------------------------

# A publisher process, paced to a rate (or as fast as it can with rate 0), for a count, a duration or
# until its stdin closes. Its one argument is a JSON spec:
#   url, size, rate (msgs/s, 0 = flat out), count (0 = no limit), duration (s, 0 = no limit),
#   stdin_stop (stop when stdin reaches EOF), max_behind (s of backlog it may catch up on; beyond
#   that the deficit is forgotten and the achieved rate shows it), and
#   subjects: {"format": "bench.s{i}.data", "axes": {"i": 100}, "shuffle": seed or null}
#   (every combination of the axes, an int n meaning range(n); message k goes to subject k % len).
# Prints one JSON line at the end: sent, t0, last_publish, flushed (time.monotonic(), which is
# CLOCK_MONOTONIC and so comparable with the parent's), elapsed and rate.
PACED_PUBLISHER = r"""
import asyncio, itertools, json, os, random, sys, time
import nats

def subjects_from(spec):
    axes = spec.get("axes") or {}
    names = list(axes)
    values = [range(v) if isinstance(v, int) else v for v in axes.values()]
    subjects = [spec["format"].format(**dict(zip(names, combo))) for combo in itertools.product(*values)]
    if spec.get("shuffle") is not None:
        random.Random(spec["shuffle"]).shuffle(subjects)
    return subjects

async def main(spec):
    subjects = subjects_from(spec["subjects"])
    n = len(subjects)
    payload = b"x" * int(spec.get("size", 128))
    rate = float(spec.get("rate") or 0)
    count = int(spec.get("count") or 0)
    duration = float(spec.get("duration") or 0)
    max_behind = float(spec.get("max_behind") or 0.2)
    nc = await nats.connect(spec["url"], name="bench-publisher", allow_reconnect=False,
                            pending_size=8 * 1024 * 1024)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if spec.get("stdin_stop"):
        def on_stdin():
            if not os.read(0, 4096):
                loop.remove_reader(0)
                stop.set()
        loop.add_reader(0, on_stdin)
    publish = nc.publish
    sent = 0
    t0 = time.monotonic()
    origin = t0  # moves forward when the publisher fell too far behind (deficit forgotten)
    last = t0
    while not stop.is_set():
        now = time.monotonic()
        if duration and now - t0 >= duration:
            break
        if rate:
            due = int((now - origin) * rate)
            if due - sent > rate * max_behind:
                origin += (due - sent - rate * max_behind) / rate
                due = int((now - origin) * rate)
        else:
            due = sent + 1000
        if count:
            due = min(due, count)
        while sent < due:
            await publish(subjects[sent % n], payload)
            sent += 1
        last = time.monotonic()
        if count and sent >= count:
            break
        await asyncio.sleep(0.001 if rate else 0)
    await nc.flush(timeout=60)
    flushed = time.monotonic()
    await nc.close()
    elapsed = last - t0
    print(json.dumps({"sent": sent, "t0": t0, "last_publish": last, "flushed": flushed,
                      "elapsed": elapsed, "rate": sent / elapsed if elapsed > 0 else 0.0}), flush=True)

asyncio.run(main(json.loads(sys.argv[1])))
"""


def publisher_spec(
    url: str,
    *,
    rate: float = 0,
    count: int = 0,
    duration: float = 0,
    size: int = 128,
    subject_format: str = "bench.s{i}.data",
    axes: dict | None = None,
    shuffle: int | None = None,
    stdin_stop: bool = False,
    max_behind: float = 0.2,
) -> dict:
    return {
        "url": url,
        "rate": rate,
        "count": count,
        "duration": duration,
        "size": size,
        "stdin_stop": stdin_stop,
        "max_behind": max_behind,
        "subjects": {"format": subject_format, "axes": axes if axes is not None else {"i": 100}, "shuffle": shuffle},
    }


def start_paced_publisher(spec: dict) -> subprocess.Popen:
    """Start PACED_PUBLISHER; with ``stdin_stop`` its stdin is a pipe: close it (stop_publisher) to stop."""
    import json

    kwargs = {"stdin": subprocess.PIPE} if spec.get("stdin_stop") else {}
    return spawn_script(PACED_PUBLISHER, json.dumps(spec), **kwargs)


def read_result(proc: subprocess.Popen, timeout: float) -> dict:
    """Wait for a child to exit and return the last JSON line it printed; reap it if it overruns."""
    import json

    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reap(proc)
        raise RuntimeError(f"child process did not finish within {timeout:.0f}s") from None
    if proc in _children:
        _children.remove(proc)
    for line in reversed((out or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"child process exited {proc.returncode} without a result:\n{(err or '').strip()[-2000:]}")


def stop_publisher(proc: subprocess.Popen, timeout: float = 60.0) -> dict:
    """Close a stdin_stop publisher's stdin and read its result."""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except Exception:
            pass
        proc.stdin = None
    return read_result(proc, timeout)


def lag_probe(stop, samples: list[float], interval: float = 0.005, active=lambda: True):
    """A coroutine: sleeps ``interval`` in a loop and records how late it wakes (event-loop lag)."""
    import asyncio
    import time as _time

    async def probe() -> None:
        perf = _time.perf_counter
        while not stop.is_set():
            t = perf()
            await asyncio.sleep(interval)
            if active():
                samples.append(perf() - t - interval)

    return probe()


def hook_frames(app, on_frame) -> None:
    """Call ``on_frame(screen, update)`` after every frame the app renders.

    Wraps ``App._display`` on this instance (every compositor refresh of the top screen ends
    there). Frames held back by a batch (``delay_update``, ``batch_update``) are not frames:
    ``_display`` discards them, and so does this. Headless, ``_display`` writes nothing; the
    update has been composed (``Compositor.render_update``) before it is called.
    """
    original = app._display

    def _display(screen, renderable) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count:
            on_frame(screen, renderable)

    app._display = _display


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set size (or VmHWM, its peak) in MB, from /proc/self/status."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # peak, kB on Linux


class GcWatch:
    """Times the garbage collector's pauses (``gc.callbacks``) while ``active``: (generation, seconds)."""

    def __init__(self) -> None:
        import gc
        import time as _time

        self._gc = gc
        self._perf = _time.perf_counter
        self.pauses: list[tuple] = []
        self.active = False
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = self._perf()
        elif self.active:
            self.pauses.append((info.get("generation", -1), self._perf() - self._t0))

    def close(self) -> None:
        if self._callback in self._gc.callbacks:
            self._gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        """E.g. 'gen0 812 x (total 95 ms), gen2 3 x (max 240 ms)': where the loop stops for the collector."""
        parts = []
        for gen in (0, 1, 2):
            times = [t for g, t in self.pauses if g == gen]
            if times:
                parts.append(
                    f"gen{gen} {len(times)} x (total {sum(times) * 1000:,.0f} ms, max {max(times) * 1000:,.1f} ms)"
                )
        return ", ".join(parts) or "none"


def pause_app_timers(app) -> None:
    """Pause the app's own interval timers before leaving ``run_test``.

    Textual's ``App._shutdown`` clears every screen stack (``_close_all``, which awaits each
    screen's removal) before it stops the app's timers (``_close_messages``). A natstui tick
    that fires in between reads ``app.screen`` on an empty stack and raises
    ``ScreenStackError`` (natstui/ui/app.py ``_tick``/``_slow_tick``), which ``run_test``
    then re-raises. Under load the window is wide enough to hit now and then.
    """
    for timer in list(app._timers):
        timer.pause()


def parse_gc_threshold(text: str | None) -> tuple | None:
    """``--gc-threshold 50000,20,100`` -> (50000, 20, 100); None leaves CPython's default (700, 10, 10)."""
    if not text:
        return None
    parts = tuple(int(p) for p in text.split(","))
    if not 1 <= len(parts) <= 3 or any(p < 0 for p in parts):
        raise ValueError(f"bad --gc-threshold {text!r}")
    return parts


def gc_setting() -> str:
    import gc

    return f"gc thresholds {gc.get_threshold()}" + ("" if gc.isenabled() else " (disabled)")

"""Helpers shared by streams.py and startup.py (run_all.py skips files starting with '_').

Child processes, percentiles, versions, the machine note and the report table.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

_children: List[subprocess.Popen] = []


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


def versions() -> Dict[str, str]:
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


def machine_rows(load_start: str, load_end: Optional[str] = None) -> List[tuple]:
    """Rows that say how busy the machine was: figures on a shared 2-CPU box vary a lot."""
    rows = [("cpus", f"{os.cpu_count()} (shared: the server, the app and any other work on the machine)")]
    rows.append(("load avg 1/5/15 min", f"{load_start} at start" + (f", {load_end} at end" if load_end else "")))
    return rows


def print_kv(title: str, rows: List[tuple], width: int = 78) -> None:
    key_width = max((len(k) for k, _ in rows if k), default=0)
    print()
    print(title)
    print("=" * width)
    for key, value in rows:
        print(f"{key:<{key_width}}  {value}" if key else "-" * width)
    print("=" * width)


def print_table(headers: Sequence[str], rows: List[Sequence[str]], right: Sequence[int] = ()) -> None:
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

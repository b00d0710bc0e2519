#!/usr/bin/env python
"""Run every benchmark script in this directory (except this one), in order, with this interpreter.

    python benchmarks/run_all.py [--timeout SECONDS]

Each script's output is shown as it runs; a summary of exit codes follows.
Exits non-zero if any script failed (crashed or timed out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per script (default 1800)")
    args = parser.parse_args()

    scripts = sorted(
        p for p in HERE.glob("*.py") if p.resolve() != Path(__file__).resolve() and not p.name.startswith("_")
    )
    results = []
    for script in scripts:
        print(f"\n### {script.name}", flush=True)
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parent)
        try:
            code = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()  # the script cleans up its own children on SIGTERM
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            code = "timeout"
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            raise
        results.append((script.name, code, time.monotonic() - t0))

    print("\n### summary")
    for name, code, elapsed in results:
        print(f"{name:<30} exit {code!s:<8} {elapsed:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())

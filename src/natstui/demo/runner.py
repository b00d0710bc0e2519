"""Start the embedded server and the traffic generator; stop both on exit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from natstui.demo.server import die_with_parent
from natstui.demo.topology import Topology


@contextmanager
def demo_environment(rate: float = 40.0, cluster: bool = False) -> Iterator[Topology]:
    """The demo's servers (one, or a cluster of three) with a system account, and the traffic."""
    with Topology([("natstui-demo", 3 if cluster else 1)]) as server:
        log = open(f"{server.store_dir}/traffic.log", "ab")
        traffic = subprocess.Popen(
            [sys.executable, "-m", "natstui.demo.traffic", server.url, str(rate)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
        log.close()
        try:
            yield server
        finally:
            traffic.terminate()
            try:
                traffic.wait(timeout=5)
            except subprocess.TimeoutExpired:
                traffic.kill()

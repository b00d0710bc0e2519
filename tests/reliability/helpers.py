"""Helpers shared by the reliability tests: an app on many URLs, an event-loop lag probe, screen checks."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings
from tests.conftest import press_keys, screen_text, wait_until

SIZE = (160, 40)

# A UI that does not answer for this long is frozen on any machine, however loaded: the bound the
# tests assert. How fast it answers (the figures) is measured by benchmarks/responsiveness.py.
FROZEN = 5.0

# C0 controls except the newline that joins screen lines, DEL, C1 controls,
# bidi embeddings/overrides/isolates: none may reach the terminal from the wire.
UNSAFE_ON_SCREEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def app_on(servers: Sequence[str], subjects: list[str] | None = None, **settings):
    """The app as the command builds it, connected to every URL given (a cluster)."""
    connection = settings.pop("connection", None) or ConnectionSettings(servers=list(servers))
    return make_app(Settings(connection=connection, subjects=subjects or [">"], **settings))


def status_line(app) -> str:
    """The status bar: the first line of the screen."""
    return screen_text(app).split("\n", 1)[0]


def notifications(app) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


class LagProbe:
    """Measures how late the event loop wakes a sleeper: a frozen UI shows as a large lag."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.max_lag = 0.0
        self.samples = 0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            self.max_lag = max(self.max_lag, loop.time() - start - self.interval)
            self.samples += 1

    def __enter__(self) -> LagProbe:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *exc) -> None:
        if self._task is not None:
            self._task.cancel()


async def key_latency(pilot, key: str, done, timeout: float = 5.0) -> float:
    """Seconds from pressing ``key`` until ``done()`` is true."""
    start = time.monotonic()
    await pilot.press(key)
    await wait_until(done, timeout=timeout, pilot=pilot, interval=0.01)
    return time.monotonic() - start


def assert_screen_safe(text: str) -> None:
    bad = UNSAFE_ON_SCREEN.search(text)
    assert bad is None, (
        f"control character {bad.group()!r} on screen near {text[max(0, bad.start() - 40) : bad.end() + 40]!r}"
    )


async def quit_app(pilot) -> None:
    """Leave the app as a user does (q), before the test leaves ``run_test``.

    Leaving ``run_test`` without quitting makes Textual empty the screen
    stacks of every mode while the app's timers still run; app.py's ticks
    now ignore a closing app, and quitting first stops the timers anyway.
    """
    await pilot.exit(None)


async def tap(pilot, *keys: str) -> None:
    """Send keys as the terminal driver does, each followed by a short pause (see ``press_keys``)."""
    await press_keys(pilot, *keys, pause=0.01)

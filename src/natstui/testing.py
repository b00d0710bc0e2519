"""Helpers for driving the app headless: the tests, the benchmarks and the screenshot script.

One copy for all three (``tests/conftest.py`` imports these; ``benchmarks/`` and
``scripts/screenshots.py`` run from a checkout, not only under pytest), so nothing here
imports pytest or anything else outside the app's own dependencies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot


async def wait_until(
    condition: Callable[[], Any],
    timeout: float = 10.0,
    pilot: Pilot[Any] | None = None,
    interval: float = 0.02,
) -> Any:
    """Poll ``condition`` until it is true (and return its value) or fail after ``timeout`` seconds.

    With a ``pilot`` it waits with ``pilot.pause`` (the app's messages are processed meanwhile),
    otherwise with ``asyncio.sleep``. Raises ``AssertionError`` when the time is up.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        if pilot is not None:
            await pilot.pause(interval)
        else:
            await asyncio.sleep(interval)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as plain text lines (the top screen as its compositor paints it).

    Textual has no public API for the composed screen's text: ``Screen._compositor`` is private, and
    this is the one place that reads it, so a Textual upgrade that moves it breaks here only.
    """
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_connected(app: Any, pilot: Pilot[Any], timeout: float = 10.0) -> None:
    """Until the app is connected and the server has confirmed every live subscription."""
    try:
        await wait_until(lambda: app.session.state.value == "connected" and app.feed.ready, timeout, pilot)
    except AssertionError:
        state = app.session.state.value
        raise AssertionError(f"app not connected with its subscriptions within {timeout}s (state {state})") from None

"""Regenerate screenshots/*.svg from the real app on the demo server and its traffic.

    .venv/bin/python scripts/screenshots.py

One SVG per main view: live, streams, messages, consumers, workbench, kv, objects, services, servers, connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings
from natstui.demo.runner import demo_environment
from natstui.testing import wait_until

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (160, 42)


async def until(pilot, condition: Callable[[], object]) -> None:
    """Poll the app every 0.1 s until ``condition`` holds; give up after 15 s (the demo is quick)."""
    await wait_until(condition, 15.0, pilot, 0.1)


async def shoot(app, pilot, name: str) -> None:
    await pilot.pause(0.6)
    app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    print(f"wrote {OUT / (name + '.svg')}")


async def take(url: str, system=None) -> None:
    app = make_app(Settings(connection=ConnectionSettings(servers=[url]), system=system))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store.total > 200)
        # Live: the orders subtree open, the newest order in the inspector
        tree = app.screen.query_one("#tree")
        tree.focus()
        tokens = [n.data.token for n in tree.root.children]
        if "orders" in tokens:
            await pilot.press(*["down"] * (tokens.index("orders") + 1), "right")
        app.screen.query_one("#stream").focus()
        for index in range(len(app.view) - 1, -1, -1):
            if app.view.record_at(index).subject.startswith("orders."):
                app.screen.stream.select_index(index)
                break
        await shoot(app, pilot, "live")

        await pilot.press("2")
        await until(pilot, lambda: "ORDERS" in getattr(app.screen, "streams", {}))
        table = app.screen.query_one("#streams-table")
        table.move_cursor(row=table.get_row_index("ORDERS"))
        await until(pilot, lambda: "subjects" in app.screen.streams["ORDERS"].get("state", {}))
        await shoot(app, pilot, "streams")
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "page", None))
        await pilot.press("down", "down", "down", "down", "down")
        await shoot(app, pilot, "messages")
        await pilot.press("escape")

        app.selected_stream = "WORK"
        await pilot.press("3")
        await until(pilot, lambda: "workers" in getattr(app.screen, "consumers", {}))
        await shoot(app, pilot, "consumers")
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "bench", None) and app.screen.bench._pull is not None)
        await pilot.press("F")
        await pilot.pause(0.3)
        await pilot.press("enter")  # fetch the proposed batch
        await until(pilot, lambda: app.screen.bench.items)
        await pilot.press("a")
        await pilot.pause(0.5)
        await pilot.press("down", "w")
        await pilot.pause(0.5)
        await shoot(app, pilot, "workbench")
        await pilot.press("escape")

        for key, name, _ready in (
            ("4", "kv", lambda: True),
            ("5", "objects", lambda: True),
            ("6", "services", lambda: True),
            ("7", "servers", lambda: True),
            ("8", "connections", lambda: True),
        ):
            await pilot.press(key)
            await pilot.pause(2.5)
            if name == "servers":  # rates once polled twice
                await until(pilot, lambda: any(r.rates for r in app.screen.model.rows.values()))
            if name == "connections":
                await until(pilot, lambda: any(r.rates for r in app.screen.shown))
            if name == "kv":
                await pilot.press("enter")
                await pilot.pause(1.0)
                await pilot.press("down", "down")
            await shoot(app, pilot, name)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with demo_environment(rate=80) as server:
        asyncio.run(take(server.url, server.system_settings()))


if __name__ == "__main__":
    main()

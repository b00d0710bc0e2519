"""Regenerate screenshots/*.svg from the real app running on the demo server and traffic.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings
from natstui.demo.runner import demo_environment

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def live(url: str) -> None:
    app = make_app(Settings(connection=ConnectionSettings(servers=[url])))
    async with app.run_test(size=(160, 42)) as pilot:
        deadline = time.monotonic() + 20
        while app.store.total < 150 and time.monotonic() < deadline:
            await pilot.pause(0.1)
        tree = app.screen.query_one("#tree")
        tree.focus()
        # expand "orders" in the subject tree
        children = [n.data.token for n in tree.root.children]
        if "orders" in children:
            await pilot.press(*["down"] * (children.index("orders") + 1), "right")
        app.screen.query_one("#stream").focus()
        # select the newest order message so the inspector shows JSON and headers
        for index in range(len(app.view) - 1, -1, -1):
            if app.view.record_at(index).subject.startswith("orders."):
                app.screen.stream.select_index(index)
                break
        await pilot.pause(0.5)
        app.save_screenshot(filename="live.svg", path=str(OUT))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with demo_environment(rate=80) as server:
        asyncio.run(live(server.url))
    print(f"wrote {OUT / 'live.svg'}")


if __name__ == "__main__":
    main()

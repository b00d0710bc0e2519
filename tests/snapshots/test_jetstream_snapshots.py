"""Snapshots of the Streams and Consumers views, as text, on a dedicated server.

Server times (creation, stored-at, ages), the port and the round-trip time
vary from run to run, so they are masked before comparing; everything else
on the screen is compared as it is.
"""

import re

import nats
import pytest

from natstui.client.jetstream import JetStream
from natstui.demo.server import EmbeddedServer
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

NS = 10**9
MASKS = [
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "YYYY-MM-DD"),
    (re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?"), "HH:MM:SS"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"rtt [\d.]+(µs|ms)"), "rtt N"),
    (re.compile(r"(?<=\s)(now|\d+s|\d+m\d*s?)(?=\s*▏)"), "AGE"),
]


def masked(text: str) -> str:
    """Varying values masked; runs of spaces shortened so that column widths that follow them do not matter."""
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return "\n".join(re.sub(r" {2,}", "  ", line.rstrip()) for line in text.splitlines())


@pytest.fixture(scope="module")
def js_server():
    with EmbeddedServer(name="snapshot-server") as server:
        yield server


async def seed(url: str) -> None:
    nc = await nats.connect(url)
    js = JetStream(nc)
    await js.create_stream({"name": "ORDERS", "subjects": ["orders.>"], "storage": "memory", "allow_direct": True,
                            "max_age": 24 * 3600 * NS, "description": "Every order event"})
    await js.create_stream({"name": "WORK", "subjects": ["work.>"], "retention": "workqueue", "storage": "memory"})
    jsc = nc.jetstream()
    for i in range(1, 13):
        await jsc.publish(f"orders.{('eu', 'us')[i % 2]}.created", f'{{"id": {i}}}'.encode(), headers={"Nats-Msg-Id": f"o{i}"})
    for i in range(1, 6):
        await jsc.publish("work.resize", f"job {i}".encode())
    await js.delete_message("ORDERS", 4)
    await js.create_consumer("WORK", {"durable_name": "workers", "ack_policy": "explicit", "ack_wait": 30 * NS,
                                      "max_deliver": 4})
    await js.create_consumer("ORDERS", {"durable_name": "shipping", "ack_policy": "explicit",
                                        "filter_subject": "orders.*.created"})
    await nc.close()


async def test_streams_and_consumers_views(js_server, snapshot):
    await seed(js_server.url)
    app = make_test_app(js_server.url, ["none.>"])
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await wait_until(lambda: "ORDERS" in screen_text(app) and "Subjects (messages)" in screen_text(app), pilot=pilot)
        assert masked(screen_text(app)) == snapshot(name="streams")
        app.selected_stream = "WORK"
        await pilot.press("3")
        await wait_until(lambda: "workers" in screen_text(app) and "Ack policy" in screen_text(app), pilot=pilot)
        assert masked(screen_text(app)) == snapshot(name="consumers")


async def test_stream_message_browser(snapshot):
    """The message browser's page (a line-drawn table): a deleted sequence as a gap row, the first message inspected."""
    with EmbeddedServer(name="snapshot-server") as server:  # its own: the Streams snapshot counts the streams
        await browse_pages(server.url, snapshot)


async def browse_pages(url: str, snapshot) -> None:
    nc = await nats.connect(url)
    try:
        await JetStream(nc).create_stream({"name": "PAGES", "subjects": ["pages.>"], "storage": "memory",
                                           "allow_direct": True})
        jsc = nc.jetstream()
        for i in range(1, 9):
            await jsc.publish(f"pages.{('a', 'b')[i % 2]}", f'{{"n": {i}, "markup": "[bold]x[/bold]"}}'.encode(),
                              headers={"Nats-Msg-Id": f"p{i}"} if i % 3 == 0 else None)
        await JetStream(nc).delete_message("PAGES", 5)
    finally:
        await nc.close()
    app = make_test_app(url, ["none.>"])
    async with app.run_test(size=(150, 24)) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await wait_until(lambda: "PAGES" in screen_text(app), pilot=pilot)
        table = app.screen.query_one("#streams-table")
        table.move_cursor(row=table.get_row_index("PAGES"))
        await pilot.press("enter")
        await wait_until(lambda: "page 1–8 (7)" in screen_text(app) and "Stream message" in screen_text(app)
                         and "view: auto" in screen_text(app), pilot=pilot)
        assert masked(screen_text(app)) == snapshot(name="messages")

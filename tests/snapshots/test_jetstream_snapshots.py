"""Snapshots of the Streams and Consumers views, as text, on a dedicated server.

Server times (creation, stored-at), the Streams table's age column, the port and
the round-trip time vary from run to run, so they are masked in place (same
width, anchored to where they are drawn); everything else on the screen,
spacing and column positions included, is compared as it is.
"""

import re

import nats
import pytest

from natstui.client.jetstream import JetStream
from natstui.demo.server import EmbeddedServer
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

NS = 10**9
# Each mask keeps the length of what it hides, so the layout (column positions, alignment) is compared too.
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TIME = re.compile(r"\b\d{2}:\d{2}:\d{2}(\.\d+)?(?=[ +]|$)")
PORT = re.compile(r"(?<=127\.0\.0\.1:)\d{5}\b")  # free ports are in the ephemeral range: five digits
ZONE = re.compile(r" {2,}(times \S+)$")
RTT = re.compile(r"rtt [\d.]+(µs|ms) +│")  # the status bar's round trip: its width varies, so it is re-spaced
AGE_HEADER = "Last msg"  # the Streams table's age column ("now", "5s"): masked in its column only


def masked(text: str) -> str:
    """Values that vary from run to run masked in place; everything else, spacing included, compared as is."""
    lines = [line.rstrip() for line in text.splitlines()]
    if lines:
        lines[0] = RTT.sub("rtt N  │", PORT.sub("PORT ", lines[0]))  # the status bar
        lines[0] = ZONE.sub(r"   \1", lines[0])  # the zone is right-aligned after the rtt, whose width varies
    age_column = None
    out = []
    for line in lines:
        line = DATE.sub("YYYY-MM-DD", line)
        line = TIME.sub(lambda m: "HH:MM:SS" + ("." + "f" * (len(m.group(1)) - 1) if m.group(1) else ""), line)
        if line.lstrip().startswith("Name") and AGE_HEADER in line:
            start = line.index(AGE_HEADER)
            age_column = (start, start + len(AGE_HEADER))
        elif age_column is not None:
            start, end = age_column
            cell = line[start:end]
            if cell.strip() and len(line) >= end:
                line = line[:start] + "AGE".rjust(end - start) + line[end:]
            else:
                age_column = None  # past the table's rows
        out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def js_server():
    with EmbeddedServer(name="snapshot-server") as server:
        yield server


async def seed(url: str) -> None:
    nc = await nats.connect(url)
    js = JetStream(nc)
    await js.create_stream(
        {
            "name": "ORDERS",
            "subjects": ["orders.>"],
            "storage": "memory",
            "allow_direct": True,
            "max_age": 24 * 3600 * NS,
            "description": "Every order event",
        }
    )
    await js.create_stream({"name": "WORK", "subjects": ["work.>"], "retention": "workqueue", "storage": "memory"})
    jsc = nc.jetstream()
    for i in range(1, 13):
        await jsc.publish(
            f"orders.{('eu', 'us')[i % 2]}.created", f'{{"id": {i}}}'.encode(), headers={"Nats-Msg-Id": f"o{i}"}
        )
    for i in range(1, 6):
        await jsc.publish("work.resize", f"job {i}".encode())
    await js.delete_message("ORDERS", 4)
    await js.create_consumer(
        "WORK", {"durable_name": "workers", "ack_policy": "explicit", "ack_wait": 30 * NS, "max_deliver": 4}
    )
    await js.create_consumer(
        "ORDERS", {"durable_name": "shipping", "ack_policy": "explicit", "filter_subject": "orders.*.created"}
    )
    await nc.close()


async def test_streams_and_consumers_views(js_server, snapshot):
    await seed(js_server.url)
    app = make_test_app(js_server.url, ["none.>"])
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("2")
        await wait_until(
            lambda: "ORDERS" in screen_text(app) and "Subjects (messages)" in screen_text(app), pilot=pilot
        )
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
        await JetStream(nc).create_stream(
            {"name": "PAGES", "subjects": ["pages.>"], "storage": "memory", "allow_direct": True}
        )
        jsc = nc.jetstream()
        for i in range(1, 9):
            await jsc.publish(
                f"pages.{('a', 'b')[i % 2]}",
                f'{{"n": {i}, "markup": "[bold]x[/bold]"}}'.encode(),
                headers={"Nats-Msg-Id": f"p{i}"} if i % 3 == 0 else None,
            )
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
        await wait_until(
            lambda: (
                "page 1–8 (7)" in screen_text(app)
                and "Stream message" in screen_text(app)
                and "view: auto" in screen_text(app)
            ),
            pilot=pilot,
        )
        assert masked(screen_text(app)) == snapshot(name="messages")

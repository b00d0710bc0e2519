"""Browsing never creates durable state or consumes a message: the server is compared before and after."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from natstui.client.jetstream import JetStream
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.screens.consumers import ConsumersScreen
from natstui.ui.screens.kv import KeyValueScreen
from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.screens.objects import ObjectStoreScreen
from natstui.ui.screens.streams import StreamsScreen
from tests.conftest import screen_text, wait_connected, wait_until
from tests.reliability.helpers import SIZE, app_on, quit_app, tap


async def snapshot(js: JetStream, names) -> dict[str, Any]:
    """What the server holds for these streams: their state and every consumer's progress."""
    state: dict[str, Any] = {}
    for name in sorted(names):
        info = await js.stream_info(name)
        s = info["state"]
        consumers = {}
        for c in await js.list_consumers(name):
            consumers[c["name"]] = (
                bool(c["config"].get("durable_name")),
                c["num_pending"],
                c["num_ack_pending"],
                c["num_redelivered"],
                c["delivered"]["stream_seq"],
                c["ack_floor"]["stream_seq"],
                c["num_waiting"],
            )
        state[name] = {
            "messages": s["messages"],
            "bytes": s["bytes"],
            "first": s["first_seq"],
            "last": s["last_seq"],
            "consumer_count": s["consumer_count"],
            "consumers": consumers,
        }
    return state


def durable_only(state: dict[str, Any]) -> dict[str, Any]:
    return {
        name: dict(s, consumers={k: v for k, v in s["consumers"].items() if v[0]}, consumer_count=None)
        for name, s in state.items()
    }


async def prompt(app, pilot, text: str) -> None:
    await wait_until(
        lambda: (
            isinstance(app.screen, PromptScreen)
            and app.screen.query("#prompt-input")
            and app.screen.query_one("#prompt-input").has_focus
        ),
        pilot=pilot,
    )
    app.screen.query_one("#prompt-input").value = text
    await tap(pilot, "enter")
    await wait_until(lambda: not isinstance(app.screen, PromptScreen), pilot=pilot)


def title(app) -> str:
    return str(app.screen.query_one("#messages-title").text)


async def page_key(app, pilot, key: str, shown) -> None:
    """Press a paging key, wait until the page it asked for is read, then check what the title shows."""
    await tap(pilot, key)
    await wait_until(
        lambda: (
            app.screen.status != "loading…"
            and not any(w.group == "messages-page" and not w.is_finished for w in app.screen.workers)
        ),
        pilot=pilot,
    )
    await wait_until(lambda: shown(title(app)), pilot=pilot)


async def browse_stream(app, pilot, stream: str, count: int) -> None:
    """Open the stream from the Streams view, page through it, jump by sequence and time, filter, view payloads."""
    screen = app.screen
    assert isinstance(screen, StreamsScreen)
    table = screen.query_one("#streams-table")
    table.move_cursor(row=table.get_row_index(stream))
    await wait_until(lambda: screen.selected == stream, pilot=pilot)
    await tap(pilot, "enter")
    await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and "page 1–" in title(app), pilot=pilot)
    await page_key(app, pilot, "n", lambda t: ("page 51–" if count > 50 else "no more messages") in t)
    await page_key(app, pilot, "G", lambda t: f"–{count:,} (" in t and "no more" not in t)
    await page_key(
        app,
        pilot,
        "b",
        lambda t: ("no more messages" in t) if count <= 50 else (f"–{count:,} (" not in t and "page" in t),
    )
    await tap(pilot, "s")
    await prompt(app, pilot, "7")
    await wait_until(lambda: "page 7–" in title(app), pilot=pilot)
    messages = app.screen
    await tap(pilot, "t")
    await prompt(app, pilot, "2000-01-01 00:00")  # before every message: back to the first one
    # with direct get the server finds it; without, a binary search over message gets does
    await wait_until(lambda: messages.page and messages.page[0].seq == 1 and "page 1–" in title(app), pilot=pilot)
    await tap(pilot, "slash")
    await prompt(app, pilot, f"{stream.lower()}.a")
    await wait_until(
        lambda: (
            f"subject {stream.lower()}.a" in title(app)
            and "page" in title(app)
            and {m.subject for m in messages.page} == {f"{stream.lower()}.a"}
        ),
        pilot=pilot,
    )
    # payload views: json (refused: shown as text), text, then the next message in hex
    await wait_until(lambda: "view: auto" in screen_text(app), pilot=pilot)
    await tap(pilot, "v", "v")
    await wait_until(lambda: "view: text" in screen_text(app) and f"{stream}-1" in screen_text(app), pilot=pilot)
    await tap(pilot, "down", "v")
    await wait_until(lambda: "view: hex" in screen_text(app), pilot=pilot)
    await tap(pilot, "escape")
    await wait_until(lambda: isinstance(app.screen, StreamsScreen), pilot=pilot)


async def test_a_browsing_session_leaves_the_server_as_it_was(server_url, nc):
    p = "B" + uuid.uuid4().hex[:8].upper()
    js = JetStream(nc)
    jsc = nc.jetstream()
    streams = {
        f"{p}_LIMITS": ("limits", True, 120),
        f"{p}_WORK": ("workqueue", False, 60),
        f"{p}_INTEREST": ("interest", True, 40),
    }
    for name, (retention, direct, _count) in streams.items():
        await js.create_stream(
            {
                "name": name,
                "subjects": [f"{name.lower()}.>"],
                "retention": retention,
                "storage": "file",
                "allow_direct": direct,
            }
        )
    # consumers with progress of their own: a work queue needs one, an interest stream keeps messages only for one
    await js.create_consumer(f"{p}_WORK", {"durable_name": "worker", "ack_policy": "explicit"})
    await js.create_consumer(f"{p}_INTEREST", {"durable_name": "audit", "ack_policy": "explicit"})
    await js.create_consumer(f"{p}_LIMITS", {"durable_name": "half", "ack_policy": "explicit"})
    for name, (_, _, count) in streams.items():
        for i in range(1, count + 1):
            await jsc.publish(f"{name.lower()}.{'a' if i % 2 else 'b'}", f"{name}-{i}".encode(), headers={"N": str(i)})
    half = await jsc.pull_subscribe(f"{p.lower()}_limits.>", durable="half", stream=f"{p}_LIMITS")
    for msg in await half.fetch(30, timeout=5):
        await msg.ack()
    await half.fetch(5, timeout=5)  # five delivered, not acked: ack pending
    bucket, objects = f"{p}_kv".lower(), f"{p}_obj".lower()
    kv = await jsc.create_key_value(bucket=bucket, history=5)
    for i in range(5):
        await kv.put("config", f"v{i}".encode())
    await kv.put("other", b"x")
    store = await jsc.create_object_store(objects)
    await store.put("file.txt", b"hello " * 1000)
    names = list(streams) + [f"KV_{bucket}", f"OBJ_{objects}"]
    await asyncio.sleep(0.2)
    before = await snapshot(js, names)
    assert before[f"{p}_LIMITS"]["consumers"]["half"][2] == 5  # ack pending, as prepared

    app = app_on([server_url], [f"{p.lower()}.none"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await tap(pilot, "2")
        await wait_until(
            lambda: (
                isinstance(app.screen, StreamsScreen)
                and app.screen.ready
                and all(s in app.screen.streams for s in streams)
            ),
            pilot=pilot,
        )
        for name, (_, _, count) in streams.items():
            await browse_stream(app, pilot, name, count)

        # Consumers of every stream, with their details
        await tap(pilot, "3")
        await wait_until(lambda: isinstance(app.screen, ConsumersScreen) and app.screen.ready, pilot=pilot)
        for name, consumer in ((f"{p}_WORK", "worker"), (f"{p}_INTEREST", "audit"), (f"{p}_LIMITS", "half")):
            app.selected_stream = name
            app.screen.refresh_consumers()
            await wait_until(lambda: consumer in app.screen.consumers and consumer in screen_text(app), pilot=pilot)

        # Key-Value: the bucket, a key, its history
        await tap(pilot, "4")
        await wait_until(
            lambda: isinstance(app.screen, KeyValueScreen) and app.screen.ready and bucket in app.screen.buckets,
            pilot=pilot,
        )
        kvs = app.screen
        kvs.bucket_table.focus()
        kvs.bucket_table.move_cursor(row=kvs._bucket_names.index(bucket))
        await wait_until(lambda: kvs.bucket == bucket and kvs.scan is not None and kvs.scan.listed, pilot=pilot)
        kvs.keys.focus()
        await wait_until(lambda: kvs.keys.select_key("config"), pilot=pilot)
        await wait_until(lambda: kvs.current is not None and kvs.current.key == "config", pilot=pilot)
        await tap(pilot, "h")
        await wait_until(lambda: "History of config: 5 revision(s)" in screen_text(app), pilot=pilot)

        # Object store: the bucket and a preview of the object
        await tap(pilot, "5")
        await wait_until(
            lambda: isinstance(app.screen, ObjectStoreScreen) and app.screen.ready and objects in app.screen.buckets,
            pilot=pilot,
        )
        obs = app.screen
        obs.bucket_table.move_cursor(row=obs._bucket_names.index(objects))
        await wait_until(lambda: obs.bucket == objects and obs.scan is not None and obs.scan.listed, pilot=pilot)
        await wait_until(lambda: "file.txt" in obs._rows, pilot=pilot)
        obs.object_table.focus()
        obs.object_table.move_cursor(row=obs._rows.index("file.txt"))
        await wait_until(lambda: "hello hello" in screen_text(app), pilot=pilot)

        # Back to the live view: the views that watch stop watching.
        await tap(pilot, "1")
        await pilot.pause(0.3)
        during = await snapshot(js, names)
        await quit_app(pilot)

    after = await snapshot(js, names)
    # Durable state and every message: exactly as before, at once.
    assert durable_only(after) == durable_only(before)
    assert durable_only(during) == durable_only(before)
    # Nothing else either: the ephemeral consumers the KV and object views read with are gone.
    deadline = time.monotonic() + 5
    while after != before and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        after = await snapshot(js, names)
    assert after == before

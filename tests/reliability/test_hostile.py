"""A corpus of hostile messages over the wire while the app runs: shown as data, never acted on."""

from __future__ import annotations

import uuid

from nats.protocol.command import hpub_cmd

from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from natstui.ui.widgets.tree import SubjectTree
from tests.conftest import screen_text, wait_connected, wait_until
from tests.reliability.corpus import KINDS, corpus
from tests.reliability.helpers import (
    FROZEN,
    SIZE,
    LagProbe,
    app_on,
    assert_screen_safe,
    key_latency,
    quit_app,
    status_line,
    tap,
)

COUNT = 1_200
# markup, ANSI, OSC 52, raw C1 bytes, bidi, invalid UTF-8 and C0 controls, JSON with escapes,
# hostile header block, escape sequence in the subject
INSPECTED = [0, 2, 3, 6, 7, 9, 13, 17, 18]


async def send(nc, message) -> None:
    if message.raw_headers is not None:
        await nc._send_command(hpub_cmd(message.subject, "", message.raw_headers, message.data))
    else:
        await nc.publish(message.subject, message.data, headers=message.headers)


async def test_hostile_corpus_is_shown_as_data_and_the_app_stays_responsive(server_url, nc):
    p = "h" + uuid.uuid4().hex[:8]
    messages = corpus(p, COUNT, nc.max_payload)
    app = app_on([server_url], [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screens = 0

        seen = []

        def check_screen() -> None:
            nonlocal screens
            text = screen_text(app)
            assert_screen_safe(text)
            seen.append(text)
            screens += 1

        with LagProbe() as probe:
            for start in range(0, COUNT, 100):
                for message in messages[start : start + 100]:
                    await send(nc, message)
                await nc.flush()
                await pilot.pause(0.02)
                check_screen()
            await wait_until(lambda: app.store.total == COUNT, timeout=20, pilot=pilot)
            assert app.session.total_dropped == 0
            await wait_until(lambda: f"{COUNT:,} received" in status_line(app), pilot=pilot)
            check_screen()
            took = await key_latency(pilot, "space", lambda: "PAUSED" in status_line(app))
            assert took < FROZEN, f"a key press took {took:.2f}s"
            await pilot.press("space")
            assert probe.max_lag < FROZEN, f"the event loop froze for {probe.max_lag:.2f}s"

        # Every kind, received whole: the store holds exactly what was sent.
        for seq, message in enumerate(messages, start=1):
            record = app.store.get(seq)
            assert record.subject == message.subject and record.data == message.data, seq
        # Shown as data: the markup is on screen literally.
        await wait_until(lambda: "[bold red]alert" in screen_text(app) or "[/]" in screen_text(app), pilot=pilot)

        # The inspector, on the most hostile kinds and the huge ones, in every payload view
        # (every kind and view is covered without a terminal by the property-based tests).
        stream = app.screen.query_one(MessageStream)
        inspector = app.screen.query_one(Inspector)
        stream.focus()
        await pilot.press("home")
        shown_kinds = set()
        for index in INSPECTED + [KINDS * 3, KINDS * 3 + 2]:  # and a huge JSON and a huge text
            stream.select_index(index)
            await wait_until(lambda: inspector.record is not None and inspector.record.seq == index + 1, pilot=pilot)
            for _ in range(4):  # auto, json, text, hex, and back to auto
                mode = inspector.mode
                await tap(pilot, "v")
                await wait_until(lambda: inspector.mode != mode, pilot=pilot)
                await pilot.pause(0.02)
                check_screen()
                shown_kinds.add(inspector.rendered.mode if inspector.rendered else None)
            assert inspector.mode == "auto"
        assert {"json", "text", "hex"} <= shown_kinds
        text = screen_text(app)
        assert "showing the first" in text  # the huge payload is capped
        everything = "\n".join(seen)
        for stand_in in ("\\e[2J", "\\e]52;c;", "\\u202e", "\\x9b", "\\x07", "[bold red]alert", "[/]"):
            assert stand_in in everything, f"{stand_in} never shown"

        # The subject tree, expanded down to the hostile subjects.
        tree = app.screen.query_one(SubjectTree)
        tree.focus()
        await pilot.press("home", "down", "right")
        await wait_until(lambda: "subj" in screen_text(app), pilot=pilot)
        for _ in range(8):
            await tap(pilot, "down", "down", "right")
            await pilot.pause(0.05)
        check_screen()
        assert screens > 20
        await quit_app(pilot)

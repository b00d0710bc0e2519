"""The installed `natstui` command in a real pseudo-terminal against a real server: what a user runs and sees."""

from __future__ import annotations

import asyncio
import uuid

from tests.terminal.pty_app import TerminalApp

ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_HIDE, CURSOR_SHOW = b"\x1b[?25l", b"\x1b[?25h"
MOUSE_ON, MOUSE_OFF = b"\x1b[?1000h", b"\x1b[?1000l"


async def wait_for(term: TerminalApp, condition, what: str, timeout: float = 20.0) -> None:
    await asyncio.to_thread(term.wait_for, condition, timeout, what)


async def test_natstui_in_a_terminal_start_live_view_switch_filter_quit(server_url, nc, tmp_path):
    p = "pty" + uuid.uuid4().hex[:8]
    term = TerminalApp(
        ["--server", server_url, "--subject", f"{p}.>"], columns=120, lines=32, env={"XDG_CONFIG_HOME": str(tmp_path)}
    )
    try:
        await wait_for(term, lambda text: "● connected" in text, "the connected status")
        # live messages reach the screen
        await nc.publish(f"{p}.orders.created", b"hello-from-the-wire")
        await nc.publish(f"{p}.logs.info", b"a log line")
        await nc.flush()
        await wait_for(
            term,
            lambda text: "hello-from-the-wire" in text and "a log line" in text and "2 received" in text,
            "both messages and their count",
        )
        # a view switch: the Streams view, then back to Live with the messages still there
        term.type("2")
        await wait_for(term, lambda text: "in the account" in text, "the Streams view")
        term.type("1")
        await wait_for(term, lambda text: "hello-from-the-wire" in text, "the Live view again")
        # the filter: only the logs subtree stays in the stream
        term.type("/")
        await wait_for(term, lambda text: "Filter the live stream" in text, "the filter dialog")
        term.type(f"{p}.logs.>\r")
        await wait_for(
            term,
            lambda text: (
                "Filter the live stream" not in text
                and "filter: subject" in text
                and "a log line" in text
                and "hello-from-the-wire" not in text
            ),
            "the filtered stream",
        )
        # quit: the process ends and gives the terminal back
        term.type("q")
        assert await asyncio.to_thread(term.wait_exit) == 0
        raw = bytes(term.raw)
        assert ALT_SCREEN_ON in raw and raw.rfind(ALT_SCREEN_OFF) > raw.rfind(ALT_SCREEN_ON), "alternate screen left"
        assert raw.rfind(CURSOR_SHOW) > raw.rfind(CURSOR_HIDE), "cursor shown again"
        assert MOUSE_ON in raw and raw.rfind(MOUSE_OFF) > raw.rfind(MOUSE_ON), "mouse reporting switched off"
        assert not term.screen.cursor.hidden
    finally:
        term.close()

"""`natstui open` and `natstui replay --rate` as a user runs them: the installed command, a real file, a real server."""

from __future__ import annotations

import asyncio
import time
import uuid

from nats.aio.msg import Msg

from natstui.client.session import confirm
from natstui.model.recording import to_line
from natstui.model.records import Record
from tests.conftest import wait_until
from tests.terminal.pty_app import TerminalApp, natstui_command


def write_recording(path, prefix: str, count: int) -> None:
    lines = []
    for i in range(count):
        msg = Msg(
            _client=None,
            subject=f"{prefix}.n.{i % 3}",
            data=f"recorded-{i:02d}".encode(),  # type: ignore[arg-type]
            headers={"X-Seq": str(i)},
            reply="",
        )
        lines.append(to_line(Record(i + 1, 1_790_000_000.0 + i, msg, ">", "")))
    path.write_text("\n".join(lines) + "\n")


async def test_replay_command_sends_every_message_at_the_rate(nc, server_url, tmp_path):
    p = "rp" + uuid.uuid4().hex[:8]
    path = tmp_path / "rec.jsonl"
    count, rate = 12, 20.0
    write_recording(path, p, count)
    got = []

    async def collect(msg) -> None:
        got.append((time.monotonic(), msg.subject, msg.data, msg.headers))

    await nc.subscribe(f"again.{p}.>", cb=collect)
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    proc = await asyncio.create_subprocess_exec(
        natstui_command(),
        "replay",
        str(path),
        "--server",
        server_url,
        "--prefix",
        "again",
        "--rate",
        str(rate),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await asyncio.wait_for(proc.communicate(), 60))[0].decode(errors="replace")
    assert proc.returncode == 0, out
    assert f"replayed {count} messages from {path}" in out
    await wait_until(lambda: len(got) >= count)
    assert [(s, d, h) for _, s, d, h in got] == [
        (f"again.{p}.n.{i % 3}", f"recorded-{i:02d}".encode(), {"X-Seq": str(i)}) for i in range(count)
    ]
    # the rate paces them: at 20 per second, 12 messages span at least 11/20 s (a slow machine only adds)
    assert got[-1][0] - got[0][0] >= 0.8 * (count - 1) / rate


async def test_open_command_browses_a_recording_offline(tmp_path):
    path = tmp_path / "offline.jsonl"
    write_recording(path, "rec", 5)
    term = TerminalApp(["open", str(path)], columns=120, lines=30, env={"XDG_CONFIG_HOME": str(tmp_path)})
    try:
        await asyncio.to_thread(
            term.wait_for,
            lambda text: (
                # the stream's header counts them (the status bar may cut the recording's long path)
                "● offline" in text and " 5 messages" in text and "recorded-04" in text and "recorded-00" in text
            ),
            20,
            "the recording",
        )
        term.type("/")
        await asyncio.to_thread(term.wait_for, lambda text: "Filter the live stream" in text, 20, "the filter")
        term.type("rec.n.1\r")
        await asyncio.to_thread(
            term.wait_for,
            lambda text: "recorded-01" in text and "recorded-04" in text and "recorded-00" not in text,
            20,
            "the filtered recording",
        )
        term.type("q")
        assert await asyncio.to_thread(term.wait_exit) == 0
    finally:
        term.close()

"""Re-publish a recording to a server, at a chosen rate, with a progress bar on the terminal."""

from __future__ import annotations

import asyncio
import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from natstui.client.session import Session
from natstui.config import ConnectionSettings
from natstui.model.recording import read


def subject_for(prefix: str, subject: str) -> str:
    prefix = prefix.strip(".")
    return f"{prefix}.{subject}" if prefix else subject


async def replay_file(
    settings: ConnectionSettings, path: str, prefix: str = "", rate: float = 0.0, progress: Progress | None = None
) -> int:
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    entries = list(read(lines))
    session = Session(settings)
    await session.connect()
    nc = session.nc
    bar = progress or Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    sent = 0
    start = time.monotonic()
    try:
        with bar:
            task = bar.add_task("replay", total=len(entries))
            for _, msg, _js in entries:
                await nc.publish(subject_for(prefix, msg.subject), msg.data, headers=msg.headers or None)
                sent += 1
                if rate > 0:
                    delay = start + sent / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                if sent % 500 == 0 or sent == len(entries):
                    bar.update(task, completed=sent)
                    await nc.flush()
            await nc.flush()
    finally:
        await session.close()
    return sent

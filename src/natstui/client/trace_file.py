"""``natstui trace``: where each subject of a recording (or a subject given) would go now, trace-only.

For each distinct subject, the first message recorded on it (its headers and payload) is traced with
``Nats-Trace-Only``: every server reports where it would go and nobody receives it. One line per
subject: the clients it would reach, the streams that would store it, the servers it would pass, or
NO INTEREST, or what refused it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text

from natstui.client.session import Session
from natstui.client.trace import trace_message
from natstui.config import ConnectionSettings
from natstui.model.recording import read
from natstui.model.sanitize import escape_line
from natstui.model.trace import Trace, build_trace

PARALLEL = 8  # traces in flight at once: each waits up to a couple of seconds for the servers' reports


@dataclass
class Sample:
    subject: str
    data: bytes = b""
    headers: Mapping[str, str] | None = None


def samples_from_file(path: str) -> list[Sample]:
    """The first message of each subject of a recording, in the order the subjects first appear."""
    seen: dict[str, Sample] = {}
    with open(path, encoding="utf-8") as f:
        for _, msg, _js in read(f):
            if msg.subject not in seen:
                seen[msg.subject] = Sample(msg.subject, msg.data or b"", msg.headers or None)
    return list(seen.values())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(sample: Sample, trace: Trace) -> Text:
    """One line: the subject, then where it would go, NO INTEREST (red), or what refused it."""
    line = Text(no_wrap=True)
    line.append(escape_line(sample.subject), style="bold")
    line.append("  ")
    if not trace.roots and not trace.orphans:
        line.append("no trace event arrived (is publishing to it allowed?)", style="yellow")
        return line
    parts: list[Text] = []
    deliveries = trace.deliveries
    if deliveries:
        names: dict[str, int] = {}  # a client with two matching subscriptions is named once, "×2"
        for step in deliveries:
            raw = step.raw if isinstance(step.raw, dict) else {}
            name = escape_line(str(raw.get("name") or "") or f"cid {raw.get('cid', '?')}")
            names[name] = names.get(name, 0) + 1
        shown = ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in names.items())
        parts.append(Text(f"{_plural(trace.clients, 'client')} ({shown})", style="green"))
    if trace.streams:
        label = "stream" if len(trace.streams) == 1 else "streams"
        parts.append(Text(f"{label} {', '.join(escape_line(s) for s in trace.streams)}", style="cyan"))
    if trace.no_interest:
        parts.insert(0, Text("NO INTEREST", style="bold red"))
    servers = trace.servers
    parts.append(Text(f"{'server' if len(servers) == 1 else 'servers'} {', '.join(escape_line(s) for s in servers)}"))
    for step in trace.errors:
        parts.append(Text(f"refused: {escape_line(step.text)}: {escape_line(step.error)}", style="bold red"))
    line.append_text(Text("; ").join(parts))
    return line


async def trace_samples(settings: ConnectionSettings, samples: Iterable[Sample]) -> list[tuple[Sample, Trace]]:
    """Trace each sample (trace-only) on one connection; raises TracingNotSupported on an older server."""
    session = Session(settings)
    await session.connect()
    limit = asyncio.Semaphore(PARALLEL)

    async def one(sample: Sample) -> tuple[Sample, Trace]:
        async with limit:
            events = await trace_message(session.nc, sample.subject, sample.data, sample.headers)
            return sample, build_trace(events)

    try:
        items = list(samples)
        if not items:
            return []
        first = await one(items[0])  # an older server is told before anything else is sent
        rest = await asyncio.gather(*(one(sample) for sample in items[1:]))
        return [first, *rest]
    finally:
        await session.close()

"""Send a template N times at a rate: a quick load test from the compose screen.

No Textual here: ``run`` fills a :class:`LoadProgress` that the screen reads on a
timer (sent, errors, replies, latencies); ``summary`` puts it in words.
Publishing is paced to the rate (0: as fast as the connection takes them);
requests are sent at the rate without waiting for each reply (up to
``MAX_IN_FLIGHT`` outstanding), each reply's round trip measured.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from nats import errors as nats_errors
from nats.aio.client import Client as NATS

from natstui.client import publish as pub
from natstui.model.compose import ComposeError, check_subject, format_duration, has_repeats, parse_headers
from natstui.model.templates import Template, TemplateError, render

MAX_IN_FLIGHT = 256
YIELD_EVERY = 50  # unpaced sends give the event loop a turn this often


@dataclass
class LoadProgress:
    total: int
    request: bool = False
    sent: int = 0
    errors: int = 0
    replies: int = 0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""
    started: float = 0.0
    finished: float = 0.0
    done: bool = False
    cancelled: bool = False

    def error(self, text: str) -> None:
        self.errors += 1
        if not self.first_error:
            self.first_error = text


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(progress: LoadProgress) -> str:
    """Sent, errors, replies, latency p50/p99 and the rate reached, in one line."""
    elapsed = (progress.finished or time.monotonic()) - progress.started if progress.started else 0.0
    parts = [f"sent {progress.sent:,} of {progress.total:,}", f"errors {progress.errors:,}"]
    if progress.request:
        parts.append(f"replies {progress.replies:,}")
        p50, p99 = percentile(progress.latencies, 50), percentile(progress.latencies, 99)
        if p50 is not None and p99 is not None:
            parts.append(f"latency p50 {format_duration(p50)}, p99 {format_duration(p99)}")
        else:
            parts.append("latency —")
    if elapsed > 0 and progress.sent:
        parts.append(f"{progress.sent / elapsed:,.0f} msg/s")
    return ", ".join(parts)


def prepare(template: Template, seq: int) -> tuple[str, list[tuple[str, str]], bytes]:
    """The message number ``seq`` of a run: (subject, headers, payload); ComposeError/TemplateError say why not."""
    rendered = render(template, seq)
    subject = check_subject(rendered.subject.strip())
    return subject, parse_headers(rendered.headers), rendered.payload.encode("utf-8")


async def run(
    nc: NATS, template: Template, progress: LoadProgress, rate: float = 0.0, timeout: float = 2.0
) -> LoadProgress:
    """Send ``progress.total`` messages from ``template`` (seq 1..N); stops early when ``progress.cancelled``."""
    progress.started = time.monotonic()
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def one_request(subject: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        try:
            start = time.perf_counter()
            if has_repeats(headers):
                await pub.request(nc, subject, payload, headers, timeout=timeout)
            else:
                await nc.request(subject, payload, timeout=timeout, headers=dict(headers) if headers else None)
            progress.latencies.append(time.perf_counter() - start)
            progress.replies += 1
        except nats_errors.NoRespondersError:
            progress.error("no responders")
        except (nats_errors.TimeoutError, asyncio.TimeoutError):
            progress.error(f"no reply within {timeout:g} s")
        except Exception as exc:  # the connection went away: counted, the run goes on
            progress.error(str(exc) or type(exc).__name__)
        finally:
            in_flight.release()

    try:
        for seq in range(1, progress.total + 1):
            if progress.cancelled:
                break
            if rate > 0:
                wait = progress.started + (seq - 1) / rate - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            elif seq % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            try:
                subject, headers, payload = prepare(template, seq)
            except (ComposeError, TemplateError) as exc:
                progress.error(str(exc))
                continue
            if progress.request:
                await in_flight.acquire()
                task = asyncio.ensure_future(one_request(subject, headers, payload))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                progress.sent += 1
                continue
            try:
                await pub.publish(nc, subject, payload, headers)
                progress.sent += 1
            except Exception as exc:
                progress.error(str(exc) or type(exc).__name__)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if not progress.request:
            try:
                await nc.flush(timeout=max(5, int(timeout) + 1))
            except Exception as exc:
                progress.error(f"flush: {exc or type(exc).__name__}")
    finally:
        for task in tasks:
            task.cancel()
        progress.finished = time.monotonic()
        progress.done = True
    return progress

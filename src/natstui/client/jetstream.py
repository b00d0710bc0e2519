"""JetStream through its JSON API: streams, consumers and non-consuming message reads.

Raw API responses are kept as dicts: they hold every field the server sends
(``last_ts``, cluster health, sources), where typed wrappers drop the ones
they do not know.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import NoRespondersError

from natstui.client.inbox import bulk_inbox, bulk_request
from natstui.model.jetstream import parse_ts

API_TIMEOUT = 5.0
DIRECT_HEADERS = (
    "Nats-Stream",
    "Nats-Subject",
    "Nats-Sequence",
    "Nats-Time-Stamp",
    "Nats-Num-Pending",
    "Nats-Last-Sequence",
)


class JetStreamError(Exception):
    """An error answered by the JetStream API; ``description`` is the server's own words."""

    def __init__(self, description: str, code: int = 0, err_code: int = 0) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.err_code = err_code


@dataclass
class StoredMessage:
    """A message as a stream holds it."""

    stream: str
    seq: int
    subject: str
    data: bytes
    headers: dict[str, str] | None
    time: datetime | None

    @property
    def timestamp(self) -> float:
        return self.time.timestamp() if self.time else 0.0


@dataclass
class TimeSeek:
    """Where a point in time falls in a stream: the first message at or after it (None: after the last)."""

    message: StoredMessage | None
    requests: int  # API requests it took
    how: str  # "direct get by time" or "binary search"


def format_rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JetStream:
    def __init__(self, nc: NATS, domain: str | None = None, timeout: float = API_TIMEOUT) -> None:
        self.nc = nc
        self.domain = domain or None
        self.prefix = f"$JS.{self.domain}.API" if self.domain else "$JS.API"
        self.timeout = timeout
        self._context: Any = None

    @property
    def context(self) -> Any:
        """nats-py's JetStream context on the same connection and domain (Key-Value, Object Store)."""
        if self._context is None:
            self._context = js_context(self.nc, self.domain)
        return self._context

    # -- the API ---------------------------------------------------------------------
    async def api(self, suffix: str, payload: dict[str, Any] | None = None, *, bulk: bool = False) -> dict[str, Any]:
        """One JetStream API request. ``bulk``: one of many reads of stored messages, answered on a bulk
        inbox (client/inbox.py) so that the live stream leaves the request and its answer out."""
        data = json.dumps(payload).encode() if payload is not None else b""
        try:
            if bulk:
                msg = await bulk_request(self.nc, f"{self.prefix}.{suffix}", data, self.timeout)
            else:
                msg = await self.nc.request(f"{self.prefix}.{suffix}", data, timeout=self.timeout)
        except NoRespondersError:
            raise JetStreamError(
                f"JetStream is not enabled for this account or server (nothing answers on {self.prefix})", 503
            ) from None
        status = (msg.headers or {}).get("Status")
        if status == "503":
            raise JetStreamError("JetStream is not enabled for this account or server", 503)
        try:
            body = json.loads(msg.data or b"{}")
        except ValueError:
            raise JetStreamError("the JetStream API answered with something that is not JSON") from None
        error = body.get("error")
        if error:
            raise JetStreamError(
                error.get("description", "unknown error"), error.get("code", 0), error.get("err_code", 0)
            )
        answer: dict[str, Any] = body
        return answer

    async def account_info(self) -> dict[str, Any]:
        return await self.api("INFO")

    # -- streams ---------------------------------------------------------------------
    async def list_streams(self) -> list[dict[str, Any]]:
        streams: list[dict[str, Any]] = []
        while True:
            page = await self.api("STREAM.LIST", {"offset": len(streams)})
            got = page.get("streams") or []
            streams.extend(got)
            if not got or len(streams) >= page.get("total", 0):
                return streams

    async def stream_info(self, name: str, subjects: bool = False) -> dict[str, Any]:
        payload = {"subjects_filter": ">"} if subjects else None
        return await self.api(f"STREAM.INFO.{name}", payload)

    async def create_stream(self, config: dict[str, Any]) -> dict[str, Any]:
        return await self.api(f"STREAM.CREATE.{config['name']}", config)

    async def delete_stream(self, name: str) -> None:
        await self.api(f"STREAM.DELETE.{name}")

    async def purge_stream(self, name: str, subject: str | None = None, keep: int | None = None) -> int:
        payload: dict[str, Any] = {}
        if subject:
            payload["filter"] = subject
        if keep is not None:
            payload["keep"] = keep
        body = await self.api(f"STREAM.PURGE.{name}", payload)
        return int(body.get("purged", 0))

    async def delete_message(self, name: str, seq: int) -> None:
        await self.api(f"STREAM.MSG.DELETE.{name}", {"seq": seq})

    # -- consumers -------------------------------------------------------------------
    async def list_consumers(self, stream: str) -> list[dict[str, Any]]:
        consumers: list[dict[str, Any]] = []
        while True:
            page = await self.api(f"CONSUMER.LIST.{stream}", {"offset": len(consumers)})
            got = page.get("consumers") or []
            consumers.extend(got)
            if not got or len(consumers) >= page.get("total", 0):
                return consumers

    async def consumer_info(self, stream: str, name: str) -> dict[str, Any]:
        return await self.api(f"CONSUMER.INFO.{stream}.{name}")

    async def create_consumer(self, stream: str, config: dict[str, Any]) -> dict[str, Any]:
        name = config.get("durable_name") or config.get("name")
        suffix = f"CONSUMER.CREATE.{stream}.{name}" if name else f"CONSUMER.CREATE.{stream}"
        return await self.api(suffix, {"stream_name": stream, "config": config})

    async def delete_consumer(self, stream: str, name: str) -> None:
        await self.api(f"CONSUMER.DELETE.{stream}.{name}")

    # -- reading messages without consuming them ---------------------------------------
    async def read(
        self,
        stream: str,
        start_seq: int = 0,
        count: int = 50,
        subject: str | None = None,
        start_time: datetime | None = None,
        direct: bool = True,
    ) -> list[StoredMessage]:
        """Up to ``count`` messages from ``start_seq`` (or ``start_time``) on, oldest first.

        With ``direct`` (the stream allows direct gets) this is one batched
        request; otherwise the messages are read one by one with the
        stream's message-get API. Neither creates a consumer or acks anything,
        so WorkQueue and Interest streams keep every message.
        """
        if direct:
            return await self._read_direct(stream, start_seq, count, subject, start_time)
        return await self._read_by_get(stream, start_seq, count, subject, start_time)

    async def _read_direct(
        self, stream: str, start_seq: int, count: int, subject: str | None, start_time: datetime | None
    ) -> list[StoredMessage]:
        request: dict[str, Any] = {"batch": count}
        if start_time is not None:
            request["start_time"] = format_rfc3339(start_time)
        else:
            request["seq"] = max(1, start_seq)
        if subject:
            request["next_by_subj"] = subject
        nc = self.nc
        inbox = bulk_inbox(nc)
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def collect(msg: Msg) -> None:
            queue.put_nowait(msg)

        sub = await nc.subscribe(inbox, cb=collect)
        messages: list[StoredMessage] = []
        try:
            await nc.publish(f"{self.prefix}.DIRECT.GET.{stream}", json.dumps(request).encode(), reply=inbox)
            while True:
                try:
                    msg = await asyncio.wait_for(queue.get(), self.timeout)
                except asyncio.TimeoutError:
                    if messages:
                        break
                    raise JetStreamError("timed out reading messages") from None
                headers = msg.headers or {}
                status = headers.get("Status")
                if status:
                    if status in ("204", "404"):
                        break
                    raise JetStreamError(str(headers.get("Description", f"status {status}")), int(status))
                messages.append(_from_direct(stream, msg))
                if len(messages) >= count:
                    break
        finally:
            await sub.unsubscribe()
        return messages

    async def _read_by_get(
        self, stream: str, start_seq: int, count: int, subject: str | None, start_time: datetime | None
    ) -> list[StoredMessage]:
        if start_time is not None:
            found = await self.seek_time(
                stream,
                start_time,
                start_seq,
                (await self.stream_info(stream))["state"]["last_seq"],
                subject,
                direct=False,
            )
            if found.message is None:
                return []
            start_seq = found.message.seq
        messages: list[StoredMessage] = []
        seq = max(1, start_seq)
        while len(messages) < count:
            # next_by_subj makes the server skip deleted sequences.
            request: dict[str, Any] = {"seq": seq, "next_by_subj": subject or ">"}
            try:
                body = await self.api(f"STREAM.MSG.GET.{stream}", request, bulk=True)
            except JetStreamError as exc:
                if exc.code == 404 or exc.err_code in (10037,):  # no message found
                    break
                raise
            message = _from_get(stream, body.get("message") or {})
            messages.append(message)
            seq = message.seq + 1
        return messages

    async def get_at_or_after(self, stream: str, seq: int, subject: str | None = None) -> StoredMessage | None:
        """The first message at or after ``seq`` (on ``subject``), with the message-get API; None when there is none."""
        try:
            body = await self.api(
                f"STREAM.MSG.GET.{stream}", {"seq": max(1, seq), "next_by_subj": subject or ">"}, bulk=True
            )
        except JetStreamError as exc:
            if exc.code == 404 or exc.err_code in (10037,):  # no message found
                return None
            raise
        return _from_get(stream, body.get("message") or {})

    async def seek_time(
        self,
        stream: str,
        when: datetime,
        first_seq: int,
        last_seq: int,
        subject: str | None = None,
        direct: bool = True,
    ) -> TimeSeek:
        """The first message stored at or after ``when`` (on ``subject``), without consuming anything.

        With direct gets the server looks the time up (one request). Without,
        a binary search over sequences with message gets: a stream's
        timestamps grow with its sequence numbers, so about log2(last - first)
        requests find it on any stream and any server version. Each probe
        asks for the first message at or after a sequence, so deleted
        sequences are skipped rather than missed.
        """
        if when.tzinfo is None:
            when = when.astimezone()
        if direct:
            found = await self._read_direct(stream, 0, 1, subject, when)
            return TimeSeek(found[0] if found else None, 1, "direct get by time")
        lo, hi = max(1, first_seq), max(1, first_seq, last_seq + 1)  # the answer's sequence is in [lo, hi]
        found_at_hi: StoredMessage | None = None
        requests = 0
        while lo < hi:
            mid = (lo + hi) // 2
            message = await self.get_at_or_after(stream, mid, subject)
            requests += 1
            if message is None or message.time is None or message.time >= when:
                hi, found_at_hi = mid, message
            else:
                lo = message.seq + 1  # every message up to this one is older
        return TimeSeek(found_at_hi, requests, "binary search")

    async def read_before(
        self, stream: str, before_seq: int, count: int, first_seq: int, subject: str | None = None, direct: bool = True
    ) -> list[StoredMessage]:
        """The ``count`` messages just before ``before_seq``, oldest first.

        Reads forward from windows that double in size until enough are found
        (filters and deleted messages make the density unknown).
        """
        window = count
        found: list[StoredMessage] = []
        while True:
            start = max(first_seq, before_seq - window)
            batch: list[StoredMessage] = []
            seq = start
            while seq < before_seq:
                got = await self.read(stream, seq, min(256, max(count, window)), subject, direct=direct)
                got = [m for m in got if m.seq < before_seq]
                if not got:
                    break
                batch.extend(got)
                seq = got[-1].seq + 1
                if len(got) < min(256, max(count, window)):
                    break
            found = batch
            if len(found) >= count or start <= first_seq:
                return found[-count:]
            window *= 4

    # -- changing what exists (the UI asks ``allow_change`` first) ------------------------
    async def update_stream(self, config: dict[str, Any]) -> dict[str, Any]:
        """Send a stream's full new configuration; the server refuses what it cannot change."""
        return await self.api(f"STREAM.UPDATE.{config['name']}", config)

    async def seal_stream(self, name: str) -> dict[str, Any]:
        """Seal a stream: no more messages, deletes or purges; the server cannot unseal it."""
        config = (await self.stream_info(name))["config"]
        return await self.update_stream({**config, "sealed": True})

    async def update_consumer(self, stream: str, config: dict[str, Any]) -> dict[str, Any]:
        """Send a consumer's full new configuration (an update: never creates one)."""
        name = config.get("durable_name") or config.get("name")
        return await self.api(
            f"CONSUMER.CREATE.{stream}.{name}", {"stream_name": stream, "config": config, "action": "update"}
        )

    async def pause_consumer(self, stream: str, name: str, until: datetime | None) -> dict[str, Any]:
        """Pause a consumer until ``until`` (server 2.11+); None resumes it now."""
        payload = {"pause_until": format_rfc3339(until)} if until is not None else {}
        return await self.api(f"CONSUMER.PAUSE.{stream}.{name}", payload)

    async def purge_subject_below(self, stream: str, subject: str, seq: int) -> int:
        """Remove the messages on ``subject`` with a sequence below ``seq`` (later ones stay)."""
        body = await self.api(f"STREAM.PURGE.{stream}", {"filter": subject, "seq": seq})
        return int(body.get("purged", 0))


def _decode_headers(headers: dict[str, str]) -> dict[str, str] | None:
    kept = {k: v for k, v in headers.items() if k not in DIRECT_HEADERS}
    return kept or None


def _from_direct(stream: str, msg: Msg) -> StoredMessage:
    headers = msg.headers or {}
    return StoredMessage(
        stream=headers.get("Nats-Stream", stream),
        seq=int(headers.get("Nats-Sequence", 0)),
        subject=headers.get("Nats-Subject", ""),
        data=msg.data or b"",
        headers=_decode_headers(headers),
        time=parse_ts(headers.get("Nats-Time-Stamp")),
    )


def _from_get(stream: str, raw: dict[str, Any]) -> StoredMessage:
    import base64

    headers = None
    if raw.get("hdrs"):
        headers = parse_header_block(base64.b64decode(raw["hdrs"]))
    return StoredMessage(
        stream=stream,
        seq=int(raw.get("seq", 0)),
        subject=raw.get("subject", ""),
        data=base64.b64decode(raw["data"]) if raw.get("data") else b"",
        headers=headers,
        time=parse_ts(raw.get("time")),
    )


def parse_header_block(block: bytes) -> dict[str, str] | None:
    """``NATS/1.0\\r\\nName: value\\r\\n...`` to a dict (repeated names joined with ', ')."""
    lines = block.decode("utf-8", errors="replace").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line or ":" not in line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers or None


def js_context(nc: Any, domain: str | None = None) -> Any:
    """The JetStream context, in the configured domain."""
    return nc.jetstream(domain=domain) if domain else nc.jetstream()

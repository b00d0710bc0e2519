"""Back up and restore a stream with the server's snapshot API; export messages as a recording.

A backup file is ``natstui-backup/1``, a line of JSON (the stream's configuration and state as the
snapshot request answered them, when, and how many bytes follow), then the snapshot exactly as the
server sent it (an s2-compressed tar of the stream's store: messages, and consumers with their
state). It is written under a temporary name and renamed only once the server's last chunk is in,
so a cancelled or failed backup never leaves a file that looks complete.

Backup: ``$JS.API.STREAM.SNAPSHOT.<stream>`` with a deliver subject and a chunk size; each chunk
comes with a reply subject that is answered to let the server send more (its flow control); an
empty message ends it. Restore: ``$JS.API.STREAM.RESTORE.<stream>`` with the configuration and
state answers with a subject to send chunks to, each one a request the server acknowledges; an
empty request ends it and is answered with the restored stream's info (or the server's error).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any

from natstui.client.inbox import bulk_inbox, bulk_request
from natstui.client.jetstream import JetStream, JetStreamError, StoredMessage
from natstui.model import recording

MAGIC = b"natstui-backup/1\n"
CHUNK_SIZE = 128 * 1024
CHUNK_TIMEOUT = 10.0  # seconds without a chunk before a backup is given up


@dataclass
class Transfer:
    """Progress of a backup, restore or export, read by the UI on its timer."""

    total: int = 0  # bytes (or messages) expected; 0 when not known
    done: int = 0  # bytes (or messages) so far
    chunks: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        elapsed = self.elapsed
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


class BackupError(Exception):
    """A backup file that cannot be restored; the message says why."""


def partial_name(path: str) -> str:
    return f"{path}.partial"


async def backup_stream(
    js: JetStream,
    stream: str,
    path: str,
    progress: Transfer | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    consumers: bool = True,
    check: bool = False,
) -> dict[str, Any]:
    """Write a backup of ``stream`` to ``path``; returns the header (configuration, state).

    ``check`` asks the server to verify every message's checksum first (``jsck``).
    Cancelled or failed, the temporary file is removed and ``path`` is untouched.
    """
    progress = progress if progress is not None else Transfer()
    nc = js.nc
    inbox = bulk_inbox(nc)
    chunks: asyncio.Queue[Any] = asyncio.Queue()

    async def collect(msg: Any) -> None:
        chunks.put_nowait(msg)

    sub = await nc.subscribe(inbox, cb=collect)
    temporary = partial_name(path)
    out: IO[bytes] | None = None
    try:
        answer = await js.api(
            f"STREAM.SNAPSHOT.{stream}",
            {"deliver_subject": inbox, "no_consumers": not consumers, "chunk_size": chunk_size, "jsck": check},
        )
        state = answer.get("state") or {}
        progress.total = int(state.get("bytes") or 0)  # the store's size: the compressed snapshot is smaller
        header = {
            "format": "natstui-backup/1",
            "stream": stream,
            "created": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "config": answer.get("config") or {},
            "state": state,
        }
        out = open(temporary, "wb")
        out.write(MAGIC)
        out.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
        while True:
            try:
                msg = await asyncio.wait_for(chunks.get(), CHUNK_TIMEOUT)
            except asyncio.TimeoutError:
                raise JetStreamError(f"the server sent no snapshot data for {CHUNK_TIMEOUT:.0f} s") from None
            headers = msg.headers or {}
            status = headers.get("Status")
            if status and status not in ("204",):
                raise JetStreamError(str(headers.get("Description") or f"snapshot failed (status {status})"))
            if not msg.data:  # the end
                break
            out.write(msg.data)
            progress.done += len(msg.data)
            progress.chunks += 1
            if msg.reply:
                await nc.publish(msg.reply, b"")  # flow control: the server may send more
            await asyncio.sleep(0)  # chunks already queued would otherwise hold the event loop (and a cancel)
        out.flush()
        os.fsync(out.fileno())
        out.close()
        out = None
        os.replace(temporary, path)
        progress.finished = time.monotonic()
        progress.total = progress.done
        return header
    finally:
        if out is not None:
            out.close()
        if os.path.exists(temporary):
            os.remove(temporary)
        try:
            await sub.unsubscribe()
        except Exception:
            pass


def read_header(path: str) -> tuple[dict[str, Any], int]:
    """A backup file's header and where its snapshot data starts."""
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a natstui backup (it does not start with natstui-backup/1)")
        line = f.readline(16 * 1024 * 1024)
        try:
            header = json.loads(line)
        except ValueError:
            raise BackupError(f"{path}: the backup's header is damaged") from None
        if not isinstance(header, dict) or not isinstance(header.get("config"), dict):
            raise BackupError(f"{path}: the backup's header has no stream configuration")
        return header, f.tell()


async def restore_stream(
    js: JetStream,
    path: str,
    name: str | None = None,
    progress: Transfer | None = None,
    *,
    subjects: list[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict[str, Any]:
    """Restore the backup in ``path`` as stream ``name`` (the backed-up name when None); returns its info.

    ``subjects`` replaces the stream's subjects (a copy beside the original cannot listen on the same ones).

    The server refuses a name that exists. Cancelled midway, the server drops what it received
    (the restore never completes); nothing is created.
    """
    progress = progress if progress is not None else Transfer()
    header, offset = read_header(path)
    config = dict(header["config"])
    if name:
        config["name"] = name
    if subjects is not None:
        config["subjects"] = subjects
    name = config["name"]
    size = os.path.getsize(path) - offset
    progress.total = size
    answer = await js.api(f"STREAM.RESTORE.{name}", {"config": config, "state": header.get("state") or {}})
    deliver = answer.get("deliver_subject")
    if not deliver:
        raise JetStreamError("the server did not say where to send the backup")
    nc = js.nc
    timeout = max(js.timeout, 30.0)
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            reply = await bulk_request(nc, deliver, chunk, timeout)
            _check_reply(reply)
            progress.done += len(chunk)
            progress.chunks += 1
    reply = await bulk_request(nc, deliver, b"", max(timeout, 60.0))  # the end: the server restores
    info = _check_reply(reply)
    progress.finished = time.monotonic()
    return info


def _check_reply(msg: Any) -> dict[str, Any]:
    headers = msg.headers or {}
    if headers.get("Status") and headers.get("Status") not in ("100", "200"):
        raise JetStreamError(str(headers.get("Description") or f"status {headers.get('Status')}"))
    if not msg.data:
        return {}
    try:
        body = json.loads(msg.data)
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    if error:
        raise JetStreamError(error.get("description", "unknown error"), error.get("code", 0), error.get("err_code", 0))
    return body if isinstance(body, dict) else {}


# -- export to a recording ------------------------------------------------------------------------
def message_line(message: StoredMessage) -> str:
    """A stored message as a recording line (``model/recording.py``): ``natstui open`` reads it."""
    return json.dumps(
        {
            "subject": message.subject,
            "reply": "",
            "headers": recording.headers_out(message.headers),
            "payload": base64.b64encode(message.data).decode("ascii"),
            "received": recording.rfc3339(message.timestamp),
            "jetstream": {
                "stream": message.stream,
                "consumer": "",
                "stream_seq": message.seq,
                "consumer_seq": 0,
                "delivered": 0,
                "pending": 0,
                "timestamp": message.time.isoformat() if message.time else None,
                "domain": "",
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def write_messages(messages: Iterable[StoredMessage], out: IO[str]) -> int:
    n = 0
    for message in messages:
        out.write(message_line(message))
        out.write("\n")
        n += 1
    return n


async def export_messages(
    js: JetStream,
    stream: str,
    path: str,
    first: int,
    last: int,
    progress: Transfer | None = None,
    *,
    subject: str | None = None,
    direct: bool = True,
    batch: int = 500,
) -> int:
    """Write messages ``first``..``last`` (inclusive) of ``stream`` to ``path`` as JSON Lines; returns how many.

    Read with direct gets (or message gets), never a consumer; a temporary name until complete.
    """
    progress = progress if progress is not None else Transfer()
    progress.total = max(0, last - first + 1)
    temporary = partial_name(path)
    count = 0
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            seq = first
            while seq <= last:
                got = await js.read(stream, seq, min(batch, last - seq + 1), subject, direct=direct)
                got = [m for m in got if m.seq <= last]
                if not got:
                    break
                count += write_messages(got, out)
                progress.chunks += 1
                seq = got[-1].seq + 1
                progress.done = min(progress.total, seq - first)
        os.replace(temporary, path)
        progress.done = progress.total
        progress.finished = time.monotonic()
        return count
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)

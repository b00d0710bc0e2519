"""Object store buckets over nats-py: status, listing with a live watch, preview, download, upload, delete.

Listings and previews read with ephemeral pull consumers (see ``client.scan.StreamScan``);
transfers report their progress in a :class:`Transfer` the UI reads on its timer.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass
from typing import Any, cast

from nats.js import api
from nats.js.errors import NotFoundError
from nats.js.object_store import ObjectStore

from natstui.client.scan import StreamScan, bucket_basics, list_streams

OBJ_STREAM_PREFIX = "OBJ_"
PREVIEW_LIMIT = 64 * 1024  # bytes of an object read for the inspector


@dataclass
class ObjectBucketStatus:
    name: str
    bytes: int
    messages: int
    ttl: float
    storage: str
    replicas: int
    sealed: bool
    description: str = ""

    @classmethod
    def from_stream_info(cls, info: Any) -> ObjectBucketStatus:
        config, state = info.config, info.state
        return cls(
            **bucket_basics(info, OBJ_STREAM_PREFIX),
            messages=state.messages or 0,
            sealed=bool(config.sealed),
        )


async def list_buckets(js: Any) -> list[ObjectBucketStatus]:
    return [ObjectBucketStatus.from_stream_info(i) for i in await list_streams(js, OBJ_STREAM_PREFIX)]


@dataclass
class ObjectEntry:
    """An object's latest meta record. ``key``/``revision``/``op`` let a ``KeyIndex`` hold it."""

    name: str
    bucket: str
    revision: int
    mtime: float  # when the meta record was stored (epoch seconds)
    size: int = 0
    chunks: int = 0
    digest: str = ""
    description: str = ""
    headers: dict[str, Any] | None = None
    deleted: bool = False
    nuid: str = ""
    link: str = ""  # "bucket/name" (or "bucket") when the object is a link
    chunk_size: int = 0
    live: bool = False

    @property
    def key(self) -> str:
        return self.name

    @property
    def op(self) -> str:
        return "DEL" if self.deleted else "PUT"

    @classmethod
    def from_meta(cls, data: bytes, revision: int, mtime: float) -> ObjectEntry:
        raw = json.loads(data)
        options = raw.get("options") or {}
        link = options.get("link") or {}
        link_text = ""
        if link:
            link_text = str(link.get("bucket", "")) + (f"/{link['name']}" if link.get("name") else "")
        return cls(
            name=str(raw.get("name", "")),
            bucket=str(raw.get("bucket", "")),
            revision=revision,
            mtime=mtime,
            size=int(raw.get("size") or 0),
            chunks=int(raw.get("chunks") or 0),
            digest=str(raw.get("digest") or ""),
            description=str(raw.get("description") or ""),
            headers=raw.get("headers") or None,
            deleted=bool(raw.get("deleted")),
            nuid=str(raw.get("nuid") or ""),
            link=link_text,
            chunk_size=int(options.get("max_chunk_size") or 0),
        )


class ObjectScan(StreamScan):
    """Every object's latest meta record, then each change as it happens."""

    def __init__(self, js: Any, bucket: str) -> None:
        super().__init__(
            js, OBJ_STREAM_PREFIX + bucket, f"$O.{bucket}.M.>", deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT
        )
        self.bucket = bucket

    def convert(self, msg: Any, seq: int, ts: int) -> ObjectEntry:
        return ObjectEntry.from_meta(msg.data or b"{}", seq, ts / 1e9)


class _ChunkScan(StreamScan):
    mark_live = False
    BATCH = 2  # chunks are up to 128 KiB each

    def __init__(self, js: Any, bucket: str, nuid: str, limit: int) -> None:
        super().__init__(js, OBJ_STREAM_PREFIX + bucket, f"$O.{bucket}.C.{nuid}", deliver_policy=api.DeliverPolicy.ALL)
        self.limit = limit
        self.size = 0

    def convert(self, msg: Any, seq: int, ts: int) -> bytes:
        data = msg.data or b""
        self.size += len(data)
        if self.size >= self.limit and not self.listed:
            self._mark_listed()  # enough for a preview
        return data


async def preview(js: Any, entry: ObjectEntry, limit: int = PREVIEW_LIMIT, timeout: float = 10.0) -> bytes:
    """The first ``limit`` bytes of an object (not its digest-checked whole: see ``download``)."""
    if entry.deleted or entry.link or not entry.size or not entry.nuid:
        return b""
    scan = _ChunkScan(js, entry.bucket, entry.nuid, limit)
    await scan.start()
    try:
        await scan.wait_listed(timeout)
    finally:
        await scan.stop()
    return b"".join(scan.drain())[:limit]


# -- transfers ------------------------------------------------------------------------------------


class Transfer:
    """Progress of one download or upload: written by the transfer, read by the UI's timer."""

    def __init__(self, kind: str, name: str, path: str, total: int = 0) -> None:
        self.kind = kind  # "download" or "upload"
        self.name = name
        self.path = path
        self.total = total
        self.done = 0
        self.finished = False
        self.error = ""
        self.digest = ""

    @property
    def fraction(self) -> float:
        return 1.0 if not self.total else min(1.0, self.done / self.total)


class _CountingWriter:
    """What nats-py's ``get(writeinto=...)`` writes to (from a thread): counts bytes."""

    def __init__(self, file: Any, transfer: Transfer) -> None:
        self._file = file
        self._transfer = transfer

    def write(self, data: bytes) -> int:
        n: int = self._file.write(data)
        self._transfer.done += len(data)
        return n


class _CountingReader:
    """What nats-py's ``put`` reads from (from a thread): counts bytes."""

    def __init__(self, file: Any, transfer: Transfer) -> None:
        self._file = file
        self._transfer = transfer

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer) or 0
        self._transfer.done += n
        return n


def _store(js: Any, bucket: str) -> ObjectStore:
    return ObjectStore(name=bucket, stream=OBJ_STREAM_PREFIX + bucket, js=js)


async def info(js: Any, bucket: str, name: str) -> ObjectEntry:
    """The object's current meta record, deleted ones included."""
    subject = meta_subject(bucket, name)
    msg = await js.get_msg(OBJ_STREAM_PREFIX + bucket, subject=subject)
    mtime = msg.time.timestamp() if msg.time else 0.0
    return ObjectEntry.from_meta(msg.data or b"{}", msg.seq or 0, mtime)


def meta_subject(bucket: str, name: str) -> str:
    """Where an object's meta record is stored (its name in URL-safe base64)."""
    return f"$O.{bucket}.M.{base64.urlsafe_b64encode(name.encode('utf-8')).decode()}"


async def download(js: Any, bucket: str, name: str, path: str, transfer: Transfer) -> None:
    """Write the object to ``path`` (through ``path.part``, renamed once the digest matched)."""
    loop = asyncio.get_running_loop()
    store = _store(js, bucket)
    meta = await store.get_info(name)
    if meta.is_link():
        raise ValueError("this object is a link: open the bucket it points to")
    transfer.total = meta.size or 0
    transfer.digest = meta.digest or ""
    part = path + ".part"
    file = await loop.run_in_executor(None, open, part, "wb")
    try:
        await store.get(name, writeinto=cast(Any, _CountingWriter(file, transfer)))  # file-like, counting
        await loop.run_in_executor(None, file.close)
        await loop.run_in_executor(None, os.replace, part, path)
    except BaseException:
        file.close()
        try:
            os.unlink(part)
        except OSError:
            pass
        raise
    transfer.finished = True


async def upload(js: Any, bucket: str, path: str, name: str, transfer: Transfer, description: str = "") -> ObjectEntry:
    """Store the file at ``path`` as ``name``; returns the new meta record."""
    loop = asyncio.get_running_loop()
    transfer.total = await loop.run_in_executor(None, os.path.getsize, path)
    file = await loop.run_in_executor(None, open, path, "rb")
    try:
        meta = api.ObjectMeta(name=name, description=description or None)
        result = await _store(js, bucket).put(name, cast(Any, _CountingReader(file, transfer)), meta=meta)
    finally:
        file.close()
    transfer.digest = result.digest or ""
    transfer.finished = True
    return await info(js, bucket, name)


async def delete(js: Any, bucket: str, name: str) -> None:
    await _store(js, bucket).delete(name)


async def exists(js: Any, bucket: str, name: str) -> bool:
    try:
        entry = await info(js, bucket, name)
    except NotFoundError:
        return False
    return not entry.deleted


# -- buckets: create, delete (the UI asks ``allow_change`` first; seal goes through client.jetstream) --


@dataclass
class StoreConfig:
    name: str
    description: str = ""
    storage: str = "file"
    replicas: int = 1
    ttl: float = 0.0  # seconds; 0: objects never expire
    max_bytes: int = -1


class StoreExistsError(Exception):
    pass


async def create_store(js: Any, config: StoreConfig) -> ObjectBucketStatus:
    """Create a new object store; an existing one is never reconfigured."""
    try:
        await js.stream_info(OBJ_STREAM_PREFIX + config.name)
    except NotFoundError:
        pass
    else:
        raise StoreExistsError(f"an object store named {config.name} already exists")
    await js.create_object_store(
        config.name,
        config=api.ObjectStoreConfig(
            description=config.description or None,
            storage=api.StorageType(config.storage),
            replicas=config.replicas,
            ttl=config.ttl or None,
            max_bytes=config.max_bytes if config.max_bytes >= 0 else None,
        ),
    )
    return ObjectBucketStatus.from_stream_info(await js.stream_info(OBJ_STREAM_PREFIX + config.name))


async def delete_store(js: Any, bucket: str) -> None:
    await js.delete_object_store(bucket)


def link_target(link: str) -> tuple[str, str]:
    """(bucket, object name) of a link's target; the name is '' for a link to a whole bucket."""
    bucket, _, name = link.partition("/")
    return bucket, name

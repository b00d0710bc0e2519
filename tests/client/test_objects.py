"""Object store access against a real nats-server: listing and watch, preview, transfers, delete."""

import base64
import hashlib
import os
import uuid

import pytest
from nats.js import api
from nats.js.errors import ObjectNotFoundError

from natstui.client import objects as obc
from natstui.model.kv import KeyIndex
from tests.conftest import wait_until


def bucket_name() -> str:
    return "o" + uuid.uuid4().hex[:10]


def digest_of(data: bytes) -> str:
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


async def test_buckets_and_objects_listed_with_deleted_marked_then_watched(nc):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name, description="files")
    await store.put(
        "a.txt",
        b"hello",
        meta=api.ObjectMeta(name="a.txt", description="greeting", headers={"Content-Type": ["text/plain"]}),
    )
    await store.put("big.bin", os.urandom(300_000))
    await store.put("gone", b"bye")
    await store.delete("gone")
    status = {b.name: b for b in await obc.list_buckets(js)}[name]
    assert status.description == "files" and status.bytes > 300_000 and not status.sealed and status.storage == "file"

    scan = await obc.ObjectScan(js, name).start()
    await scan.wait_listed(10)
    index = KeyIndex(show_deleted=True)
    index.apply(scan.drain())
    assert index.keys == ["a.txt", "big.bin", "gone"]
    a, big, gone = (index.entries[k] for k in index.keys)
    assert (a.size, a.chunks, a.description, a.headers, a.digest) == (
        5,
        1,
        "greeting",
        {"Content-Type": ["text/plain"]},
        digest_of(b"hello"),
    )
    assert big.chunks == 3 and big.size == 300_000 and big.mtime > 0
    assert gone.deleted and gone.op == "DEL"

    await store.put("later.json", b"{}")
    got = []
    await wait_until(lambda: got.extend(scan.drain()) or got)
    index.apply(got)
    assert index.index_of("later.json") == 3 and index.entries["later.json"].live
    await scan.stop()
    assert await js.consumers_info(f"OBJ_{name}") == []


async def test_upload_download_round_trip_with_progress(nc, tmp_path):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_object_store(name)
    data = os.urandom(700_000) + b"tail"
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    up = obc.Transfer("upload", "copy.bin", str(source))
    entry = await obc.upload(js, name, str(source), "copy.bin", up, description="a copy")
    assert up.finished and up.done == up.total == len(data) and up.fraction == 1.0
    assert (
        entry.digest == digest_of(data)
        and entry.size == len(data)
        and entry.chunks == 6
        and entry.description == "a copy"
    )

    target = tmp_path / "out" / "copy.bin"
    target.parent.mkdir()
    down = obc.Transfer("download", "copy.bin", str(target))
    await obc.download(js, name, "copy.bin", str(target), down)
    assert down.finished and down.done == down.total == len(data)
    assert target.read_bytes() == data and digest_of(target.read_bytes()) == entry.digest
    assert not (tmp_path / "out" / "copy.bin.part").exists()

    head = await obc.preview(js, entry, limit=200_000)
    assert head == data[:200_000]


async def test_delete_and_missing_objects(nc, tmp_path):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name)
    await store.put("x", b"123")
    assert await obc.exists(js, name, "x")
    await obc.delete(js, name, "x")
    assert not await obc.exists(js, name, "x")
    assert (await obc.info(js, name, "x")).deleted
    with pytest.raises(ObjectNotFoundError):
        await obc.download(js, name, "x", str(tmp_path / "x"), obc.Transfer("download", "x", ""))
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.part").exists()
    assert not await obc.exists(js, name, "never")

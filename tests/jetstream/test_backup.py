"""Backup and restore through the snapshot API, and export as a recording, against a real server."""

import asyncio
import os

import pytest

from natstui.client.backup import (
    MAGIC,
    BackupError,
    Transfer,
    backup_stream,
    export_messages,
    partial_name,
    read_header,
    restore_stream,
)
from natstui.client.jetstream import JetStreamError
from natstui.model import recording
from natstui.model.store import RingStore


async def stream_with_consumers(js, nc, name, count=500, storage="file"):
    await js.create_stream({"name": name, "subjects": [f"{name.lower()}.>"], "storage": storage, "allow_direct": True})
    jsc = nc.jetstream()
    for i in range(1, count + 1):
        await jsc.publish(f"{name.lower()}.{i % 3}", os.urandom(64) + f"m{i}".encode(), headers={"X-N": str(i)})
    await js.delete_message(name, 7)
    await js.create_consumer(name, {"durable_name": "WORKER", "ack_policy": "explicit", "max_ack_pending": 1000})
    sub = await jsc.pull_subscribe_bind("WORKER", stream=name)
    msgs = await sub.fetch(120, timeout=5)
    for msg in msgs[:100]:
        await msg.ack_sync()  # ack floor 101 (7 is gone), 20 delivered and not acked
    await sub.unsubscribe()
    await js.create_consumer(
        name, {"durable_name": "IDLE", "ack_policy": "none", "filter_subject": f"{name.lower()}.1"}
    )
    return name


async def all_messages(js, name):
    info = await js.stream_info(name)
    out, seq = [], 1
    while seq <= info["state"]["last_seq"]:
        got = await js.read(name, seq, 200)
        if not got:
            break
        out.extend((m.seq, m.subject, m.headers, m.data) for m in got)
        seq = got[-1].seq + 1
    return out


def consumer_state(info):
    def seqs(d):
        return d["consumer_seq"], d["stream_seq"]

    return (
        seqs(info["delivered"]),
        seqs(info["ack_floor"]),
        info["num_ack_pending"],
        info["config"].get("filter_subject"),
    )


async def test_backup_and_restore_round_trip_under_a_new_name(nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name)
    path = str(tmp_path / "backup.natsbak")
    progress = Transfer()
    header = await backup_stream(js, name, path, progress, chunk_size=4096)  # many chunks: flow control is used
    assert progress.chunks > 3 and progress.done == os.path.getsize(path) - read_header(path)[1]
    assert header["config"]["name"] == name and header["state"]["messages"] == 499
    assert not os.path.exists(partial_name(path))
    with open(path, "rb") as f:
        assert f.read(len(MAGIC)) == MAGIC

    copy = name + "_COPY"
    restored = Transfer()
    info = await restore_stream(js, path, copy, restored, subjects=[f"{copy.lower()}.>"], chunk_size=8192)
    assert restored.chunks > 1 and restored.done == restored.total
    assert info["config"]["name"] == copy and info["config"]["subjects"] == [f"{copy.lower()}.>"]
    try:
        assert await all_messages(js, copy) == await all_messages(js, name)
        state = (await js.stream_info(copy))["state"]
        assert (state["first_seq"], state["last_seq"], state["messages"]) == (1, 500, 499)
        for consumer in ("WORKER", "IDLE"):
            before = await js.consumer_info(name, consumer)
            after = await js.consumer_info(copy, consumer)
            assert consumer_state(after) == consumer_state(before)
        worker = await js.consumer_info(copy, "WORKER")
        assert worker["delivered"]["stream_seq"] == 121 and worker["ack_floor"]["stream_seq"] == 101
    finally:
        await js.delete_stream(copy)
        await js.delete_stream(name)


async def test_restore_over_an_existing_name_is_refused_by_the_server(nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=20, storage="memory")
    path = str(tmp_path / "b")
    await backup_stream(js, name, path)
    with pytest.raises(JetStreamError, match="already in use|exists"):
        await restore_stream(js, path)
    assert (await js.stream_info(name))["state"]["messages"] == 19  # untouched
    await js.delete_stream(name)


class CancelAtChunk(Transfer):
    """Progress that cancels the backup's task when the n-th chunk is counted (as the UI's esc does)."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.task = None

    def __setattr__(self, key, value):
        super().__setattr__(key, value)
        if key == "chunks" and value == getattr(self, "n", None):
            self.task.cancel()


async def test_a_cancelled_backup_leaves_no_file(nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=300)
    path = str(tmp_path / "cancelled")
    progress = CancelAtChunk(2)
    task = progress.task = asyncio.ensure_future(backup_stream(js, name, path, progress, chunk_size=1024))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert progress.chunks == 2 and os.listdir(tmp_path) == []
    await js.delete_stream(name)


async def test_a_backup_of_a_missing_stream_says_so(nc, js, tmp_path):
    with pytest.raises(JetStreamError, match="stream not found"):
        await backup_stream(js, "NO_SUCH_STREAM", str(tmp_path / "x"))
    assert os.listdir(tmp_path) == []


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"subject": "a"}\n')
    with pytest.raises(BackupError, match="not a natstui backup"):
        read_header(str(path))


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_export_a_range_as_a_recording_that_natstui_open_reads(nc, js, name, tmp_path, direct):
    await js.create_stream(
        {"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory", "allow_direct": direct}
    )
    jsc = nc.jetstream()
    for i in range(1, 31):
        await jsc.publish(f"{name.lower()}.{i}", f"payload {i} [/] \x1b[31m".encode(), headers={"X-N": str(i)})
    await js.delete_message(name, 12)
    path = str(tmp_path / "export.jsonl")
    progress = Transfer()
    count = await export_messages(js, name, path, 10, 20, progress, direct=direct, batch=4)
    assert count == 10 and progress.done == progress.total == 11
    with open(path, encoding="utf-8") as f:
        lines = list(recording.read(f))
    assert [js_meta["stream_seq"] for _, _, js_meta in lines] == [10, 11, 13, 14, 15, 16, 17, 18, 19, 20]
    received, msg, js_meta = lines[0]
    assert (
        msg.subject == f"{name.lower()}.10" and msg.data == b"payload 10 [/] \x1b[31m" and msg.headers == {"X-N": "10"}
    )
    assert js_meta["stream"] == name and received > 0
    store = RingStore(100)
    assert recording.load(path, store) == 10  # what `natstui open` does with the file
    await js.delete_stream(name)


async def test_a_cancelled_restore_creates_nothing_and_can_be_done_again(nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=300)
    path = str(tmp_path / "b")
    await backup_stream(js, name, path, chunk_size=1024)
    copy = name + "_C"
    progress = CancelAtChunk(2)
    task = progress.task = asyncio.ensure_future(
        restore_stream(js, path, copy, progress, subjects=[f"{copy.lower()}.>"], chunk_size=1024)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert copy not in {s["config"]["name"] for s in await js.list_streams()}
    info = await restore_stream(js, path, copy, subjects=[f"{copy.lower()}.>"])
    assert info["state"]["messages"] == 299
    await js.delete_stream(copy)
    await js.delete_stream(name)

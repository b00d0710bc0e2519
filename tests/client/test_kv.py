"""Key-value access against a real nats-server: buckets, progressive listing, watch, history, changes.

Also the plain-Python parts behind the view (key index, diff, durations).
"""

import asyncio
import json
import random
import uuid

import nats
import pytest

from natstui.client import kv as kvc
from natstui.client import objects as obc
from natstui.demo import kv_data
from natstui.demo.server import EmbeddedServer
from natstui.model.kv import KeyIndex, fmt_ttl, line_diff, parse_duration
from tests.conftest import wait_until


def bucket_name() -> str:
    return "t" + uuid.uuid4().hex[:10]


async def make_bucket(nc, **config):
    js = nc.jetstream()
    name = bucket_name()
    kv = await js.create_key_value(bucket=name, **config)
    return js, name, kv


async def test_buckets_listed_with_status(nc):
    js, name, kv = await make_bucket(nc, history=5, ttl=3600, storage="memory", description="for a test")
    for key in ("a", "b", "c"):
        await kv.put(key, b"value")
    await kv.put("a", b"again")
    buckets = {b.name: b for b in await kvc.list_buckets(js)}
    status = buckets[name]
    assert (status.values, status.history, status.ttl, status.storage, status.replicas) == (4, 5, 3600, "memory", 1)
    assert status.bytes > 0 and status.description == "for a test"
    # object stores and plain streams are not buckets
    await js.add_stream(name="PLAIN_" + name, subjects=[f"plain.{name}"])
    assert all(not b.name.startswith("PLAIN") for b in await kvc.list_buckets(js))
    await js.delete_stream("PLAIN_" + name)


async def scan_all(js, bucket, pattern=">"):
    scan = await kvc.KeyScan(js, bucket, pattern).start()
    await scan.wait_listed(10)
    return scan


async def test_keys_listed_progressively_then_changes_arrive_live(nc):
    js, name, kv = await make_bucket(nc, history=3)
    for key in ("orders.eu", "orders.us", "users.1", "gone"):
        await kv.put(key, json.dumps({"k": key}).encode())
    await kv.delete("gone")
    scan = await scan_all(js, name)
    index = KeyIndex()
    index.apply(scan.drain())
    assert index.keys == ["orders.eu", "orders.us", "users.1"]
    assert index.deleted_hidden == 1  # deleted before listing: counted, not shown
    assert scan.expected == 4
    entry = index.entries["users.1"]
    assert entry.op == "PUT" and entry.size == len(b'{"k": "users.1"}') and entry.revision == 3 and entry.created > 0

    await kv.put("new.key", b"hello")
    await kv.delete("orders.eu")
    got = []
    await wait_until(lambda: got.extend(scan.drain()) or len(got) == 2)
    index.apply(got)
    assert index.keys == ["new.key", "orders.eu", "orders.us", "users.1"]  # deleted while watched: still shown
    assert index.entries["orders.eu"].op == "DEL" and index.entries["orders.eu"].live
    assert index.fresh("new.key") and index.live_changes == 2
    await scan.stop()


async def test_filter_uses_wildcards_and_empty_result_is_listed_at_once(nc):
    js, name, kv = await make_bucket(nc)
    for key in ("a.x", "a.y", "a.y.z", "b.x"):
        await kv.put(key, b"1")
    for pattern, expected in (
        ("a.*", ["a.x", "a.y"]),
        ("a.>", ["a.x", "a.y", "a.y.z"]),
        ("*.x", ["a.x", "b.x"]),
        ("nothing.>", []),
    ):
        scan = await scan_all(js, name, pattern)
        index = KeyIndex()
        index.apply(scan.drain())
        await scan.stop()
        assert index.keys == expected, pattern
    assert kvc.pattern_is_valid("a.*.>") and not kvc.pattern_is_valid("a.>.b") and not kvc.pattern_is_valid("a..b")


async def test_history_and_revisions(nc):
    js, name, kv = await make_bucket(nc, history=10)
    r1 = await kv.put("cfg", b'{"v": 1}')
    await kv.put("other", b"x")
    await kv.put("cfg", b'{"v": 2}')
    await kv.delete("cfg")
    revisions = await kvc.history(js, name, "cfg")
    assert [(r.revision, r.op, r.value) for r in revisions] == [
        (1, "PUT", b'{"v": 1}'),
        (3, "PUT", b'{"v": 2}'),
        (4, "DEL", b""),
    ]
    latest = await kvc.get_entry(js, name, "cfg", direct=True)  # falls back when direct gets are off
    assert latest.op == "DEL" and latest.revision == 4 and latest.created > 0
    first = await kvc.get_entry(js, name, "cfg", revision=r1)
    assert first.value == b'{"v": 1}' and first.op == "PUT" and first.headers is None
    with pytest.raises(LookupError):
        await kvc.get_entry(js, name, "cfg", revision=2)  # revision 2 is another key's
    await kvc.purge(js, name, "cfg")
    assert [r.op for r in await kvc.history(js, name, "cfg")] == ["PURGE"]
    assert await kvc.history(js, name, "never") == []


async def test_changes_and_buckets(nc):
    js = nc.jetstream()
    name = bucket_name()
    status = await kvc.create_bucket(js, kvc.BucketConfig(name, history=4, ttl=60, storage="memory"))
    assert (status.name, status.history, status.ttl, status.storage) == (name, 4, 60, "memory")
    with pytest.raises(kvc.BucketExistsError):
        await kvc.create_bucket(js, kvc.BucketConfig(name))
    rev = await kvc.put(js, name, "k", b"v")
    assert (await kvc.get_entry(js, name, "k")).revision == rev
    with pytest.raises(ValueError):
        await kvc.put(js, name, "bad key", b"v")
    await kvc.delete(js, name, "k")
    assert (await kvc.get_entry(js, name, "k")).op == "DEL"
    await kvc.delete_bucket(js, name)
    assert name not in [b.name for b in await kvc.list_buckets(js)]


async def test_reading_leaves_no_consumer_behind(nc):
    js, name, kv = await make_bucket(nc)
    await kv.put("a", b"1")
    scan = await scan_all(js, name)
    assert len(await js.consumers_info(f"KV_{name}")) == 1
    consumer = (await js.consumers_info(f"KV_{name}"))[0]
    assert consumer.config.durable_name is None and consumer.config.mem_storage
    await scan.stop()
    await kvc.history(js, name, "a")
    assert await js.consumers_info(f"KV_{name}") == []


# -- the model behind the view ---------------------------------------------------------------------


class Item:
    def __init__(self, key, revision, op="PUT", live=False):
        self.key, self.revision, self.op, self.live = key, revision, op, live


def test_key_index_sorts_batches_and_keeps_the_newest_revision():
    index = KeyIndex()
    index.apply([Item(f"k{i:05d}", i + 1) for i in reversed(range(1000))])
    index.apply([Item("k00010", 5)])  # an older revision (e.g. after a consumer reset) is ignored
    assert index.keys == sorted(index.keys) and len(index) == 1000 and index.entries["k00010"].revision == 11
    index.apply([Item("a", 2000, live=True), Item("k00001", 2001, "PURGE", live=True)])
    assert index.keys[0] == "a" and index.index_of("k00001") == 2 and index.entries["k00001"].op == "PURGE"
    index.apply([Item("k00002", 3000, "DEL")])  # not live: a listing that saw a later delete hides it
    assert index.index_of("k00002") is None and index.deleted_hidden == 1


def test_line_diff_compares_json_by_field_and_marks_lines():
    rows, kind = line_diff(
        json.dumps({"a": 1, "b": [1, 2], "c": "x"}).encode(), json.dumps({"c": "x", "a": 2, "b": [1, 2]}).encode()
    )
    assert kind == "json"
    assert ("-", '  "a": 1,') in rows and ("+", '  "a": 2,') in rows
    assert not any(tag in "+-" and "c" in line for tag, line in rows)
    rows, kind = line_diff(b"same\nline\x1b[2J", b"same\nother")
    assert kind == "text" and ("-", "line\\e[2J") in rows and ("+", "other") in rows
    assert line_diff(b"x", b"x")[0] == []
    assert line_diff(b"\xff\x00", b"\xff\x01")[1] == "hex"


def test_durations():
    assert parse_duration("") == 0 and parse_duration("90") == 90 and parse_duration("1h30m") == 5400
    assert parse_duration("7d") == 7 * 86400 and parse_duration("250ms") == 0.25
    with pytest.raises(ValueError):
        parse_duration("soon")
    assert fmt_ttl(0) == "—" and fmt_ttl(5400) == "1h30m" and fmt_ttl(3600) == "1h" and fmt_ttl(90061) == "1d1h"


async def test_demo_data_changes_over_time():
    """``natstui demo`` gets a config bucket with history and deletes that keeps changing, and an object store."""
    with EmbeddedServer(name="natstui-demo-test") as server:
        nc = await nats.connect(server.url)
        task = asyncio.ensure_future(kv_data.run(nc, random.Random(3)))
        try:
            js = nc.jetstream()

            async def objects_ready():
                try:
                    return (
                        len(await obc.list_buckets(js)) == 1
                        and (await obc.info(js, "assets", "reports/old.txt")).deleted
                    )
                except Exception:
                    return False

            while not await objects_ready():
                assert not task.done(), task.exception()
                await asyncio.sleep(0.05)
            buckets = {b.name: b for b in await kvc.list_buckets(js)}
            assert set(buckets) == {"config", "sessions"} and buckets["config"].history == 10
            assert [r.op for r in await kvc.history(js, "config", "legacy.flag")] == ["PUT", "DEL"]
            assert len(await kvc.history(js, "config", "app.timeout")) >= 2
            scan = await obc.ObjectScan(js, "assets").start()
            await scan.wait_listed()
            entries = {e.name: e for e in scan.drain()}
            await scan.stop()
            sizes = sorted(e.size for e in entries.values() if not e.deleted)
            assert (
                len(sizes) == 4
                and sizes[0] < 1024
                and sizes[-1] > 1024 * 1024
                and max(e.chunks for e in entries.values()) > 1
            )
            # and it keeps changing
            last = (await js.stream_info("KV_config")).state.last_seq
            deadline = asyncio.get_running_loop().time() + 8
            while (await js.stream_info("KV_config")).state.last_seq == last:
                assert asyncio.get_running_loop().time() < deadline, "the demo config bucket did not change"
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            await nc.close()


async def test_watch_survives_losing_its_consumer(nc):
    """A server restart or a long disconnection loses the consumer: the scan makes it again and goes on."""
    js, name, kv = await make_bucket(nc)
    await kv.put("a", b"1")
    scan = await scan_all(js, name)
    scan.drain()
    await js.delete_consumer(f"KV_{name}", scan.consumer)
    await kv.put("b", b"2")
    got = []
    await wait_until(lambda: got.extend(scan.drain()) or got, timeout=15)
    assert [(e.key, e.live) for e in got] == [("b", True)]  # only what is new, nothing listed twice
    assert len(await js.consumers_info(f"KV_{name}")) == 1
    await scan.stop()

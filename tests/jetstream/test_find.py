"""Find by content against a real server: batched direct gets, or message gets without them."""

import asyncio
import json

import pytest

from natstui.client.find import Finder, resolve_range
from natstui.model.find import parse_query

from .conftest import make_stream


async def orders_stream(js, nc, name, count, direct, retention="limits"):
    def country(i):
        return "DE" if i % 97 == 0 else "FR"

    await js.create_stream(
        {
            "name": name,
            "subjects": [f"{name.lower()}.>"],
            "retention": retention,
            "storage": "memory",
            "allow_direct": direct,
        }
    )
    jsc = nc.jetstream()
    for i in range(1, count + 1):
        body = json.dumps({"n": i, "customer": {"country": country(i)}}).encode()
        await jsc.publish(f"{name.lower()}.{'eu' if i % 2 else 'us'}", body)


def finder(js, name, query, info, **kwargs):
    state = info["state"]
    return Finder(js, name, parse_query(query), first=state["first_seq"], last=state["last_seq"], **kwargs)


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_find_forward_and_backward_stops_at_each_match(nc, js, name, direct):
    await orders_stream(js, nc, name, 300, direct)
    await js.delete_message(name, 100)  # a gap to scan across
    info = await js.stream_info(name)
    f = finder(js, name, '.customer.country == "DE"', info, direct=direct, batch=50)
    try:
        found = []
        seq = 1
        while (message := await f.find(seq)) is not None:
            found.append(message.seq)
            seq = message.seq + 1
        assert found == [97, 194, 291]
        assert f.exhausted and f.matches == 3
        message = await f.find(300, backward=True)
        assert message is not None and message.seq == 291
        assert json.loads(message.data)["n"] == 291 and message.subject == f"{name.lower()}.eu"
        message = await f.find(290, backward=True)
        assert message is not None and message.seq == 194
        assert await f.find(96, backward=True) is None
        assert f.scanned == 96  # 96 down to 1
    finally:
        await f.close()


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_find_with_a_subject_filter_and_a_range(nc, js, name, direct):
    await make_stream(js, nc, name, 40, direct=direct)  # odd: .a, even: .b; payload m<i>
    info = await js.stream_info(name)
    first, last = await resolve_range(js, name, "10..30", 1, info["state"]["last_seq"], direct=direct)
    assert (first, last) == (10, 30)
    f = Finder(
        js, name, parse_query("/^m[0-9]*[02468]$/"), first=first, last=last, subject=f"{name.lower()}.b", direct=direct
    )
    try:
        seqs = []
        seq = first
        while (message := await f.find(seq)) is not None:
            seqs.append(message.seq)
            seq = message.seq + 1
        assert seqs == [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
        f.query = parse_query("/[13579]$/")  # odd ones are on .a only: the filter rules every one out
        assert await f.find(first) is None
    finally:
        await f.close()


async def test_a_time_range_starts_at_the_first_message_at_or_after_it(nc, js, name):
    await make_stream(js, nc, name, 5)
    middle = await js.read(name, 3, 1)
    info = await js.stream_info(name)
    first, last = await resolve_range(js, name, f"{middle[0].time.isoformat()}..", 1, info["state"]["last_seq"])
    assert (first, last) == (3, 5)


@pytest.mark.parametrize("direct", [True, False], ids=["direct-get", "message-get"])
async def test_find_on_a_work_queue_stream_takes_nothing(nc, js, name, direct):
    await orders_stream(js, nc, name, 200, direct, retention="workqueue")
    info = await js.stream_info(name)
    f = finder(js, name, "nothing-like-this", info, direct=direct, batch=64)
    try:
        assert await f.find(1) is None
        assert f.scanned == 200
    finally:
        await f.close()
    after = await js.stream_info(name)
    assert after["state"]["messages"] == 200 and after["state"]["consumer_count"] == 0
    assert await js.list_consumers(name) == []


class CancelAfter:
    """A query that never matches and cancels the scanning task at its n-th message (as esc does, mid-scan)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.seen = 0
        self.task = None

    def matches(self, data: bytes) -> bool:
        self.seen += 1
        if self.seen == self.n:
            self.task.cancel()
        return False


async def test_a_cancelled_scan_stops_and_the_finder_scans_again(nc, js, name):
    await orders_stream(js, nc, name, 3000, True)
    info = await js.stream_info(name)
    f = finder(js, name, "never", info, batch=10)
    try:
        f.query = query = CancelAfter(55)
        task = query.task = asyncio.ensure_future(f.find(1))
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not f.running and f.scanned == 60 and f.seq == 60  # stopped at the end of the batch it was in
        f.query = parse_query(".n == 2999")
        message = await f.find(2990)
        assert message is not None and message.seq == 2999
    finally:
        await f.close()

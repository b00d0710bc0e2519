"""The JetStream client against a real server: reads never consume, admin does what it says."""

import pytest

from natstui.client.jetstream import JetStreamError
from tests.jetstream.conftest import make_stream


@pytest.mark.parametrize("direct", [True, False])
async def test_read_pages_skip_deleted_and_filter(js, nc, name, direct):
    await make_stream(js, nc, name, 20, direct=direct)
    await js.delete_message(name, 4)
    await js.delete_message(name, 5)
    page = await js.read(name, 1, 6, direct=direct)
    assert [m.seq for m in page] == [1, 2, 3, 6, 7, 8]
    assert page[0].subject == f"{name.lower()}.a" and page[0].data == b"m1" and page[0].headers == {"X-N": "1"}
    assert page[0].time is not None
    filtered = await js.read(name, 1, 4, subject=f"{name.lower()}.b", direct=direct)
    assert [m.seq for m in filtered] == [2, 6, 8, 10]
    before = await js.read_before(name, 9, 5, 1, direct=direct)
    assert [m.seq for m in before] == [2, 3, 6, 7, 8]
    assert await js.read(name, 100, 5, direct=direct) == []


async def test_read_from_a_point_in_time(js, nc, name):
    await make_stream(js, nc, name, 5)
    third = (await js.read(name, 3, 1))[0]
    page = await js.read(name, 0, 10, start_time=third.time)
    assert [m.seq for m in page] == [3, 4, 5]


@pytest.mark.parametrize("retention", ["workqueue", "interest"])
@pytest.mark.parametrize("direct", [True, False])
async def test_browsing_never_consumes(js, nc, name, retention, direct):
    await make_stream(js, nc, name, 0, retention=retention, direct=direct)
    # an Interest stream keeps messages only while a consumer has interest
    await js.create_consumer(name, {"durable_name": "keep", "ack_policy": "explicit"})
    for _i in range(30):
        await nc.jetstream().publish(f"{name.lower()}.x", b"job")
    before = await js.stream_info(name)
    consumers_before = await js.list_consumers(name)
    for start in (1, 10, 25):
        await js.read(name, start, 10, direct=direct)
    await js.read_before(name, 31, 10, 1, direct=direct)
    after = await js.stream_info(name)
    assert after["state"]["messages"] == before["state"]["messages"] == 30
    assert [c["name"] for c in await js.list_consumers(name)] == [c["name"] for c in consumers_before]


async def test_admin_actions(js, nc, name):
    await make_stream(js, nc, name, 10)
    assert await js.purge_stream(name, subject=f"{name.lower()}.a") == 5
    assert (await js.stream_info(name))["state"]["messages"] == 5
    assert await js.purge_stream(name, keep=2) == 3
    info = await js.stream_info(name)
    assert info["state"]["messages"] == 2
    await js.delete_message(name, info["state"]["last_seq"])
    assert (await js.stream_info(name))["state"]["messages"] == 1
    created = await js.create_consumer(name, {"durable_name": "c1", "ack_policy": "explicit"})
    assert created["name"] == "c1"
    assert [c["name"] for c in await js.list_consumers(name)] == ["c1"]
    await js.delete_consumer(name, "c1")
    assert await js.list_consumers(name) == []
    await js.delete_stream(name)
    with pytest.raises(JetStreamError) as info:
        await js.stream_info(name)
    assert info.value.description == "stream not found"


async def test_server_errors_are_plain_words(js, nc, name):
    from natstui.client.session import describe_error

    with pytest.raises(JetStreamError) as info:
        await js.create_stream({"name": name, "subjects": ["x.>"], "num_replicas": 3})
    assert "replicas" in describe_error(info.value).lower()

"""Discovery of micro services started here with nats-py's micro API, on a real server."""

import json
import uuid
from contextlib import asynccontextmanager

import nats
from nats import micro
from nats.micro.request import ServiceError

from natstui.client.services import discover, format_ns


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


@asynccontextmanager
async def calculator(nc, name: str, *, zone: str, version: str = "1.2.0"):
    """A service with two endpoints (one fails on purpose) in a group, plus one with its own queue group."""
    service = await micro.add_service(
        nc, name=name, version=version, description="Adds and divides", metadata={"team": "maths", "zone": zone}
    )

    async def add(req):
        body = json.loads(req.data)
        await req.respond(json.dumps(body["a"] + body["b"]).encode())

    async def divide(req):
        body = json.loads(req.data)
        if body["b"] == 0:
            raise ServiceError("400", "division by zero")
        await req.respond(json.dumps(body["a"] / body["b"]).encode())

    async def status(req):
        await req.respond(b"ok")

    group = service.add_group(name=name)
    await group.add_endpoint(name="add", handler=add, metadata={"schema": "AddRequest"})
    await group.add_endpoint(name="divide", handler=divide)
    await service.add_endpoint(name="status", subject=f"{name}.status", handler=status, queue_group="status-q")
    try:
        yield service
    finally:
        await service.stop()


async def test_two_instances_are_grouped_with_info_and_stats(nc, server_url):
    name = unique("calc")
    other = await nats.connect(server_url)
    try:
        async with calculator(nc, name, zone="a") as one, calculator(other, name, zone="b") as two:
            for a in range(4):
                await nc.request(f"{name}.add", json.dumps({"a": a, "b": 1}).encode(), timeout=5)
            await nc.request(f"{name}.divide", json.dumps({"a": 1, "b": 0}).encode(), timeout=5)
            await nc.request(f"{name}.divide", json.dumps({"a": 4, "b": 2}).encode(), timeout=5)

            found = await discover(nc, window=3)
            groups = [g for g in found.groups() if g.name == name]
            assert len(groups) == 1
            group = groups[0]
            assert {i.id for i in group.instances} == {one.id, two.id}
            assert group.versions == ["1.2.0"] and group.description == "Adds and divides"
            for instance in group.instances:
                assert sorted(instance.answered) == ["INFO", "PING", "STATS"]
                assert instance.metadata["team"] == "maths" and instance.metadata["zone"] in ("a", "b")
                assert instance.started
                subjects = {(e.name, e.subject, e.queue_group) for e in instance.endpoints}
                assert subjects == {
                    ("add", f"{name}.add", "q"),
                    ("divide", f"{name}.divide", "q"),
                    ("status", f"{name}.status", "status-q"),
                }
            # stats, merged over the instances: the queue group spread the requests between them
            endpoints = {e.name: e for e in group.endpoints()}
            assert endpoints["add"].num_requests == 4 and endpoints["add"].num_errors == 0
            assert endpoints["add"].metadata == {"schema": "AddRequest"}
            assert endpoints["divide"].num_requests == 2 and endpoints["divide"].num_errors == 1
            assert endpoints["divide"].last_error == "400:division by zero"
            assert endpoints["status"].num_requests == 0
            assert endpoints["add"].processing_time > 0
            assert endpoints["add"].average_processing_time == endpoints["add"].processing_time // 4
            assert group.num_requests == 6 and group.num_errors == 1
            assert found.unreadable == 0 and not found.no_responders
    finally:
        await other.close()


async def test_discovery_by_name_and_no_responders(nc):
    found = await discover(nc, name=unique("nobody"), window=30)
    assert found.instances == [] and found.no_responders
    assert found.took < 15  # the server said no responders: no need to wait out the 30 s window


async def test_unreadable_and_partial_answers_are_counted_not_fatal(nc):
    name = unique("odd")

    async def garbage(msg):
        await msg.respond(b"not json")

    async def ping_only(msg):
        await msg.respond(json.dumps({"id": "X1", "name": name, "version": "0.0.1"}).encode())

    await nc.subscribe(f"$SRV.INFO.{name}", cb=garbage)
    await nc.subscribe(f"$SRV.PING.{name}", cb=ping_only)
    await nc.flush()
    found = await discover(nc, name=name, window=0.5)
    assert found.unreadable == 1
    assert [(i.id, i.name, i.version, i.answered) for i in found.instances] == [("X1", name, "0.0.1", ["PING"])]


async def test_discovery_waits_for_every_answer(nc, server_url):
    """Each instance answers on its own connection; discovery collects all of them, not the first."""
    name = unique("many")
    clients = [await nats.connect(server_url) for _ in range(3)]
    try:
        services = [await micro.add_service(c, name=name, version="1.0.0") for c in clients]
        for c in clients:
            await c.flush()  # every instance's subscriptions are on the server before the ping
        found = await discover(nc, name=name, window=3)
        assert sorted(i.id for i in found.instances) == sorted(s.id for s in services)
        for service in services:
            await service.stop()
    finally:
        for c in clients:
            await c.close()


def test_processing_times_read_well():
    assert format_ns(0) == "0"
    assert format_ns(850) == "850 ns"
    assert format_ns(12_300) == "12.3 µs"
    assert format_ns(4_560_000) == "4.6 ms"
    assert format_ns(2_500_000_000) == "2.50 s"

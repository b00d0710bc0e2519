"""Streams made fresh for each test, with unique names."""

import uuid

import pytest

from natstui.client.jetstream import JetStream


@pytest.fixture
def name() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


@pytest.fixture
async def js(nc):
    return JetStream(nc)


async def make_stream(
    js: JetStream,
    nc,
    name: str,
    count: int,
    retention: str = "limits",
    direct: bool = True,
    subjects_of=lambda i: "a" if i % 2 else "b",
):
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
        await jsc.publish(f"{name.lower()}.{subjects_of(i)}", f"m{i}".encode(), headers={"X-N": str(i)})
    return name

"""What one test makes on the shared server is gone before the next test (tests/conftest.py clean_shared_server)."""

import uuid

from natstui.client.jetstream import JetStream

PROBE = "CLEANUP_" + uuid.uuid4().hex[:8].upper()


async def test_a_test_makes_a_stream_and_a_bucket(nc):
    await JetStream(nc).create_stream({"name": PROBE, "subjects": [f"{PROBE.lower()}.>"], "storage": "memory"})
    await nc.jetstream().create_key_value(bucket=PROBE.lower())


async def test_the_next_test_does_not_see_them(nc):  # runs after the one above (same file, in order)
    names = {info.config.name for info in await nc.jetstream().streams_info()}
    assert PROBE not in names and f"KV_{PROBE.lower()}" not in names

"""natstui trace: a recording traced as a whole, trace-only, one line per subject, against a real supercluster."""

from __future__ import annotations

import asyncio
import base64
import json

import nats
from click.testing import CliRunner

from natstui.cli import main
from natstui.client.trace import trace_message
from natstui.model.trace import build_trace
from tests.conftest import send_sentinel


def _line(subject: str, payload: bytes, headers=None) -> str:
    return json.dumps(
        {
            "subject": subject,
            "reply": "",
            "headers": headers,
            "payload": base64.b64encode(payload).decode(),
            "received": "2026-12-04T10:00:00Z",
        }
    )


async def _run(*args: str):
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def test_a_recording_gives_one_line_per_subject_and_delivers_nothing(topology, tmp_path):
    receiver = await nats.connect(topology.node("west-2").url, name="trr-receiver")
    received: list[bytes] = []

    async def got(msg):
        received.append(msg.data)

    await receiver.subscribe("trr.orders.>", cb=got)
    await receiver.flush()
    nc = await nats.connect(topology.url)
    js = nc.jetstream()
    await js.add_stream(name="TRR", subjects=["trr.stored.>"])
    recording = tmp_path / "rec.jsonl"
    recording.write_text(
        "\n".join(
            [
                _line("trr.orders.new", b'{"id": 1}', {"X-Kind": ["order"]}),
                _line("trr.stored.audit", b"audit"),
                _line("trr.orders.new", b'{"id": 2}'),
                _line("trr.nobody.listens", b"x"),
            ]
        )
        + "\n"
    )
    try:
        # the receiver's interest crosses the gateway shortly after it subscribed
        result = None
        for _ in range(10):
            result = await _run("trace", str(recording), "-s", topology.url)
            if "trr-receiver" in result.output:
                break
        assert result is not None and result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        assert [line.split()[0] for line in lines] == ["trr.orders.new", "trr.stored.audit", "trr.nobody.listens"]
        orders, stored, nobody = lines
        assert "1 client (trr-receiver)" in orders and "west-2" in orders and "NO INTEREST" not in orders
        assert "stream TRR" in stored and "NO INTEREST" not in stored
        assert "NO INTEREST" in nobody and "client" not in nobody
        # trace-only: nothing stored, nothing received before the sentinel
        assert (await js.stream_info("TRR")).state.messages == 0
        await send_sentinel(nc, "trr.orders.sentinel", lambda data: data in received)
        assert len(received) == 1 and received[0].startswith(b"sentinel")
    finally:
        await js.delete_stream("TRR")
        await receiver.close()
        await nc.close()


async def test_one_subject_and_a_permission_refusal(topology):
    limited = await nats.connect(topology.node("east-2").url, user="limited", password="limited", name="limited")
    await limited.subscribe(">")  # allowed; secret.> is denied at delivery
    await limited.flush()
    try:
        result = None
        for _ in range(10):
            result = await _run("trace", "--subject", "secret.plans", "-s", topology.node("east-2").url)
            if "refused" in result.output:
                break
        assert result is not None and result.exit_code == 0, result.output
        assert result.output.startswith("secret.plans") and "refused" in result.output and "limited" in result.output
    finally:
        await limited.close()


async def test_an_older_server_is_told_that_tracing_needs_2_11(topology, monkeypatch):
    monkeypatch.setattr("natstui.model.trace.MIN_VERSION", (99, 0))  # the server now counts as older
    result = await _run("trace", "--subject", "x.y", "-s", topology.url)
    assert result.exit_code != 0 and "needs nats-server 2.11" in result.output


async def test_neither_a_file_nor_a_subject_is_an_error():
    result = await _run("trace")
    assert result.exit_code != 0 and "--subject" in result.output


async def test_a_client_with_two_matching_subscriptions_is_one_client(topology):
    """Two deliveries to one client (two of its subscriptions match) and one to another: two clients,
    the first named "×2", as the README's "2 clients (billing, audit ×2)"."""
    twice = await nats.connect(topology.node("east-2").url, name="trc-twice")
    await twice.subscribe("trc.count.a")
    await twice.subscribe("trc.count.*")
    once = await nats.connect(topology.node("west-1").url, name="trc-once")
    await once.subscribe("trc.count.a")
    await twice.flush()
    await once.flush()
    try:
        result = None
        for _ in range(10):
            result = await _run("trace", "--subject", "trc.count.a", "-s", topology.node("east-2").url)
            if "trc-once" in result.output:
                break
        assert result is not None and result.exit_code == 0, result.output
        assert "2 clients (" in result.output and "trc-twice ×2" in result.output, result.output
        # the same count above the trace view's tree
        probe = await nats.connect(topology.node("east-2").url)
        try:
            trace = build_trace(await trace_message(probe, "trc.count.a", b""))
            assert trace.summary().startswith("2 clients;") and len(trace.deliveries) == 3, trace.summary()
        finally:
            await probe.close()
    finally:
        await twice.close()
        await once.close()

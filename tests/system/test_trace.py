"""Message tracing against a real supercluster: the path, trace-only, streams, no interest, permissions."""

from __future__ import annotations

import json

import nats
import pytest

from natstui.client.trace import TracingNotSupported, trace_message
from natstui.model.trace import build_trace, supports_tracing
from natstui.ui.screens.trace import TraceScreen
from tests.conftest import make_test_app, screen_text, send_sentinel, wait_connected, wait_until


async def test_a_traced_message_shows_the_gateway_hop_and_the_receiver_and_is_delivered_to_nobody(topology):
    receiver = await nats.connect(topology.node("west-2").url, name="trace-receiver")
    received: list[bytes] = []

    async def got(msg):
        received.append(msg.data)

    await receiver.subscribe("trc.orders.>", cb=got)
    await receiver.flush()
    tracer = await nats.connect(topology.node("east-1").url, name="tracer")
    try:
        await wait_until(lambda: True)
        trace = None
        for _ in range(20):  # interest crosses the gateway shortly after the subscription
            trace = build_trace(await trace_message(tracer, "trc.orders.1", b"{}"))
            if trace.deliveries:
                break
        assert trace is not None and trace.deliveries, trace.summary()
        assert [d.raw.get("name") for d in trace.deliveries] == ["trace-receiver"]
        root = trace.roots[0]
        assert root.server == "east-1" and "tracer" in root.ingress and "trc.orders.1" in root.ingress
        kinds = {(s.raw or {}).get("kind") for h in trace.walk() for s in h.steps if s.kind == "forward"}
        assert 2 in kinds  # a gateway hop east -> west
        assert "west-2" in trace.servers
        texts = [s.text for h in trace.walk() for s in h.steps if s.kind == "deliver"]
        assert texts and all(t.startswith("would be delivered to client trace-receiver") for t in texts), texts
        # trace-only: the receiver got nothing (checked with a sentinel sent after)
        await send_sentinel(tracer, "trc.orders.sentinel", lambda data: data in received)
        assert received == [received[-1]] and received[-1].startswith(b"sentinel")
    finally:
        await receiver.close()
        await tracer.close()


async def test_a_stream_that_captures_the_subject_and_a_subject_without_interest(topology):
    nc = await nats.connect(topology.urls)
    js = nc.jetstream()
    await js.add_stream(name="TRACED", subjects=["trc.stored.>"])
    try:
        trace = build_trace(await trace_message(nc, "trc.stored.a", b"x"))
        assert trace.streams == ["TRACED"] and not trace.no_interest
        assert [s.text for h in trace.walk() for s in h.steps if s.kind == "stream"] == [
            "would be stored in stream TRACED"
        ]
        assert (await js.stream_info("TRACED")).state.messages == 0  # trace-only: nothing stored
        real = build_trace(await trace_message(nc, "trc.stored.b", b"y", deliver=True))
        assert [s.text for h in real.walk() for s in h.steps if s.kind == "stream"] == ["stored in stream TRACED"]
        assert (await js.stream_info("TRACED")).state.messages == 1  # delivered for real: stored
        nothing = build_trace(await trace_message(nc, "trc.nobody.listens", b"x"))
        assert nothing.no_interest and "no interest" in nothing.summary()
    finally:
        await js.delete_stream("TRACED")
        await nc.close()


async def test_a_permission_denied_delivery_says_why(topology):
    limited = await nats.connect(topology.node("east-2").url, user="limited", password="limited", name="limited")
    await limited.subscribe(">")  # allowed; secret.> is denied at delivery
    await limited.flush()
    nc = await nats.connect(topology.node("east-2").url)
    try:
        trace = None
        for _ in range(10):
            trace = build_trace(await trace_message(nc, "secret.plans", b"x"))
            if trace.errors:
                break
        assert trace is not None and trace.errors
        assert "denies" in trace.errors[0].error and "limited" in trace.errors[0].text
    finally:
        await limited.close()
        await nc.close()


def test_unknown_and_malformed_events_are_kept_and_shown():
    events = [
        json.dumps(
            {
                "server": {"name": "a"},
                "request": {"header": {}},
                "events": [
                    {"type": "in", "kind": 0, "name": "c", "acc": "A", "subj": "x"},
                    {"type": "zz", "new": 1},
                    5,
                ],
            }
        ).encode(),
        b"not json",
        b"[1]",
        json.dumps({"server": {"name": "b"}, "request": {"header": {"Nats-Trace-Hop": ["9"]}}, "events": "x"}).encode(),
    ]
    trace = build_trace(events)
    assert [h.server for h in trace.roots] == ["a"] and [h.server for h in trace.orphans] == ["b"]
    assert [s.kind for s in trace.roots[0].steps] == ["unknown", "unknown"]
    assert len(trace.malformed) == 2 and len(trace.raw) == 4
    assert supports_tracing("2.11.0") and not supports_tracing("2.10.22") and not supports_tracing("junk")


async def test_the_trace_screen_from_the_live_view(topology):
    receiver = await nats.connect(topology.node("west-1").url, name="screen-receiver")
    await receiver.subscribe("trc.screen")
    await receiver.flush()
    app = make_test_app(topology.url, ["trc.>"])
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_connected(app, pilot)
            await wait_until(lambda: app.feed.ready, pilot=pilot)
            await receiver.publish("trc.screen", b"hello")
            await wait_until(lambda: app.store.total >= 1, pilot=pilot)
            live = app.screen
            await wait_until(lambda: len(live.stream.view) >= 1, pilot=pilot)
            live.stream.select_index(0)
            await wait_until(lambda: live.inspector.record is not None, pilot=pilot)
            await pilot.press("T")
            await wait_until(lambda: isinstance(app.screen, TraceScreen), pilot=pilot)
            await wait_until(lambda: "screen-receiver" in screen_text(app), pilot=pilot, timeout=10)
            assert "trace only" in screen_text(app)
            await pilot.press("r")
            await wait_until(lambda: '"server": {' in screen_text(app), pilot=pilot)  # the raw events
            await pilot.press("escape")
            await wait_until(lambda: not isinstance(app.screen, TraceScreen), pilot=pilot)
    finally:
        await receiver.close()


async def test_an_older_server_is_told_plainly(nats_server):
    nc = await nats.connect(nats_server.url)
    try:
        nc._server_info["version"] = "2.10.7"  # what an older server says in its INFO
        with pytest.raises(TracingNotSupported, match="2.11"):
            await trace_message(nc, "x", b"")
    finally:
        await nc.close()


async def test_on_an_older_server_d_offers_nothing_to_confirm(nats_server, monkeypatch):
    """The view says tracing needs 2.11 and does nothing else: d does not ask to deliver for real."""
    from natstui.ui.screens.confirm import ConfirmScreen
    from natstui.ui.screens.trace import open_trace

    monkeypatch.setattr("natstui.model.trace.MIN_VERSION", (99, 0))  # the server now counts as older
    app = make_test_app(nats_server.url, ["old.>"])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_connected(app, pilot)
        open_trace(app, "old.subject", b"x")
        await wait_until(lambda: "needs nats-server 2.11" in screen_text(app), pilot=pilot)
        await pilot.press("d")
        await wait_until(lambda: any("2.11" in n.message for n in app._notifications), pilot=pilot)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_a_message_too_large_with_the_trace_headers_is_refused_and_the_connection_kept(nats_server):
    """A message just under the server's maximum payload is over it with the trace headers: refused
    before sending (the server would close the connection for it)."""
    from nats import errors as nats_errors

    from natstui.client.session import describe_error

    nc = await nats.connect(nats_server.url)
    try:
        data = b"x" * (nc.max_payload - 20)  # fits alone, not with Nats-Trace-Dest and Nats-Trace-Only
        with pytest.raises(nats_errors.MaxPayloadError) as info:
            await trace_message(nc, "big.trace", data)
        assert describe_error(info.value).startswith("payload too large for the server")
        await nc.flush(timeout=2)
        assert nc.is_connected
    finally:
        await nc.close()

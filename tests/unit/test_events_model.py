"""Events in words (model/events.py) and the consumer report's rows (model/consumer_report.py)."""

import json

from natstui.model.consumer_report import ConsumerReport, sparkline
from natstui.model.events import EventIndex, describe, kind_of
from natstui.model.records import StoredMsg
from natstui.model.store import RingStore

JS = "io.nats.jetstream.advisory.v1."


def words(subject: str, doc) -> str:
    return describe(subject, json.dumps(doc).encode()).text


def test_jetstream_advisories_in_words():
    sub = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.WORK.workers"
    event = describe(
        sub,
        json.dumps(
            {"type": JS + "max_deliver", "stream": "WORK", "consumer": "workers", "stream_seq": 42, "deliveries": 5}
        ).encode(),
    )
    assert event.text == "consumer workers on WORK: max deliveries reached for stream sequence 42 after 5 deliveries"
    assert (event.kind, event.target, event.severity) == ("delivery", "consumer", "error")
    nak = {"type": JS + "nak", "stream": "W", "consumer": "c", "stream_seq": 7, "deliveries": 2}
    assert (
        words("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.W.c", nak)
        == "consumer c on W: stream sequence 7 nak'd (delivery 2)"
    )
    term = {
        "type": JS + "terminated",
        "stream": "W",
        "consumer": "c",
        "stream_seq": 8,
        "deliveries": 1,
        "reason": "bad",
    }
    assert (
        words("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.W.c", term)
        == "consumer c on W: stream sequence 8 terminated: bad"
    )
    created = {"type": JS + "consumer_action", "stream": "W", "consumer": "c", "action": "create"}
    assert words("$JS.EVENT.ADVISORY.CONSUMER.CREATED.W.c", created) == "consumer c on W created"
    deleted = describe(
        "$JS.EVENT.ADVISORY.STREAM.DELETED.W",
        json.dumps({"type": JS + "stream_action", "stream": "W", "action": "delete"}).encode(),
    )
    assert deleted.text == "stream W deleted" and deleted.target == ""  # nothing left to go to
    leader = {
        "type": JS + "stream_leader_elected",
        "stream": "W",
        "leader": "n2",
        "replicas": [{"name": "n1"}, {"name": "n3"}],
    }
    assert words("$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.W", leader) == "stream W: new leader n2 (replicas n1, n3)"
    assert kind_of("$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.W") == "cluster"
    restore = {"type": JS + "restore_complete", "stream": "W", "client": {"user": "ops", "acc": "A"}}
    assert words("$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE.W", restore) == "stream W: restore complete by ops (A)"
    snap = {"type": JS + "snapshot_complete", "stream": "W"}
    assert words("$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE.W", snap) == "stream W: snapshot complete"
    audit = {
        "type": JS + "api_audit",
        "subject": "$JS.API.STREAM.CREATE.W",
        "client": {"user": "app", "acc": "APP"},
        "response": json.dumps({"error": {"code": 400, "description": "stream name already in use"}}),
    }
    event = describe("$JS.EVENT.ADVISORY.API", json.dumps(audit).encode())
    assert event.text == "API STREAM.CREATE.W by app (APP): error 400 stream name already in use"
    assert event.kind == "api"
    ack = {
        "type": "io.nats.jetstream.metric.v1.consumer_ack",
        "stream": "W",
        "consumer": "c",
        "stream_seq": 3,
        "ack_time": 2_500_000,
    }
    assert words("$JS.EVENT.METRIC.CONSUMER.ACK.W.c", ack) == "consumer c on W: stream sequence 3 acked after 2.5 ms"


def test_servers_going_away_in_words():
    info = {"name": "east-2", "id": "NABC", "cluster": "east"}
    lame = describe("$SYS.SERVER.NABC.LAMEDUCK", json.dumps(info).encode())
    assert lame.kind == "server" and lame.text.startswith("server east-2 of cluster east entered lame duck mode")
    shut = describe("$SYS.SERVER.NABC.SHUTDOWN", json.dumps({"server": info}).encode())
    assert shut.text == "server east-2 of cluster east shut down" and shut.severity == "error"
    assert describe("$SYS.SERVER.NABC.SHUTDOWN", b"").text == "$SYS.SERVER.NABC.SHUTDOWN: empty event"


def test_unknown_and_malformed_events_are_shown_raw():
    unknown = describe("$JS.EVENT.ADVISORY.NEW.X", b'{"type": "io.nats.x.v9.thing", "a": [1, 2]}')
    assert unknown.raw and unknown.kind == "other"
    assert unknown.text == 'io.nats.x.v9.thing on $JS.EVENT.ADVISORY.NEW.X: {"type": "io.nats.x.v9.thing", "a": [1, 2]}'
    bad = describe("$JS.EVENT.ADVISORY.STREAM.CREATED.X", b"\xff\xfe{\x1b[2J")
    assert bad.raw and "not JSON" in bad.text and "\x1b" not in bad.text
    shaped = describe(
        "$JS.EVENT.ADVISORY.API", json.dumps({"type": JS + "api_audit", "client": "x", "subject": 5}).encode()
    )
    assert shaped.text == "API 5 by anonymous: ok"  # read what could be read
    long = describe("$JS.EVENT.ADVISORY.X", json.dumps({"type": "t", "pad": "y" * 5000}).encode())
    assert len(long.text) < 300


def test_event_index_filters_by_kind_and_is_bounded():
    store = RingStore(5)
    index = EventIndex(store)
    subjects = ["$JS.EVENT.ADVISORY.API", "$JS.EVENT.ADVISORY.STREAM.CREATED.A", "$JS.EVENT.METRIC.CONSUMER.ACK.A.c"]
    for i in range(4):
        store.append(StoredMsg(subjects[i % 3], b"{}"))
    assert index.update() == (4, 0) and len(index) == 4
    index.set_kind("api")
    assert [index.seq_at(i) for i in range(len(index))] == [1, 4]
    for i in range(4, 10):
        store.append(StoredMsg(subjects[i % 3], b"{}"))
    added, dropped = index.update()
    assert [index.seq_at(i) for i in range(len(index))] == [7, 10]  # 1 and 4 left the buffer of 5
    assert (added, dropped) == (2, 2) and index.index_of(10) == 1 and index.index_of(4) is None
    assert sum(index.counts.values()) == len(store) == 5


def test_consumer_report_rates_and_order():
    report = ConsumerReport()

    def info(name, pending, ack_pending, delivered, redelivered=0):
        return {
            "name": name,
            "num_pending": pending,
            "num_ack_pending": ack_pending,
            "num_redelivered": redelivered,
            "delivered": {"consumer_seq": delivered},
        }

    rows = report.update(
        [("S", info("a", 1, 0, 10)), ("S", info("b", 5, 5, 0)), ("T", info("c", 1, 0, 0, 3))], now=100.0
    )
    assert [(r.stream, r.name) for r in rows] == [("S", "b"), ("T", "c"), ("S", "a")]
    assert all(r.rate is None for r in rows)
    rows = report.update([("S", info("a", 1, 0, 30))], now=102.0)
    assert rows[0].rate == 10.0 and rows[0].rates == [10.0]
    rows = report.update([("S", info("a", 1, 0, 5))], now=104.0)  # made again: starts over
    assert rows[0].rate is None and rows[0].rates == []
    assert sparkline([0, 5, 10], 5) == "  ▁▅█" and sparkline([], 3) == "   "

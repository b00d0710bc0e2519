"""The Servers and Connections models: rates from two polls, missing servers, hostile replies."""

from __future__ import annotations

import json

from natstui.client.system import ServerReply
from natstui.model.system import ConnectionsModel, ServerPage, ServersModel, go_duration, sparkline


def reply(sid: str, name: str, data, cluster: str = "c", error: str = "") -> ServerReply:
    body = {"server": {"id": sid, "name": name, "cluster": cluster, "ver": "2.11.0"}, "data": data}
    if error:
        body["error"] = {"description": error}
    return ServerReply.parse(json.dumps(body).encode())


def varz(now: str, in_msgs: int, **more) -> dict:
    return {
        "now": now,
        "in_msgs": in_msgs,
        "out_msgs": 2 * in_msgs,
        "in_bytes": 10 * in_msgs,
        "out_bytes": 0,
        "start": "2026-01-01T00:00:00Z",
        "connections": 3,
        "leafnodes": 1,
        "jetstream": {"config": {}},
        **more,
    }


def test_rates_come_from_two_polls_and_a_silent_server_is_missing_not_dropped():
    model = ServersModel()
    model.update(
        [],
        [reply("A", "a", varz("2026-01-01T00:00:10Z", 100)), reply("B", "b", varz("2026-01-01T00:00:10Z", 5))],
        now=10,
    )
    assert model.rows["A"].rates is None
    model.update([], [reply("A", "a", varz("2026-01-01T00:00:12Z", 300))], now=12)
    a, b = model.rows["A"], model.rows["B"]
    assert a.rates == (100.0, 200.0, 1000.0, 0.0) and list(a.history) == [300.0]
    assert not b.missing and b.misses == 1 and b.missing_since == 12 and b.rates is None  # late: stale
    model.update([], [reply("A", "a", varz("2026-01-01T00:00:13Z", 400))], now=13)
    assert b.missing and b.missing_since == 12  # two polls without an answer: missing since the first
    assert [r.name for r in model.ordered()] == ["a", "b"]
    model.update([], [reply("B", "b", varz("2026-01-01T00:00:14Z", 1))], now=14)
    assert not model.rows["B"].missing and model.rows["B"].misses == 0 and model.rows["A"].missing_since == 14


def test_hostile_replies_mark_rows_stale_and_never_raise():
    model = ServersModel()
    model.update([], [reply("A", "a", varz("2026-01-01T00:00:10Z", 1))], now=1)
    bad = [
        ServerReply.parse(b"{not json"),
        ServerReply.parse(b"[]"),
        reply("A", "a", [1, 2]),  # data not an object
        reply("B", "b", {"in_msgs": "many", "connections": None, "start": 7, "jetstream": "yes", "cluster": 3}),
        reply("C", "c", {}, error="boom"),
        reply("[red]x[/]", "[bold]", {"routes": "no", "gateways": [None, 1]}),
    ]
    model.update(bad[:2], bad[2:], now=2)
    assert model.malformed == 2
    assert model.rows["A"].stale.startswith("malformed") and model.rows["A"].counters == (1, 2, 10, 0)
    assert model.rows["B"].stale == "" and model.rows["B"].connections == 0
    assert model.rows["C"].stale == "boom"
    assert "[red]x[/]" in model.rows


def test_connections_rates_sort_and_filter():
    model = ConnectionsModel()

    def page(sid, conns, now):
        return ServerPage(sid, f"srv-{sid}", connections=conns, total=len(conns), measured=now)

    def conn(cid, name, in_msgs, **more):
        return {
            "cid": cid,
            "name": name,
            "in_msgs": in_msgs,
            "lang": "go",
            "version": "1.3",
            "ip": "10.0.0.1",
            "port": 4000 + cid,
            "account": "APP",
            "rtt": "1.5ms",
            "uptime": "1d2h3m4s",
            "idle": "5s",
            **more,
        }

    model.update(
        [page("A", [conn(1, "orders", 0), conn(2, "billing", 0)], 100.0), page("B", [conn(1, "orders", 0)], 100.0)]
    )
    model.update(
        [
            page("A", [conn(1, "orders", 50), conn(2, "billing", 500)], 102.0),
            page("B", [conn(1, "orders", 10), {"cid": "x"}, 5], 102.0),
        ]
    )
    assert [(r.server, r.cid) for r in model.view()] == [
        ("srv-A", 2),
        ("srv-A", 1),
        ("srv-B", 1),
    ]  # msgs in/s, largest first
    assert model.rows[("A", 2)].rates[0] == 250.0
    model.set_sort("name")
    assert [r.name for r in model.view()] == ["billing", "orders", "orders"]
    model.set_sort("name", reverse=True)
    assert [r.name for r in model.view()][0] == "orders"
    model.set_filter("orders srv-b")
    assert [(r.server, r.cid) for r in model.view()] == [("srv-B", 1)]
    model.update([page("A", [], 104.0), ServerPage("B", "srv-B", error="no answer")])
    assert ("B", 1) in model.rows and model.rows[("B", 1)].rates is None and model.errors == {"srv-B": "no answer"}
    assert ("A", 1) not in model.rows  # closed


def test_durations_and_sparklines():
    assert go_duration("1d2h3m4s") == 93784
    assert abs((go_duration("391µs") or 0) - 391e-6) < 1e-12
    assert go_duration("1.5ms") == 0.0015
    assert go_duration("soon") is None and go_duration(5) is None and go_duration("5s later") is None
    assert sparkline([0, 1, 2, 4], 3) == "▃▅█"
    assert sparkline([0, 0], 5) == "▁▁"

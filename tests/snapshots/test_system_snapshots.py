"""Snapshots of the Servers and Connections views.

Deterministic: the app runs offline with a frozen clock, and each view's model is handed two polls
of fixed replies (so rates, uptimes and "missing since" are the same on every run) the way a poll
hands them in. The tests in tests/system cover gathering them from a real supercluster.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from natstui.cli import make_app
from natstui.client.system import ServerReply, SystemAccess
from natstui.config import Settings
from natstui.model.store import RingStore
from natstui.model.system import ServerPage
from natstui.ui.screens.connections import ConnectionsScreen
from natstui.ui.screens.servers import ServersScreen
from tests.conftest import screen_text, wait_until

FROZEN = 1_790_000_000.25
SERVERS = [
    ("east-1", "east", 4),
    ("east-2", "east", 2),
    ("east-3", "east", 0),
    ("west-1", "west", 7),
    ("west-2", "west", 1),
]


def offline_app():
    return make_app(Settings(), store=RingStore(100, clock=lambda: FROZEN), clock=lambda: FROZEN, connect=False)


def reply(name: str, cluster: str, data: dict) -> ServerReply:
    body = {"server": {"id": f"N{name.upper()}", "name": name, "cluster": cluster, "ver": "2.15.1"}, "data": data}
    return ServerReply.parse(json.dumps(body).encode())


def varz(name: str, cluster: str, load: int, t: int) -> ServerReply:
    return reply(
        name,
        cluster,
        {
            "now": f"2026-09-21T12:00:{t:02d}Z",
            "start": "2026-09-20T09:30:00Z",
            "cpu": 3 * load,
            "mem": (20 + load) * 1024 * 1024,
            "cores": 4,
            "connections": 10 * load,
            "subscriptions": 200 + load,
            "in_msgs": t * 1000 * load,
            "out_msgs": t * 900 * load,
            "in_bytes": t * 128_000 * load,
            "out_bytes": t * 100_000 * load,
            "slow_consumers": 1 if name == "west-1" else 0,
            "leafnodes": 2 if name == "east-1" else 0,
            "jetstream": {"config": {"max_memory": 1}},
        },
    )


def statz(name: str, cluster: str) -> ServerReply:
    peers = [n for n, c, _ in SERVERS if c == cluster and n != name]
    other = "west" if cluster == "east" else "east"
    return reply(name, cluster, {"routes": [{"name": p} for p in peers], "gateways": [{"name": other}]})


async def show_servers(pilot):
    app = pilot.app
    await pilot.press("7")
    await wait_until(lambda: isinstance(app.screen, ServersScreen) and app.screen.ready, pilot=pilot)
    screen = app.screen
    screen.access = SystemAccess(SimpleNamespace(is_connected=True))  # what a poll finds: the system account
    for t, now in ((10, FROZEN - 4), (12, FROZEN - 2), (14, FROZEN)):
        shown = SERVERS if t == 10 else SERVERS[:-1]  # west-2 stops answering: missing after two polls
        screen.model.update([statz(n, c) for n, c, _ in shown], [varz(n, c, load, t) for n, c, load in shown], now=now)
        for r in [varz(n, c, load, t) for n, c, load in shown]:
            screen.varz[r.id] = r.data
    screen._show()
    await pilot.pause()  # the table's highlight events: the cursor settles on the first server
    await wait_until(lambda: screen.selected == "NEAST-1", pilot=pilot)
    first = screen.server_row("east-1")
    screen.detail_for = first.id
    screen.detail = {
        "HEALTHZ": ServerReply(
            data={"status": "unavailable", "errors": [{"type": "STREAM", "stream": "ORDERS", "error": "not current"}]}
        ),
        "ROUTEZ": ServerReply(
            data={
                "routes": [
                    {
                        "rid": 7,
                        "remote_name": "east-2",
                        "ip": "10.0.0.2",
                        "port": 6222,
                        "rtt": "310µs",
                        "in_msgs": 42,
                        "out_msgs": 40,
                        "uptime": "1d2h",
                    }
                ]
            }
        ),
        "GATEWAYZ": ServerReply(
            data={
                "outbound_gateways": {
                    "west": {
                        "connection": {
                            "ip": "10.1.0.1",
                            "port": 7222,
                            "rtt": "12ms",
                            "in_msgs": 0,
                            "out_msgs": 9,
                            "uptime": "1d2h",
                        }
                    }
                }
            }
        ),
        "LEAFZ": ServerReply(
            data={
                "leafs": [
                    {
                        "name": "edge-1",
                        "account": "APP",
                        "ip": "10.2.0.1",
                        "port": 50000,
                        "rtt": "25ms",
                        "in_msgs": 5,
                        "out_msgs": 6,
                        "subscriptions": 3,
                    }
                ]
            }
        ),
    }
    screen._show_detail()
    await wait_until(lambda: "missing since" in screen_text(app) and "asking" not in screen_text(app), pilot=pilot)
    await pilot.pause()


def connection(cid: int, name: str, t: int, load: int) -> dict:
    return {
        "cid": cid,
        "name": name,
        "lang": "go",
        "version": "1.37.0",
        "ip": f"10.0.3.{cid}",
        "port": 50000 + cid,
        "account": "APP",
        "authorized_user": "svc-" + name.split("-")[0],
        "in_msgs": t * load * 10,
        "out_msgs": t * load,
        "in_bytes": t * load * 1300,
        "out_bytes": t * load * 90,
        "pending_bytes": 4096 if cid == 9 else 0,
        "subscriptions": 1 + cid % 4,
        "rtt": f"{cid * 110}µs",
        "uptime": f"{cid}h{cid * 3}m",
        "idle": f"{cid % 5}s",
    }


async def show_connections(pilot):
    app = pilot.app
    await pilot.press("8")
    await wait_until(lambda: isinstance(app.screen, ConnectionsScreen) and app.screen.ready, pilot=pilot)
    screen = app.screen
    screen.access = SystemAccess(SimpleNamespace(is_connected=True))
    screen.scope, screen.requests = "system", 1
    names = [
        "orders-api",
        "billing-worker",
        "inventory",
        "[bold]markup[/]",
        "shipping",
        "audit-log",
        "mailer",
        "search",
        "reports",
    ]
    for t in (10, 12):
        pages = [
            ServerPage(
                "NEAST1", "east-1", [connection(i + 1, n, t, 9 - i) for i, n in enumerate(names[:5])], 5, measured=t
            ),
            ServerPage(
                "NWEST2", "west-2", [connection(i + 6, n, t, 9 - i - 5) for i, n in enumerate(names[5:])], 4, measured=t
            ),
        ]
        screen.model.update(pages)
    screen.show_rows()
    screen.action_detail()
    await pilot.pause()  # the table's highlight event: the cursor on the first connection
    await wait_until(lambda: screen.selected == ("NEAST1", 1), pilot=pilot)
    screen.detail_for = screen.selected
    screen.detail = {
        **connection(1, "orders-api", 12, 9),
        "start": "2026-09-21T11:00:00Z",
        "kind": "Client",
        "subscriptions_list_detail": [
            {"subject": "orders.*.created", "qgroup": "api", "sid": "1", "msgs": 1234},
            {"subject": "_INBOX.abc.*", "sid": "2", "msgs": 56},
        ],
    }
    screen._show_detail()
    await wait_until(lambda: "Subscriptions (2)" in screen_text(app), pilot=pilot)
    await pilot.pause()


def test_servers_view(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 40), run_before=show_servers)


def test_servers_view_narrow(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(80, 24), run_before=show_servers)


def test_connections_view(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 40), run_before=show_connections)


def test_connections_view_narrow(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(80, 24), run_before=show_connections)

"""The Accounts and JetStream cluster views against a real supercluster (the topology fixture)."""

from __future__ import annotations

import json
import re

import nats

from natstui.cli import make_app
from natstui.config import ConnectionSettings, Settings
from natstui.model.accounts import build_accounts
from natstui.model.placement import meta_group, placements
from natstui.ui.screens.accounts import AccountsScreen
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.jscluster import JetStreamClusterScreen
from tests.conftest import screen_text, table_cells, wait_connected, wait_until

SIZE = (170, 45)


def system_app(topology, *, system: bool = True, **settings):
    return make_app(
        Settings(
            connection=ConnectionSettings(servers=topology.urls),
            subjects=["none.>"],
            system=topology.system_settings() if system else None,
            **settings,
        )
    )


async def show_view(app, pilot, mode: str, screen_type):
    await wait_connected(app, pilot)
    app.action_show_view(mode)
    await wait_until(lambda: isinstance(app.screen, screen_type) and app.screen.ready, pilot=pilot)
    return app.screen


async def stream_leader(js, name: str) -> str:
    info = await js.stream_info(name)
    return info.cluster.leader if info.cluster else ""


async def test_accounts_lists_every_account_with_its_clients_and_jetstream(topology):
    client = await nats.connect(topology.node("west-2").url, name="accounts-probe")
    js = client.jetstream()
    await js.add_stream(name="ACCTS", subjects=["accts.>"])
    for i in range(20):
        await js.publish(f"accts.{i}", b"x" * 100)
    for _ in range(3):
        await client.subscribe("accts.watch.>")
    await client.flush()
    try:
        app = system_app(topology)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "accounts", AccountsScreen)
            await wait_until(lambda: "APP" in view.rows and view.rows["APP"].jetstream is not None, pilot=pilot)
            await wait_until(
                lambda: view.rows["APP"].jetstream.storage >= 2000 and view.rows["APP"].connections >= 2, pilot=pilot
            )
            app_row = view.rows["APP"]
            assert "west-2" in app_row.seen_on  # the probe's server
            assert app_row.subscriptions >= 3
            assert view.rows["SYS"].system and view.rows["SYS"].jetstream is None
            cells = table_cells(view.table, "APP")
            assert cells["Account"] == "APP" and int(cells["Conns"]) == app_row.connections
            assert "SYS (system)" in screen_text(app)
            assert "accounts on 7 servers" in screen_text(app)
    finally:
        await js.delete_stream("ACCTS")
        await client.close()


async def test_accounts_without_the_system_account_says_how_and_shows_this_account(topology):
    client = await nats.connect(topology.node("west-2").url, name="own-account-probe")
    try:
        app = system_app(topology, system=False)
        async with app.run_test(size=(80, 24)) as pilot:
            view = await show_view(app, pilot, "accounts", AccountsScreen)
            await wait_until(lambda: "--system-context" in screen_text(app), pilot=pilot)
            await wait_until(lambda: view.rows and next(iter(view.rows.values())).jetstream is not None, pilot=pilot)
            assert list(view.rows) == ["APP"]  # the account natstui is in, from $SYS.REQ.USER.INFO
            # its clients on every server, from $SYS.REQ.ACCOUNT.PING.STATZ (which any account may ask)
            await wait_until(lambda: "west-2" in view.rows["APP"].seen_on, pilot=pilot)
            assert view.rows["APP"].connections >= 2  # natstui and the probe, on two servers
            text = screen_text(app)
            assert "JS storage" in text
            # the reason and its fix wrap at 80 columns instead of being cut
            assert "or connect as one" in " ".join(text.split())
    finally:
        await client.close()


async def test_jetstream_cluster_shows_placement_and_a_step_down_moves_the_leader(topology):
    client = await nats.connect(topology.urls)
    js = client.jetstream()
    await js.add_stream(name="PLACED", subjects=["placed.>"], num_replicas=3)
    await js.add_consumer("PLACED", durable_name="placed-worker", num_replicas=3)
    await js.publish("placed.a", b"1")
    try:
        app = system_app(topology)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
            key = "APP/PLACED"
            await wait_until(lambda: key in view.placements and len(view.placements[key].peers) == 3, pilot=pilot)
            placement = view.placements[key]
            leader = await stream_leader(js, "PLACED")
            assert placement.leader == leader and placement.cluster in ("east", "west")
            assert {p.name for p in placement.peers} == {
                p.name for p in placement.peers if p.name.startswith(placement.cluster)
            }
            assert view.meta is not None and view.meta.leader
            assert "Meta group" in screen_text(app) and view.meta.leader in screen_text(app)
            assert [c.name for c in placement.consumers] == ["placed-worker"]
            # step down the stream's leader: confirmed, then the server elects another
            view.streams_table.move_cursor(row=view.streams_table.get_row_index(key))
            view.streams_table.focus()
            await pilot.press("s")
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
            await pilot.press("enter")
            await wait_until(lambda: (view.placements[key].leader or leader) != leader, pilot=pilot, timeout=20)
            assert await stream_leader(js, "PLACED") == view.placements[key].leader
    finally:
        await js.delete_stream("PLACED")
        await client.close()


async def test_step_down_is_refused_read_only(topology):
    client = await nats.connect(topology.urls)
    js = client.jetstream()
    await js.add_stream(name="STAYS", subjects=["stays.>"], num_replicas=3)
    try:
        leader = await stream_leader(js, "STAYS")
        app = system_app(topology, read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
            await wait_until(lambda: "APP/STAYS" in view.placements, pilot=pilot)
            view.streams_table.move_cursor(row=view.streams_table.get_row_index("APP/STAYS"))
            await pilot.press("s")
            await wait_until(lambda: "read-only" in app.last_refusal, pilot=pilot)
            assert not isinstance(app.screen, ConfirmScreen)
        assert await stream_leader(js, "STAYS") == leader
    finally:
        await js.delete_stream("STAYS")
        await client.close()


def test_hostile_replies_count_as_nothing():
    rows = build_accounts(
        [{"accounts": ["A", 5, None], "system_account": "S"}, {"accounts": "nope"}],
        [("s1", {"account_statz": [{"acc": "A", "conns": "x", "received": []}, "junk", {}]}), ("s2", {})],
        [{"account_details": [{"name": "A", "memory": 10, "stream_detail": "bad"}, 7]}],
    )
    assert [r.name for r in rows] == ["A"] and rows[0].connections == 0 and rows[0].jetstream.memory == 10
    assert meta_group([("s1", {"meta_cluster": "x"})]) is None
    found = placements(
        [
            ("s1", {"account_details": [{"name": "A", "stream_detail": [{"name": "X", "cluster": {"leader": "s2"}}]}]}),
            (
                "s2",
                {
                    "account_details": [
                        {
                            "name": "A",
                            "stream_detail": [
                                {
                                    "name": "X",
                                    "cluster": {
                                        "leader": "s2",
                                        "replicas": [
                                            {"name": "s1", "current": False, "lag": 7, "active": 2_000_000_000}
                                        ],
                                    },
                                },
                                {"cluster": 1},
                            ],
                        }
                    ]
                },
            ),
            ("s3", {"account_details": json.loads('"oops"')}),
        ]
    )
    assert len(found) == 1 and found[0].leader == "s2"
    assert [(p.name, p.leader, p.current, p.lag) for p in found[0].peers] == [
        ("s2", True, True, 0),
        ("s1", False, False, 7),
    ]


async def test_a_context_switch_takes_the_new_contexts_system_account(
    nats_server, system_server, tmp_path, monkeypatch
):
    from tests.ui.test_contexts import switch_with_the_list

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    contexts = tmp_path / "nats" / "context"
    contexts.mkdir(parents=True)
    (contexts / "plain.json").write_text(json.dumps({"url": nats_server.url}))
    (contexts / "solo.json").write_text(json.dumps({"url": system_server.url, "system_context": "solo-sys"}))
    (contexts / "solo-sys.json").write_text(
        json.dumps({"url": system_server.url, "user": "system", "password": system_server.system_password})
    )
    app = make_app(Settings(connection=ConnectionSettings(servers=[nats_server.url], context="plain"), subjects=["x"]))
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(app, pilot, "accounts", AccountsScreen)
        await wait_until(lambda: "--system-context" in screen_text(app), pilot=pilot)  # no system account here
        await switch_with_the_list(pilot, "solo")
        await wait_until(lambda: app.session.connected and app.settings.connection.context == "solo", pilot=pilot)
        app.action_show_view("accounts")
        await wait_until(lambda: isinstance(app.screen, AccountsScreen) and app.screen.ready, pilot=pilot)
        view = app.screen
        await wait_until(lambda: "SYS" in view.rows and view.rows["SYS"].system, pilot=pilot)
        assert "accounts on 1 server" in screen_text(app)
        assert system_server.system_password not in screen_text(app)


async def test_jetstream_cluster_without_the_system_account_shows_this_accounts_streams(topology):
    client = await nats.connect(topology.urls)
    js = client.jetstream()
    await js.add_stream(name="MINE", subjects=["mine.>"], num_replicas=3)
    try:
        leader = await stream_leader(js, "MINE")
        app = system_app(topology, system=False)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
            key = "this account/MINE"
            await wait_until(lambda: key in view.placements, pilot=pilot)
            assert view.placements[key].leader == leader and len(view.placements[key].peers) == 3
            text = screen_text(app)
            assert "--system-context" in text and "known through the system account only" in text
    finally:
        await js.delete_stream("MINE")
        await client.close()


async def test_accounts_counts_every_stream_and_consumer_once_whichever_servers_hold_them(topology):
    """Each server's JSZ lists only the streams it holds: one R1 stream in each cluster is two
    streams of the account (the union of the servers' lists, not the longest list)."""
    from nats.js.api import Placement, StreamConfig

    client = await nats.connect(topology.node("west-2").url, name="streams-probe")
    js = client.jetstream()
    for name, cluster in (("PLACED_EAST", "east"), ("PLACED_WEST", "west")):
        await js.add_stream(
            StreamConfig(name=name, subjects=[f"{name.lower()}.>"], placement=Placement(cluster=cluster))
        )
        await js.add_consumer(name, durable_name="reader")
    try:
        streams = await js.streams_info()
        consumers = 0
        for info in streams:
            consumers += len(await js.consumers_info(info.config.name))
        app = system_app(topology)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "accounts", AccountsScreen)
            await wait_until(lambda: "APP" in view.rows and view.rows["APP"].jetstream is not None, pilot=pilot)
            usage = view.rows["APP"].jetstream
            assert (usage.streams, usage.consumers) == (len(streams), consumers)
    finally:
        for name in ("PLACED_EAST", "PLACED_WEST"):
            await js.delete_stream(name)
        await client.close()


async def test_jetstream_cluster_counts_one_server_and_one_stream_in_the_singular(system_server):
    client = await nats.connect(system_server.url)
    js = client.jetstream()
    before = len(await js.streams_info())
    await js.add_stream(name="SINGLE", subjects=["single.>"])
    try:
        app = system_app(system_server)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
            await wait_until(lambda: any(k.endswith("/SINGLE") for k in view.placements), pilot=pilot)
            await wait_until(lambda: " on 1 server " in screen_text(app), pilot=pilot)
            streams = before + 1
            assert f"{streams} stream{'' if streams == 1 else 's'} on 1 server " in screen_text(app)
            assert "1 servers" not in screen_text(app)
    finally:
        await js.delete_stream("SINGLE")
        await client.close()


async def test_jetstream_cluster_keeps_a_stream_whose_only_server_is_down(topology):
    """JSZ comes from the servers that answer, each listing the streams it holds: an R1 stream on a
    stopped server is still listed (from the JetStream API), its replica offline."""
    from nats.js.api import Placement, StreamConfig

    client = await nats.connect(topology.node("east-1").url, name="offline-probe")
    js = client.jetstream()
    await js.add_stream(StreamConfig(name="ALONE", subjects=["alone.>"], placement=Placement(cluster="west")))
    holder = await stream_leader(js, "ALONE")
    node = topology.node(holder)
    try:
        app = system_app(topology)
        async with app.run_test(size=SIZE) as pilot:
            view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
            await wait_until(lambda: "APP/ALONE" in view.placements, pilot=pilot)
            node.stop()
            await wait_until(lambda: view.servers == 6, timeout=30, pilot=pilot)

            def still_listed_offline() -> bool:
                placement = view.placements.get("APP/ALONE")
                return placement is not None and any(p.name == holder and p.offline for p in placement.peers)

            await wait_until(still_listed_offline, timeout=20, pilot=pilot)
            assert "ALONE" in screen_text(app)
    finally:
        if not node.running:
            node.start()
        await topology.wait_ready()
        await js.delete_stream("ALONE")
        await client.close()


async def test_jetstream_cluster_at_80_columns_names_each_leader_whole():
    """Server names that differ only at their end (as the cluster demo's do) are shown whole in the
    Leader columns and the replicas' Name at 80x24, not all cut to the same prefix."""
    from natstui.demo.topology import Topology

    with Topology([("natstui-review", 3)]) as topo:
        await topo.wait_ready()
        client = await nats.connect(topo.urls)
        js = client.jetstream()
        await js.add_stream(name="HISTORY", subjects=["history.>"], num_replicas=3)
        await js.add_consumer("HISTORY", durable_name="auditors", num_replicas=3)
        try:
            leader = await stream_leader(js, "HISTORY")
            app = system_app(topo)
            async with app.run_test(size=(80, 24)) as pilot:
                view = await show_view(app, pilot, "jscluster", JetStreamClusterScreen)
                await wait_until(
                    lambda: view.placements and next(iter(view.placements.values())).consumers, pilot=pilot
                )
                await wait_until(lambda: f" {leader} " in screen_text(app), pilot=pilot)
                lines = screen_text(app).splitlines()
                row = next(line for line in lines if line.startswith(" HISTORY "))
                assert f" {leader} " in row  # the Leader column
                consumer = next(line for line in lines if "auditors" in line)
                assert re.search(r"natstui-review-\d ", consumer)
                assert (
                    sum(bool(re.match(r" natstui-review-\d ", line[:18])) for line in lines) >= 6
                )  # meta and replicas
        finally:
            await client.close()


async def test_accounts_detail_says_one_connection_in_the_singular(system_server):
    app = system_app(system_server)
    async with app.run_test(size=SIZE) as pilot:
        view = await show_view(app, pilot, "accounts", AccountsScreen)
        await wait_until(lambda: "SYS" in view.rows and view.rows["SYS"].connections == 1, pilot=pilot)
        view.table.move_cursor(row=list(view.rows).index("SYS"))  # the system account: natstui's own second one
        await wait_until(lambda: "1 connection, 0 leaf nodes" in screen_text(app), pilot=pilot)

"""The Servers and Connections views against a real supercluster (clusters east and west, a leaf node)."""

from __future__ import annotations

import json
import re
import uuid

import nats

from natstui.client.system import NO_SYSTEM, SystemAccess
from natstui.ui.screens.connections import ConnectionsScreen
from natstui.ui.screens.servers import ServersScreen
from tests.conftest import make_test_app, press_keys, screen_text, table_rows, wait_connected, wait_until

SIZE = (200, 50)
CLUSTERS = {
    "east-1": "east",
    "east-2": "east",
    "east-3": "east",
    "west-1": "west",
    "west-2": "west",
    "west-3": "west",
    "leaf-1": "leaf-1",  # a leaf node with no cluster of its own names one after itself
}


async def open_view(app, pilot, key: str, kind):
    await pilot.press(key)
    await wait_until(lambda: isinstance(app.screen, kind) and app.screen.ready, pilot=pilot)
    return app.screen


def server_rows(screen) -> dict[str, dict]:
    """The Servers table as the user reads it: server name -> its cells (cluster lines left out)."""
    return {
        row["Server"].removesuffix("●").strip(): row
        for row in table_rows(screen.table)
        if row["Server"] and not row["Server"].startswith(("▾", "?"))
    }


async def test_every_server_is_listed_with_its_cluster(topology):
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_view(app, pilot, "7", ServersScreen)
        await wait_until(lambda: len(server_rows(screen)) == 7, timeout=15, pilot=pilot)
        rows = server_rows(screen)
        assert {name: row["Cluster"] for name, row in rows.items()} == CLUSTERS
        # what the servers say of themselves
        nc = await nats.connect(topology.system_url)
        try:
            varz = {r.name: r.data for r in await SystemAccess(nc).ping("VARZ", complete=True)}
        finally:
            await nc.close()
        for name, row in rows.items():
            assert row["Version"] == varz[name]["version"]
            assert row["JS"] == ("off" if name == "leaf-1" else "on")
            assert row["Leafs"] == str(varz[name]["leafnodes"])
        assert rows["east-1"]["Leafs"] == "2"  # the leaf node's two remotes (APP and SYS)
        assert rows["east-2"]["GWs"] == "1" and rows["east-2"]["Routes"] == "2"
        # grouped by cluster, clusters joined by their gateways
        text = screen_text(app)
        assert any("▾ east" in line and "⇄ west" in line for line in text.splitlines())
        assert any("▾ west" in line and "⇄ east" in line for line in text.splitlines())
        # rates once polled twice
        await wait_until(lambda: server_rows(screen)["east-1"]["Msgs in/s"] != "—", timeout=15, pilot=pilot)
        # the connected server's detail: its INFO, the account's JetStream usage, routes, gateways, health
        connected = app.session.server_name
        keys = [k.value for k in screen.table.rows]
        screen.table.move_cursor(row=keys.index(screen.server_row(connected).id))
        await wait_until(lambda: "Connect URLs" in screen_text(app) and "Streams" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "✓ ok" in screen_text(app) and "outbound" in screen_text(app), pilot=pilot)
        assert "leaf-1     APP" in screen_text(app)  # its leaf node, in the account it binds


async def test_a_stopped_server_is_missing_and_the_rest_current(topology):
    node = topology.node("west-3")
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            screen = await open_view(app, pilot, "7", ServersScreen)
            await wait_until(lambda: len(server_rows(screen)) == 7, timeout=15, pilot=pilot)
            node.stop()
            await wait_until(
                lambda: server_rows(screen)["west-3"]["State"].startswith("missing since"), timeout=20, pilot=pilot
            )
            polls = screen.model.polls
            await wait_until(lambda: screen.model.polls >= polls + 2, timeout=20, pilot=pilot)
            rows = server_rows(screen)
            assert len(rows) == 7  # shown, not dropped
            assert {name: row["State"] for name, row in rows.items() if name != "west-3"} == {
                name: "ok" for name in CLUSTERS if name != "west-3"
            }
            assert screen.server_row("west-3").missing and not screen.server_row("west-2").missing
            assert "1 missing" in screen_text(app)
            node.start()
            await wait_until(lambda: server_rows(screen)["west-3"]["State"] == "ok", timeout=30, pilot=pilot)
    finally:
        if not node.running:
            node.start()
        await topology.wait_ready()


async def test_a_named_client_appears_on_its_server_with_its_subscriptions(topology):
    name = f"known-{uuid.uuid4().hex[:8]}"
    west2 = topology.node("west-2").url
    client = await nats.connect(west2, name=name)
    await client.subscribe(f"{name}.orders.>")
    await client.subscribe(f"{name}.work", queue="workers")
    await client.flush()
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            screen = await open_view(app, pilot, "8", ConnectionsScreen)
            await wait_until(lambda: screen.row_of(name) is not None, timeout=15, pilot=pilot)
            row = screen.row_of(name)
            assert row.server == "west-2" and row.account == "APP" and row.subs == 2
            assert row.cid == client._server_info["client_id"]
            # how many servers have connections, of how many answered (all seven)
            assert screen.model.servers == 7
            assert re.search(r"connections on (\d of 7|7) servers", screen_text(app)), screen_text(app)
            await press_keys(pilot, "slash", *name[:10])
            await wait_until(lambda: len(screen.shown) == 1, pilot=pilot)
            line = next(line for line in screen_text(app).splitlines() if name in line)
            assert "west-2" in line and f" {row.cid} " in f" {line} "
            await press_keys(pilot, "enter", "enter")
            await wait_until(lambda: f"{name}.orders.>" in screen_text(app), timeout=10, pilot=pilot)
            text = screen_text(app)
            assert f"{name}.work" in text and "workers" in text
            assert f"cid {row.cid} on west-2" in text
            # the filter keeps only what matches; escape closes the detail
            await press_keys(pilot, "escape")
            await wait_until(lambda: not screen.detail_pane.display, pilot=pilot)
            # escape again, in the table, clears the filter typed before (the README's "escape clears it")
            await press_keys(pilot, "escape")
            await wait_until(lambda: len(screen.shown) > 1 and not screen.model.filter, pilot=pilot)
            assert not screen.filter_input.display
    finally:
        await client.close()


async def test_sorting_by_a_column_and_natstuis_own_connection(topology):
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_view(app, pilot, "8", ConnectionsScreen)
        await wait_until(lambda: len(screen.shown) >= 2, timeout=15, pilot=pilot)
        while screen.model.sort_key != "cid":
            await press_keys(pilot, "s")
        await wait_until(lambda: [r.cid for r in screen.shown] == sorted(r.cid for r in screen.shown), pilot=pilot)
        await press_keys(pilot, "S")
        await wait_until(
            lambda: [r.cid for r in screen.shown] == sorted((r.cid for r in screen.shown), reverse=True), pilot=pilot
        )
        assert "CID ▼" in screen_text(app)
        own = screen.own_key
        assert own is not None and own in screen.model.rows
        assert any("● natstui" in line for line in screen_text(app).splitlines())


async def test_malformed_replies_are_rows_marked_stale(topology):
    """Something in the system account answering the pings with nonsense: shown, marked, no crash."""
    liar = await nats.connect(topology.system_url, name="liar")
    bogus = {"server": {"id": "BOGUS", "name": "bogus", "cluster": "east"}, "data": [1, 2]}

    async def answer(msg):
        await msg.respond(b"{not json")
        await msg.respond(json.dumps(bogus).encode())

    async def answer_connz(msg):
        await msg.respond(json.dumps({"server": {"id": "BOGUS", "name": "bogus"}, "data": {"connections": 7}}).encode())

    for subject in ("$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.VARZ"):
        await liar.subscribe(subject, cb=answer)
    await liar.subscribe("$SYS.REQ.SERVER.PING.CONNZ", cb=answer_connz)
    await liar.flush()
    await liar.flush()
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            screen = await open_view(app, pilot, "7", ServersScreen)
            await wait_until(lambda: "bogus" in server_rows(screen), timeout=15, pilot=pilot)
            await wait_until(lambda: len(server_rows(screen)) == 8, timeout=15, pilot=pilot)
            rows = server_rows(screen)
            assert rows["bogus"]["State"].startswith("stale: malformed reply")
            assert all(rows[name]["State"] == "ok" for name in CLUSTERS)
            assert any("malformed repl" in line for line in screen_text(app).splitlines())
            screen = await open_view(app, pilot, "8", ConnectionsScreen)
            await wait_until(lambda: "bogus: malformed reply" in screen_text(app), timeout=15, pilot=pilot)
            await wait_until(lambda: screen.own_key in screen.model.rows, timeout=15, pilot=pilot)
    finally:
        await liar.close()


async def test_without_the_system_account_each_view_says_so_and_shows_what_it_can(system_server):
    app = make_test_app(system_server.url, ["nothing.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_view(app, pilot, "7", ServersScreen)
        await wait_until(lambda: NO_SYSTEM[:60] in screen_text(app), timeout=10, pilot=pilot)
        await wait_until(lambda: "Streams" in screen_text(app), timeout=10, pilot=pilot)
        text = screen_text(app)
        assert "Connected server" in text and "solo" in text and "Connect URLs" in text
        assert not screen.table.display
        screen = await open_view(app, pilot, "8", ConnectionsScreen)
        await wait_until(lambda: screen.own_key in screen.model.rows, timeout=10, pilot=pilot)
        text = screen_text(app)
        assert NO_SYSTEM[:60] in text and "this account's connections" in text
        assert any("● natstui" in line for line in text.splitlines())
        await press_keys(pilot, "enter")
        await wait_until(lambda: "This connection (natstui)" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "Live stream subscription" in screen_text(app), pilot=pilot)
        await wait_until(lambda: "nothing.>" in screen_text(app), timeout=10, pilot=pilot)


async def test_arrow_keys_on_the_empty_servers_table_do_nothing(system_server):
    """Without the system account the table is empty (and hidden) but keeps the focus: up/down must not crash."""
    app = make_test_app(system_server.url, ["nothing.>"])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_connected(app, pilot)
        screen = await open_view(app, pilot, "7", ServersScreen)
        await wait_until(lambda: NO_SYSTEM[:40] in screen_text(app), timeout=10, pilot=pilot)
        await press_keys(pilot, "up", "down", "up")
        await pilot.pause(0.2)
        assert app.is_running and app.screen is screen
        assert "Connected server" in screen_text(app)


async def test_connections_are_paged_by_offset_and_limit(topology):
    """No reply carries more than ``limit`` connections; the pages of each server add up to its total."""
    from natstui.client.overview import all_connections

    name = f"paged-{uuid.uuid4().hex[:8]}"
    clients = [await nats.connect(topology.node("east-2").url, name=f"{name}-{i}") for i in range(7)]
    nc = await nats.connect(topology.system_url)
    try:
        access = SystemAccess(nc)
        pages, requests = await all_connections(access, limit=3)
        east2 = next(p for p in pages if p.server == "east-2")
        assert east2.total >= 7 and len(east2.connections) == east2.total and not east2.error
        # how many servers (the first STATZ reply), one CONNZ ping, one request per further page of 3
        assert requests == 2 + sum(max(0, (p.total - 1) // 3) for p in pages)
        cids = [c["cid"] for c in east2.connections]
        assert len(cids) == len(set(cids))
        mine = sorted(c["name"] for c in east2.connections if str(c.get("name", "")).startswith(name))
        assert mine == sorted(f"{name}-{i}" for i in range(7))
        assert all(c.get("account") == "APP" for c in east2.connections if c["name"] in mine)
    finally:
        for client in clients:
            await client.close()
        await nc.close()


async def test_a_ping_expects_as_many_servers_as_the_system_counts(topology):
    """The first server's STATZ says how many servers there are: pings stop once all of them answered."""
    from natstui.client.overview import expect_servers

    nc = await nats.connect(topology.system_url)
    try:
        access = SystemAccess(nc)
        await expect_servers(access)
        assert access.servers_seen == len(topology.nodes) == 7
        assert len(await access.ping("VARZ")) == 7
    finally:
        await nc.close()


async def test_the_palette_offers_one_place_for_servers_and_connections(system_server):
    """Typing "servers" in the command palette opens Servers; "connections" opens Connections."""
    from textual.command import CommandList, CommandPalette

    def first_match() -> str:
        results = app.screen.query_one(CommandList)
        if not results.option_count:
            return ""
        return str(results.get_option_at_index(results.highlighted or 0).prompt).strip().lower()

    app = make_test_app(system_server.url, ["nothing.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        for typed, kind in (("servers", ServersScreen), ("connections", ConnectionsScreen)):
            await pilot.press("ctrl+p")
            await wait_until(lambda: isinstance(app.screen, CommandPalette), pilot=pilot)
            await pilot.press(*typed)
            await wait_until(lambda t=typed: first_match().startswith(t), pilot=pilot)
            await pilot.press("enter")
            await wait_until(lambda k=kind: isinstance(app.screen, k), pilot=pilot)


async def test_show_connection_selects_it_and_opens_its_detail(topology):
    """What the Events view's enter on a connection event does: that connection, its detail open."""
    name = f"jump-{uuid.uuid4().hex[:8]}"
    client = await nats.connect(topology.node("west-2").url, name=name)
    await client.subscribe(f"{name}.inbox")
    await client.flush()
    app = make_test_app(topology.url, ["nothing.>"], system=topology.system_settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            screen = await open_view(app, pilot, "8", ConnectionsScreen)
            cid = client._server_info["client_id"]
            screen.show_connection(cid, "west-2")  # before the first refresh listed it: done once it does
            await wait_until(lambda: screen.selected is not None and screen.detail_open, timeout=15, pilot=pilot)
            row = screen.row_of(name)
            assert screen.selected == row.key and row.cid == cid
            await wait_until(lambda: f"{name}.inbox" in screen_text(app), timeout=10, pilot=pilot)
    finally:
        await client.close()


async def test_with_no_server_every_system_view_says_not_connected():
    from natstui.demo.server import free_port

    app = make_test_app(f"nats://127.0.0.1:{free_port('127.0.0.1')}", ["nothing.>"])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.session.state.value == "failed", timeout=10, pilot=pilot)
        for mode in ("servers", "connections", "accounts", "jscluster"):
            app.action_show_view(mode)
            await wait_until(lambda: app.current_mode == mode and app.screen.ready, pilot=pilot)
            await wait_until(lambda: "Not connected (failed)." in screen_text(app), pilot=pilot)
            assert "Asking" not in screen_text(app) and "asking" not in screen_text(app)
        app.action_show_view("servers")
        await wait_until(
            lambda: "Connection refused" in screen_text(app).title() or "refused" in screen_text(app), pilot=pilot
        )
        assert "State        failed" in screen_text(app) and "r reconnects" in screen_text(app)


async def monitoring(port: int, path: str) -> dict:
    """What the server's own HTTP monitoring port says (``/varz``, ``/connz``, ...)."""
    import asyncio
    import urllib.request

    def get() -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return json.loads(reply.read())

    return await asyncio.to_thread(get)


async def test_the_views_agree_with_the_servers_monitoring_port(system_server):
    """Servers, Connections and Accounts against /varz, /connz, /accstatz and /jsz of the same server."""
    from natstui.ui.screens.accounts import AccountsScreen

    port = system_server.nodes[0].http_port
    clients = [await nats.connect(system_server.url, name=f"numbers-{i}") for i in range(3)]
    js = clients[0].jetstream()
    await js.add_stream(name="NUMBERS", subjects=["numbers.>"])
    for i in range(50):
        await js.publish(f"numbers.{i}", b"x" * 100)
    app = make_test_app(system_server.url, ["nothing.>"], system=system_server.system_settings())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            screen = await open_view(app, pilot, "7", ServersScreen)
            await wait_until(lambda: "solo" in server_rows(screen), timeout=10, pilot=pilot)
            varz = await monitoring(port, "/varz")
            # every poll reads the server again: the row says what /varz says
            await wait_until(
                lambda: server_rows(screen)["solo"]["Conns"] == str(varz["connections"]), timeout=10, pilot=pilot
            )
            assert server_rows(screen)["solo"]["Version"] == varz["version"]
            screen = await open_view(app, pilot, "8", ConnectionsScreen)
            connz = await monitoring(port, "/connz?limit=1024")
            cids = {c["cid"] for c in connz["connections"]}
            await wait_until(lambda: {row.cid for row in screen.model.rows.values()} == cids, timeout=10, pilot=pilot)
            names = {c["cid"]: c.get("name", "") for c in connz["connections"]}
            assert all(row.name == names[row.cid] for row in screen.model.rows.values())
            app.action_show_view("accounts")
            await wait_until(lambda: isinstance(app.screen, AccountsScreen) and app.screen.ready, pilot=pilot)
            accounts = app.screen
            statz = await monitoring(port, "/accstatz?accounts=APP")
            conns = next(a["conns"] for a in statz["account_statz"] if a["acc"] == "APP")
            jsz = await monitoring(port, "/jsz?accounts=true")
            storage = next(a["storage"] for a in jsz["account_details"] if a["name"] == "APP")
            await wait_until(
                lambda: (
                    "APP" in accounts.rows
                    and accounts.rows["APP"].connections == conns
                    and accounts.rows["APP"].jetstream is not None
                    and accounts.rows["APP"].jetstream.storage == storage
                ),
                timeout=10,
                pilot=pilot,
            )
            assert storage > 5000 and conns >= 4  # the three clients and natstui's own
    finally:
        await js.delete_stream("NUMBERS")
        for client in clients:
            await client.close()


async def test_connections_at_80_columns_name_each_server_whole():
    """Server names that differ only at their end (as the cluster demo's) are read whole at 80x24."""
    from natstui.demo.topology import Topology

    with Topology([("natstui-rev", 3)], jetstream=False) as topo:
        await topo.wait_ready()
        client = await nats.connect(topo.node("natstui-rev-2").url, name="far-away-client")
        try:
            app = make_test_app(topo.node("natstui-rev-1").url, ["nothing.>"], system=topo.system_settings())
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_connected(app, pilot)
                screen = await open_view(app, pilot, "8", ConnectionsScreen)
                await wait_until(lambda: screen.row_of("far-away-client") is not None, timeout=15, pilot=pilot)
                line = await wait_until(
                    lambda: next((ln for ln in screen_text(app).splitlines() if "far-away" in ln), None), pilot=pilot
                )
                assert " natstui-rev-2 " in line
        finally:
            await client.close()


async def test_the_servers_cursor_starts_on_the_connected_server(topology):
    app = make_test_app(topology.node("west-2").url, ["nothing.>"], system=topology.system_settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_view(app, pilot, "7", ServersScreen)
        await wait_until(lambda: len(server_rows(screen)) == len(CLUSTERS), timeout=15, pilot=pilot)
        await wait_until(lambda: screen.selected == screen.connected_id, pilot=pilot)
        assert screen.model.rows[screen.selected].name == "west-2"
        assert "Server west-2 (connected)" in screen_text(app)

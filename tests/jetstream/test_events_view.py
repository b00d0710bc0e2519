"""The Events view and the consumer report in Pilot, against a real server: advisories the test
causes appear in words, odd events are shown (never dropped, never a crash), enter goes to what an
event names; the report's rows are the server's numbers, in its order."""

import json

import nats.errors
from textual.widgets import DataTable

from natstui.model.consumer_report import row_key
from tests.conftest import make_test_app, press_keys, screen_text, table_cells, wait_connected, wait_until
from tests.reliability.helpers import notifications

SIZE = (250, 50)  # wide: the inspector beside the list, an event's whole line on screen


async def open_events(app, pilot):
    await wait_connected(app, pilot)
    await press_keys(pilot, "0")
    await wait_until(
        lambda: (
            app.current_mode == "events" and getattr(app.screen, "ready", False) and app.screen.sources.jetstream.ready
        ),
        pilot=pilot,
    )
    return app.screen


async def choose_kind(app, pilot, kind: str) -> None:
    """Pick a kind in the filter as a user does: / opens the picker, arrows, enter."""
    from natstui.model.events import KIND_NAMES

    await press_keys(pilot, "slash")
    await wait_until(lambda: app.screen.query_one("#events-kind").expanded, pilot=pilot)
    await press_keys(pilot, "home", *["down"] * (KIND_NAMES.index(kind) + 1), "enter")
    await wait_until(lambda: app.screen.index.kind == kind, pilot=pilot)


async def test_stream_advisories_in_words_and_enter_goes_to_the_stream(server_url, nc, js, name):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        events = await open_events(app, pilot)
        # without a system account the view says so in one line, and shows JetStream's events
        await wait_until(lambda: "JetStream only" in screen_text(app), pilot=pilot)
        await js.create_stream({"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory"})
        await wait_until(lambda: f"stream {name} created" in screen_text(app), pilot=pilot)
        other = name + "X"
        await js.create_stream({"name": other, "subjects": [f"{other.lower()}.>"], "storage": "memory"})
        await js.delete_stream(other)
        await wait_until(lambda: f"stream {other} deleted" in screen_text(app), pilot=pilot)
        await choose_kind(app, pilot, "stream")
        assert f"stream {name} created" in screen_text(app)
        assert all("API " not in line for line in screen_text(app).splitlines())  # the filter keeps streams only
        # the deleted stream's line: enter says it is gone
        index = next(
            i for i in range(len(events.index)) if events.list.event(events.index.seq_at(i)).text.endswith(" deleted")
        )
        events.list.select_index(index)
        await pilot.pause()
        await press_keys(pilot, "enter")
        await wait_until(lambda: any(f"stream {other} was deleted" in n for n in notifications(app)), pilot=pilot)
        assert app.current_mode == "events"
        # the created stream's line: enter shows it selected in the Streams view
        index = next(
            i for i in range(len(events.index)) if events.list.event(events.index.seq_at(i)).text.endswith(" created")
        )
        events.list.select_index(index)
        await wait_until(
            lambda: f"stream {name} created" in screen_text(app) and "goes to" in screen_text(app), pilot=pilot
        )
        await press_keys(pilot, "enter")
        await wait_until(lambda: app.current_mode == "streams" and getattr(app.screen, "ready", False), pilot=pilot)
        table = app.screen.query_one("#streams-table", DataTable)
        await wait_until(
            lambda: table.row_count and table_cells(table, name) and app.screen.selected == name, pilot=pilot
        )


async def test_max_deliveries_after_naks_in_words_and_enter_goes_to_the_consumer(server_url, nc, js, name):
    await js.create_stream({"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory"})
    await js.create_consumer(name, {"durable_name": "workers", "ack_policy": "explicit", "max_deliver": 2})
    jsc = nc.jetstream()
    await jsc.publish(f"{name.lower()}.job", b"job 1")
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        events = await open_events(app, pilot)
        sub = await jsc.pull_subscribe_bind(durable="workers", stream=name)
        for _ in range(2):
            (msg,) = await sub.fetch(1, timeout=5)
            await msg.nak()
        try:  # the third attempt finds the message past its deliveries: the server says so
            await sub.fetch(1, timeout=1)
        except nats.errors.TimeoutError:
            pass
        expected = f"consumer workers on {name}: max deliveries reached for stream sequence 1 after 2 deliveries"
        await wait_until(lambda: expected in screen_text(app), pilot=pilot)
        await choose_kind(app, pilot, "delivery")
        shown = [line for line in screen_text(app).splitlines() if "delivery " in line]
        assert sum(f"consumer workers on {name}: stream sequence 1 nak'd" in line for line in shown) == 2
        assert any(expected in line for line in shown)
        # the server's own count agrees: the message was delivered twice and is given up on
        info = await js.consumer_info(name, "workers")
        assert info["delivered"]["consumer_seq"] == 2 and info["num_ack_pending"] == 0
        await press_keys(pilot, "up")  # the newest event: the max deliveries one
        await wait_until(lambda: "io.nats.jetstream.advisory.v1.max_deliver" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "enter")
        await wait_until(lambda: app.current_mode == "consumers" and getattr(app.screen, "ready", False), pilot=pilot)
        await wait_until(lambda: app.selected_stream == name and app.screen.selected == "workers", pilot=pilot)
        await sub.unsubscribe()
        assert events.list.cursor_seq is not None


async def test_unknown_and_malformed_events_are_shown_not_dropped(server_url, nc, name):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        events = await open_events(app, pilot)
        odd = [
            (f"$JS.EVENT.ADVISORY.FUTURE.{name}", json.dumps({"type": "io.nats.jetstream.advisory.v9.future", "x": 1})),
            (f"$JS.EVENT.ADVISORY.STREAM.CREATED.{name}", "{not json [/] \x1b[31m"),
            (  # a known type with fields of the wrong shapes
                f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{name}.c",
                json.dumps({"type": "io.nats.jetstream.advisory.v1.max_deliver", "replicas": 5, "deliveries": "x"}),
            ),
            (f"$JS.EVENT.ADVISORY.API.{name}", json.dumps(["a", "list", "[b]"])),
            (f"$JS.EVENT.METRIC.{name}", ""),
        ]
        for subject, data in odd:
            await nc.publish(subject, data.encode())
        await nc.publish(
            f"$JS.EVENT.ADVISORY.STREAM.CREATED.{name}",
            json.dumps(
                {"type": "io.nats.jetstream.advisory.v1.stream_action", "stream": f"{name}-last", "action": "create"}
            ).encode(),
        )
        await nc.flush()
        await wait_until(lambda: f"stream {name}-last created" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert f"io.nats.jetstream.advisory.v9.future on $JS.EVENT.ADVISORY.FUTURE.{name}" in text
        assert f"$JS.EVENT.ADVISORY.STREAM.CREATED.{name}: not JSON: {{not json [/] " in text
        assert "\x1b" not in text
        assert "consumer ? on ?: max deliveries reached for stream sequence ?" in text  # what it could read
        assert '["a", "list", "[b]"]' in text
        assert f"$JS.EVENT.METRIC.{name}: empty event" in text
        # every one of them is a row, and the inspector shows the malformed one as text
        kinds = [events.list.event(events.index.seq_at(i)).kind for i in range(len(events.index))]
        # (two subscriptions: the metric may come in before or after the advisories around it)
        assert sorted(kinds[-6:]) == ["api", "delivery", "metric", "other", "stream", "stream"]
        malformed = next(
            i
            for i in range(len(events.index))
            if events.list.event(events.index.seq_at(i)).text.startswith("$JS.EVENT.ADVISORY.STREAM.CREATED")
        )
        events.list.select_index(malformed)
        await wait_until(lambda: "{not json [/]" in screen_text(app) and "Payload" in screen_text(app), pilot=pilot)


async def test_consumer_report_rows_are_the_servers_numbers_in_its_order(server_url, nc, js, name):
    jsc = nc.jetstream()
    streams = {name + "A": 5, name + "B": 12}
    for stream, count in streams.items():
        await js.create_stream({"name": stream, "subjects": [f"{stream.lower()}.>"], "storage": "memory"})
        for i in range(count):
            await jsc.publish(f"{stream.lower()}.m", f"m{i}".encode())
    await js.create_consumer(name + "A", {"durable_name": "slow", "ack_policy": "explicit"})
    await js.create_consumer(name + "B", {"durable_name": "fast", "ack_policy": "explicit"})
    await js.create_consumer(name + "B", {"durable_name": "idle", "ack_policy": "explicit"})
    fast = await jsc.pull_subscribe_bind(durable="fast", stream=name + "B")
    for msg in await fast.fetch(10, timeout=5):  # 10 delivered: 2 pending, 10 ack pending...
        await msg.ack() if msg.data != b"m0" else await msg.nak()  # ... one nak'd: redelivered
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "3")
        await wait_until(lambda: app.current_mode == "consumers" and getattr(app.screen, "ready", False), pilot=pilot)
        await press_keys(pilot, "R")
        screen = app.screen
        table = screen.query_one("#consumers-table", DataTable)
        ours = {row_key(name + "A", "slow"), row_key(name + "B", "fast"), row_key(name + "B", "idle")}
        await wait_until(lambda: screen.report and ours <= set(screen.report_rows), pilot=pilot)
        await wait_until(lambda: "Consumer report" in screen_text(app), pilot=pilot)
        infos = {
            row_key(stream, c): await js.consumer_info(stream, c)
            for stream, c in ((name + "A", "slow"), (name + "B", "fast"), (name + "B", "idle"))
        }
        await press_keys(pilot, "ctrl+r")  # a poll after the infos above: nothing moved in between

        def rows_now():
            keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]
            return [(k, table_cells(table, k)) for k in keys if k in ours]

        def matches():
            rows = rows_now()
            if len(rows) != 3:
                return False
            for key, cells in rows:
                info = infos[key]
                unprocessed = info["num_pending"] + info["num_ack_pending"]
                if cells["Unprocessed"] != f"{unprocessed:,}" or cells["Redeliv"] != f"{info['num_redelivered']:,}":
                    return False
                if (
                    cells["Pending"] != f"{info['num_pending']:,}"
                    or cells["Ack pend"] != f"{info['num_ack_pending']:,}"
                ):
                    return False
            return True

        await wait_until(matches, pilot=pilot)
        order = [key for key, _ in rows_now()]
        expected = sorted(ours, key=lambda k: -(infos[k]["num_pending"] + infos[k]["num_ack_pending"]))
        assert order == expected
        assert order[0] == row_key(name + "B", "idle")  # 12 unprocessed, then slow (5), then fast (2 + 1)
        # deliveries between two polls show as a rate (the nak'd message comes again: redelivered)
        await fast.fetch(2, timeout=5)
        key = row_key(name + "B", "fast")
        await press_keys(pilot, "ctrl+r")
        await wait_until(lambda: screen.report_rows[key].rate, pilot=pilot)
        info = await js.consumer_info(name + "B", "fast")
        assert info["num_redelivered"] == 1
        await press_keys(pilot, "ctrl+r")
        await wait_until(lambda: table_cells(table, key)["Redeliv"] == "1", pilot=pilot)
        # enter opens the selected consumer's workbench
        from natstui.ui.screens.workbench import WorkbenchScreen

        table.move_cursor(row=table.get_row_index(key), animate=False)
        await press_keys(pilot, "enter")
        await wait_until(lambda: isinstance(app.screen, WorkbenchScreen), pilot=pilot)
        assert (app.screen.stream, app.screen.consumer) == (name + "B", "fast")
        await press_keys(pilot, "escape")
        await wait_until(lambda: app.screen is screen, pilot=pilot)
        await press_keys(pilot, "R")  # back to one stream's consumers, its picker shown
        await wait_until(lambda: not screen.report and "Consumers of stream" in screen_text(app), pilot=pilot)
        assert screen.query_one("#consumers-stream").display
        # the command palette's "Consumer report", from another view
        await press_keys(pilot, "1")
        await wait_until(lambda: app.current_mode == "live", pilot=pilot)
        app.action_run_global("consumer_report")
        await wait_until(lambda: app.current_mode == "consumers" and screen.report and screen.report_rows, pilot=pilot)
        await fast.unsubscribe()


async def test_system_account_events_connect_disconnect_and_auth_errors(system_server):
    """With a system user (--system-creds/--system-context) the view adds the system account's events."""
    import nats

    app = make_test_app(system_server.url, ["none.>"], system=system_server.system_settings())
    async with app.run_test(size=SIZE) as pilot:
        events = await open_events(app, pilot)
        await wait_until(lambda: events.sources.system.ready, timeout=15, pilot=pilot)
        assert "JetStream only" not in screen_text(app)
        client = await nats.connect(system_server.url, name="evt-client")
        cid = client._client_id
        await client.close()
        connected = f'connected: cid {cid} "evt-client" app@APP from 127.0.0.1'
        await wait_until(lambda: connected in screen_text(app), pilot=pilot)
        await wait_until(lambda: f'disconnected: cid {cid} "evt-client"' in screen_text(app), pilot=pilot)
        line = next(line for line in screen_text(app).splitlines() if connected in line)
        assert "connection" in line and "on server solo" in line
        try:
            bad = await nats.connect(
                system_server.url.replace("nats://", "nats://nobody:wrong@"),
                allow_reconnect=False,
                max_reconnect_attempts=0,
            )
            await bad.close()
        except Exception:
            pass  # refused, as it should be

        def failed_line():
            lines = screen_text(app).splitlines()
            return next((line for line in lines if "authentication failed:" in line and "nobody@$G" in line), None)

        line = await wait_until(failed_line, pilot=pilot)
        assert line.split()[1] == "auth" and "from 127.0.0.1" in line and "Authentication Failure" in line
        # enter on a connection event: the Connections view
        await choose_kind(app, pilot, "connection")
        await press_keys(pilot, "up", "enter")
        await wait_until(lambda: app.current_mode == "connections", pilot=pilot)
        # the connection it names has closed: said so once the view has listed the open ones
        await wait_until(
            lambda: any("is not open any more" in n.message for n in app._notifications), timeout=10, pilot=pilot
        )


async def test_a_server_entering_lame_duck_mode_is_shown():
    """A cluster of its own (the server it signals goes away): the system account's LAMEDUCK event in words."""
    import signal

    from natstui.demo.topology import Topology

    with Topology([("ldm", 2)], jetstream=False) as topo:
        app = make_test_app(topo.url, ["none.>"], system=topo.system_settings())
        async with app.run_test(size=SIZE) as pilot:
            events = await open_events(app, pilot)
            await wait_until(lambda: events.sources.system.ready, timeout=15, pilot=pilot)
            topo.node("ldm-2").server.proc.send_signal(signal.SIGUSR2)  # nats-server --signal ldm
            expected = "server ldm-2 of cluster ldm entered lame duck mode"
            await wait_until(lambda: expected in screen_text(app), timeout=15, pilot=pilot)
            line = next(line for line in screen_text(app).splitlines() if expected in line)
            assert line.split()[1] == "server"


async def test_events_are_collected_again_after_a_new_connection_while_another_view_is_shown(server_url, nc, js, name):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        events = await open_events(app, pilot)
        await press_keys(pilot, "1")
        await wait_until(lambda: app.current_mode == "live", pilot=pilot)
        old = app.session.nc
        await old.close()  # the connection is gone for good: r makes a new one
        await wait_until(lambda: app.session.state.value == "closed", pilot=pilot)
        await press_keys(pilot, "r")
        await wait_until(lambda: app.session.connected and app.session.nc is not old, pilot=pilot)
        await wait_until(
            lambda: events.sources.jetstream.ready and events.sources.jetstream.nc is app.session.nc, pilot=pilot
        )
        await js.create_stream({"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory"})
        store = events.sources.store
        await wait_until(
            lambda: any(
                r.msg.subject == f"$JS.EVENT.ADVISORY.STREAM.CREATED.{name}" for r in store.range(1, store.last_seq + 1)
            ),
            pilot=pilot,
        )
        assert app.current_mode == "live"
        await press_keys(pilot, "0")
        await wait_until(lambda: f"stream {name} created" in screen_text(app), pilot=pilot)

"""The connected server's detail (Servers view) and this connection's (Connections view) in Pilot: the real
server's details, the account's JetStream usage, the live subscription. These servers have no system
user: the views show what they can without it."""

import re
import uuid

from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.connections import ConnectionsScreen
from natstui.ui.screens.servers import ServersScreen
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

SIZE = (170, 40)


def delivered_dropped(row: str) -> tuple:
    """The subscription row's last two columns, right after the pending bytes limit: delivered, dropped."""
    found = re.search(r" of [0-9.]+ [KMG]?i?B +([0-9,]+) +([0-9,]+) *│? *$", row)
    return found.groups() if found else ()


def lines_with(text: str, label: str) -> list:
    return [line for line in text.splitlines() if label in line]


async def open_server_view(app, pilot) -> ServersScreen:
    await pilot.press("7")
    await wait_until(lambda: isinstance(app.screen, ServersScreen) and app.screen.ready, pilot=pilot)
    return app.screen


async def open_own_connection(app, pilot) -> ConnectionsScreen:
    """The Connections view, with natstui's own connection's detail open (its cursor starts there)."""
    await pilot.press("8")
    await wait_until(lambda: isinstance(app.screen, ConnectionsScreen) and app.screen.ready, pilot=pilot)
    screen = app.screen
    await wait_until(lambda: screen.own_key is not None and screen.selected == screen.own_key, pilot=pilot)
    await press_keys(pilot, "enter")
    await wait_until(lambda: "Live stream subscription" in screen_text(app), pilot=pilot)
    return screen


async def test_server_details_account_usage_and_live_subscription(server_url, nc):
    p = "s" + uuid.uuid4().hex[:8]
    js = nc.jetstream()
    await js.add_stream(name=p.upper(), subjects=[f"{p}.stored.>"])
    app = make_test_app(server_url, [f"{p}.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            for _i in range(7):
                await nc.publish(f"{p}.x", b"hello")
            await nc.flush()
            await wait_until(lambda: app.store.total == 7, pilot=pilot)
            await open_server_view(app, pilot)
            info = app.session.server_info
            await wait_until(lambda: "Streams" in screen_text(app), pilot=pilot)
            text = screen_text(app)
            assert "natstui-test" in text  # the server's name
            assert info["server_id"][:20] in text
            assert f"Version      {info['version']}" in text
            assert "— (not clustered)" in text
            assert lines_with(text, "JetStream    on")
            assert "1.0 MiB (1,048,576 bytes)" in text  # max payload
            assert "TLS          off" in text
            assert "Connect URLs none advertised" in text
            # the account's usage, as the JetStream API reports it right now
            account = await js.account_info()
            await pilot.press("u")
            await wait_until(lambda: f"Streams      {account.streams:,} of unlimited" in screen_text(app), pilot=pilot)
            assert f"Consumers    {account.consumers:,} of unlimited" in screen_text(app)
            # the live stream's subscription, as nats-py counts it: this connection's detail in Connections
            await open_own_connection(app, pilot)
            assert lines_with(screen_text(app), "Round trip ")
            sub = app.feed.subscriptions[0]
            row = lines_with(screen_text(app), f" {p}.> ")
            assert row, "the subscription row"
            assert "0 of 262,144" in row[0] and "0 B of 128.0 MiB" in row[0]
            assert delivered_dropped(row[0]) == ("7", "0") and sub.delivered == 7, row[0]
            # more messages: the delivered count follows without a key press
            for _i in range(5):
                await nc.publish(f"{p}.x", b"more")
            await nc.flush()
            await wait_until(
                lambda: [delivered_dropped(line) for line in lines_with(screen_text(app), f" {p}.> ")] == [("12", "0")],
                pilot=pilot,
            )
    finally:
        await js.delete_stream(p.upper())


async def test_slow_consumer_drops_and_limits_are_shown(server_url, nc):
    p = "f" + uuid.uuid4().hex[:8]
    app = make_test_app(server_url, [f"{p}.>"])
    app.feed.pending_msgs_limit = 5  # so that a burst overflows what nats-py may hold
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await open_own_connection(app, pilot)
        for _i in range(3000):
            await nc.publish(f"{p}.flood", b"x" * 16)
        await nc.flush()
        await wait_until(lambda: app.store.total + app.session.total_dropped == 3000, timeout=15, pilot=pilot)
        dropped = app.session.total_dropped
        assert dropped > 0
        await wait_until(
            lambda: any(
                f" {dropped:,}" in line and "of 5 " in line for line in lines_with(screen_text(app), f" {p}.> ")
            ),
            pilot=pilot,
        )


async def test_server_without_jetstream_says_so_in_plain_words():
    with EmbeddedServer(jetstream=False, name="no-js") as server:
        app = make_test_app(server.url, ["x.>"])
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await open_server_view(app, pilot)
            await wait_until(lambda: "JetStream is not" in screen_text(app), pilot=pilot)
            text = screen_text(app)
            assert lines_with(text, "JetStream    off")
            assert "no-js" in text and "Traceback" not in text


async def test_read_only_still_shows_the_server():
    """Looking is not changing: the Servers view works with --read-only (nothing here publishes)."""
    with EmbeddedServer(name="ro-server") as server:
        app = make_test_app(server.url, ["x.>"], read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await open_server_view(app, pilot)
            await wait_until(lambda: "Streams      0 of unlimited" in screen_text(app), pilot=pilot)
            assert "ro-server" in screen_text(app) and app.last_refusal == ""

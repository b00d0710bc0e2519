"""Contexts without restarting: two real servers, two nats CLI contexts, every view follows a switch.

The contexts live in a temporary ``$XDG_CONFIG_HOME`` (the nats CLI's own layout); each server holds
a stream, a key-value bucket and a micro service named after it, and live traffic of its own, so
that anything of the first server left on screen after a switch is found by name.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import uuid

import nats
import pytest
from nats import micro

from natstui.cli import make_app
from natstui.client.session import confirm
from natstui.config import Settings, resolve_connection
from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.contexts import ContextFormScreen, ContextsScreen, SwitchScreen
from tests.conftest import press_keys, screen_text, wait_connected, wait_until

SIZE = (140, 36)


@pytest.fixture(scope="module")
def systems(tmp_path_factory):
    """Two servers, ALPHA and BETA, each with a stream, a bucket and traffic of its own."""
    servers = {
        "alpha": EmbeddedServer(name="srv-alpha-" + uuid.uuid4().hex[:6]).start(),
        "beta": EmbeddedServer(name="srv-beta-" + uuid.uuid4().hex[:6]).start(),
    }
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
def xdg(tmp_path, monkeypatch, systems):
    for var in ("NATS_URL", "NATS_CONTEXT", "NATS_USER", "NATS_PASSWORD", "NATS_CREDS", "NATS_NKEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    contexts = tmp_path / "nats" / "context"
    contexts.mkdir(parents=True)
    for name, server in systems.items():
        (contexts / f"{name}.json").write_text(
            json.dumps({"description": f"The {name} system", "url": server.url, "color_scheme": "red"}, indent=2)
        )
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    (contexts / "down.json").write_text(json.dumps({"url": f"nats://127.0.0.1:{dead}"}))
    return tmp_path


async def seed(url: str, name: str):
    """A stream, a bucket, a service named after the system; returns the client (the service lives on it)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name=f"{name.upper()}_ORDERS", subjects=[f"{name}.orders.>"])
    await js.create_key_value(bucket=f"{name}_settings")
    await micro.add_service(nc, name=f"{name}-svc", version="1.0.0")
    await confirm(nc)
    return nc


async def unseed(nc, name: str) -> None:
    js = nc.jetstream()
    for stream in (f"{name.upper()}_ORDERS", f"KV_{name}_settings"):
        try:
            await js.delete_stream(stream)
        except Exception:
            pass
    await nc.close()


def app_on_context(name: str):
    return make_app(Settings(connection=resolve_connection(context=name), subjects=[">"]))


async def show_and_read(pilot, key: str, wanted: str) -> str:
    """Show a view (its number key) and return its text once ``wanted`` is on it."""
    app = pilot.app
    await press_keys(pilot, key)
    await wait_until(lambda: wanted in screen_text(app), timeout=15, pilot=pilot)
    return screen_text(app)


async def switch_with_the_list(pilot, name: str) -> None:
    """C, the cursor on ``name``, Enter: as a user switches."""
    app = pilot.app
    await press_keys(pilot, "C")
    await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
    screen = app.screen
    names = [c.name for c in screen.contexts]
    screen.table.move_cursor(row=names.index(name))
    await press_keys(pilot, "enter")


async def test_switching_moves_every_view_and_nothing_of_the_first_server_remains(systems, xdg):
    alpha, beta = systems["alpha"], systems["beta"]
    nc_a, nc_b = await seed(alpha.url, "alpha"), await seed(beta.url, "beta")
    try:
        app = app_on_context("alpha")
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            # The first system in every view: its server, stream, bucket, service, live messages.
            await nc_a.publish("alpha.tick", b"a-live")
            await wait_until(lambda: "a-live" in screen_text(app), timeout=10, pilot=pilot)
            assert "ctx alpha" in screen_text(app).split("\n", 1)[0]
            await show_and_read(pilot, "2", "ALPHA_ORDERS")
            await show_and_read(pilot, "3", "ALPHA_ORDERS")
            await show_and_read(pilot, "4", "alpha_settings")
            await show_and_read(pilot, "6", "alpha-svc")
            await show_and_read(pilot, "7", alpha.name)
            first_id = app.session.server_info["server_id"]
            old_session = app.session

            await switch_with_the_list(pilot, "beta")
            await wait_until(
                lambda: (
                    app.settings.connection.context == "beta"
                    and app.session.connected
                    and app.current_mode == "servers"
                ),
                timeout=15,
                pilot=pilot,
            )
            assert old_session.nc.is_closed  # the first connection is gone, not left running
            second_id = app.session.server_info["server_id"]
            assert second_id != first_id

            # Every view, on the second system, and no name of the first anywhere on screen.
            shown = {"7": await show_and_read(pilot, "7", beta.name)}
            await nc_b.publish("beta.tick", b"b-live")
            await nc_a.publish("alpha.tick", b"alpha-after-switch")  # must not arrive
            shown["1"] = await show_and_read(pilot, "1", "b-live")
            shown["2"] = await show_and_read(pilot, "2", "BETA_ORDERS")
            shown["3"] = await show_and_read(pilot, "3", "BETA_ORDERS")
            shown["4"] = await show_and_read(pilot, "4", "beta_settings")
            kv = await nc_b.jetstream().key_value("beta_settings")
            await kv.put("put-after-switch", b"v")  # the bucket's watch runs on the new connection
            shown["4"] = await show_and_read(pilot, "4", "put-after-switch")
            shown["5"] = await show_and_read(pilot, "5", "No object store")
            shown["6"] = await show_and_read(pilot, "6", "beta-svc")
            for key, text in shown.items():
                status = text.split("\n", 1)[0]
                assert "ctx beta" in status, (key, status)
                for leftover in ("alpha", "ALPHA", alpha.name, str(alpha.port), first_id[:12]):
                    assert leftover not in text, (key, leftover, text)
            # The live stream holds only the second system's messages (the first's traffic went on).
            assert all(not r.msg.subject.startswith("alpha") for r in app.store.range(1, app.store.last_seq + 1))
            # The nats CLI's selection was not touched.
            assert not (xdg / "nats" / "context.txt").exists()
    finally:
        await unseed(nc_a, "alpha")
        await unseed(nc_b, "beta")


async def test_a_failed_switch_says_why_and_b_goes_back(systems, xdg):
    alpha = systems["alpha"]
    nc_a = await seed(alpha.url, "alpha")
    try:
        app = app_on_context("alpha")
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await show_and_read(pilot, "2", "ALPHA_ORDERS")
            await switch_with_the_list(pilot, "down")
            await wait_until(
                lambda: "Cannot connect to down" in screen_text(app) and "b goes back to alpha" in screen_text(app),
                timeout=15,
                pilot=pilot,
            )
            text = screen_text(app)
            assert isinstance(app.screen, SwitchScreen)
            assert "connection refused" in text
            assert "● failed  ctx down" in text.split("\n", 1)[0]
            assert "ALPHA_ORDERS" not in text
            # The other views are empty (the status bar says failed); none shows the first system.
            streams = await show_and_read(pilot, "2", "Streams")
            assert "ALPHA" not in streams

            await press_keys(pilot, "C")
            await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
            assert "previous" in screen_text(app)
            await press_keys(pilot, "b")
            await wait_until(
                lambda: app.session.connected and app.settings.connection.context == "alpha", timeout=15, pilot=pilot
            )
            await wait_until(lambda: "ALPHA_ORDERS" in screen_text(app), timeout=15, pilot=pilot)
            assert app.current_mode == "streams"
            assert "ctx alpha" in screen_text(app).split("\n", 1)[0]
    finally:
        await unseed(nc_a, "alpha")


async def test_the_list_marks_current_and_selected_and_s_selects_for_the_nats_cli(systems, xdg):
    (xdg / "nats" / "context.txt").write_text("beta")
    app = app_on_context("alpha")
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        # In the command palette as "Contexts"; C opens the same list.
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Contexts")
        command.callback()
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, ContextsScreen), pilot=pilot)
        await press_keys(pilot, "C")
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        await wait_until(lambda: "The beta system" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        alpha_line = next(line for line in text.splitlines() if " alpha " in line and "The alpha system" in line)
        beta_line = next(line for line in text.splitlines() if " beta " in line and "The beta system" in line)
        assert "current" in alpha_line and "selected" not in alpha_line
        assert "selected" in beta_line and "current" not in beta_line
        assert systems["alpha"].url in alpha_line  # the server URL
        assert "none" in alpha_line  # the kind of credentials
        screen = app.screen
        screen.table.move_cursor(row=[c.name for c in screen.contexts].index("alpha"))
        await press_keys(pilot, "s")
        await wait_until(lambda: (xdg / "nats" / "context.txt").read_text() == "alpha", pilot=pilot)
        await wait_until(lambda: "current, selected" in screen_text(app), pilot=pilot)
        # Selecting is not switching, and switching is not selecting.
        assert app.settings.connection.context == "alpha"


async def test_a_context_is_created_and_edited_in_the_nats_cli_format(systems, xdg, tmp_path):
    creds_ca = tmp_path / "ca.pem"
    creds_ca.write_text("-----BEGIN CERTIFICATE-----\n")
    beta_file = xdg / "nats" / "context" / "beta.json"
    raw = json.loads(beta_file.read_text())
    raw["password"] = "kept-secret"  # a field the form does not show stays as it was
    beta_file.write_text(json.dumps(raw))
    app = app_on_context("alpha")
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "C")
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        # New: n, the fields, Save.
        await press_keys(pilot, "n")
        await wait_until(lambda: isinstance(app.screen, ContextFormScreen), pilot=pilot)
        form = app.screen
        form.query_one("#ctx-name").value = "gamma"
        form.query_one("#ctx-url").value = systems["beta"].url
        form.query_one("#ctx-description").value = "Gamma, made in natstui"
        form.query_one("#ctx-jetstream_domain").value = "hub"
        form.submit()
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        gamma = xdg / "nats" / "context" / "gamma.json"
        assert json.loads(gamma.read_text()) == {
            "description": "Gamma, made in natstui",
            "url": systems["beta"].url,
            "creds": "",
            "nkey": "",
            "cert": "",
            "key": "",
            "ca": "",
            "jetstream_domain": "hub",
        }
        assert stat.S_IMODE(os.stat(gamma).st_mode) == 0o600
        await wait_until(lambda: "Gamma, made in natstui" in screen_text(app), pilot=pilot)
        assert resolve_connection(context="gamma").js_domain == "hub"  # read back as the nats CLI's format

        # Edit: e on beta; a missing file is refused with a reason, a real one saved.
        screen = app.screen
        screen.table.move_cursor(row=[c.name for c in screen.contexts].index("beta"))
        await press_keys(pilot, "e")
        await wait_until(lambda: isinstance(app.screen, ContextFormScreen), pilot=pilot)
        form = app.screen
        assert form.query_one("#ctx-description").value == "The beta system"
        await pilot.pause(0.1)
        assert app.focused is not None and app.focused.id == "ctx-url"  # editing: the name is known, the URL first
        form.query_one("#ctx-ca").value = str(tmp_path / "missing.pem")
        form.submit()
        await wait_until(lambda: "no such file" in screen_text(app), pilot=pilot)
        assert json.loads(beta_file.read_text()).get("ca") is None
        form.query_one("#ctx-ca").value = str(creds_ca)
        form.query_one("#ctx-description").value = "Beta, edited"
        form.submit()
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        saved = json.loads(beta_file.read_text())
        assert saved["description"] == "Beta, edited"
        assert saved["ca"] == str(creds_ca)
        assert saved["password"] == "kept-secret" and saved["color_scheme"] == "red"
        assert "kept-secret" not in screen_text(app)


async def test_the_form_never_shows_the_urls_user_info_and_keeps_it_unless_the_url_changes(systems, xdg):
    beta_file = xdg / "nats" / "context" / "beta.json"
    host = systems["beta"].url.split("://", 1)[1]
    beta_file.write_text(json.dumps({"url": f"nats://bob:pw-in-url-secret@{host}"}))
    app = app_on_context("alpha")
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "C")
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        screen = app.screen
        screen.table.move_cursor(row=[c.name for c in screen.contexts].index("beta"))
        await press_keys(pilot, "e")
        await wait_until(lambda: isinstance(app.screen, ContextFormScreen), pilot=pilot)
        form = app.screen
        assert form.query_one("#ctx-url").value == f"nats://{host}"
        form.query_one("#ctx-description").value = "only the description"
        form.submit()
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        assert json.loads(beta_file.read_text())["url"] == f"nats://bob:pw-in-url-secret@{host}"
        # A URL typed anew replaces it.
        await press_keys(pilot, "e")
        await wait_until(lambda: isinstance(app.screen, ContextFormScreen), pilot=pilot)
        form = app.screen
        form.query_one("#ctx-url").value = f"nats://{host},nats://127.0.0.1:4999"
        form.submit()
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        assert json.loads(beta_file.read_text())["url"] == f"nats://{host},nats://127.0.0.1:4999"


async def test_r_after_a_failed_switch_connects_and_returns_to_the_view(systems, xdg):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (xdg / "nats" / "context" / "late.json").write_text(json.dumps({"url": f"nats://127.0.0.1:{port}"}))
    app = app_on_context("alpha")
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await show_and_read(pilot, "7", systems["alpha"].name)
        await switch_with_the_list(pilot, "late")
        await wait_until(lambda: "Cannot connect to late" in screen_text(app), timeout=15, pilot=pilot)
        late = EmbeddedServer(port=port, name="srv-late-" + uuid.uuid4().hex[:6]).start()
        try:
            await press_keys(pilot, "r")
            await wait_until(
                lambda: app.current_mode == "servers" and late.name in screen_text(app), timeout=15, pilot=pilot
            )
            assert "● connected  ctx late" in screen_text(app).split("\n", 1)[0]
        finally:
            late.stop()


async def test_at_80_columns_the_list_shows_each_server_url_whole(systems, xdg):
    """Two contexts on the same host differ only by the port: the Server column must show it."""
    (xdg / "nats" / "context.txt").write_text("alpha")
    app = app_on_context("alpha")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "C")
        await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        await wait_until(lambda: " beta " in screen_text(app), pilot=pilot)
        text = screen_text(app)
        for name in ("alpha", "beta"):
            line = next(line for line in text.splitlines() if f" {name} " in line)
            assert systems[name].url in line, line


async def test_the_subscriptions_open_at_the_switch_are_made_again_on_the_new_system(systems, xdg):
    """A subscription added in the Subscriptions view follows the switch (a responder does not)."""
    from natstui.model.subscriptions import ResponderSpec, SubSpec

    p = "sw" + uuid.uuid4().hex[:8]
    app = make_app(Settings(connection=resolve_connection(context="alpha"), subjects=[f"{p}.start"]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await app.feed.add(SubSpec(f"{p}.added.>", max_msgs=10))
        await app.feed.add(SubSpec(f"{p}.svc"), ResponderSpec(f"{p}.svc", payload="pong"))
        await switch_with_the_list(pilot, "beta")
        await wait_until(
            lambda: app.settings.connection.context == "beta" and app.session.connected and app.feed.ready,
            timeout=15,
            pilot=pilot,
        )
        assert [(e.spec.subject, e.spec.max_msgs) for e in app.feed.entries] == [
            (f"{p}.start", 0),
            (f"{p}.added.>", 10),
        ]
        nc = await nats.connect(systems["beta"].url)
        try:
            await nc.publish(f"{p}.added.x", b"on beta")
            await nc.flush()
            await wait_until(lambda: any(r.data == b"on beta" for r in app.store.range(1, 10)), pilot=pilot)
        finally:
            await nc.close()

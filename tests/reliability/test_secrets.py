"""No secret reaches the screen, the help, a notification, an error text or a log.

The app is driven through every main view (keys 1-7) and the help (?) with
each kind of credential configured, connected and refused, and everything
shown is searched for the secrets and for parts of them.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import nats
import pytest

from natstui.cli import make_app
from natstui.demo.server import EmbeddedServer
from natstui.ui.screens.help import HelpScreen
from natstui.ui.views import VIEWS
from tests.conftest import screen_text, wait_until
from tests.reliability.helpers import SIZE, notifications, quit_app, tap
from tests.reliability.material import Operator, make_certificates, user_nkey
from tests.reliability.test_auth import settings_from

PASSWORD = "pw-" + uuid.uuid4().hex
TOKEN = "tok-" + uuid.uuid4().hex


def pieces(secret: str) -> list[str]:
    """The secret and every 12-character slice of it: a partial leak is a leak."""
    secret = secret.strip()
    return [secret] + [secret[i : i + 12] for i in range(0, max(1, len(secret) - 11), 6)]


def file_secrets(path: Path) -> list[str]:
    """The lines that matter in a key file: everything but its BEGIN/END and banner lines."""
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if len(line.strip()) > 16 and not line.startswith(("-----", "------", "***", "NKEY", "NKEYs"))
    ]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("secrets")
    certs = make_certificates(d / "tls")
    seed, public = user_nkey()
    (d / "user.nk").write_text(seed + "\n")
    operator = Operator.create(jetstream=True)
    (d / "user.creds").write_text(operator.user_creds())
    (d / "broken.creds").write_text(operator.user_creds().replace("eyJ", "xyz", 1))  # the JWT no longer decodes
    configs = {
        "users": f'authorization {{ users: [ {{ user: alice, password: "{PASSWORD}" }}, {{ nkey: {public} }} ] }}\n',
        "token": f'authorization {{ token: "{TOKEN}" }}\n',
        "creds": operator.server_config(),
        "mtls": certs.server_tls(verify=True),
    }
    servers: dict[str, EmbeddedServer] = {}
    try:
        for kind, config in configs.items():
            servers[kind] = EmbeddedServer(config=config).start()
        yield {"dir": d, "certs": certs, "servers": servers, "seed": seed}
    finally:
        for server in servers.values():
            server.stop()


def case(env, name: str) -> tuple[list[str], list[str], str]:
    """(command-line flags, secrets, expected state) for one way of configuring credentials."""
    s, d, certs = env["servers"], env["dir"], env["certs"]
    host = lambda kind: f"127.0.0.1:{s[kind].port}"  # noqa: E731
    creds = d / "user.creds"
    return {
        "url-user-info": (
            ["-s", f"nats://alice:{PASSWORD}@{host('users')}"],
            [PASSWORD, f"alice:{PASSWORD}"],
            "connected",
        ),
        "password-flag": (
            ["-s", f"nats://{host('users')}", "--user", "alice", "--password", PASSWORD],
            [PASSWORD],
            "connected",
        ),
        "token": (["-s", f"nats://{host('token')}", "--token", TOKEN], [TOKEN], "connected"),
        "nkey": (["-s", f"nats://{host('users')}", "--nkey", str(d / "user.nk")], [env["seed"]], "connected"),
        "creds": (["-s", f"nats://{host('creds')}", "--creds", str(creds)], file_secrets(creds), "connected"),
        "mtls": (
            [
                "-s",
                f"nats://{host('mtls')}",
                "--tls-ca",
                str(certs.ca),
                "--tls-cert",
                str(certs.client_cert),
                "--tls-key",
                str(certs.client_key),
            ],
            file_secrets(certs.client_key),
            "connected",
        ),
        "wrong-url-password": (["-s", f"nats://alice:{PASSWORD}x@{host('users')}"], [PASSWORD], "failed"),
        "broken-creds": (
            ["-s", f"nats://{host('creds')}", "--creds", str(d / "broken.creds")],
            file_secrets(d / "broken.creds"),
            "failed",
        ),
    }[name]


FULL_TOUR = ("url-user-info", "creds")
CASES = ["url-user-info", "password-flag", "token", "nkey", "creds", "mtls", "wrong-url-password", "broken-creds"]


@pytest.mark.parametrize("name", CASES)
async def test_no_secret_is_ever_shown(env, name, caplog, monkeypatch):
    for var in ("NATS_URL", "NATS_CONTEXT", "NATS_USER", "NATS_PASSWORD", "NATS_CREDS", "NATS_NKEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env["dir"] / "xdg"))
    caplog.set_level(logging.DEBUG)
    args, secrets, expect = case(env, name)
    if expect == "connected" and name in ("url-user-info", "creds"):
        await seed_content(env["servers"]["users" if name != "creds" else "creds"], env["dir"] / "user.creds")
    app = make_app(settings_from(args + ["--subject", "secrets.>"]))
    shown: list[str] = []
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(lambda: app.session.state.value in ("connected", "failed"), timeout=10, pilot=pilot)
        assert app.session.state.value == expect, app.session.error
        # Every view, with a secret in the URL and with creds; with the other kinds, the views that show the
        # connection (the status bar is on every view): what the others show does not depend on the credentials.
        # what each view shows once it has read the server: checked before the screen is kept, so that
        # an empty screen (nothing read yet) cannot pass
        data_on_screen = {
            "1": lambda text: f"● {expect}" in text,
            "2": lambda text: "SECRETS" in text and "secrets.stored.>" in text,
            "3": lambda text: "Consumers of stream" in text and "No consumers on this stream." in text,
            "4": lambda text: "secrets_kv" in text,
            "5": lambda text: "No object store in this account." in text,
            "6": lambda text: re.search(r"\b0 services, 0 instances\b", text),
            "7": lambda text: (
                re.search(r"Version +2\.\d+\.\d+", text) if expect == "connected" else re.search(r"State +failed", text)
            ),
        }
        for key in "1234567" if name in FULL_TOUR else "17":
            mode = VIEWS[int(key) - 1].mode
            await tap(pilot, key)
            await wait_until(lambda: app.current_mode == mode and getattr(app.screen, "ready", False), pilot=pilot)
            await wait_until(lambda: data_on_screen[key](screen_text(app)), pilot=pilot)
            shown.append(screen_text(app))
        await tap(pilot, "question_mark")
        await wait_until(lambda: isinstance(app.screen, HelpScreen) and "natstui keys" in screen_text(app), pilot=pilot)
        shown.append(screen_text(app))
        await tap(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, HelpScreen), pilot=pilot)
        await wait_until(lambda: data_on_screen["7"](screen_text(app)), pilot=pilot)
        shown.append(screen_text(app))
        shown.extend(notifications(app))
        shown.append(app.session.error)
        shown.append(app.session.server_url)
        await quit_app(pilot)
    shown.append(caplog.text)
    everything = "\n".join(shown)
    if expect == "failed":
        assert "cannot connect to nats://127.0.0.1:" in everything  # the error was shown, without the secrets
    for secret in secrets:
        for piece in pieces(secret):
            assert piece not in everything, f"{name}: a piece of a secret is shown: {piece!r}"


async def seed_content(server: EmbeddedServer, creds: Path) -> None:
    """A stream and a bucket, so that the views have something to show."""
    kwargs = (
        {"user_credentials": str(creds)}
        if "operator" in (server.config or "")
        else {"user": "alice", "password": PASSWORD}
    )
    nc = await nats.connect(server.url, **kwargs)
    try:
        js = nc.jetstream()
        await js.add_stream(name="SECRETS", subjects=["secrets.stored.>"])
        await js.publish("secrets.stored.a", b"stored")
        kv = await js.create_key_value(bucket="secrets_kv")
        await kv.put("key", b"value")
    finally:
        await nc.close()


async def test_the_context_list_the_context_form_and_a_switch_show_no_secret(env, caplog, monkeypatch):
    """Contexts holding every kind of credential: the list (C), the edit form (e), a switch that
    connects and one that is refused show the kind of credentials, never one."""
    import json

    from natstui.config import Settings, resolve_connection
    from natstui.ui.screens.contexts import ContextFormScreen, ContextsScreen, SwitchScreen

    for var in ("NATS_URL", "NATS_CONTEXT", "NATS_USER", "NATS_PASSWORD", "NATS_CREDS", "NATS_NKEY"):
        monkeypatch.delenv(var, raising=False)
    xdg = env["dir"] / "xdg-contexts"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    s, d = env["servers"], env["dir"]
    users, token, creds = (f"127.0.0.1:{s[kind].port}" for kind in ("users", "token", "creds"))
    contexts = {
        "a-url-user-info": {"url": f"nats://alice:{PASSWORD}@{users}", "description": "user info in the URL"},
        "b-password": {"url": f"nats://{users}", "user": "alice", "password": PASSWORD},
        "c-token": {"url": f"nats://{token}", "token": TOKEN},
        "d-nkey": {"url": f"nats://{users}", "nkey": str(d / "user.nk")},
        "e-creds": {"url": f"nats://{creds}", "creds": str(d / "user.creds")},
        "f-wrong": {"url": f"nats://alice:{PASSWORD}x@{users}"},
    }
    directory = xdg / "nats" / "context"
    directory.mkdir(parents=True, exist_ok=True)
    for name, values in contexts.items():
        (directory / f"{name}.json").write_text(json.dumps(values))
    secrets = [PASSWORD, f"alice:{PASSWORD}", TOKEN, env["seed"], *file_secrets(d / "user.creds")]
    caplog.set_level(logging.DEBUG)
    app = make_app(Settings(connection=resolve_connection(context="a-url-user-info"), subjects=["secrets.>"]))
    shown: list[str] = []

    async def open_list() -> ContextsScreen:
        await tap(pilot, "C")
        await wait_until(lambda: isinstance(app.screen, ContextsScreen) and "e-creds" in screen_text(app), pilot=pilot)
        return app.screen  # type: ignore[return-value]

    async def choose(screen: ContextsScreen, name: str, key: str) -> None:
        screen.table.move_cursor(row=[c.name for c in screen.contexts].index(name))
        await tap(pilot, key)

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(lambda: app.session.state.value == "connected", timeout=10, pilot=pilot)
        screen = await open_list()
        text = screen_text(app)
        shown.append(text)
        for kind in ("user info in URL", "user/password", "token", "nkey", "creds file"):
            assert kind in text  # the kind of credentials is said
        for name in ("a-url-user-info", "b-password", "c-token"):
            await choose(screen, name, "e")
            await wait_until(lambda: isinstance(app.screen, ContextFormScreen), pilot=pilot)
            await pilot.pause(0.1)
            shown.append(screen_text(app))
            shown.extend(str(getattr(w, "value", "")) for w in app.screen.query("Input"))
            await tap(pilot, "escape")
            await wait_until(lambda: isinstance(app.screen, ContextsScreen), pilot=pilot)
        await choose(screen, "c-token", "enter")
        await wait_until(
            lambda: app.settings.connection.context == "c-token" and app.session.connected and app.feed.ready,
            timeout=10,
            pilot=pilot,
        )
        await wait_until(lambda: "ctx c-token" in screen_text(app), pilot=pilot)
        shown.append(screen_text(app))
        screen = await open_list()
        await choose(screen, "f-wrong", "enter")
        await wait_until(
            lambda: isinstance(app.screen, SwitchScreen) and "Cannot connect to f-wrong" in screen_text(app),
            timeout=10,
            pilot=pilot,
        )
        await wait_until(lambda: "authorization" in screen_text(app), pilot=pilot)
        shown.append(screen_text(app))
        shown.extend(notifications(app))
        shown.append(app.session.error)
        await quit_app(pilot)
    shown.append(caplog.text)
    everything = "\n".join(shown)
    for secret in secrets:
        for piece in pieces(secret):
            assert piece not in everything, f"a piece of a secret is shown: {piece!r}"

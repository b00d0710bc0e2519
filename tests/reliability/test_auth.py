"""Authentication against servers configured by the tests, with settings built as the command builds them.

Every kind: user/password, token, nkey, creds (operator/account/user JWTs),
TLS with a CA made here, mutual TLS, and a nats CLI context. The right
credentials connect; a wrong one fails fast (no hang) with a clear reason.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest

from natstui.cli import build_settings, main
from natstui.config import Settings
from natstui.demo.server import EmbeddedServer
from tests.conftest import screen_text, wait_until
from tests.reliability.helpers import SIZE, notifications, quit_app, status_line
from tests.reliability.material import Operator, make_certificates, user_nkey

PASSWORD = "pw-" + uuid.uuid4().hex
TOKEN = "tok-" + uuid.uuid4().hex
REFUSED = "authorization violation: the server refused the credentials"


@dataclass
class Auth:
    servers: dict[str, EmbeddedServer]
    files: dict[str, Path]
    xdg: Path


@pytest.fixture(scope="module")
def auth(tmp_path_factory):
    d = tmp_path_factory.mktemp("auth")
    certs = make_certificates(d / "tls")
    seed, public = user_nkey()
    other_seed, _ = user_nkey()
    operator = Operator.create(jetstream=False)
    files = {
        "nkey": d / "user.nk",
        "other_nkey": d / "other.nk",
        "creds": d / "user.creds",
        "foreign_creds": d / "foreign.creds",
        "ca": certs.ca,
        "other_ca": certs.other_ca,
        "cert": certs.client_cert,
        "key": certs.client_key,
    }
    files["nkey"].write_text(seed + "\n")
    files["other_nkey"].write_text(other_seed + "\n")
    files["creds"].write_text(operator.user_creds())
    files["foreign_creds"].write_text(Operator.create(jetstream=False).user_creds())  # an account nobody trusts
    configs = {
        "user": f'authorization {{ user: alice, password: "{PASSWORD}" }}\n',
        "token": f'authorization {{ token: "{TOKEN}" }}\n',
        "nkey": f"authorization {{ users: [ {{ nkey: {public} }} ] }}\n",
        "creds": operator.server_config(),
        "tls": certs.server_tls(),
        "mtls": certs.server_tls(verify=True) + f'authorization {{ user: alice, password: "{PASSWORD}" }}\n',
    }
    servers: dict[str, EmbeddedServer] = {}
    try:
        for kind, config in configs.items():
            servers[kind] = EmbeddedServer(jetstream=False, config=config).start()
        yield Auth(servers, files, d / "xdg")
    finally:
        for server in servers.values():
            server.stop()


def settings_from(args: list[str]) -> Settings:
    """Exactly what ``natstui ARGS`` builds (flags parsed by the command itself)."""
    params = dict(main.make_context("natstui", list(args)).params)
    params.pop("stream"), params.pop("consumer")
    return build_settings(**params)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, auth):
    for name in (
        "NATS_URL",
        "NATS_CONTEXT",
        "NATS_USER",
        "NATS_PASSWORD",
        "NATS_CREDS",
        "NATS_NKEY",
        "NATS_CERT",
        "NATS_KEY",
        "NATS_CA",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(auth.xdg))


async def run(settings: Settings, expect: str) -> str:
    """Start the app; wait for ``expect`` (connected or failed) and return what the user is told:
    the status line, and for a failure the notification too. Fails after 10 s."""
    from natstui.cli import make_app

    settings.subjects = ["auth.>"]
    app = make_app(settings)
    start = time.monotonic()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(lambda: app.session.state.value in ("connected", "failed"), timeout=10, pilot=pilot)
        took = time.monotonic() - start
        state = app.session.state.value
        assert state == expect, f"{state}: {app.session.error}"
        assert took < 10
        await wait_until(lambda: f"● {expect}" in status_line(app), pilot=pilot)
        if expect == "connected":
            await wait_until(lambda: app.feed.ready, pilot=pilot)
        else:
            await wait_until(lambda: any("Press r to retry" in n for n in notifications(app)), pilot=pilot)
            assert "Traceback" not in screen_text(app)
        line = status_line(app) + "\n" + "\n".join(notifications(app))
        await quit_app(pilot)
    return line


def url(auth: Auth, kind: str) -> str:
    return auth.servers[kind].url


CASES = {
    # kind: (right flags, wrong flags, what the user is told)
    "user": (
        ["--user", "alice", "--password", PASSWORD],
        ["--user", "alice", "--password", "wrong-" + PASSWORD[3:]],
        REFUSED,
    ),
    "token": (["--token", TOKEN], ["--token", "tok-wrong"], REFUSED),
    "nkey": (["--nkey", "{nkey}"], ["--nkey", "{other_nkey}"], REFUSED),
    "creds": (["--creds", "{creds}"], ["--creds", "{foreign_creds}"], REFUSED),
    "tls": (
        ["--tls-ca", "{ca}"],
        ["--tls-ca", "{other_ca}"],
        "TLS error: the server's certificate is not trusted (unable to get local issuer certificate); "
        "give its CA with --tls-ca",
    ),
    "mtls": (
        ["--tls-ca", "{ca}", "--tls-cert", "{cert}", "--tls-key", "{key}", "--user", "alice", "--password", PASSWORD],
        ["--tls-ca", "{ca}", "--user", "alice", "--password", PASSWORD],
        "TLS error: the server requires a client certificate (--tls-cert and --tls-key)",
    ),
}


def flags(auth: Auth, kind: str, args: list[str]) -> list[str]:
    return ["--server", url(auth, kind)] + [a.format(**{k: str(v) for k, v in auth.files.items()}) for a in args]


@pytest.mark.parametrize("kind", list(CASES))
async def test_right_credentials_connect(auth, kind):
    line = await run(settings_from(flags(auth, kind, CASES[kind][0])), "connected")
    assert f"● connected  nats://127.0.0.1:{auth.servers[kind].port}" in line


@pytest.mark.parametrize("kind", list(CASES))
async def test_wrong_credentials_fail_fast_with_a_clear_reason(auth, kind):
    told = await run(settings_from(flags(auth, kind, CASES[kind][1])), "failed")
    assert f"Not connected cannot connect to nats://127.0.0.1:{auth.servers[kind].port}: {CASES[kind][2]}" in told, told


async def test_no_credentials_at_all_is_refused_clearly(auth):
    for kind in ("user", "token", "nkey", "creds"):
        line = await run(settings_from(["--server", url(auth, kind)]), "failed")
        assert "authorization violation" in line, line


def write_context(auth: Auth, name: str, values: dict[str, str]) -> None:
    directory = auth.xdg / "nats" / "context"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps(values))


async def test_nats_cli_contexts_carry_every_kind_of_credential(auth):
    f = {k: str(v) for k, v in auth.files.items()}
    contexts = {
        "ctx-user": ({"url": url(auth, "user"), "user": "alice", "password": PASSWORD}, "connected"),
        "ctx-token": ({"url": url(auth, "token"), "token": TOKEN}, "connected"),
        "ctx-nkey": ({"url": url(auth, "nkey"), "nkey": f["nkey"]}, "connected"),
        "ctx-creds": ({"url": url(auth, "creds"), "creds": f["creds"]}, "connected"),
        "ctx-mtls": (
            {
                "url": url(auth, "mtls"),
                "user": "alice",
                "password": PASSWORD,
                "ca": f["ca"],
                "cert": f["cert"],
                "key": f["key"],
            },
            "connected",
        ),
        "ctx-wrong": ({"url": url(auth, "user"), "user": "alice", "password": "not-it"}, "failed"),
        "ctx-no-cert": ({"url": url(auth, "mtls"), "user": "alice", "password": PASSWORD, "ca": f["ca"]}, "failed"),
    }
    for name, (values, expect) in contexts.items():
        write_context(auth, name, values)
        settings = settings_from(["--context", name])
        assert settings.connection.context == name
        await run(settings, expect)
    # a flag wins over the context's value: the right password rescues the wrong context
    await run(settings_from(["--context", "ctx-wrong", "--password", PASSWORD]), "connected")
    # and the context selected with `nats context select` is used when nothing else names a server
    (auth.xdg / "nats" / "context.txt").write_text("ctx-token\n")
    settings = settings_from([])
    assert settings.connection.servers == [url(auth, "token")]
    await run(settings, "connected")


async def test_the_credentials_really_are_required(auth):
    """Each server refuses a client without them: the tests above test something."""
    for kind in ("user", "token", "nkey", "creds"):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url(auth, kind), connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0)


async def test_asked_for_tls_never_logs_in_without_it(auth, tmp_path):
    """A tls:// URL or a CA means TLS: a server that does not offer it never sees the credentials."""
    config = f'authorization {{ user: alice, password: "{PASSWORD}" }}\n'
    with EmbeddedServer(jetstream=False, config=config, args=["-V"]) as plain:  # -V: the server logs each CONNECT
        for args in (
            ["-s", plain.url.replace("nats://", "tls://")],
            ["-s", plain.url, "--tls-ca", str(auth.files["ca"])],
        ):
            told = await run(settings_from(args + ["--user", "alice", "--password", PASSWORD]), "failed")
            assert "TLS was asked for (a tls:// URL or a CA) but the server does not offer it" in told, told
        log = plain.log_path.read_text()
        assert "<<- [CONNECT" not in log  # nothing was sent in plain text, let alone the password
        assert PASSWORD not in log


async def test_a_server_that_offers_tls_without_requiring_it_is_used_with_tls(auth, tmp_path):
    certs_config = auth.servers["tls"].config + "allow_non_tls: true\n"
    with EmbeddedServer(jetstream=False, config=certs_config) as mixed:
        from natstui.cli import make_app

        app = make_app(settings_from(["-s", mixed.url, "--tls-ca", str(auth.files["ca"]), "--subject", "auth.>"]))
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: app.session.state.value == "connected", timeout=10, pilot=pilot)
            assert app.session.nc._transport._io_writer.get_extra_info("ssl_object") is not None
            await quit_app(pilot)


async def test_unreadable_credential_files_are_explained(auth, tmp_path):
    from natstui.config import ConfigError, ConnectionSettings

    garbage = tmp_path / "garbage.creds"
    garbage.write_text("not a creds file\n")
    with pytest.raises(ConfigError, match="creds file does not hold a user JWT and an nkey seed"):
        settings_from(["-s", url(auth, "creds"), "--creds", str(garbage)])
    # given to the app directly (or changed after the start), the same words
    told = await run(
        Settings(connection=ConnectionSettings(servers=[url(auth, "creds")], creds=str(garbage))), "failed"
    )
    assert "the creds file does not hold a user JWT and an nkey seed" in told and "NoneType" not in told
    half = tmp_path / "half.creds"  # the JWT block and no seed
    half.write_text(auth.files["creds"].read_text().split("************")[0])
    told = await run(settings_from(["-s", url(auth, "creds"), "--creds", str(half)]), "failed")
    assert "the creds file does not hold a user JWT and an nkey seed" in told, told
    bad_seed = tmp_path / "bad.nk"
    bad_seed.write_text("SUAnotaseed\n")
    told = await run(settings_from(["-s", url(auth, "nkey"), "--nkey", str(bad_seed)]), "failed")
    assert "the nkey seed is not valid (invalid seed)" in told, told

import json

import pytest

from natstui.config import ConfigError, resolve_connection, split_servers


def write_context(home, name, **values):
    d = home / "nats" / "context"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.json").write_text(json.dumps(values))


@pytest.fixture
def env(tmp_path):
    return {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}


def test_default_url(env):
    assert resolve_connection(env=env).servers == ["nats://127.0.0.1:4222"]


def test_nats_url_environment(env):
    env["NATS_URL"] = "nats://a:1,nats://b:2"
    assert resolve_connection(env=env).servers == ["nats://a:1", "nats://b:2"]


def test_server_flag_repeatable_and_comma_separated(env):
    env["NATS_URL"] = "nats://ignored:1"
    s = resolve_connection(["nats://a:1,b:2", "tls://c:3"], env=env)
    assert s.servers == ["nats://a:1", "nats://b:2", "tls://c:3"]
    assert split_servers([" , "]) == []


def test_named_context_is_read(env, tmp_path):
    creds = tmp_path / "user.creds"
    creds.write_text("-----BEGIN NATS USER JWT-----\nxyz\n")
    write_context(
        tmp_path,
        "prod",
        url="nats://prod:4222",
        user="alice",
        password="pw",
        token="",
        creds=str(creds),
        inbox_prefix="_I.alice",
        jetstream_domain="hub",
        description="x",
    )
    s = resolve_connection(context="prod", env=env)
    assert s.servers == ["nats://prod:4222"]
    assert (s.user, s.password, s.creds, s.inbox_prefix, s.js_domain) == ("alice", "pw", str(creds), "_I.alice", "hub")
    assert s.token is None and s.context == "prod"


def test_selected_context_used_only_without_url(env, tmp_path):
    write_context(tmp_path, "dev", url="nats://dev:4222", token="t0ken")
    (tmp_path / "nats" / "context.txt").write_text("dev\n")
    s = resolve_connection(env=env)
    assert s.servers == ["nats://dev:4222"] and s.token == "t0ken" and s.context == "dev"
    env["NATS_URL"] = "nats://env:1"
    assert resolve_connection(env=env).servers == ["nats://env:1"]
    assert resolve_connection(["nats://flag:1"], env={k: v for k, v in env.items() if k != "NATS_URL"}).servers == [
        "nats://flag:1"
    ]


def test_flags_override_context_values(env, tmp_path):
    write_context(tmp_path, "dev", url="nats://dev:4222", user="a", password="b")
    s = resolve_connection(["nats://other:1"], "dev", {"user": "carol", "password": None}, env=env)
    assert s.servers == ["nats://other:1"] and s.user == "carol" and s.password == "b"


def test_nats_context_environment(env, tmp_path):
    write_context(tmp_path, "ci", url="nats://ci:4222")
    env["NATS_CONTEXT"] = "ci"
    assert resolve_connection(env=env).servers == ["nats://ci:4222"]


def test_errors_are_clear(env, tmp_path):
    with pytest.raises(ConfigError, match="unknown context 'nope'"):
        resolve_connection(context="nope", env=env)
    with pytest.raises(ConfigError, match="creds file not found"):
        resolve_connection(overrides={"creds": str(tmp_path / "missing.creds")}, env=env)
    (tmp_path / "nats" / "context").mkdir(parents=True)
    (tmp_path / "nats" / "context" / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read context 'bad'"):
        resolve_connection(context="bad", env=env)


def test_secrets_and_display(env, tmp_path):
    seed = tmp_path / "user.nk"
    seed.write_text("SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4\n")
    s = resolve_connection(["nats://bob:hunter2@h:4222"], overrides={"token": "tok123", "nkey": str(seed)}, env=env)
    assert s.display_servers == "nats://h:4222"
    secrets = s.secrets()
    assert "hunter2" in secrets and "tok123" in secrets
    assert "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4" in secrets

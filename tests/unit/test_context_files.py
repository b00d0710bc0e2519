"""The nats CLI's context files as natstui lists, writes and selects them (no server needed)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from natstui.config import ConfigError, load_context
from natstui.contexts import list_contexts, save_context, select_context


@pytest.fixture
def env(tmp_path):
    directory = tmp_path / "nats" / "context"
    directory.mkdir(parents=True)
    return {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path / "home")}


def write(env, name: str, content: str) -> None:
    with open(os.path.join(env["XDG_CONFIG_HOME"], "nats", "context", name), "w") as f:
        f.write(content)


def test_the_list_says_what_each_context_is_without_a_secret(env):
    write(env, "prod.json", json.dumps({"url": "nats://bob:hunter2-secret@a:4222,nats://c:4222", "description": "P"}))
    write(env, "dev.json", json.dumps({"user": "u", "password": "pw-secret", "cert": "/c.pem", "key": "/k.pem"}))
    write(env, "ngs.json", json.dumps({"url": "tls://connect.ngs.global", "creds": "/x.creds", "token": "tok-secret"}))
    write(env, "empty.json", "")  # the nats CLI skips empty files
    write(env, "notes.txt", "not a context")
    write(env, "broken.json", "{not json")
    found = {c.name: c for c in list_contexts(env)}
    assert list(found) == ["broken", "dev", "ngs", "prod"]  # sorted, as `nats context ls`
    assert found["prod"].url == "nats://a:4222,nats://c:4222"
    assert found["prod"].credentials == "user info in URL"
    assert found["prod"].description == "P"
    assert found["dev"].url == "nats://127.0.0.1:4222 (default)"
    assert found["dev"].credentials == "user/password, TLS cert"
    assert found["ngs"].credentials == "creds file, token"
    assert "cannot read context 'broken'" in found["broken"].error
    assert "secret" not in repr(list(found.values()))


def test_save_keeps_the_fields_it_does_not_edit_and_writes_as_the_nats_cli(env):
    write(env, "prod.json", json.dumps({"url": "nats://a:4222", "password": "kept", "socks_proxy": "s:1080"}))
    path = save_context("prod", {"description": "Production", "jetstream_domain": "hub", "ca": ""}, env)
    raw = json.loads(path.read_text())
    assert raw == {
        "url": "nats://a:4222",
        "password": "kept",
        "socks_proxy": "s:1080",
        "description": "Production",
        "jetstream_domain": "hub",
        "ca": "",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith('{\n  "url"')  # indented, as the nats CLI writes it
    assert load_context("prod", env)["js_domain"] == "hub"  # and read back by natstui's loader


def test_a_new_context_gets_its_directory_private(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "fresh")}
    path = save_context("new", {"url": "nats://x:4222"}, env)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"url": "nats://x:4222"}


@pytest.mark.parametrize("name", ["", "..", "a/b", "../evil", ".hidden"])
def test_names_the_nats_cli_refuses_are_refused(env, name):
    with pytest.raises(ConfigError):
        save_context(name, {"url": "nats://x"}, env)
    with pytest.raises(ConfigError):
        select_context(name, env)


def test_a_file_that_is_not_json_is_left_alone(env):
    write(env, "broken.json", "{not json")
    with pytest.raises(ConfigError):
        save_context("broken", {"description": "x"}, env)
    with open(os.path.join(env["XDG_CONFIG_HOME"], "nats", "context", "broken.json")) as f:
        assert f.read() == "{not json"


def test_select_writes_context_txt_as_nats_context_select(env):
    select_context("prod", env)
    path = os.path.join(env["XDG_CONFIG_HOME"], "nats", "context.txt")
    with open(path) as f:
        assert f.read() == "prod"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

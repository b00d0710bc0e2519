"""The system account's requests across a real supercluster, and how natstui reaches the system account."""

from __future__ import annotations

import nats
import pytest

from natstui.client.system import NO_SYSTEM, NoSystemAccount, ServerReply, SystemAccess, SystemLink, gather
from natstui.config import ConfigError, ConnectionSettings, resolve_system


async def test_every_server_of_the_supercluster_answers_a_ping(topology):
    nc = await nats.connect(topology.system_url)
    try:
        access = SystemAccess(nc)
        replies = await access.ping("VARZ", complete=True)
        assert {(r.name, r.cluster) for r in replies} >= {
            ("east-1", "east"),
            ("east-2", "east"),
            ("east-3", "east"),
            ("west-1", "west"),
            ("west-2", "west"),
            ("west-3", "west"),
        }
        assert "leaf-1" in {r.name for r in replies}
        assert all(r.data.get("server_id") == r.id and not r.error for r in replies)
        # the next ping stops as soon as as many servers answered
        again = await access.ping("STATZ")
        assert len(again) == len(replies) == 7
        one = await access.server(replies[0].id, "HEALTHZ")
        assert one is not None and one.id == replies[0].id
    finally:
        await nc.close()


async def test_a_plain_client_is_not_in_the_system_account(topology):
    nc = await nats.connect(topology.url)
    try:
        with pytest.raises(NoSystemAccount):
            await gather(nc, "$SYS.REQ.SERVER.PING", timeout=1)
        link = SystemLink(None)
        access = await link.access(nc, True)
        assert not access.available and access.reason == NO_SYSTEM
    finally:
        await nc.close()


async def test_the_link_opens_a_second_connection_for_the_system_account(topology):
    nc = await nats.connect(topology.url)
    link = SystemLink(topology.system_settings())
    try:
        access = await link.access(nc, True)
        assert access.available and not access.own
        assert len(await access.ping("STATZ", complete=True)) == 7
        assert await link.access(nc, True) is access  # one per connection of the user's
        wrong = SystemLink(ConnectionSettings(servers=topology.urls, user="system", password="not-it"))
        refused = await wrong.access(nc, True)
        assert not refused.available and "failed" in refused.reason and "not-it" not in refused.reason
        await wrong.close()
    finally:
        await link.close()
        await nc.close()


def test_malformed_replies_are_one_row_marked_not_an_exception():
    assert ServerReply.parse(b"{not json").error.startswith("malformed")
    assert ServerReply.parse(b"[1, 2]").error.startswith("malformed")
    reply = ServerReply.parse(b'{"server": {"name": "a", "id": "X"}, "error": {"code": 500, "description": "boom"}}')
    assert reply.name == "a" and reply.error == "boom"
    ok = ServerReply.parse(b'{"server": {"name": "a", "cluster": "c"}, "statsz": {"connections": 3}}')
    assert ok.data == {"connections": 3} and ok.cluster == "c" and not ok.error


def test_system_settings_from_flags_and_the_users_context(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    ctx = tmp_path / "nats" / "context"
    ctx.mkdir(parents=True)
    (ctx / "sys.json").write_text('{"url": "nats://sys.example:4222", "user": "admin", "password": "pw"}')
    (ctx / "app.json").write_text('{"url": "nats://app.example:4222", "system_context": "sys"}')
    user = ConnectionSettings(servers=["nats://me:secret@app.example:4222"], context="app")
    system = resolve_system(user, env=env)
    assert system is not None and system.servers == ["nats://sys.example:4222"] and system.user == "admin"
    assert resolve_system(ConnectionSettings(), env=env) is None
    creds = tmp_path / "sys.creds"
    creds.write_text(
        "-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n"
        "-----BEGIN USER NKEY SEED-----\nSUAM\n------END USER NKEY SEED------\n"
    )
    by_creds = resolve_system(user, system_creds=str(creds), env=env)
    assert by_creds is not None and by_creds.creds == str(creds) and by_creds.password is None
    assert by_creds.servers == ["nats://app.example:4222"]  # the user's info is not carried over
    with pytest.raises(ConfigError):
        resolve_system(user, system_creds=str(tmp_path / "missing.creds"), env=env)

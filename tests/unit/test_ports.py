"""A server whose freshly picked port is taken by someone else before it binds starts on another port."""

import socket

import pytest

from natstui.demo import server as server_module
from natstui.demo.server import EmbeddedServer


def test_a_port_taken_between_the_pick_and_the_bind_is_retried(monkeypatch):
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(1)
    busy = squatter.getsockname()[1]
    real_free_port = server_module.free_port
    picks = iter([busy])
    monkeypatch.setattr(server_module, "free_port", lambda host="127.0.0.1": next(picks, None) or real_free_port(host))
    try:
        with EmbeddedServer(jetstream=False) as server:
            assert server.port != busy
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
                assert conn.recv(4) == b"INFO"  # a nats-server answers there
    finally:
        squatter.close()


def test_a_named_port_is_not_changed(monkeypatch):
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(1)
    busy = squatter.getsockname()[1]
    try:
        with pytest.raises(server_module.ServerError):
            EmbeddedServer(port=busy, jetstream=False).start(timeout=10)
    finally:
        squatter.close()

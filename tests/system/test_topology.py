"""Embedded servers (``natstui demo``, ``demo --cluster``, the tests' fixtures) start even when a port
they picked is taken before their server binds it."""

from __future__ import annotations

import socket

import pytest

from natstui.demo.server import EmbeddedServer, ServerError
from natstui.demo.topology import Topology


def test_a_port_taken_between_the_pick_and_the_bind_is_picked_again():
    topo = Topology([("ports", 3)], jetstream=False)
    taken = topo.nodes[1].port
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", taken))
    blocker.listen()
    try:
        with topo:
            assert all(node.running for node in topo.nodes)
            assert taken not in {node.port for node in topo.nodes}
    finally:
        blocker.close()


def test_one_embedded_server_takes_another_port_when_its_pick_is_taken():
    server = EmbeddedServer(jetstream=False)
    taken = server.port
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", taken))
    blocker.listen()
    try:
        with server:
            assert server.port != taken and server.proc is not None and server.proc.poll() is None
        named = EmbeddedServer(port=taken, jetstream=False)  # a port the caller named is that port or an error
        with pytest.raises(ServerError, match="exited"):
            named.start()
    finally:
        blocker.close()

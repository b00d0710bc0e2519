"""The embedded topology (``natstui demo --cluster``, the system tests' fixtures) starts even when a
port it picked is taken before its server binds it."""

from __future__ import annotations

import socket

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

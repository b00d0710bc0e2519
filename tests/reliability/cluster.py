"""A 3-node nats-server cluster with JetStream on loopback, for fault tests.

Each node is an :class:`EmbeddedServer` with a config of its own (server
name, client port, cluster port and routes to every node, JetStream store)
in a directory that survives a stop, so a node can be restarted with its
name, ports and store as they were. ``stop()`` removes everything.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import nats

from natstui.demo.server import free_port
from natstui.demo.topology import TopologyNode as Node


class Cluster:
    """``with Cluster() as cluster:`` three nodes routed to each other, JetStream ready."""

    def __init__(self, size: int = 3, name: str = "natstui-c", extra: str = "") -> None:
        self.root = Path(tempfile.mkdtemp(prefix="natstui-cluster-"))
        self.name = name
        self.nodes: list[Node] = []
        for i in range(1, size + 1):
            directory = self.root / f"n{i}"
            directory.mkdir()
            self.nodes.append(
                Node(name=f"n{i}", cluster=name, port=free_port(), directory=directory, cluster_port=free_port())
            )
        routes = ", ".join(f"nats-route://127.0.0.1:{n.cluster_port}" for n in self.nodes)
        for node in self.nodes:
            node.config = (
                f"server_name: {node.name}\n"
                f"jetstream {{ store_dir: {json.dumps(str(node.directory / 'js'))} }}\n"
                f"cluster {{\n  name: {name}\n  listen: 127.0.0.1:{node.cluster_port}\n  routes: [{routes}]\n}}\n"
                f"{extra}"
            )

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def node_on_port(self, port: int | None) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def others(self, node: Node) -> list[Node]:
        return [n for n in self.nodes if n is not node]

    def start(self) -> Cluster:
        try:
            for node in self.nodes:
                node.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


async def wait_jetstream_ready(urls: list[str], timeout: float = 30.0) -> None:
    """Poll ``$JS.API.INFO`` until it answers: the meta group has a leader."""
    deadline = time.monotonic() + timeout
    nc = await nats.connect(urls, connect_timeout=2, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        last = ""
        while time.monotonic() < deadline:
            try:
                msg = await nc.request("$JS.API.INFO", b"", timeout=1.0)
                body = json.loads(msg.data or b"{}")
                if "error" not in body:
                    return
                last = str(body["error"])
            except Exception as exc:  # no responders while the nodes come up, timeouts
                last = repr(exc)
            await asyncio.sleep(0.1)
        raise AssertionError(f"JetStream had no meta leader within {timeout}s ({last})")
    finally:
        await nc.close()

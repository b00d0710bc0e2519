"""JetStream's placement across a cluster: the meta group, and each stream's and consumer's replicas.

Built from every server's ``JSZ`` reply (``accounts``, ``streams``, ``consumer``: true). A server
reports the streams it holds a replica of, with the other replicas as it sees them; the leader's
report is the one that knows its followers' lag, so it wins. No Textual, no NATS here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from natstui.model.fields import as_dict, as_int, as_list


@dataclass
class Peer:
    name: str
    leader: bool = False
    current: bool = True
    offline: bool = False
    lag: int = 0  # entries behind the leader
    active: float | None = None  # seconds since the leader last heard from it

    @property
    def state(self) -> str:
        if self.leader:
            return "leader"
        if self.offline:
            return "offline"
        return "current" if self.current else "catching up"


def _peers(leader: str, replicas: Any, reporter: str) -> list[Peer]:
    peers = [Peer(leader, leader=True)] if leader else []
    seen = {leader}
    for item in as_list(replicas):
        item = as_dict(item)
        name = str(item.get("name") or "")
        if not name or name in seen:
            continue
        seen.add(name)
        active = item.get("active")
        peers.append(
            Peer(
                name,
                current=bool(item.get("current")),
                offline=bool(item.get("offline")),
                lag=as_int(item.get("lag")),
                active=as_int(active) / 1e9 if active is not None else None,
            )
        )
    if reporter and reporter not in seen:  # the reporting server holds a replica too
        peers.append(Peer(reporter))
    return peers


@dataclass
class MetaGroup:
    cluster: str
    leader: str
    size: int
    quorum: int
    peers: list[Peer] = field(default_factory=list)


@dataclass
class ConsumerPlacement:
    stream: str
    name: str
    leader: str
    peers: list[Peer] = field(default_factory=list)


@dataclass
class StreamPlacement:
    account: str
    name: str
    cluster: str
    leader: str
    messages: int = 0
    bytes: int = 0
    peers: list[Peer] = field(default_factory=list)
    consumers: list[ConsumerPlacement] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.account}/{self.name}"

    @property
    def max_lag(self) -> int:
        return max((p.lag for p in self.peers), default=0)


def meta_group(replies: Iterable[tuple[str, dict[str, Any]]]) -> MetaGroup | None:
    """The meta group, as its leader reports it (else as any server does)."""
    best: MetaGroup | None = None
    for server, data in replies:
        meta = as_dict(data.get("meta_cluster"))
        leader = str(meta.get("leader") or "")
        if not meta:
            continue
        group = MetaGroup(
            cluster=str(meta.get("name") or ""),
            leader=leader,
            size=as_int(meta.get("cluster_size")),
            quorum=as_int(meta.get("quorum_needed")),
            peers=_peers(leader, meta.get("replicas"), server),
        )
        if server == leader:
            return group
        best = best or group
    return best


def placements(replies: Iterable[tuple[str, dict[str, Any]]]) -> list[StreamPlacement]:
    """Every stream of every account with its replicas and its consumers, by account and name."""
    found: dict[str, tuple[bool, StreamPlacement]] = {}
    for server, data in replies:
        for account in as_list(data.get("account_details")):
            account = as_dict(account)
            account_name = str(account.get("name") or account.get("id") or "")
            for stream in as_list(account.get("stream_detail")):
                stream = as_dict(stream)
                name = str(stream.get("name") or "")
                if not name:
                    continue
                cluster = as_dict(stream.get("cluster"))
                leader = str(cluster.get("leader") or ("" if cluster else server))
                state = as_dict(stream.get("state"))
                placement = StreamPlacement(
                    account=account_name,
                    name=name,
                    cluster=str(cluster.get("name") or ""),
                    leader=leader,
                    messages=as_int(state.get("messages")),
                    bytes=as_int(state.get("bytes")),
                    peers=_peers(leader, cluster.get("replicas"), server),
                )
                for consumer in as_list(stream.get("consumer_detail")):
                    consumer = as_dict(consumer)
                    c_cluster = as_dict(consumer.get("cluster"))
                    c_leader = str(c_cluster.get("leader") or ("" if c_cluster else server))
                    placement.consumers.append(
                        ConsumerPlacement(
                            stream=name,
                            name=str(consumer.get("name") or ""),
                            leader=c_leader,
                            peers=_peers(c_leader, c_cluster.get("replicas"), server),
                        )
                    )
                from_leader = server == leader
                known = found.get(placement.key)
                if known is None or (from_leader and not known[0]):
                    found[placement.key] = (from_leader, placement)
    return [placement for _, placement in sorted(found.values(), key=lambda item: item[1].key)]


def placements_from_streams(account: str, infos: Iterable[dict[str, Any]]) -> list[StreamPlacement]:
    """Placement from the JetStream API's own stream infos (``$JS.API.STREAM.LIST``): what any account
    can see of its streams without the system account (no consumers, no meta group)."""
    found = []
    for info in infos:
        info = as_dict(info)
        config, state, cluster = as_dict(info.get("config")), as_dict(info.get("state")), as_dict(info.get("cluster"))
        name = str(config.get("name") or "")
        if not name:
            continue
        leader = str(cluster.get("leader") or "")
        found.append(
            StreamPlacement(
                account=account,
                name=name,
                cluster=str(cluster.get("name") or ""),
                leader=leader,
                messages=as_int(state.get("messages")),
                bytes=as_int(state.get("bytes")),
                peers=_peers(leader, cluster.get("replicas"), ""),
            )
        )
    return sorted(found, key=lambda p: p.key)

"""Discover NATS micro services: ``$SRV.PING``, ``$SRV.INFO`` and ``$SRV.STATS``.

Every instance of every service answers each of these, so a request that
takes the first answer would see one of them. Here the three verbs are sent
at once with replies to one inbox of our own, and every answer is collected
for a short window. Answers are parsed leniently: a field missing from one
implementation's answer is shown as missing, not as a failure.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

VERBS = ("PING", "INFO", "STATS")
PREFIX = "$SRV"


@dataclass
class Endpoint:
    name: str
    subject: str
    queue_group: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    num_requests: int = 0
    num_errors: int = 0
    processing_time: int = 0  # total, nanoseconds
    average_processing_time: int = 0  # nanoseconds
    last_error: str = ""
    has_stats: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.subject, self.queue_group)


@dataclass
class Instance:
    """One running instance of a service, merged from its PING, INFO and STATS answers."""

    id: str
    name: str
    version: str = ""
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    started: str = ""
    endpoints: list[Endpoint] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # verbs this instance answered

    @property
    def num_requests(self) -> int:
        return sum(e.num_requests for e in self.endpoints)

    @property
    def num_errors(self) -> int:
        return sum(e.num_errors for e in self.endpoints)


@dataclass
class ServiceGroup:
    """Every instance that shares a service name."""

    name: str
    instances: list[Instance]

    @property
    def versions(self) -> list[str]:
        return sorted({i.version for i in self.instances if i.version})

    @property
    def description(self) -> str:
        return next((i.description for i in self.instances if i.description), "")

    @property
    def num_requests(self) -> int:
        return sum(i.num_requests for i in self.instances)

    @property
    def num_errors(self) -> int:
        return sum(i.num_errors for i in self.instances)

    def endpoints(self) -> list[Endpoint]:
        """Endpoints of all instances merged by (name, subject, queue group): counts and times summed."""
        merged: dict[tuple[str, str, str], Endpoint] = {}
        for instance in self.instances:
            for ep in instance.endpoints:
                total = merged.get(ep.key)
                if total is None:
                    merged[ep.key] = Endpoint(
                        ep.name,
                        ep.subject,
                        ep.queue_group,
                        dict(ep.metadata),
                        ep.num_requests,
                        ep.num_errors,
                        ep.processing_time,
                        0,
                        ep.last_error,
                        ep.has_stats,
                    )
                    continue
                total.num_requests += ep.num_requests
                total.num_errors += ep.num_errors
                total.processing_time += ep.processing_time
                total.last_error = total.last_error or ep.last_error
                total.has_stats = total.has_stats or ep.has_stats
                total.metadata.update(ep.metadata)
        for ep in merged.values():
            ep.average_processing_time = ep.processing_time // ep.num_requests if ep.num_requests else 0
        return list(merged.values())


@dataclass
class Discovery:
    """What one round of discovery found."""

    instances: list[Instance] = field(default_factory=list)
    unreadable: int = 0  # answers that were not the JSON the protocol describes
    no_responders: bool = False  # the server said nothing listens on $SRV.PING
    took: float = 0.0

    def groups(self) -> list[ServiceGroup]:
        by_name: dict[str, list[Instance]] = {}
        for instance in self.instances:
            by_name.setdefault(instance.name, []).append(instance)
        return [
            ServiceGroup(name, sorted(found, key=lambda i: (i.version, i.id)))
            for name, found in sorted(by_name.items(), key=lambda kv: kv[0].lower())
        ]

    def find(self, instance_id: str) -> Instance | None:
        return next((i for i in self.instances if i.id == instance_id), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): _text(v) for k, v in value.items()}


def merge_answer(instances: dict[str, Instance], verb: str, body: dict[str, Any]) -> None:
    """Fold one PING, INFO or STATS answer into the instance it came from."""
    instance_id = _text(body.get("id"))
    name = _text(body.get("name"))
    if not instance_id or not name:
        raise ValueError("an answer without id or name")
    instance = instances.get(instance_id)
    if instance is None:
        instance = instances[instance_id] = Instance(id=instance_id, name=name)
    instance.version = _text(body.get("version")) or instance.version
    if "metadata" in body:
        instance.metadata = _str_dict(body.get("metadata"))
    if verb not in instance.answered:
        instance.answered.append(verb)
    if verb == "INFO":
        instance.description = _text(body.get("description"))
        by_key = {ep.key: ep for ep in instance.endpoints}
        for raw in body.get("endpoints") or []:
            if not isinstance(raw, dict):
                continue
            ep = Endpoint(_text(raw.get("name")), _text(raw.get("subject")), _text(raw.get("queue_group")))
            known = by_key.get(ep.key)
            if known is None:
                instance.endpoints.append(ep)
                by_key[ep.key] = known = ep
            known.metadata = _str_dict(raw.get("metadata"))
    elif verb == "STATS":
        instance.started = _text(body.get("started"))
        by_key = {ep.key: ep for ep in instance.endpoints}
        for raw in body.get("endpoints") or []:
            if not isinstance(raw, dict):
                continue
            key = (_text(raw.get("name")), _text(raw.get("subject")), _text(raw.get("queue_group")))
            found = by_key.get(key)
            if found is None:
                found = Endpoint(*key)
                instance.endpoints.append(found)
                by_key[key] = found
            ep = found
            ep.num_requests = _int(raw.get("num_requests"))
            ep.num_errors = _int(raw.get("num_errors"))
            ep.processing_time = _int(raw.get("processing_time"))
            ep.average_processing_time = _int(raw.get("average_processing_time"))
            ep.last_error = _text(raw.get("last_error"))
            ep.has_stats = True


async def discover(nc: NATS, *, window: float = 1.0, settle: float = 0.2, name: str | None = None) -> Discovery:
    """Ask every service instance for PING, INFO and STATS; collect answers.

    Collects for at most ``window`` seconds, ending early once every verb was
    answered and nothing new arrived for ``settle`` seconds, or at once when
    the server reports no responders.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    inbox = nc.new_inbox()
    answers: list[tuple[str, Any]] = []
    arrived = asyncio.Event()
    no_responders: set[str] = set()

    async def on_answer(msg: Msg) -> None:
        verb = msg.subject.rsplit(".", 1)[-1]
        if not msg.data and (msg.headers or {}).get("Status") == "503":
            no_responders.add(verb)
        else:
            answers.append((verb, msg.data))
        arrived.set()

    sub = await nc.subscribe(f"{inbox}.*", cb=on_answer)
    try:
        for verb in VERBS:
            subject = f"{PREFIX}.{verb}" + (f".{name}" if name else "")
            await nc.publish(subject, b"", reply=f"{inbox}.{verb}")
        await nc.flush()
        deadline = start + window
        while True:
            now = loop.time()
            if now >= deadline or no_responders.issuperset(VERBS):
                break
            answered = {verb for verb, _ in answers} | no_responders
            wait = deadline - now
            if answered.issuperset(VERBS):
                wait = min(wait, settle)
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), timeout=wait)
            except asyncio.TimeoutError:
                if answered.issuperset(VERBS):
                    break
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            pass
    instances: dict[str, Instance] = {}
    unreadable = 0
    # INFO first so that STATS fills in endpoints INFO described.
    for verb in ("PING", "INFO", "STATS"):
        for got, data in answers:
            if got != verb:
                continue
            try:
                body = json.loads(data)
                if not isinstance(body, dict):
                    raise ValueError("not an object")
                merge_answer(instances, verb, body)
            except ValueError:
                unreadable += 1
    return Discovery(
        instances=list(instances.values()),
        unreadable=unreadable,
        no_responders=no_responders.issuperset(VERBS),
        took=loop.time() - start,
    )


def format_ns(ns: int) -> str:
    """A processing time in nanoseconds, readable."""
    if ns <= 0:
        return "0"
    if ns < 1_000:
        return f"{ns} ns"
    if ns < 1_000_000:
        return f"{ns / 1_000:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1_000_000:.1f} ms"
    return f"{ns / 1_000_000_000:.2f} s"

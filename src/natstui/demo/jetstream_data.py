"""Demo data for the JetStream views: streams with history, gaps, and consumers with work waiting.

- ORDERS (limits, direct gets): captures ``orders.>`` from the core traffic,
  seeded with history; a few messages deleted so that gaps show.
- WORK (work queue, no direct gets): jobs for the pull consumer ``workers``;
  a simulated worker acks some, naks some and lets some time out, so there
  are messages pending, waiting for an ack and redelivered.
- EVENTS (interest): ``events.>`` with two consumers, one of them lagging.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from natstui.client.jetstream import JetStream

NS = 1_000_000_000

STREAMS = [
    {
        "name": "ORDERS",
        "subjects": ["orders.>"],
        "retention": "limits",
        "storage": "file",
        "max_age": 24 * 3600 * NS,
        "allow_direct": True,
        "duplicate_window": 120 * NS,
        "description": "Every order event",
    },
    {
        "name": "WORK",
        "subjects": ["work.>"],
        "retention": "workqueue",
        "storage": "file",
        "allow_direct": False,
        "description": "Jobs for the workers",
    },
    {
        "name": "EVENTS",
        "subjects": ["events.>"],
        "retention": "interest",
        "storage": "memory",
        "allow_direct": True,
        "description": "Domain events kept until every consumer has them",
    },
]

CONSUMERS = [
    (
        "WORK",
        {
            "durable_name": "workers",
            "ack_policy": "explicit",
            "ack_wait": 20 * NS,
            "max_deliver": 4,
            "deliver_policy": "all",
            "description": "Job workers (pull)",
        },
    ),
    ("EVENTS", {"durable_name": "audit", "ack_policy": "explicit", "ack_wait": 30 * NS, "deliver_policy": "all"}),
    (
        "EVENTS",
        {
            "durable_name": "mailer",
            "ack_policy": "explicit",
            "ack_wait": 30 * NS,
            "deliver_policy": "all",
            "filter_subject": "events.user.>",
            "max_deliver": 5,
        },
    ),
    (
        "ORDERS",
        {
            "durable_name": "shipping",
            "ack_policy": "explicit",
            "ack_wait": 60 * NS,
            "filter_subject": "orders.*.paid",
            "deliver_policy": "all",
        },
    ),
]

JOBS = ("resize-image", "send-invoice", "reindex", "export-report", "charge-card")


async def setup(nc) -> JetStream:
    js = JetStream(nc)
    # on the demo's cluster (natstui demo --cluster) the busiest streams get three replicas,
    # so that the JetStream cluster view has placement and lag to show
    clustered = bool((getattr(nc, "_server_info", None) or {}).get("cluster"))
    for config in STREAMS:
        if clustered and config.get("name") in ("ORDERS", "EVENTS"):
            config = {**config, "num_replicas": 3}
        try:
            await js.create_stream(config)
        except Exception:
            pass  # exists already
    for stream, config in CONSUMERS:
        try:
            await js.create_consumer(stream, config)
        except Exception:
            pass
    return js


async def seed(nc, rng: random.Random) -> None:
    for n in range(1, 121):
        region = rng.choice(("eu", "us", "apac"))
        event = rng.choice(("created", "paid", "shipped"))
        body = {"id": f"ord-h{n:04d}", "event": event, "total": round(rng.uniform(5, 300), 2), "history": True}
        await nc.publish(
            f"orders.{region}.{event}",
            json.dumps(body).encode(),
            headers={"Nats-Msg-Id": f"hist-{n}", "Content-Type": "application/json"},
        )
    for n in range(1, 31):
        await nc.publish(
            f"work.{rng.choice(JOBS)}",
            json.dumps({"job": n, "attempt": 1}).encode(),
            headers={"Nats-Msg-Id": f"job-{n}"},
        )
    for n in range(1, 21):
        await nc.publish(f"events.user.{rng.choice(('signed-up', 'upgraded'))}", json.dumps({"user": n}).encode())
    await nc.flush()


async def worker(nc, rng: random.Random) -> None:
    """Takes a few jobs now and then: acks, naks with a delay, or forgets them (redelivered later)."""
    js = nc.jetstream()
    sub = await js.pull_subscribe_bind("workers", "WORK")
    while True:
        await asyncio.sleep(6)
        try:
            msgs = await sub.fetch(2, timeout=1)
        except Exception:
            continue
        for msg in msgs:
            roll = rng.random()
            if roll < 0.4:
                await msg.ack()
            elif roll < 0.7:
                await msg.nak(delay=15)
            # else: no answer; the server redelivers after the ack wait


async def run(nc, rng: random.Random) -> None:
    js = await setup(nc)
    await seed(nc, rng)
    for seq in (5, 6, 17):  # gaps to browse past
        try:
            await js.delete_message("ORDERS", seq)
        except Exception:
            pass
    tasks = [asyncio.ensure_future(worker(nc, rng))]
    try:
        n = 30
        while True:
            await asyncio.sleep(rng.uniform(2, 5))
            n += 1
            await nc.publish(f"work.{rng.choice(JOBS)}", json.dumps({"job": n, "at": time.time()}).encode())
            await nc.publish(
                f"events.{rng.choice(('user.signed-up', 'user.upgraded', 'billing.invoiced'))}",
                json.dumps({"n": n}).encode(),
            )
    finally:
        for task in tasks:
            task.cancel()

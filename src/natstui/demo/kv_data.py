"""Demo data for the key-value and object store views.

A ``config`` bucket (history 10) whose settings change every few seconds,
with deletes and re-creations; a ``sessions`` bucket whose keys come and
go; an ``assets`` object store with files from a few hundred bytes to a
couple of MiB (several chunks), one of them deleted.
"""

from __future__ import annotations

import asyncio
import json
import random

from nats.js import api

CONFIG = {
    "app.name": b"natstui demo shop",
    "app.version": b"1.4.2",
    "app.timeout": b"30s",
    "features.beta": json.dumps({"enabled": True, "rollout": 0.25, "groups": ["staff", "testers"]}).encode(),
    "features.dark-mode": json.dumps({"enabled": False}).encode(),
    "limits.rate": json.dumps({"per_second": 50, "burst": 200}).encode(),
    "db.primary.host": b"db-1.internal:5432",
    "db.replica.host": b"db-2.internal:5432",
    "tenants.acme.plan": json.dumps({"plan": "enterprise", "seats": 120, "renews": "2026-03-01"}).encode(),
    "tenants.globex.plan": json.dumps({"plan": "pro", "seats": 12}).encode(),
    "motd": b"Welcome!\nMaintenance window: Sunday 02:00-03:00 UTC.",
    "certs.fingerprint": bytes(range(0, 256, 7)),
    "markup.test": b"[bold]not bold[/bold] \x1b[31mnot red\x1b[0m",
}

README = b"""# Demo assets

Files stored in the `assets` object store of the natstui demo.

- `config/app.json`: the application's configuration
- `images/logo.bin`: binary data
- `data/orders.csv`: a few thousand orders (several chunks)
"""


def orders_csv(rng: random.Random, rows: int) -> bytes:
    lines = ["id,region,sku,qty,total"]
    for i in range(rows):
        lines.append(
            f"ord-{i:06d},{rng.choice(['eu', 'us', 'apac'])},SKU-{rng.randint(100, 999)},"
            f"{rng.randint(1, 5)},{rng.uniform(5, 400):.2f}"
        )
    return ("\n".join(lines) + "\n").encode()


async def setup_objects(js, rng: random.Random) -> None:
    store = await js.create_object_store("assets", description="demo files of different sizes")

    async def put(name: str, data: bytes, description: str, content_type: str) -> None:
        meta = api.ObjectMeta(name=name, description=description, headers={"Content-Type": [content_type]})
        await store.put(name, data, meta=meta)

    await put("README.md", README, "what is in this bucket", "text/markdown")
    await put(
        "config/app.json",
        json.dumps({"name": "demo", "replicas": 3, "features": {"beta": True}}, indent=2).encode(),
        "application configuration",
        "application/json",
    )
    await put(
        "images/logo.bin",
        bytes(rng.getrandbits(8) for _ in range(48 * 1024)),
        "a binary blob",
        "application/octet-stream",
    )
    await put("data/orders.csv", orders_csv(rng, 40_000), "orders export, several chunks", "text/csv")
    await put("reports/old.txt", b"superseded report\n", "replaced by a newer one", "text/plain")
    await store.delete("reports/old.txt")


async def run(nc, rng: random.Random) -> None:
    """Create the buckets, then keep the key-value data changing."""
    js = nc.jetstream()
    config = await js.create_key_value(bucket="config", history=10, description="application settings")
    sessions = await js.create_key_value(
        bucket="sessions", history=1, ttl=15 * 60, storage=api.StorageType.MEMORY, description="user sessions"
    )
    for key, value in CONFIG.items():
        await config.put(key, value)
    await config.put("app.timeout", b"45s")  # some history from the start
    await config.put("legacy.flag", b"on")
    await config.delete("legacy.flag")
    for n in range(40):
        await sessions.put(f"user.{n:04d}", json.dumps({"user": n, "ip": f"10.0.0.{rng.randint(2, 250)}"}).encode())
    await setup_objects(js, rng)

    tick = 0
    while True:
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        tick += 1
        try:
            roll = rng.random()
            if roll < 0.4:
                await config.put(
                    "limits.rate",
                    json.dumps(
                        {"per_second": rng.choice([25, 50, 100]), "burst": rng.choice([100, 200, 400])}
                    ).encode(),
                )
            elif roll < 0.6:
                await config.put("app.timeout", f"{rng.choice([15, 30, 45, 60])}s".encode())
            elif roll < 0.75:
                rollout = round(rng.uniform(0, 1), 2)
                await config.put(
                    "features.beta",
                    json.dumps({"enabled": rollout > 0.1, "rollout": rollout, "groups": ["staff", "testers"]}).encode(),
                )
            elif roll < 0.85:
                if tick % 2:
                    await config.delete("features.dark-mode")
                else:
                    await config.put("features.dark-mode", json.dumps({"enabled": rng.random() < 0.5}).encode())
            else:
                await config.put("app.version", f"1.4.{rng.randint(2, 9)}".encode())
            n = rng.randint(0, 59)
            if rng.random() < 0.3:
                await sessions.delete(f"user.{n:04d}")
            else:
                await sessions.put(
                    f"user.{n:04d}", json.dumps({"user": n, "ip": f"10.0.0.{rng.randint(2, 250)}"}).encode()
                )
        except Exception:
            await asyncio.sleep(1.0)  # the server restarting or JetStream busy: try again later

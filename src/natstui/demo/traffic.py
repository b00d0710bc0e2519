"""Realistic demo traffic: orders with headers, sensors, logs, binary telemetry, request/reply.

Runs as its own process (``python -m natstui.demo.traffic URL``) so that
the app's event loop only does what it does for any other server.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import struct
import sys
import time
import uuid

import nats

from natstui.demo import jetstream_data, kv_data, services_data

# Each area of the app brings its own demo data: ``run(nc, rng)`` sets it up
# and keeps it changing. They run beside the core traffic below.
AREAS = (jetstream_data, kv_data, services_data)

REGIONS = ("eu", "us", "apac")
ORDER_EVENTS = ("created", "paid", "shipped", "cancelled")
BUILDINGS = ("hq", "lab", "warehouse")
SERVICES = ("auth", "billing", "gateway", "search")
LEVELS = ("debug", "info", "info", "info", "warn", "error")
PRODUCTS = ("espresso", "grinder", "kettle", "filter papers", "mug", "scale")


def order(rng: random.Random, n: int) -> tuple[str, bytes, dict]:
    region = rng.choice(REGIONS)
    event = rng.choices(ORDER_EVENTS, weights=(5, 4, 3, 1))[0]
    body = {
        "id": f"ord-{n:06d}",
        "customer": {"id": f"c-{rng.randint(1, 500):04d}", "tier": rng.choice(["free", "pro", "enterprise"])},
        "items": [
            {"sku": f"SKU-{rng.randint(100, 999)}", "name": rng.choice(PRODUCTS), "qty": rng.randint(1, 4)}
            for _ in range(rng.randint(1, 3))
        ],
        "total": round(rng.uniform(5, 400), 2),
        "currency": {"eu": "EUR", "us": "USD", "apac": "SGD"}[region],
        "event": event,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    headers = {
        "Content-Type": "application/json",
        "Nats-Msg-Id": str(uuid.UUID(int=rng.getrandbits(128))),
        "traceparent": f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01",
    }
    return f"orders.{region}.{event}", json.dumps(body).encode(), headers


def sensor(rng: random.Random) -> tuple[str, bytes]:
    building = rng.choice(BUILDINGS)
    floor = rng.randint(1, 4)
    kind = rng.choice(("temp", "humidity"))
    value = rng.gauss(21.5, 1.5) if kind == "temp" else rng.gauss(45, 5)
    return f"sensors.{building}.floor{floor}.{kind}", f"{value:.2f}".encode()


def log_line(rng: random.Random) -> tuple[str, bytes]:
    service = rng.choice(SERVICES)
    level = rng.choice(LEVELS)
    text = rng.choice(
        [
            "request handled in {ms}ms",
            "cache miss for key user:{n}",
            "retrying upstream call (attempt {a})",
            "user {n} signed in",
            "rate limit reached for client {n}",
        ]
    ).format(ms=rng.randint(1, 250), n=rng.randint(1, 9999), a=rng.randint(1, 3))
    stamp = time.strftime("%H:%M:%S")
    return f"logs.{service}.{level}", f"{stamp} {level.upper():5} [{service}] {text}".encode()


def telemetry(rng: random.Random) -> tuple[str, bytes]:
    device = rng.randint(1, 12)
    payload = struct.pack("<IdHH", int(time.time()), rng.uniform(-90, 90), rng.randint(0, 4095), rng.randint(0, 100))
    return f"telemetry.device.{device}.raw", payload + bytes(rng.getrandbits(8) for _ in range(8))


async def run(url: str, rate: float = 40.0, seed: int = 7) -> None:
    rng = random.Random(seed)
    nc = await nats.connect(url, name="natstui-demo-traffic", max_reconnect_attempts=-1)

    async def lookup(msg) -> None:
        try:
            req = json.loads(msg.data or b"{}")
        except ValueError:
            req = {}
        user = req.get("id", 0)
        await msg.respond(json.dumps({"id": user, "name": f"user-{user}", "plan": "pro"}).encode())

    await nc.subscribe("api.users.get", queue="users", cb=lookup)
    areas = [asyncio.ensure_future(_guarded(area.run(nc, random.Random(seed + i)))) for i, area in enumerate(AREAS)]
    try:
        await core_traffic(nc, rng, rate)
    finally:
        for task in areas:
            task.cancel()


async def _guarded(coro) -> None:
    """An area's demo data failing must not stop the rest of the demo."""
    try:
        await coro
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # pragma: no cover - shown on stderr of the demo process
        print(f"demo data error: {exc!r}", file=sys.stderr)


async def core_traffic(nc, rng: random.Random, rate: float) -> None:
    n = 0
    interval = 1.0 / rate
    while True:
        n += 1
        roll = rng.random()
        try:
            if roll < 0.35:
                subject, data, headers = order(rng, n)
                await nc.publish(subject, data, headers=headers)
            elif roll < 0.6:
                await nc.publish(*sensor(rng))
            elif roll < 0.8:
                await nc.publish(*log_line(rng))
            elif roll < 0.92:
                await nc.publish(*telemetry(rng))
            elif roll < 0.98:
                try:
                    await nc.request("api.users.get", json.dumps({"id": rng.randint(1, 99)}).encode(), timeout=1)
                except Exception:
                    pass
            else:
                # Chat from users: text that looks like markup or escapes is still just text.
                await nc.publish(
                    "chat.room.general",
                    rng.choice(
                        ["hello [bold]world[/bold] 👋", "\x1b[31mred?\x1b[0m no, escaped", "naïve café ✓", "[/]"]
                    ).encode(),
                )
        except Exception:
            await asyncio.sleep(0.5)
        await asyncio.sleep(interval * rng.uniform(0.3, 1.7))


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:4222"
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 40.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(run(url, rate))
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()

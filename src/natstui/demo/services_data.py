"""Demo data for the Services view: NATS micro services built with nats-py's micro API,
two instances of one of them, a few endpoints, some errors, and request traffic.
"""

from __future__ import annotations

import asyncio
import json
import random

from nats import micro
from nats.micro.request import Request, ServiceError

SKUS = [f"SKU-{n}" for n in range(100, 120)]


async def add_inventory(nc, rng: random.Random, zone: str):
    """One instance of the inventory service (the demo runs two)."""
    stock = {sku: rng.randint(0, 40) for sku in SKUS}
    service = await micro.add_service(
        nc,
        name="inventory",
        version="1.4.2",
        description="Stock levels and reservations for the shop",
        metadata={"team": "fulfilment", "zone": zone},
    )

    async def get(req: Request) -> None:
        sku = _body(req).get("sku") or rng.choice(SKUS)
        if sku not in stock:
            raise ServiceError("404", f"unknown sku {sku}")
        await asyncio.sleep(rng.uniform(0.0005, 0.004))
        await req.respond(
            json.dumps({"sku": sku, "available": stock[sku], "zone": zone}).encode(),
            headers={"Content-Type": "application/json"},
        )

    async def reserve(req: Request) -> None:
        body = _body(req)
        sku, qty = body.get("sku") or rng.choice(SKUS), int(body.get("qty") or 1)
        await asyncio.sleep(rng.uniform(0.001, 0.01))
        if stock.get(sku, 0) < qty:
            raise ServiceError("409", f"not enough {sku} in stock")
        stock[sku] -= qty
        await req.respond(json.dumps({"sku": sku, "reserved": qty, "left": stock[sku]}).encode())

    async def health(req: Request) -> None:
        await req.respond(b'{"status": "ok"}')

    group = service.add_group(name="inventory")
    await group.add_endpoint(name="stock", subject="stock.get", handler=get, metadata={"schema": "StockQuery"})
    await group.add_endpoint(name="reserve", subject="stock.reserve", handler=reserve)
    await service.add_endpoint(name="health", subject="inventory.health", handler=health)
    return service


async def add_pricing(nc, rng: random.Random):
    """A one-instance service whose endpoint fails now and then with an unexpected error."""
    service = await micro.add_service(
        nc,
        name="pricing",
        version="0.9.0",
        description="Quotes in the customer's currency",
        metadata={"team": "billing"},
    )

    async def quote(req: Request) -> None:
        body = _body(req)
        if rng.random() < 0.1:
            raise RuntimeError("exchange rate feed unavailable")
        price = round(rng.uniform(5, 400), 2)
        await req.respond(json.dumps({"sku": body.get("sku"), "price": price, "currency": "EUR"}).encode())

    await service.add_endpoint(name="quote", subject="pricing.quote", handler=quote)
    return service


def _body(req: Request) -> dict:
    try:
        body = json.loads(req.data or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def traffic(nc, rng: random.Random, rate: float = 3.0) -> None:
    """Requests to the endpoints, a few of them failing (unknown SKUs, out of stock, errors)."""
    while True:
        roll = rng.random()
        try:
            if roll < 0.45:
                sku = rng.choice(SKUS) if rng.random() > 0.08 else "SKU-999"
                await nc.request("inventory.stock.get", json.dumps({"sku": sku}).encode(), timeout=1)
            elif roll < 0.7:
                payload = {"sku": rng.choice(SKUS), "qty": rng.randint(1, 6)}
                await nc.request("inventory.stock.reserve", json.dumps(payload).encode(), timeout=1)
            elif roll < 0.9:
                await nc.request("pricing.quote", json.dumps({"sku": rng.choice(SKUS)}).encode(), timeout=1)
            else:
                await nc.request("inventory.health", b"", timeout=1)
        except Exception:
            pass  # a demo request that fails is part of the traffic
        await asyncio.sleep(rng.uniform(0.5, 1.5) / rate)


async def run(nc, rng: random.Random) -> None:
    """Start the services (two inventory instances, one pricing), then send them requests for ever."""
    services: list = [
        await add_inventory(nc, rng, "eu-west"),
        await add_inventory(nc, rng, "eu-central"),
        await add_pricing(nc, rng),
    ]
    try:
        await traffic(nc, rng)
    finally:
        for service in services:
            try:
                await service.stop()
            except Exception:
                pass

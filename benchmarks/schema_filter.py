#!/usr/bin/env python
"""JSON Schema validation for the live stream: what one validation costs, and what the bounded steps
of the "only invalid" filter keep off the event loop.

    python benchmarks/schema_filter.py [--count 100000]

No server: a full buffer of order-like JSON messages (half of them on a subject with a schema, one in
ten of those invalid) is filtered the way the stream does it, one frame's step at a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from natstui.decoders import parse_rules
from natstui.model.records import StoredMsg
from natstui.model.store import RingStore
from natstui.model.view import MessageFilter, StreamView
from natstui.validity import SETTLE_BUDGET, Validity

SCHEMA = {
    "type": "object",
    "required": ["id", "customer", "lines"],
    "properties": {
        "id": {"type": "string", "pattern": "^ord-[0-9]+$"},
        "customer": {"type": "object", "properties": {"tier": {"enum": ["free", "pro", "enterprise"]}}},
        "lines": {
            "type": "array",
            "items": {"type": "object", "required": ["sku", "qty"], "properties": {"qty": {"minimum": 1}}},
        },
    },
}

FRAME = 1 / 20  # the app's frame rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order.json"
        path.write_text(json.dumps(SCHEMA))
        rules = parse_rules({"decoders": [{"subject": "orders.>", "json_schema": str(path)}]})
        store = RingStore(args.count)
        for i in range(args.count):
            qty = 0 if i % 20 == 0 else 2
            body = {"id": f"ord-{i}", "customer": {"tier": "pro"}, "lines": [{"sku": "SKU-1", "qty": qty}] * 3}
            subject = "orders.eu.created" if i % 2 == 0 else "sensors.lab.temp"
            store.append(StoredMsg(subject, json.dumps(body).encode()))

        # every message at once: what validating on arrival, or on applying the filter, would cost
        full = Validity(rules)
        started = time.perf_counter()
        full.settle(store, store.last_seq, budget=float("inf"))
        whole = time.perf_counter() - started
        per = whole / max(full.checked, 1)

        # the stream's way: a step of at most SETTLE_BUDGET per frame
        validity = Validity(rules)
        view = StreamView(store)
        view.paused = True
        steps: list[float] = []
        started = time.perf_counter()
        view.set_filter(MessageFilter(invalid=True, checker=validity))
        steps.append(time.perf_counter() - started)
        while view._upto < store.last_seq:
            started = time.perf_counter()
            view.update()
            steps.append(time.perf_counter() - started)
        steps.sort()

    print(f"schema filter over {args.count:,} messages ({full.checked:,} on the schema's subject)")
    print(f"  one validation (json.loads + is_valid): {per * 1e6:.1f} µs")
    print(f"  all at once (what filtering on arrival would block): {whole * 1000:.0f} ms")
    print(
        f"  bounded: {len(steps)} frames of at most {SETTLE_BUDGET * 1000:.0f} ms budget;"
        f" step p50 {steps[len(steps) // 2] * 1000:.1f} ms, p99 {steps[int(len(steps) * 0.99)] * 1000:.1f} ms;"
        f" caught up in {len(steps) * FRAME:.1f} s at 20 frames/s"
    )
    print(f"  sustained: the filter keeps up with ~{SETTLE_BUDGET / per / FRAME:,.0f} schema messages/s")
    print(f"  invalid found: {len(view):,} (expected {args.count // 20:,})")


if __name__ == "__main__":
    main()

"""Demo data for the JetStream views (being built)."""

from __future__ import annotations

import random


async def run(nc, rng: random.Random) -> None:
    """Create this area's demo data, then keep it changing (returns when there is nothing to keep doing)."""
    return None

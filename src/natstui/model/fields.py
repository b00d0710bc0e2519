"""Reading fields of JSON the servers send (monitoring replies, advisories, trace events) without
trusting their types: a missing or malformed field reads as zero or empty, never an exception."""

from __future__ import annotations

from typing import Any


def as_int(value: Any) -> int:
    """``value`` as an int (a number or a numeric string); 0 for anything else."""
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""What a subscription of the live stream, or a responder, is made of: checked before anything is sent.

No nats-py and no Textual here: the client (``client/feed.py``) subscribes from a :class:`SubSpec`,
the UI builds one from a form, and the config file keeps the chosen ones (``[[subscriptions]]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from natstui.model.compose import subject_problem
from natstui.model.templates import Template

# nats-py's own defaults (DEFAULT_SUB_PENDING_MSGS_LIMIT, DEFAULT_SUB_PENDING_BYTES_LIMIT)
NATS_PENDING_MSGS_LIMIT = 512 * 1024
NATS_PENDING_BYTES_LIMIT = 128 * 1024 * 1024

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class SpecError(ValueError):
    """A subscription or responder that cannot be made; the message says why in plain words."""


def subscribe_problem(subject: str) -> str | None:
    """Why one cannot subscribe to ``subject`` (spaces, empty tokens, ``>`` not last, a wildcard
    inside a token), or None."""
    problem = subject_problem(subject, wildcards=True)
    if problem:
        return problem
    for token in subject.split("."):
        if token not in ("*", ">") and ("*" in token or ">" in token):
            return f"the token {token!r} holds a wildcard: * and > must be whole tokens"
    return None


def queue_problem(queue: str) -> str | None:
    """Why ``queue`` cannot be a queue group name, or None ('' is no queue group)."""
    if not queue:
        return None
    if any(ch.isspace() for ch in queue):
        return "the queue group contains whitespace"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in queue):
        return "the queue group contains a control character"
    return None


def parse_count(text: str, what: str) -> int:
    """A whole number >= 0 typed in a form ('' is 0: none)."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return 0
    if not text.isdigit():
        raise SpecError(f"{what} must be a whole number (or empty)")
    return int(text)


def parse_size(text: str, what: str) -> int:
    """A size in bytes, '64MiB', '512k', '1g' ('' is 0: the default)."""
    match = _SIZE.match(text.replace(",", "").replace("_", ""))
    if not text.strip():
        return 0
    if match is None:
        raise SpecError(f"{what} must be a size such as 1048576, 512KiB or 64MiB (or empty)")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * _SIZE_UNITS[unit]


@dataclass
class SubSpec:
    """One subscription as the user asked for it.

    ``max_msgs``: stop after this many messages (0: never). The pending limits bound what nats-py
    holds for natstui (0: the live stream's default); past them it drops (slow consumer).
    """

    subject: str
    queue: str = ""
    max_msgs: int = 0
    pending_msgs_limit: int = 0
    pending_bytes_limit: int = 0

    def check(self) -> SubSpec:
        """Raise SpecError with the reason when the server would refuse it (nothing is sent)."""
        problem = subscribe_problem(self.subject) or queue_problem(self.queue)
        if problem:
            raise SpecError(problem)
        for value, what in (
            (self.max_msgs, "stop after"),
            (self.pending_msgs_limit, "the pending messages limit"),
            (self.pending_bytes_limit, "the pending bytes limit"),
        ):
            if value < 0:
                raise SpecError(f"{what} cannot be negative")
        return self

    def to_toml(self) -> dict[str, object]:
        """The config file's form: only what differs from the defaults."""
        out: dict[str, object] = {"subject": self.subject}
        if self.queue:
            out["queue"] = self.queue
        if self.max_msgs:
            out["max_msgs"] = self.max_msgs
        if self.pending_msgs_limit:
            out["pending_msgs_limit"] = self.pending_msgs_limit
        if self.pending_bytes_limit:
            out["pending_bytes_limit"] = self.pending_bytes_limit
        return out

    @classmethod
    def from_toml(cls, data: Mapping[str, object]) -> SubSpec:
        subject = data.get("subject")
        if not isinstance(subject, str):
            raise SpecError('a [[subscriptions]] entry needs subject = "..."')
        queue = data.get("queue", "")
        if not isinstance(queue, str):
            raise SpecError(f"subscription {subject}: queue must be a string")
        numbers: dict[str, int] = {}
        for key in ("max_msgs", "pending_msgs_limit", "pending_bytes_limit"):
            value = data.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise SpecError(f"subscription {subject}: {key} must be a whole number >= 0")
            numbers[key] = value
        unknown = set(data) - {"subject", "queue", "max_msgs", "pending_msgs_limit", "pending_bytes_limit"}
        if unknown:
            raise SpecError(f"subscription {subject}: unknown setting {', '.join(sorted(unknown))}")
        return cls(subject, queue, **numbers).check()


@dataclass
class ResponderSpec:
    """Answer requests on ``subject``: with ``payload`` and ``headers``, or the request echoed;
    after ``delay`` seconds; with a ``Nats-Service-Error`` header when ``error`` is set."""

    subject: str
    queue: str = ""
    payload: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    echo: bool = False
    delay: float = 0.0
    error: str = ""
    error_code: str = ""
    template: Template | None = None  # a compose template, its placeholders filled for each answer

    def check(self) -> ResponderSpec:
        problem = subscribe_problem(self.subject) or queue_problem(self.queue)
        if problem:
            raise SpecError(problem)
        if self.delay < 0:
            raise SpecError("the delay cannot be negative")
        if self.error_code and not self.error_code.isdigit():
            raise SpecError("the error code must be a number (e.g. 503)")
        return self

    def describe(self) -> str:
        what = (
            "echo"
            if self.echo
            else f"template {self.template.name}"
            if self.template is not None
            else f"{len(self.payload):,} bytes"
        )
        if self.error:
            what += f", error {self.error_code or ''} {self.error}".rstrip()
        if self.delay:
            what += f", after {self.delay:g}s"
        return what


def parse_delay(text: str) -> float:
    """A delay typed in a form: seconds ('0.5', '2') or with a unit ('250ms', '2s')."""
    text = text.strip().lower()
    if not text:
        return 0.0
    scale = 1.0
    if text.endswith("ms"):
        text, scale = text[:-2], 0.001
    elif text.endswith("s"):
        text = text[:-1]
    try:
        value = float(text) * scale
    except ValueError:
        raise SpecError("the delay must be a number of seconds, e.g. 0.5 or 250ms") from None
    if value < 0 or value > 3600:
        raise SpecError("the delay must be between 0 and 3600 seconds")
    return value

"""What the compose screen checks before anything is sent: subjects, headers, payloads.

Plain Python: no nats-py, no Textual. Every check returns the problem in plain
words (or raises :class:`ComposeError` with it) so that the screen can show it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from natstui.model.sanitize import escape_line

HeaderPairs = list[tuple[str, str]]

# A header name is an HTTP token (RFC 7230), as nats-py and the server expect.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class ComposeError(ValueError):
    """Something the user typed cannot be sent; the message says why."""


def subject_problem(subject: str, *, wildcards: bool = False) -> str | None:
    """Why ``subject`` cannot be used, or None when it can.

    NATS subjects are tokens separated by dots: no whitespace, no empty token.
    ``*`` (one token) and ``>`` (the rest, last token only) are wildcards,
    allowed only where ``wildcards`` is true (subscribing), never to publish.
    """
    if not subject:
        return "the subject is empty"
    for ch in subject:
        if ch.isspace():
            return "the subject contains whitespace (a space, a tab or a new line)"
    if _CONTROL.search(subject):
        return "the subject contains a control character"
    tokens = subject.split(".")
    if any(t == "" for t in tokens):
        return "the subject has an empty token (a leading, trailing or double dot)"
    for i, token in enumerate(tokens):
        if token in ("*", ">"):
            if not wildcards:
                return f"the subject has the wildcard {token!r}: a message is published to one exact subject"
            if token == ">" and i != len(tokens) - 1:
                return "'>' may only be the last token"
    return None


def check_subject(subject: str, *, wildcards: bool = False) -> str:
    problem = subject_problem(subject, wildcards=wildcards)
    if problem:
        raise ComposeError(problem)
    return subject


def parse_headers(text: str) -> HeaderPairs:
    """``Name: value`` per line, in order; a name may repeat. Blank lines are skipped."""
    pairs: HeaderPairs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep:
            raise ComposeError(f"header line {number}: expected 'Name: value'")
        if not name:
            raise ComposeError(f"header line {number}: the name is empty")
        if not _HEADER_NAME.fullmatch(name):
            raise ComposeError(
                f"header line {number}: {name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"
            )
        value = value.strip()
        if _CONTROL.search(value):
            raise ComposeError(f"header line {number}: the value contains a control character")
        pairs.append((name, value))
    return pairs


def header_problem(text: str) -> str | None:
    try:
        parse_headers(text)
    except ComposeError as exc:
        return str(exc)
    return None


def has_repeats(pairs: Sequence[tuple[str, str]]) -> bool:
    names = [name for name, _ in pairs]
    return len(set(names)) != len(names)


def group_headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str | list[str]] | None:
    """Pairs as a dict for display: a repeated name maps to the list of its values."""
    if not pairs:
        return None
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in out:
            current = out[name]
            out[name] = (current if isinstance(current, list) else [current]) + [value]
        else:
            out[name] = value
    return out


def headers_text(headers: dict[str, Any] | None) -> str:
    """A message's headers as the compose screen edits them (list values give repeated lines)."""
    if not headers:
        return ""
    lines = []
    for name, value in headers.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"{escape_line(str(name))}: {escape_line(str(v))}")
    return "\n".join(lines)


def looks_like_json(text: str) -> bool:
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[")


def payload_problem(text: str) -> str | None:
    """When the payload looks like JSON (starts with ``{`` or ``[``) but does not parse, where and why."""
    if not looks_like_json(text):
        return None
    try:
        json.loads(text)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return f"the payload looks like JSON but is not valid: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return f"the payload looks like JSON but is not valid: {exc}"
    return None


def parse_timeout(text: str, *, maximum: float = 300.0) -> float:
    """A request timeout in seconds: a positive number up to ``maximum``."""
    try:
        value = float(text.strip().rstrip("s").strip())
    except ValueError:
        raise ComposeError(f"the timeout {text.strip()!r} is not a number of seconds") from None
    if not (0 < value <= maximum):
        raise ComposeError(f"the timeout must be more than 0 and at most {maximum:g} seconds")
    return value


def format_duration(seconds: float) -> str:
    """1.2 ms, 350 µs, 2.50 s: a round trip or processing time, readable."""
    if seconds < 0.001:
        return f"{seconds * 1_000_000:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"

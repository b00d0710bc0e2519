"""Text from the wire is data: make it safe to put on a terminal.

Nothing here returns markup. Callers build ``rich.text.Text`` from the
result (``Text(s)`` never parses markup); control characters, ANSI escapes
and bidirectional overrides are replaced by visible stand-ins so that they
can neither move the cursor nor reorder the screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e", "\x00": "\\0"}

# C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line and
# paragraph separators, zero-width no-break space: anything that changes
# how following text is laid out.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def _stand_in(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def escape_line(text: str) -> str:
    """One line: every control character (newlines included) shown escaped."""
    return _UNSAFE.sub(_stand_in, text)


def escape_block(text: str) -> str:
    """Multi-line text: keeps ``\\n`` and ``\\t``, escapes every other control."""
    return _UNSAFE_KEEP_LINES.sub(_stand_in, text.replace("\r\n", "\n"))


def is_safe(text: str) -> bool:
    """True when ``text`` holds no character that could act on a terminal."""
    return _UNSAFE.search(text) is None


def redact_url(url: str) -> str:
    """A server URL without its user info (``nats://user:pass@host`` -> ``nats://host``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Remove every known secret value and any URL user info from ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)

"""What "find by content" looks for: plain text, a regular expression, or a condition on a JSON field.

The query a user types:

- ``/regex/`` (``/regex/i`` ignores case): a regular expression searched in the payload;
- ``.path OP value``: a JSON field condition; the path is ``.`` followed by names and
  ``[N]`` indexes (``.customer.country``, ``.items[0].sku``, ``."a key".x``), OP is one of
  ``==``, ``!=``, ``<``, ``>``, ``contains`` (a substring of a string, an element of a list, a
  key of an object) or ``exists`` (nothing after it; ``.path`` alone means the same); the
  value is JSON (``"DE"``, ``42``, ``true``, ``null``) or a bare word taken as a string;
- anything else is plain text, case-insensitive unless it holds a capital letter ("smart
  case", as ``less`` and vim do); a leading ``\\`` takes the rest as text even if it starts
  with ``/`` or ``.``.

Matching runs on the raw payload bytes so a scan of a million messages stays cheap; the
pattern that highlights a match is computed only for the message shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

OPERATORS = ("==", "!=", "<", ">", "contains", "exists")
_MISSING = object()


class QueryError(ValueError):
    """The query cannot be understood; the message says why, in words."""


@dataclass(frozen=True)
class JsonCondition:
    path: tuple[str | int, ...]
    op: str
    value: Any = None

    def describe(self) -> str:
        parts = []
        for part in self.path:
            if isinstance(part, int):
                parts.append(f"[{part}]")
            else:
                parts.append("." + (part if _NAME.fullmatch(part) else json.dumps(part)))
        text = "".join(parts) or "."
        return f"{text} exists" if self.op == "exists" else f"{text} {self.op} {json.dumps(self.value)}"


@dataclass(frozen=True)
class Query:
    """A parsed query; :meth:`matches` answers for one payload."""

    kind: str  # "text", "regex" or "json"
    source: str
    text: str = ""
    ignore_case: bool = False
    condition: JsonCondition | None = None
    _needle: bytes = field(default=b"", repr=False, compare=False)
    _regex: re.Pattern[bytes] | None = field(default=None, repr=False, compare=False)
    _key: bytes = field(default=b"", repr=False, compare=False)

    def matches(self, data: bytes) -> bool:
        if self.kind == "text":
            return self._needle in (data.lower() if self.ignore_case else data)
        if self.kind == "regex":
            assert self._regex is not None
            return self._regex.search(data) is not None
        assert self.condition is not None
        # the field's name must appear in the text (unless escaped): most payloads are ruled out without parsing
        if self._key and self._key not in data and b"\\" not in data:
            return False
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return False
        return evaluate(self.condition, document)

    def highlight(self) -> str:
        """A regular expression (for ``str``) that marks the match in the payload as shown."""
        flags = "(?i)" if self.ignore_case else ""
        if self.kind == "text":
            return flags + re.escape(self.text)
        if self.kind == "regex":
            return flags + self.text
        assert self.condition is not None
        names = [p for p in self.condition.path if isinstance(p, str)]
        key = re.escape(json.dumps(names[-1])) if names else ""
        if not key:
            return re.escape(json.dumps(self.condition.value)) if self.condition.op != "exists" else "(?!x)x"
        if self.condition.op in ("==", "contains") and isinstance(self.condition.value, (str, int, float, bool)):
            shown = json.dumps(self.condition.value)
            if self.condition.op == "contains" and isinstance(self.condition.value, str):
                return f'{key}\\s*:\\s*"[^"\\n]*?{re.escape(self.condition.value)}[^"\\n]*"|{key}'
            return f"{key}\\s*:\\s*{re.escape(shown)}|{key}"
        return key

    def describe(self) -> str:
        if self.kind == "text":
            return f"text {self.text!r}" + (" (any case)" if self.ignore_case else "")
        if self.kind == "regex":
            return f"regex /{self.text}/" + ("i" if self.ignore_case else "")
        assert self.condition is not None
        return f"JSON {self.condition.describe()}"


def parse_query(source: str) -> Query:
    text = source.strip()
    if not text:
        raise QueryError("type something to find")
    if text.startswith("\\"):
        return _text_query(source.strip()[1:], source)
    if text.startswith("/"):
        flags = ""
        body = text[1:]
        match = re.fullmatch(r"(.*)/([a-z]*)", body, re.S)
        if match:
            body, flags = match.group(1), match.group(2)
        if not body:
            raise QueryError("an empty regular expression finds everything")
        unknown = set(flags) - {"i"}
        if unknown:
            raise QueryError(f"unknown regular expression flag {''.join(sorted(unknown))!r} (only i)")
        try:
            pattern = re.compile(body.encode(), re.I if "i" in flags else 0)
        except re.error as exc:
            raise QueryError(f"not a regular expression: {exc}") from None
        return Query("regex", source, text=body, ignore_case="i" in flags, _regex=pattern)
    if text.startswith("."):
        condition = parse_condition(text)
        names = [p for p in condition.path if isinstance(p, str)]
        key = json.dumps(names[-1], ensure_ascii=False).encode() if names else b""
        return Query("json", source, condition=condition, _key=key)
    return _text_query(text, source)


def _text_query(text: str, source: str) -> Query:
    if not text:
        raise QueryError("type something to find")
    ignore_case = text == text.lower()
    needle = text.encode()
    return Query("text", source, text=text, ignore_case=ignore_case, _needle=needle.lower() if ignore_case else needle)


_NAME = re.compile(r"[A-Za-z_$@-][\w$@-]*")


def parse_condition(text: str) -> JsonCondition:
    """``.a.b[0] == "x"`` to a :class:`JsonCondition`."""
    pos = 0
    path: list[str | int] = []
    n = len(text)
    while pos < n and text[pos] in ".[":
        if text[pos] == "[":
            end = text.find("]", pos)
            if end < 0:
                raise QueryError("a '[' in the path is not closed")
            inside = text[pos + 1 : end].strip()
            if inside.startswith('"'):
                path.append(_json_string(inside))
            else:
                try:
                    path.append(int(inside))
                except ValueError:
                    raise QueryError(f"[{inside}] is not an index (a whole number)") from None
            pos = end + 1
            continue
        pos += 1  # the dot
        if pos < n and text[pos] == '"':
            end = _string_end(text, pos)
            path.append(_json_string(text[pos : end + 1]))
            pos = end + 1
        elif pos < n and (m := _NAME.match(text, pos)):
            path.append(m.group(0))
            pos = m.end()
        elif pos < n and text[pos] == "[":
            continue
        elif pos >= n or text[pos].isspace():
            if path:
                raise QueryError("a path ends with a name, not a dot")
            break  # '.' alone: the whole document
        else:
            raise QueryError(f"unexpected {text[pos]!r} in the path at {pos + 1}")
    rest = text[pos:].strip()
    if not rest:
        return JsonCondition(tuple(path), "exists")
    for op in sorted(OPERATORS, key=len, reverse=True):
        if rest.startswith(op) and (op[0] in "=!<>" or len(rest) == len(op) or not rest[len(op)].isalnum()):
            value_text = rest[len(op) :].strip()
            if op == "exists":
                if value_text:
                    raise QueryError("nothing comes after 'exists'")
                return JsonCondition(tuple(path), op)
            if not value_text:
                raise QueryError(f"a value is needed after {op}")
            return JsonCondition(tuple(path), op, _value(value_text))
    raise QueryError(f"expected one of {', '.join(OPERATORS)} after the path, not {rest.split()[0]!r}")


def _string_end(text: str, start: int) -> int:
    pos = start + 1
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] == '"':
            return pos
        pos += 1
    raise QueryError("a quoted name is not closed")


def _json_string(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        raise QueryError(f"{text} is not a quoted name") from None
    if not isinstance(value, str):
        raise QueryError(f"{text} is not a quoted name")
    return value


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        if text.startswith(('"', "[", "{")):
            raise QueryError(f"{text} is not a JSON value") from None
        return text  # a bare word: a string


def lookup(document: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``document``, or ``_MISSING``."""
    value = document
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or not -len(value) <= part < len(value):
                return _MISSING
            value = value[part]
        else:
            if not isinstance(value, dict) or part not in value:
                return _MISSING
            value = value[part]
    return value


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


def evaluate(condition: JsonCondition, document: Any) -> bool:
    found = lookup(document, condition.path)
    if found is _MISSING:
        return False
    op, value = condition.op, condition.value
    if op == "exists":
        return True
    if op == "==":
        return _equal(found, value)
    if op == "!=":
        return not _equal(found, value)
    if op in ("<", ">"):
        if isinstance(found, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                found = float(found)  # "42" < 100: a number sent as a string
            except ValueError:
                return False
        if not _comparable(found, value):
            return False
        return bool(found < value) if op == "<" else bool(found > value)
    # contains
    if isinstance(found, str):
        return isinstance(value, str) and value in found
    if isinstance(found, list):
        return any(_equal(item, value) for item in found)
    if isinstance(found, dict):
        return isinstance(value, str) and value in found
    return False


def _equal(found: Any, value: Any) -> bool:
    if isinstance(found, bool) or isinstance(value, bool):
        return found is value
    if isinstance(found, (int, float)) and isinstance(value, str):
        return str(found) == value  # a bare word compared with a number: .code == 42x is false, == 42 true
    if isinstance(found, str) and isinstance(value, (int, float)):
        return found == json.dumps(value)  # "42" == 42: the number as sent as text
    return bool(found == value)


@dataclass(frozen=True)
class FindRange:
    """Where a find may look: sequences (inclusive); None is open."""

    first: int | None = None
    last: int | None = None


def parse_range(text: str) -> tuple[str, str]:
    """``A..B`` (either side may be empty) to its two sides, stripped; one value alone is the start."""
    text = text.strip()
    if not text:
        return "", ""
    if ".." in text:
        start, _, end = text.partition("..")
        return start.strip(), end.strip()
    return text, ""


def parse_sequence(text: str) -> int | None:
    """A side of a range as a sequence number, or None when it is not one (a time, perhaps)."""
    cleaned = text.replace(",", "").replace("_", "").strip()
    if cleaned.isdigit():
        return int(cleaned)
    return None

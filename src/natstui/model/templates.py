"""Saved message templates and the placeholders filled when one is sent.

Plain Python: no nats-py, no Textual. The small API is ``load``, ``save`` and
``render(template, seq)``; the compose screen and a responder both use it.

The templates live in one readable JSON file next to ``config.toml``
(``~/.config/natstui/templates.json``), a list of objects with ``name``,
``subject``, ``headers`` (the compose screen's ``Name: value`` lines) and
``payload`` (text).

Placeholders, filled at send time in the subject, the headers and the payload:

``{{uuid}}``        a new random UUID (version 4) for each message
``{{now}}``         the time of sending, RFC 3339 in UTC with microseconds
``{{seq}}``         the message's number: 1, 2, 3 ... (in a load test, its place in the run)
``{{env:NAME}}``    the environment variable NAME (an error when it is not set)

Anything else between double braces is left as written (``{{ .Name }}`` of a Go
template stays as it is).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from natstui.files import write_atomically

FILE_NAME = "templates.json"
PLACEHOLDER = re.compile(r"\{\{\s*(uuid|now|seq|env:([A-Za-z_][A-Za-z0-9_]*))\s*\}\}")


class TemplateError(ValueError):
    """A template file or placeholder that cannot be used; the message says why."""


@dataclass
class Template:
    name: str
    subject: str = ""
    headers: str = ""  # "Name: value" per line, as the compose screen edits them
    payload: str = ""


@dataclass
class Rendered:
    """A template with its placeholders filled: what is sent."""

    subject: str
    headers: str
    payload: str


def default_path(env: Mapping[str, str] = os.environ) -> Path:
    from natstui.config import config_path

    return config_path(env).parent / FILE_NAME


def load(path: Path | None = None) -> list[Template]:
    """The saved templates in file order ([] when there is no file); TemplateError when it cannot be read."""
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TemplateError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise TemplateError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise TemplateError(f"{path}: expected a list of templates")
    out: list[Template] = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise TemplateError(f"{path}: template {i} has no name")
        fields = {k: item.get(k, "") for k in ("subject", "headers", "payload")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise TemplateError(f"{path}: template {item['name']!r}: subject, headers and payload must be text")
        out.append(Template(name=item["name"], **fields))
    return out


def save(templates: list[Template], path: Path | None = None) -> Path:
    """Write the templates (replacing the file atomically); returns the path."""
    path = path or default_path()
    write_atomically(path, json.dumps([asdict(t) for t in templates], indent=2, ensure_ascii=False) + "\n")
    return path


def put(templates: list[Template], template: Template) -> list[Template]:
    """The list with ``template`` added, or replacing the one of the same name (in its place)."""
    name = template.name.strip()
    if not name:
        raise TemplateError("a template needs a name")
    template.name = name
    out = list(templates)
    for i, existing in enumerate(out):
        if existing.name == name:
            out[i] = template
            return out
    out.append(template)
    return out


def has_placeholders(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None


def fill(text: str, seq: int, env: Mapping[str, str] | None = None, now: datetime | None = None) -> str:
    """``text`` with its placeholders filled for message number ``seq``."""
    if "{{" not in text:
        return text
    environ = os.environ if env is None else env

    def one(match: re.Match[str]) -> str:
        word = match.group(1)
        if word == "uuid":
            return str(uuid.uuid4())
        if word == "now":
            moment = now or datetime.now(timezone.utc)
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if word == "seq":
            return str(seq)
        name = match.group(2)
        if name not in environ:
            raise TemplateError(f"the environment variable {name} in {{{{env:{name}}}}} is not set")
        return environ[name]

    return PLACEHOLDER.sub(one, text)


def render(
    template: Template, seq: int = 1, env: Mapping[str, str] | None = None, now: datetime | None = None
) -> Rendered:
    """The template's subject, headers and payload with placeholders filled (TemplateError: an unset variable)."""
    return Rendered(
        subject=fill(template.subject, seq, env, now),
        headers=fill(template.headers, seq, env, now),
        payload=fill(template.payload, seq, env, now),
    )

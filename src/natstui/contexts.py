"""The nats CLI's contexts as files: list them, read one whole, write one, select one.

The nats CLI (``natscontext`` in nats-io/jsm.go) keeps each context in
``$XDG_CONFIG_HOME/nats/context/NAME.json`` (an indented JSON object, written 0600 in a 0700
directory) and the selected one's name in ``$XDG_CONFIG_HOME/nats/context.txt``. natstui
reads and writes the same files, so that ``nats`` reads what natstui wrote: a context is
edited in place, its fields natstui does not edit kept as they were. No Textual here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from natstui.config import ConfigError, config_home, context_dir, selected_context, split_servers
from natstui.files import write_atomically
from natstui.model.sanitize import escape_line, redact_url

# The fields the context form edits, in the nats CLI's JSON names, with their labels.
EDITABLE = {
    "description": "Description",
    "url": "Server URLs",
    "creds": "Creds file",
    "nkey": "NKey seed file",
    "cert": "TLS client certificate",
    "key": "TLS client key",
    "ca": "TLS CA certificate",
    "jetstream_domain": "JetStream domain",
}


def valid_name(name: str) -> bool:
    """A name the nats CLI accepts (not empty, no ``..``, no path separator), and no hidden file."""
    return bool(name) and ".." not in name and "/" not in name and os.sep not in name and not name.startswith(".")


@dataclass(frozen=True)
class ContextSummary:
    """One context as the list shows it: never a secret, only what kind of credentials it holds."""

    name: str
    description: str = ""
    url: str = ""  # without user info
    credentials: str = "none"
    jetstream_domain: str = ""
    error: str = ""  # the file could not be read


def credential_kind(raw: Mapping[str, object]) -> str:
    """What a context logs in with, in words (the order the nats CLI tries them), plus TLS."""
    kinds: list[str] = []
    if raw.get("user"):
        kinds.append("user/password" if raw.get("password") else "user")
    elif any("@" in u.split("://", 1)[-1].split("/", 1)[0] for u in split_servers([str(raw.get("url") or "")])):
        kinds.append("user info in URL")
    if raw.get("creds"):
        kinds.append("creds file")
    if raw.get("nkey"):
        kinds.append("nkey")
    if raw.get("token"):
        kinds.append("token")
    if raw.get("user_jwt"):
        kinds.append("user JWT")
    if raw.get("nsc"):
        kinds.append("nsc")
    if raw.get("cert"):
        kinds.append("TLS cert")
    return ", ".join(kinds) or "none"


def summarize(name: str, raw: Mapping[str, object]) -> ContextSummary:
    url = str(raw.get("url") or "")
    servers = split_servers([url]) if url else []
    return ContextSummary(
        name=name,
        description=escape_line(str(raw.get("description") or "")),
        url=escape_line(",".join(redact_url(u) for u in servers)) if servers else "nats://127.0.0.1:4222 (default)",
        credentials=credential_kind(raw),
        jetstream_domain=escape_line(str(raw.get("jetstream_domain") or "")),
    )


def context_path(name: str, env: Mapping[str, str] = os.environ) -> Path:
    if not valid_name(name):
        raise ConfigError(f"invalid context name {escape_line(name)!r}: no '..', no '/', not starting with '.'")
    return context_dir(env) / f"{name}.json"


def read_context(name: str, env: Mapping[str, str] = os.environ) -> dict[str, object]:
    """The context file as the nats CLI wrote it (every field, secrets included: never show it)."""
    path = context_path(name, env)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"unknown context {name!r}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read context {name!r}: {exc.__class__.__name__}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"context {name!r} is not a JSON object")
    return raw


def list_contexts(env: Mapping[str, str] = os.environ) -> list[ContextSummary]:
    """Every context, sorted by name, as the nats CLI lists them (``*.json``, empty files skipped)."""
    try:
        paths = sorted(p for p in context_dir(env).glob("*.json") if p.is_file())
    except OSError:
        return []
    found: list[ContextSummary] = []
    for path in paths:
        name = path.name[: -len(".json")]
        try:
            if path.stat().st_size == 0 or not valid_name(name):
                continue
        except OSError:
            continue
        try:
            found.append(summarize(name, read_context(name, env)))
        except ConfigError as exc:
            found.append(ContextSummary(name=escape_line(name), url="", credentials="", error=str(exc)))
    return found


def save_context(name: str, values: Mapping[str, str], env: Mapping[str, str] = os.environ) -> Path:
    """Create or update ``NAME.json`` with ``values`` (nats CLI field names; '' clears a field).

    The fields not given keep their values (a password, a token, the nats CLI's own settings).
    The file is replaced atomically, 0600 in a 0700 directory, as the nats CLI writes it.
    """
    path = context_path(name, env)
    try:
        raw: dict[str, object] = read_context(name, env)
    except ConfigError:
        if path.exists():
            raise  # a file natstui cannot read is left alone
        raw = {}
    for key, value in values.items():
        if key not in EDITABLE:
            raise ValueError(f"not an editable context field: {key!r}")
        raw[key] = value.strip()
    text = json.dumps(raw, indent=2) + "\n"
    try:
        write_atomically(path, text, mode=0o600, dir_mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def select_context(name: str, env: Mapping[str, str] = os.environ) -> None:
    """Make ``name`` the nats CLI's selected context (``context.txt``), as ``nats context select`` does."""
    context_path(name, env)  # the name is checked
    path = config_home(env) / "nats" / "context.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(name, encoding="utf-8")
        os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def selected(env: Mapping[str, str] = os.environ) -> str | None:
    return selected_context(env)

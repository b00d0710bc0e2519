"""Settings: how to connect (nats CLI contexts, flags, environment) and what to show."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import unquote

from natstui.model.sanitize import redact_url

DEFAULT_URL = "nats://127.0.0.1:4222"

# nats CLI context keys that natstui understands, mapped to our field names.
CONTEXT_KEYS = {
    "url": "servers",
    "user": "user",
    "password": "password",
    "token": "token",
    "creds": "creds",
    "nkey": "nkey",
    "cert": "tls_cert",
    "key": "tls_key",
    "ca": "tls_ca",
    "inbox_prefix": "inbox_prefix",
    "jetstream_domain": "js_domain",
}


class ConfigError(Exception):
    """A setting that cannot be used; the message is safe to show."""


@dataclass
class ConnectionSettings:
    servers: List[str] = field(default_factory=lambda: [DEFAULT_URL])
    user: Optional[str] = None
    password: Optional[str] = None
    token: Optional[str] = None
    creds: Optional[str] = None
    nkey: Optional[str] = None
    tls_cert: Optional[str] = None
    tls_key: Optional[str] = None
    tls_ca: Optional[str] = None
    inbox_prefix: Optional[str] = None
    js_domain: Optional[str] = None
    context: Optional[str] = None  # the nats CLI context these came from
    name: str = "natstui"

    def secrets(self) -> List[str]:
        """Values that must never be shown: passwords, tokens, URL user info, key material
        (the lines of the nkey seed, creds and TLS key files)."""
        found = [s for s in (self.password, self.token) if s]
        for url in self.servers:
            if "@" in url and "://" in url:
                # As URL parsers read it: user info ends at the last '@' of the
                # authority, and the password may hold ':' and '@' itself.
                authority = url.split("://", 1)[1].split("/", 1)[0]
                userinfo = authority.rpartition("@")[0]
                user, _, password = userinfo.partition(":")
                for part in (userinfo, password, user):
                    if part:
                        found.append(part)
                        if unquote(part) != part:
                            found.append(unquote(part))
        for path in (self.nkey, self.creds, self.tls_key):
            if path:
                try:
                    text = Path(path).expanduser().read_text(errors="replace")
                except OSError:
                    continue
                found.extend(line.strip() for line in text.splitlines() if len(line.strip()) > 16)
        # Longest first, so that a secret holding another is removed whole.
        return sorted(set(found), key=len, reverse=True)

    @property
    def display_servers(self) -> str:
        return ",".join(redact_url(u) for u in self.servers)


@dataclass
class Settings:
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    subjects: List[str] = field(default_factory=lambda: [">"])
    queue: str = ""
    buffer: int = 100_000
    read_only: bool = False
    stream: Optional[str] = None  # open this stream's consumers (and, with consumer, its workbench)
    consumer: Optional[str] = None
    # binding id -> keys ("ctrl+f,f3"); None: the [keymap] table of the config file
    keymap: Optional[Dict[str, str]] = None
    utc: bool = False  # times in UTC instead of local time (--utc, or utc = true in config.toml)


def config_home(env: Mapping[str, str] = os.environ) -> Path:
    xdg = env.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg else Path(env.get("HOME", str(Path.home()))) / ".config"


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """natstui's own settings file: ``~/.config/natstui/config.toml`` (``$XDG_CONFIG_HOME`` honoured)."""
    return config_home(env) / "natstui" / "config.toml"


def load_config(path: Optional[Path] = None) -> Dict[str, object]:
    """The config file as a dict ({} when there is none); ConfigError names the file and what is wrong."""
    path = path or config_path()
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def read_utc_setting(env: Mapping[str, str] = os.environ) -> bool:
    """``utc = true`` at the top of ``~/.config/natstui/config.toml``; False when absent.

    A file that cannot be read is reported when the app starts (with the decoder rules and keymap).
    """
    try:
        data = load_config(config_path(env))
    except ConfigError:
        return False
    value = data.get("utc", False)
    if not isinstance(value, bool):
        raise ConfigError(f"{config_path(env)}: utc must be true or false")
    return value


def keymap_from(config: Mapping[str, object]) -> Dict[str, str]:
    """The ``[keymap]`` table: binding id -> keys. Values may be a string ("ctrl+f,f3") or a list of keys."""
    table = config.get("keymap") or {}
    if not isinstance(table, dict):
        raise ConfigError("[keymap] must be a table of binding id = \"keys\"")
    keymap: Dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f"[keymap] {binding_id}: expected keys such as \"ctrl+f\" or [\"f\", \"f3\"]")
        keymap[str(binding_id)] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap


def context_dir(env: Mapping[str, str] = os.environ) -> Path:
    return config_home(env) / "nats" / "context"


def selected_context(env: Mapping[str, str] = os.environ) -> Optional[str]:
    """The context chosen with ``nats context select`` (``context.txt``), if any."""
    path = config_home(env) / "nats" / "context.txt"
    try:
        name = path.read_text().strip()
    except OSError:
        return None
    return name or None


def load_context(name: str, env: Mapping[str, str] = os.environ) -> Dict[str, object]:
    """Read ``~/.config/nats/context/NAME.json`` into our field names."""
    if not name or "/" in name or name.startswith("."):
        raise ConfigError(f"invalid context name {name!r}")
    path = context_dir(env) / f"{name}.json"
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"unknown context {name!r} (no {path})") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read context {name!r}: {exc.__class__.__name__}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"context {name!r} is not a JSON object")
    values: Dict[str, object] = {}
    for key, ours in CONTEXT_KEYS.items():
        value = raw.get(key)
        if value in (None, ""):
            continue
        if ours == "servers":
            values[ours] = split_servers([str(value)])
        else:
            values[ours] = str(value)
    return values


def split_servers(values: List[str]) -> List[str]:
    """``--server`` may be given many times, each comma-separated (as the nats CLI takes it)."""
    servers: List[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if "://" not in part:
                part = f"nats://{part}"
            servers.append(part)
    return servers


def resolve_connection(
    servers: Optional[List[str]] = None,
    context: Optional[str] = None,
    overrides: Optional[Dict[str, Optional[str]]] = None,
    env: Mapping[str, str] = os.environ,
) -> ConnectionSettings:
    """Combine flags, environment and a nats CLI context.

    Order for the URL: ``--server``, then the url of ``--context``/``$NATS_CONTEXT``,
    then ``$NATS_URL``, then the context selected in ``context.txt``, then
    ``nats://127.0.0.1:4222``. Other settings: a flag (or its ``NATS_*``
    variable) wins over the context's value.
    """
    context = context or env.get("NATS_CONTEXT") or None
    values: Dict[str, object] = {}
    if context:
        values = load_context(context, env)
    elif not servers and not env.get("NATS_URL"):
        chosen = selected_context(env)
        if chosen:
            try:
                values = load_context(chosen, env)
                context = chosen
            except ConfigError:
                values = {}
    if servers:
        values["servers"] = split_servers(servers)
    elif "servers" not in values:
        values["servers"] = split_servers([env.get("NATS_URL") or DEFAULT_URL])
    for key, value in (overrides or {}).items():
        if value not in (None, ""):
            values[key] = value
    settings = ConnectionSettings(**values)  # type: ignore[arg-type]
    settings.context = context
    if not settings.servers:
        raise ConfigError("no server URL given")
    for path_field in ("creds", "nkey", "tls_cert", "tls_key", "tls_ca"):
        path = getattr(settings, path_field)
        if path and not Path(path).expanduser().is_file():
            raise ConfigError(f"{path_field.replace('_', ' ')} file not found: {path}")
    if settings.creds and not looks_like_creds(settings.creds):
        raise ConfigError(f"creds file does not hold a user JWT and an nkey seed: {settings.creds}")
    return settings


def looks_like_creds(path: str) -> bool:
    """A ``.creds`` file has the blocks the client reads (``BEGIN NATS USER JWT``, ``BEGIN USER NKEY SEED``).

    Only a file with neither is refused here; one with a block missing is
    explained when connecting (nats-py itself fails with a TypeError).
    """
    try:
        text = Path(path).expanduser().read_text(errors="replace")
    except OSError:
        return False
    return "BEGIN NATS USER JWT" in text or "BEGIN USER NKEY SEED" in text

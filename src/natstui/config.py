"""Settings: how to connect (nats CLI contexts, flags, environment) and what to show."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from natstui.files import write_atomically
from natstui.model.sanitize import redact_url
from natstui.model.subscriptions import SpecError, SubSpec

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
    servers: list[str] = field(default_factory=lambda: [DEFAULT_URL])
    user: str | None = None
    password: str | None = None
    token: str | None = None
    creds: str | None = None
    nkey: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    inbox_prefix: str | None = None
    js_domain: str | None = None
    context: str | None = None  # the nats CLI context these came from
    name: str = "natstui"

    def secrets(self) -> list[str]:
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
    subjects: list[str] = field(default_factory=lambda: [">"])
    queue: str = ""
    buffer: int = 100_000
    read_only: bool = False
    stream: str | None = None  # open this stream's consumers (and, with consumer, its workbench)
    consumer: str | None = None
    # binding id -> keys ("ctrl+f,f3"); None: the [keymap] table of the config file
    keymap: dict[str, str] | None = None
    utc: bool = False  # times in UTC instead of local time (--utc, or utc = true in config.toml)
    theme: str | None = None  # --theme NAME; None: theme = "NAME" in config.toml, else Textual's default
    system: ConnectionSettings | None = None  # the system account's connection (resolve_system), if given

    # the live stream's subscriptions saved in config.toml ([[subscriptions]]), used without --subject
    subscriptions: list[SubSpec] = field(default_factory=list)
    count: int = 0  # --count N: the live stream stops after N messages (0: never)


def config_home(env: Mapping[str, str] = os.environ) -> Path:
    xdg = env.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg else Path(env.get("HOME", str(Path.home()))) / ".config"


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """natstui's own settings file: ``~/.config/natstui/config.toml`` (``$XDG_CONFIG_HOME`` honoured)."""
    return config_home(env) / "natstui" / "config.toml"


def parse_toml(text: str) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def load_config(path: Path | None = None) -> dict[str, object]:
    """The config file as a dict ({} when there is none); ConfigError names the file and what is wrong."""
    path = path or config_path()
    if not path.is_file():
        return {}
    try:
        return parse_toml(path.read_text(encoding="utf-8"))
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


def read_theme_setting(env: Mapping[str, str] = os.environ) -> str | None:
    """``theme = "NAME"`` at the top of ``~/.config/natstui/config.toml`` (the theme last chosen in
    the command palette); None when absent. A file that cannot be read is reported when the app
    starts (with the decoder rules and keymap)."""
    try:
        data = load_config(config_path(env))
    except ConfigError:
        return None
    value = data.get("theme")
    if value is not None and not isinstance(value, str):
        raise ConfigError(f'{config_path(env)}: theme must be a theme\'s name in quotes, e.g. theme = "nord"')
    return value or None


def keymap_from(config: Mapping[str, object]) -> dict[str, str]:
    """The ``[keymap]`` table: binding id -> keys. Values may be a string ("ctrl+f,f3") or a list of keys."""
    table = config.get("keymap") or {}
    if not isinstance(table, dict):
        raise ConfigError('[keymap] must be a table of binding id = "keys"')
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'[keymap] {binding_id}: expected keys such as "ctrl+f" or ["f", "f3"]')
        keymap[str(binding_id)] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap


def context_dir(env: Mapping[str, str] = os.environ) -> Path:
    return config_home(env) / "nats" / "context"


def selected_context(env: Mapping[str, str] = os.environ) -> str | None:
    """The context chosen with ``nats context select`` (``context.txt``), if any."""
    path = config_home(env) / "nats" / "context.txt"
    try:
        name = path.read_text().strip()
    except OSError:
        return None
    return name or None


def load_context(name: str, env: Mapping[str, str] = os.environ) -> dict[str, object]:
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
    values: dict[str, object] = {}
    for key, ours in CONTEXT_KEYS.items():
        value = raw.get(key)
        if value in (None, ""):
            continue
        if ours == "servers":
            values[ours] = split_servers([str(value)])
        else:
            values[ours] = str(value)
    return values


def split_servers(values: list[str]) -> list[str]:
    """``--server`` may be given many times, each comma-separated (as the nats CLI takes it)."""
    servers: list[str] = []
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
    servers: list[str] | None = None,
    context: str | None = None,
    overrides: dict[str, str | None] | None = None,
    env: Mapping[str, str] = os.environ,
) -> ConnectionSettings:
    """Combine flags, environment and a nats CLI context.

    Order for the URL: ``--server``, then the url of ``--context``/``$NATS_CONTEXT``,
    then ``$NATS_URL``, then the context selected in ``context.txt``, then
    ``nats://127.0.0.1:4222``. Other settings: a flag (or its ``NATS_*``
    variable) wins over the context's value.
    """
    context = context or env.get("NATS_CONTEXT") or None
    values: dict[str, object] = {}
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


# -- natstui's own config file: the pane widths the user chose -------------------------------

LAYOUT_KEYS = ("tree_width", "inspector_width")


def load_layout(path: Path | None = None) -> dict[str, int]:
    """The ``[layout]`` table's pane widths (whole columns); anything else there is ignored.

    A missing or unreadable file gives no widths: the views keep their defaults.
    """
    try:
        data = load_config(path)
    except ConfigError:
        return {}
    table = data.get("layout")
    if not isinstance(table, dict):
        return {}
    return {
        key: value
        for key, value in table.items()
        if key in LAYOUT_KEYS and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000
    }


def save_layout(values: Mapping[str, int], path: Path | None = None) -> None:
    """Write ``values`` into the ``[layout]`` table, leaving every other line of the file as it was.

    The file is edited line by line (its comments, order and other tables stay) and replaced
    atomically. A file that is not valid TOML, or that sets ``layout`` in another form than a
    ``[layout]`` table, is left alone: ConfigError says why.
    """
    import re

    for key in values:
        if key not in LAYOUT_KEYS:
            raise ValueError(f"unknown layout key {key!r}")

    def edit(lines: list[str], data: dict[str, object], path: Path) -> None:
        header = re.compile(r"^\s*\[\s*layout\s*\]\s*(#.*)?$")
        start = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\r\n"))), None)
        if start is None and "layout" in data:
            raise ConfigError(f"{path} sets layout without a [layout] table; natstui does not edit it")
        if start is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            if lines and lines[-1].strip():
                lines.append("\n")
            lines.append("[layout]\n")
            start = len(lines) - 1
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        for key, value in values.items():
            _set_assignment(lines, start + 1, end, key, str(int(value)))
            end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))

    def check(data: dict[str, object]) -> bool:
        written = data.get("layout")
        return isinstance(written, dict) and all(written.get(k) == int(v) for k, v in values.items())

    _edit_config(path or config_path(), edit, check, "the [layout] table")


def save_setting(key: str, value: str, path: Path | None = None) -> None:
    """Write ``key = "value"`` at the top level of the config file (before its first table),
    leaving every other line as it was; as :func:`save_layout`, a file natstui cannot edit safely
    is left alone and ConfigError says why."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise ValueError(f"not a plain TOML key: {key!r}")

    def edit(lines: list[str], data: dict[str, object], path: Path) -> None:
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{path} sets {key} to something other than a string; natstui does not edit it")
        end = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
        if end == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        _set_assignment(lines, 0, end, key, json.dumps(value), blank_after=end < len(lines))

    def check(data: dict[str, object]) -> bool:
        return data.get(key) == value

    _edit_config(path or config_path(), edit, check, f"the {key} setting")


def _set_assignment(lines: list[str], start: int, end: int, key: str, value: str, blank_after: bool = False) -> None:
    """Set ``key = value`` among ``lines[start:end]``: replace its line, or add one after the last
    non-blank line of that range (so a blank line before the next table stays there)."""
    import re

    assignment = re.compile(rf"^\s*{re.escape(key)}\s*=")
    new = f"{key} = {value}\n"
    found = next((i for i in range(start, end) if assignment.match(lines[i])), None)
    if found is not None:
        lines[found] = new
        return
    last = max((i for i in range(start, end) if lines[i].strip()), default=start - 1)
    if blank_after and last == start - 1:
        lines.insert(start, new + "\n")  # first line of a file that starts with a table
    else:
        lines.insert(last + 1, new)


def _edit_config(path: Path, edit, check, what: str) -> None:
    """Read the config file, let ``edit(lines, data, path)`` change its lines, make sure the result
    parses and ``check(data)`` holds, and replace the file atomically (its mode kept)."""

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = parse_toml(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid TOML, left as it is: {exc}") from None
    lines = text.splitlines(keepends=True)
    edit(lines, data, path)
    result = "".join(lines)
    try:
        ok = check(parse_toml(result))
    except ValueError:  # pragma: no cover - the edits keep the file valid
        ok = False
    if not ok:
        raise ConfigError(f"cannot update {what} of {path}; left as it is")
    try:
        write_atomically(path, result)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def resolve_system(
    user: ConnectionSettings,
    system_context: str | None = None,
    system_creds: str | None = None,
    env: Mapping[str, str] = os.environ,
) -> ConnectionSettings | None:
    """The system account's connection settings, for the views of the whole system; None when not given.

    ``--system-context NAME`` (a nats CLI context of a system user), else ``--system-creds FILE``
    (the user's servers and TLS with that user), else the same two keys (``system_context``,
    ``system_creds``) in the user's own nats CLI context."""
    if not system_context and not system_creds and user.context:
        try:
            raw = json.loads((context_dir(env) / f"{user.context}.json").read_text())
        except (OSError, ValueError):
            raw = {}
        if isinstance(raw, dict):
            system_context = str(raw.get("system_context") or "") or None
            system_creds = str(raw.get("system_creds") or "") or None
    if system_context:
        values = load_context(system_context, env)
        settings = ConnectionSettings(**values)  # type: ignore[arg-type]
        if "servers" not in values:
            settings.servers = list(user.servers)
        settings.context = system_context
    elif system_creds:
        path = Path(system_creds).expanduser()
        if not path.is_file():
            raise ConfigError(f"system creds file not found: {system_creds}")
        if not looks_like_creds(str(path)):
            raise ConfigError(f"system creds file does not hold a user JWT and an nkey seed: {system_creds}")
        settings = replace(user, user=None, password=None, token=None, nkey=None, creds=str(path), context=None)
        settings.servers = [_without_userinfo(url) for url in user.servers]
    else:
        return None
    settings.name = "natstui-system"
    return settings


def _without_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


# -- the live stream's subscriptions saved as the default for the next start ----------------------


def load_subscriptions(path: Path | None = None) -> list[SubSpec]:
    """The ``[[subscriptions]]`` tables of the config file ([] when there are none).

    ConfigError names what is wrong (an invalid subject is refused here, before anything is sent).
    """
    data = load_config(path)
    tables = data.get("subscriptions", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError("subscriptions must be [[subscriptions]] tables")
    try:
        return [SubSpec.from_toml(t) for t in tables]
    except SpecError as exc:
        raise ConfigError(f"subscriptions: {exc}") from None


def save_subscriptions(specs: list[SubSpec], path: Path | None = None) -> None:
    """Replace the ``[[subscriptions]]`` tables with ``specs``; every other line stays as it was."""
    import re

    header = re.compile(r"^\s*\[\[\s*subscriptions\s*\]\]\s*(#.*)?$")

    def edit(lines: list[str], data: dict[str, object], path: Path) -> None:
        if "subscriptions" in data and not (
            isinstance(data["subscriptions"], list) and any(header.match(line.rstrip("\r\n")) for line in lines)
        ):
            raise ConfigError(f"{path} sets subscriptions without [[subscriptions]] tables; natstui does not edit it")
        i = 0
        while i < len(lines):  # take the old tables out, each up to the next table's header
            if header.match(lines[i].rstrip("\r\n")):
                end = next((j for j in range(i + 1, len(lines)) if lines[j].lstrip().startswith("[")), len(lines))
                del lines[i:end]
            else:
                i += 1
        while lines and not lines[-1].strip():
            lines.pop()
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        for spec in specs:
            if lines:
                lines.append("\n")
            lines.append("[[subscriptions]]\n")
            for key, value in spec.to_toml().items():
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")

    def check(data: dict[str, object]) -> bool:
        return data.get("subscriptions", []) == [spec.to_toml() for spec in specs]

    _edit_config(path or config_path(), edit, check, "the [[subscriptions]] tables")

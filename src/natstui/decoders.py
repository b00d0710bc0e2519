"""Payload decoders chosen per subject pattern, from ``~/.config/natstui/config.toml``.

    [[decoders]]
    subject = "telemetry.>"
    decoder = "msgpack"          # json, text, hex, base64, msgpack, cbor, command

    [[decoders]]
    subject = "legacy.*.proto"
    decoder = "command"
    command = "protoc --decode_raw"   # gets the payload on stdin, like nats --translate

The first rule whose subject pattern matches wins. MessagePack and CBOR
need the optional packages ``msgpack`` and ``cbor2`` (``pip install natstui[decoders]``).
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from natstui.model.decode import TEXT_LIMIT, Rendered, human_size, render_payload
from natstui.model.sanitize import escape_block
from natstui.model.subjects import SubjectPattern

DECODERS = ("json", "text", "hex", "base64", "msgpack", "cbor", "command")
COMMAND_TIMEOUT = 3.0


class DecoderError(ValueError):
    """A bad rule in the config file; the message names it."""


@dataclass
class Rule:
    pattern: SubjectPattern
    decoder: str
    command: str | None = None

    def matches(self, subject: str) -> bool:
        return self.pattern.matches(subject)


def parse_rules(data: Mapping[str, Any]) -> list[Rule]:
    rules = []
    for i, entry in enumerate(data.get("decoders") or [], 1):
        if not isinstance(entry, dict):
            raise DecoderError(f"decoders #{i}: expected a table")
        decoder = str(entry.get("decoder", "")).lower()
        if decoder not in DECODERS:
            raise DecoderError(f"decoders #{i}: decoder must be one of {', '.join(DECODERS)}")
        try:
            pattern = SubjectPattern(str(entry.get("subject", "")))
        except ValueError as exc:
            raise DecoderError(f"decoders #{i}: subject: {exc}") from None
        command = entry.get("command")
        if decoder == "command" and not command:
            raise DecoderError(f"decoders #{i}: a command decoder needs 'command'")
        rules.append(Rule(pattern, decoder, str(command) if command else None))
    return rules


def load_rules(path: Path | None = None) -> list[Rule]:
    from natstui.config import ConfigError, load_config

    try:
        data = load_config(path)
    except ConfigError as exc:
        raise DecoderError(str(exc)) from None
    return parse_rules(data)


def rule_for(rules: list[Rule], subject: str) -> Rule | None:
    return next((r for r in rules if r.matches(subject)), None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {str(_jsonable(k)) if not isinstance(k, str) else k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _as_json(value: Any, name: str, size: int) -> Rendered:
    text = json.dumps(_jsonable(value), indent=2, ensure_ascii=False)
    note = f"decoded from {name} ({human_size(size)})"
    if len(text) > TEXT_LIMIT:
        note += f"; showing the first {human_size(TEXT_LIMIT)}"
    return Rendered("json", escape_block(text[:TEXT_LIMIT]), note)


def decode(rule: Rule, data: bytes) -> Rendered:
    """The payload through the rule's decoder; a failure says why and falls back to hex."""
    try:
        if rule.decoder in ("json", "text", "hex"):
            return render_payload(data, rule.decoder)
        if rule.decoder == "base64":
            raw = base64.b64decode(data.strip(), validate=True)
            rendered = render_payload(raw)
            rendered.note = f"decoded from base64 ({human_size(len(raw))})" + (
                f"; {rendered.note}" if rendered.note else ""
            )
            return rendered
        if rule.decoder == "msgpack":
            import msgpack

            return _as_json(msgpack.unpackb(data, raw=False, strict_map_key=False), "MessagePack", len(data))
        if rule.decoder == "cbor":
            import cbor2

            return _as_json(cbor2.loads(data), "CBOR", len(data))
        if rule.decoder == "command":
            return run_command(rule.command or "", data)
    except ImportError as exc:
        return _fallback(
            data, f"the {rule.decoder} decoder needs the '{exc.name}' package (pip install natstui[decoders])"
        )
    except (ValueError, binascii.Error, TypeError) as exc:
        return _fallback(data, f"not valid {rule.decoder}: {exc.__class__.__name__}")
    except Exception as exc:  # decoders of foreign formats may raise anything
        return _fallback(data, f"the {rule.decoder} decoder failed: {exc.__class__.__name__}")
    return render_payload(data)


def run_command(command: str, data: bytes) -> Rendered:
    """The command's standard output for the payload on its standard input (blocking: call off the UI loop)."""
    try:
        proc = subprocess.run(shlex.split(command), input=data, capture_output=True, timeout=COMMAND_TIMEOUT)
    except FileNotFoundError:
        return _fallback(data, f"decoder command not found: {command.split()[0] if command else ''}")
    except subprocess.TimeoutExpired:
        return _fallback(data, f"decoder command timed out after {COMMAND_TIMEOUT:g}s")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return _fallback(data, f"decoder command exited {proc.returncode}: {err[-1] if err else ''}"[:200])
    out = proc.stdout[: TEXT_LIMIT * 4].decode("utf-8", errors="replace")
    return Rendered("text", escape_block(out[:TEXT_LIMIT]), f"decoded by: {command}")


def _fallback(data: bytes, why: str) -> Rendered:
    rendered = render_payload(data)
    rendered.note = why + (f"; {rendered.note}" if rendered.note else "")
    return rendered

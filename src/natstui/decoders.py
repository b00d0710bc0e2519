"""Payload decoders chosen per subject pattern, from ``~/.config/natstui/config.toml``.

    [[decoders]]
    subject = "telemetry.>"
    decoder = "msgpack"          # json, text, hex, base64, msgpack, cbor, command

    [[decoders]]
    subject = "legacy.*.proto"
    decoder = "command"
    command = "protoc --decode_raw"   # gets the payload on stdin, like nats --translate

    [[decoders]]
    subject = "orders.>"
    decoder = "protobuf"              # or "avro"; see natstui.typed
    descriptor_set = "~/protos/orders.pb"
    message = "shop.Order"            # or named by the message's Content-Type header
    json_schema = "~/schemas/order.json"  # any rule may also validate (decoder "json" if not given)

The first rule whose subject pattern matches wins. MessagePack and CBOR
need the optional packages ``msgpack`` and ``cbor2`` (``pip install natstui[decoders]``);
Protobuf, Avro and JSON Schema need ``natstui[schemas]``.
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

DECODERS = ("json", "text", "hex", "base64", "msgpack", "cbor", "command", "protobuf", "avro")
COMMAND_TIMEOUT = 3.0


class DecoderError(ValueError):
    """A bad rule in the config file; the message names it."""


@dataclass
class Rule:
    pattern: SubjectPattern
    decoder: str
    command: str | None = None
    # typed payloads (natstui.typed)
    descriptor_set: str | None = None  # protobuf: a FileDescriptorSet file
    message: str | None = None  # protobuf: the type, unless the message's header names it
    type_header: str = "Content-Type"  # protobuf: the header that may name the type
    schema: str | None = None  # avro: a schema file
    registry: str | None = None  # avro: a schema registry's URL (Confluent wire format)
    schema_id: int | None = None  # avro with a registry: the schema compose encodes with
    json_schema: str | None = None  # validate the (decoded) payload against this JSON Schema

    def matches(self, subject: str) -> bool:
        return self.pattern.matches(subject)

    @property
    def typed(self) -> bool:
        """Decoded in the inspector's thread: Protobuf, Avro, or validated against a JSON Schema."""
        return self.decoder in ("protobuf", "avro") or bool(self.json_schema)


def parse_rules(data: Mapping[str, Any], base: Path | None = None) -> list[Rule]:
    """The rules of a config file; a schema file's relative path is read from ``base`` (the file's directory)."""
    rules = []
    for i, entry in enumerate(data.get("decoders") or [], 1):
        if not isinstance(entry, dict):
            raise DecoderError(f"decoders #{i}: expected a table")
        decoder = str(entry.get("decoder", "json" if entry.get("json_schema") else "")).lower()
        if decoder not in DECODERS:
            raise DecoderError(f"decoders #{i}: decoder must be one of {', '.join(DECODERS)}")
        try:
            pattern = SubjectPattern(str(entry.get("subject", "")))
        except ValueError as exc:
            raise DecoderError(f"decoders #{i}: subject: {exc}") from None
        command = entry.get("command")
        if decoder == "command" and not command:
            raise DecoderError(f"decoders #{i}: a command decoder needs 'command'")
        rules.append(
            Rule(pattern, decoder, str(command) if command else None, **_typed_fields(i, decoder, entry, base))
        )
    return rules


def _typed_fields(i: int, decoder: str, entry: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    """The keys of a Protobuf or Avro rule, or of one with a JSON Schema, checked for what each needs."""
    fields: dict[str, Any] = {}
    for key in ("descriptor_set", "message", "type_header", "schema", "registry", "json_schema"):
        value = entry.get(key)
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise DecoderError(f"decoders #{i}: {key} must be a non-empty string")
            fields[key] = value.strip()
            if key in ("descriptor_set", "schema", "json_schema"):
                path = Path(fields[key]).expanduser()
                if base is not None and not path.is_absolute():
                    fields[key] = str(base / path)
    if entry.get("schema_id") is not None:
        if not isinstance(entry["schema_id"], int) or isinstance(entry["schema_id"], bool):
            raise DecoderError(f"decoders #{i}: schema_id must be a number")
        fields["schema_id"] = entry["schema_id"]
    if decoder == "protobuf" and "descriptor_set" not in fields:
        raise DecoderError(f"decoders #{i}: a protobuf decoder needs 'descriptor_set' (protoc --descriptor_set_out)")
    if decoder == "avro" and ("schema" in fields) == ("registry" in fields):
        raise DecoderError(f"decoders #{i}: an avro decoder needs 'schema' (a file) or 'registry' (a URL), one of them")
    return fields


def load_rules(path: Path | None = None) -> list[Rule]:
    from natstui.config import ConfigError, config_path, load_config

    try:
        data = load_config(path)
    except ConfigError as exc:
        raise DecoderError(str(exc)) from None
    return parse_rules(data, (path or config_path()).parent)


def rule_for(rules: list[Rule], subject: str, headers: Mapping[str, Any] | None = None) -> Rule | None:
    """The first rule for the subject; a Protobuf rule without a 'message' counts only for a message whose
    header names its type (so ``subject = ">"`` with a descriptor set decodes what says it is Protobuf)."""
    for rule in rules:
        if rule.matches(subject):
            if rule.decoder == "protobuf" and not rule.message:
                from natstui.typed import type_from_headers

                if not type_from_headers(headers, rule.type_header):
                    continue
            return rule
    return None


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
    if rule.decoder in ("protobuf", "avro"):
        from natstui.typed import inspect

        return inspect(rule, data, None)[0]
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


def check_rules(rules: list[Rule]) -> list[str]:
    """One line per schema file of the rules that cannot be used (read, parsed), for the warnings at start."""
    from natstui.typed import check

    problems: list[str] = []
    for i, rule in enumerate(rules, 1):
        if rule.typed:
            problems.extend(f"decoders #{i}: {problem}" for problem in check(rule))
    return problems

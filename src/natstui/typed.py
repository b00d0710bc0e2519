"""Typed payloads: Protobuf and Avro decoding and encoding, and JSON Schema validation.

Schema files (a descriptor set, an Avro schema, a JSON Schema) are read once and kept until
their modification time changes; Avro schemas of a registry are fetched once per id. Nothing
here runs per received message: the inspector decodes the message it shows (in a thread), and
the live stream validates what it draws (see ``natstui.validity``).

The libraries are the optional extra ``natstui[schemas]`` (protobuf, fastavro, jsonschema):
they are imported when a rule needs them, and a missing one is said, never a crash.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from natstui.model.decode import TEXT_LIMIT, Rendered, human_size, render_payload
from natstui.model.sanitize import escape_block, escape_line

if TYPE_CHECKING:
    from natstui.decoders import Rule

EXTRA = "natstui[schemas]"
TYPED = ("protobuf", "avro")
REGISTRY_TIMEOUT = 5.0
REGISTRY_RETRY = 30.0  # a failed registry look-up is not repeated for this long
VIOLATIONS_SHOWN = 20
_PROTO_PARAMS = ("proto", "messagetype", "message", "type")


class SchemaError(ValueError):
    """A schema file or registry answer that cannot be used; one line that names it."""


def missing_extra(package: str | None, decoder: str) -> str:
    return f"the {decoder} decoder needs the '{package}' package: pip install '{EXTRA}'"


# -- schema files, kept until their modification time changes --------------------------------------
_lock = threading.Lock()
_files: dict[tuple[str, Path], tuple[int, Any]] = {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else exc.__class__.__name__
    if line.startswith("Error parsing message with type"):  # protobuf's long prefix: the type is said already
        line = line.partition(": ")[2] or line
    return escape_line(line)[:160]


def _cached(kind: str, path: str, load: Callable[[Path], Any]) -> Any:
    """``load(path)`` once per modification time; a bad file raises :class:`SchemaError` (also cached)."""
    p = Path(path).expanduser()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise SchemaError(f"{kind} {path}: cannot read it ({exc.strerror or exc})") from None
    key = (kind, p)
    with _lock:
        hit = _files.get(key)
    if hit is None or hit[0] != mtime:
        try:
            value: Any = load(p)
        except ImportError:
            raise
        except SchemaError as exc:
            value = SchemaError(f"{kind} {path}: {exc}")
        except Exception as exc:  # a corrupt file can make a parser raise anything
            value = SchemaError(f"{kind} {path}: not a valid {kind} ({_first_line(exc)})")
        hit = (mtime, value)
        with _lock:
            _files[key] = hit
    if isinstance(hit[1], SchemaError):
        raise hit[1]
    return hit[1]


# -- Protobuf ------------------------------------------------------------------------------------------
def _load_descriptor_set(path: Path) -> Any:
    from google.protobuf import descriptor_pb2, descriptor_pool

    files = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes()).file
    if not files:
        raise SchemaError("no file descriptors in it (made with protoc --descriptor_set_out --include_imports?)")
    pool = descriptor_pool.DescriptorPool()
    pending = {f.name: f for f in files}
    added: set[str] = set()

    def add(name: str, chain: tuple[str, ...] = ()) -> None:
        if name in added or name in chain:
            return
        proto = pending.get(name)
        if proto is None:
            raise SchemaError(
                f"{chain[-1] if chain else name} imports {name}, which is not in the set (--include_imports)"
            )
        for dep in proto.dependency:
            add(dep, (*chain, name))
        pool.Add(proto)
        added.add(name)

    for name in pending:
        add(name)
    return pool


def message_class(descriptor_set: str, name: str) -> Any:
    pool = _cached("descriptor set", descriptor_set, _load_descriptor_set)
    from google.protobuf import message_factory

    try:
        descriptor = pool.FindMessageTypeByName(name)
    except KeyError:
        raise SchemaError(f"descriptor set {descriptor_set}: no message type {name!r}") from None
    return message_factory.GetMessageClass(descriptor)


def header_value(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lowered:
            value = value[0] if isinstance(value, list) and value else value
            return str(value)
    return None


def type_from_headers(headers: Mapping[str, Any] | None, name: str = "Content-Type") -> str | None:
    """The Protobuf type a message names: ``application/protobuf; proto=pkg.Type`` (also
    ``messageType=``), or the whole value of a header of its own such as ``Nats-Msg-Type: pkg.Type``."""
    value = header_value(headers, name)
    if not value:
        return None
    media, _, params = value.partition(";")
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() in _PROTO_PARAMS and val.strip():
            return val.strip().strip('"')
    media = media.strip()
    if not params and "/" not in media and " " not in media and media:
        return media  # a header that holds just the type name
    return None


def message_type(rule: Rule, headers: Mapping[str, Any] | None) -> str | None:
    return type_from_headers(headers, rule.type_header) or rule.message


def _unknown_fields(msg: Any, path: str = "") -> list[dict[str, Any]]:
    """Fields the type does not know (a newer sender), with where they are, recursively."""
    from google.protobuf.unknown_fields import UnknownFieldSet

    out: list[dict[str, Any]] = []
    for field in UnknownFieldSet(msg):
        data = field.data
        value: Any = data.hex() if isinstance(data, bytes) else data
        if not isinstance(value, (int, str)):
            value = "(group)"
        out.append({"at": path or "$", "field": field.field_number, "wire_type": field.wire_type, "value": value})
    for descriptor, value in msg.ListFields():
        if descriptor.message_type is None or descriptor.message_type.GetOptions().map_entry:
            continue
        where = f"{path or '$'}.{descriptor.name}"
        if descriptor.is_repeated:
            for i, item in enumerate(value):
                out.extend(_unknown_fields(item, f"{where}[{i}]"))
        else:
            out.extend(_unknown_fields(value, where))
    return out


def decode_protobuf(rule: Rule, data: bytes, headers: Mapping[str, Any] | None) -> tuple[Any, str]:
    """(value for the JSON view, a note); raises SchemaError or ValueError (not that type)."""
    from google.protobuf import json_format
    from google.protobuf.message import DecodeError

    name = message_type(rule, headers)
    if not name:
        raise SchemaError(f"no message type: the rule has no 'message' and no {rule.type_header} header names one")
    cls = message_class(rule.descriptor_set or "", name)
    msg = cls()
    try:
        msg.ParseFromString(data)
    except DecodeError as exc:
        raise ValueError(f"not a valid {name} ({_first_line(exc)})") from None
    value = json_format.MessageToDict(msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    note = f"decoded from Protobuf {name} ({human_size(len(data))})"
    unknown = _unknown_fields(msg)
    if unknown:
        value = {**value, "(unknown fields)": unknown}
        numbers = ", ".join(str(u["field"]) for u in unknown[:8])
        note += f'; {len(unknown)} unknown field(s) ({numbers}): shown under "(unknown fields)"'
    return value, note


def encode_protobuf(rule: Rule, value: Any, headers: Mapping[str, Any] | None) -> bytes:
    from google.protobuf import json_format

    name = message_type(rule, headers)
    if not name:
        raise SchemaError(f"no message type: the rule has no 'message' and no {rule.type_header} header names one")
    cls = message_class(rule.descriptor_set or "", name)
    try:
        msg = json_format.ParseDict(value, cls())
    except json_format.ParseError as exc:
        raise ValueError(f"not a {name}: {_first_line(exc)}") from None
    return bytes(msg.SerializeToString())


# -- Avro ------------------------------------------------------------------------------------------------
def _load_avro(path: Path) -> Any:
    from fastavro import parse_schema

    return parse_schema(json.loads(path.read_text("utf-8")))


_registry: dict[tuple[str, int], tuple[float, Any]] = {}


def registry_schema(url: str, schema_id: int) -> Any:
    """The parsed Avro schema ``schema_id`` of a Confluent-compatible registry (blocking, cached)."""
    key = (url.rstrip("/"), schema_id)
    with _lock:
        hit = _registry.get(key)
    if hit is not None and (not isinstance(hit[1], SchemaError) or time.monotonic() - hit[0] < REGISTRY_RETRY):
        if isinstance(hit[1], SchemaError):
            raise hit[1]
        return hit[1]
    import urllib.error  # not needed to start: only when a registry is asked
    import urllib.request

    from fastavro import parse_schema

    where = f"{key[0]}/schemas/ids/{schema_id}"
    value: Any
    try:
        with urllib.request.urlopen(where, timeout=REGISTRY_TIMEOUT) as response:
            answer = json.loads(response.read(4 * 1024 * 1024))
        kind = answer.get("schemaType", "AVRO")
        if kind != "AVRO":
            raise SchemaError(f"schema {schema_id} is {kind}, not Avro")
        value = parse_schema(json.loads(answer["schema"]))
    except urllib.error.HTTPError as exc:
        value = SchemaError(f"registry {where}: HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        value = SchemaError(f"registry {where}: {_first_line(reason if isinstance(reason, BaseException) else exc)}")
    except SchemaError as exc:
        value = SchemaError(f"registry {where}: {exc}")
    except Exception as exc:  # not JSON, no "schema", not a valid Avro schema
        value = SchemaError(f"registry {where}: not an Avro schema ({_first_line(exc)})")
    with _lock:
        _registry[key] = (time.monotonic(), value)
    if isinstance(value, SchemaError):
        raise value
    return value


def decode_avro(rule: Rule, data: bytes) -> tuple[Any, str]:
    from fastavro import schemaless_reader

    body, where = data, f"schema {rule.schema}"
    if rule.registry:
        if len(data) < 5 or data[0] != 0:
            raise ValueError("not in the registry's wire format (magic byte 0 and a 4-byte schema id)")
        schema_id = int.from_bytes(data[1:5], "big")
        schema, body, where = registry_schema(rule.registry, schema_id), data[5:], f"registry schema id {schema_id}"
    else:
        schema = _cached("Avro schema", rule.schema or "", _load_avro)
    buf = io.BytesIO(body)
    try:
        value = schemaless_reader(buf, schema)
    except Exception as exc:  # fastavro raises EOFError, ValueError, UnicodeDecodeError, IndexError...
        raise ValueError(f"does not match the Avro {where} ({exc.__class__.__name__})") from None
    note = f"decoded from Avro, {where} ({human_size(len(data))})"
    left = len(body) - buf.tell()
    if left:
        note += f"; {left} byte(s) left over after the record"
    return value, note


def encode_avro(rule: Rule, value: Any) -> bytes:
    from fastavro import schemaless_writer

    prefix = b""
    if rule.registry:
        if rule.schema_id is None:
            raise SchemaError("encoding for a registry needs 'schema_id' in the rule")
        schema = registry_schema(rule.registry, rule.schema_id)
        prefix = b"\x00" + rule.schema_id.to_bytes(4, "big")
    else:
        schema = _cached("Avro schema", rule.schema or "", _load_avro)
    out = io.BytesIO()
    try:
        schemaless_writer(out, schema, value, strict=True)
    except Exception as exc:  # fastavro's ValueError/TypeError/KeyError for a record that does not fit
        raise ValueError(f"does not fit the Avro schema: {_first_line(exc)}") from None
    return prefix + out.getvalue()


# -- JSON Schema -----------------------------------------------------------------------------------------
def _load_json_schema(path: Path) -> Any:
    from jsonschema import validators

    schema = json.loads(path.read_text("utf-8"))
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def json_validator(path: str) -> Any:
    return _cached("JSON Schema", path, _load_json_schema)


def _path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass
class Verdict:
    """What validation says about one payload: ``valid`` None when it could not be checked."""

    valid: bool | None
    lines: list[str]


def violations(validator: Any, value: Any) -> list[str]:
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_path(e.absolute_path)}: {escape_line(e.message)[:200]}" for e in errors]


def validate(path: str, value: Any) -> Verdict:
    try:
        validator = json_validator(path)
    except ImportError as exc:
        return Verdict(None, [missing_extra(exc.name, "JSON Schema")])
    except SchemaError as exc:
        return Verdict(None, [str(exc)])
    found = violations(validator, value)
    if not found:
        return Verdict(True, [f"valid against {escape_line(Path(path).name)}"])
    more = len(found) - VIOLATIONS_SHOWN
    lines = [f"{len(found)} violation(s) of {escape_line(Path(path).name)}:", *found[:VIOLATIONS_SHOWN]]
    return Verdict(False, lines + ([f"… and {more} more"] if more > 0 else []))


# -- what the inspector shows -------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """Decoded values as JSON can hold them: bytes as hex, dates, decimals and UUIDs (Avro) as text."""
    import datetime
    import decimal
    import uuid

    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _as_json(value: Any, note: str) -> Rendered:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > TEXT_LIMIT:
        note += f"; showing the first {human_size(TEXT_LIMIT)}"
    return Rendered("json", escape_block(text[:TEXT_LIMIT]), note)


def _fallback(data: bytes, why: str) -> Rendered:
    rendered = render_payload(data, "hex")
    rendered.note = escape_line(why) + "; shown in hex" + (f"; {rendered.note}" if rendered.note else "")
    return rendered


def inspect(rule: Rule, data: bytes, headers: Mapping[str, Any] | None) -> tuple[Rendered, Verdict | None]:
    """The payload decoded by a typed rule (blocking: a registry may be asked), and its validation.

    A payload that is not of the type says so and is shown in hex; a bad schema file or a
    missing library is said the same way, never raised."""
    value: Any = None
    decoded = False
    try:
        if rule.decoder == "protobuf":
            raw, note = decode_protobuf(rule, data, headers)
            value, decoded = _plain(raw), True
            rendered = _as_json(value, note)
        elif rule.decoder == "avro":
            raw, note = decode_avro(rule, data)
            value, decoded = _plain(raw), True
            rendered = _as_json(value, note)
        else:
            from natstui.decoders import decode
            from natstui.model.decode import try_json

            rendered = decode(rule, data)
            decoded, value = try_json(data)
    except ImportError as exc:
        return _fallback(data, missing_extra(exc.name, rule.decoder)), None
    except SchemaError as exc:
        return _fallback(data, str(exc)), None
    except ValueError as exc:
        return _fallback(data, f"{rule.decoder}: {exc}"), None
    verdict = None
    if rule.json_schema:
        verdict = validate(rule.json_schema, value) if decoded else Verdict(False, ["not JSON: cannot be validated"])
    return rendered, verdict


def encode(rule: Rule, text: str, headers: Mapping[str, Any] | None) -> bytes:
    """JSON text as the rule's type (blocking: a registry may be asked); raises ValueError with why."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the payload must be JSON to encode it as {rule.decoder}: {exc}") from None
    try:
        if rule.decoder == "protobuf":
            return encode_protobuf(rule, value, headers)
        if rule.decoder == "avro":
            return encode_avro(rule, value)
    except ImportError as exc:
        raise ValueError(missing_extra(exc.name, rule.decoder)) from None
    raise ValueError(f"a {rule.decoder} rule does not encode")


def check(rule: Rule) -> list[str]:
    """Problems with a rule's schema files, one line each, for the warnings at start."""
    problems = []
    try:
        if rule.decoder == "protobuf":
            if rule.message:
                message_class(rule.descriptor_set or "", rule.message)
            else:
                _cached("descriptor set", rule.descriptor_set or "", _load_descriptor_set)
        elif rule.decoder == "avro" and rule.schema:
            _cached("Avro schema", rule.schema, _load_avro)
    except ImportError as exc:
        problems.append(missing_extra(exc.name, rule.decoder))
    except SchemaError as exc:
        problems.append(str(exc))
    if rule.json_schema:
        try:
            json_validator(rule.json_schema)
        except ImportError as exc:
            problems.append(missing_extra(exc.name, "JSON Schema"))
        except SchemaError as exc:
            problems.append(str(exc))
    return problems

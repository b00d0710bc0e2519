"""Typed-payload rules in config.toml, and schema files read again when they change."""

import json
import os

import pytest

from natstui import typed
from natstui.decoders import DecoderError, parse_rules, rule_for


def test_rules_say_what_they_need():
    with pytest.raises(DecoderError, match="decoders #1: a protobuf decoder needs 'descriptor_set'"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "protobuf", "message": "x.Y"}]})
    with pytest.raises(DecoderError, match="decoders #1: an avro decoder needs 'schema' .* or 'registry'"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "avro"}]})
    with pytest.raises(DecoderError, match="one of them"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "avro", "schema": "s", "registry": "http://r"}]})
    with pytest.raises(DecoderError, match="decoders #1: schema_id must be a number"):
        parse_rules({"decoders": [{"subject": "a", "decoder": "avro", "registry": "http://r", "schema_id": "7"}]})
    with pytest.raises(DecoderError, match="decoders #1: json_schema must be a non-empty string"):
        parse_rules({"decoders": [{"subject": "a", "json_schema": 3}]})
    (rule,) = parse_rules({"decoders": [{"subject": "a.>", "json_schema": "s.json"}]})
    assert rule.decoder == "json" and rule.typed


def test_a_protobuf_rule_without_a_message_type_applies_when_a_header_names_one():
    rules = parse_rules(
        {
            "decoders": [
                {"subject": ">", "decoder": "protobuf", "descriptor_set": "all.pb"},
                {"subject": "x.>", "decoder": "text"},
            ]
        }
    )
    assert rule_for(rules, "x.y") is rules[1]
    assert rule_for(rules, "x.y", {"Content-Type": "application/json"}) is rules[1]
    assert rule_for(rules, "x.y", {"content-type": "application/protobuf; proto=a.B"}) is rules[0]
    assert typed.type_from_headers({"Content-Type": 'application/x-protobuf; messageType="a.B"'}) == "a.B"
    assert typed.type_from_headers({"Nats-Msg-Type": "a.B"}, "Nats-Msg-Type") == "a.B"
    assert typed.type_from_headers({"Content-Type": "application/protobuf"}) is None


def test_a_schema_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"type": "object", "required": ["a"]}))
    assert typed.validate(str(path), {"b": 1}).valid is False
    assert typed.validate(str(path), {"a": 1}).valid is True
    path.write_text(json.dumps({"type": "object", "required": ["b"]}))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later modification time
    assert typed.validate(str(path), {"b": 1}).valid is True
    path.write_text("{not json")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    verdict = typed.validate(str(path), {"b": 1})
    assert verdict.valid is None and verdict.lines[0].startswith(f"JSON Schema {path}: not a valid JSON Schema (")
    path.unlink()
    assert "cannot read it" in typed.validate(str(path), {}).lines[0]


def test_schema_paths_are_read_from_the_config_files_directory(tmp_path):
    (rule,) = parse_rules(
        {
            "decoders": [
                {"subject": "a", "decoder": "protobuf", "descriptor_set": "protos/a.pb", "json_schema": "/s.json"}
            ]
        },
        tmp_path,
    )
    assert rule.descriptor_set == str(tmp_path / "protos" / "a.pb") and rule.json_schema == "/s.json"


def test_a_decoded_protobuf_message_is_validated_against_the_rules_json_schema(tmp_path):
    from tests.ui.test_typed_payloads import descriptor_set, message_classes

    fds = descriptor_set()
    (tmp_path / "shop.pb").write_bytes(fds.SerializeToString())
    (tmp_path / "order.json").write_text(json.dumps({"properties": {"status": {"enum": ["PAID"]}}}))
    (rule,) = parse_rules(
        {
            "decoders": [
                {
                    "subject": "o",
                    "decoder": "protobuf",
                    "descriptor_set": "shop.pb",
                    "message": "shop.Order",
                    "json_schema": "order.json",
                }
            ]
        },
        tmp_path,
    )
    order = message_classes(fds)["shop.Order"]
    rendered, verdict = typed.inspect(rule, order(order_id="1", status=2).SerializeToString(), None)
    assert rendered.mode == "json" and verdict.valid is False
    assert verdict.lines[1] == "$.status: 'SHIPPED' is not one of ['PAID']"
    rendered, verdict = typed.inspect(rule, order(order_id="1", status=1).SerializeToString(), None)
    assert verdict.valid is True

"""Typed payloads: Protobuf and Avro published through a real server, decoded in the inspector;
JSON Schema validation in the inspector, the stream's marks and the filter; compose encoding."""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fastavro
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

SIZE = (160, 50)
F = descriptor_pb2.FieldDescriptorProto


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """What ``protoc --descriptor_set_out --include_imports`` writes for two files, one importing the other."""
    common = descriptor_pb2.FileDescriptorProto(name="shop/common.proto", package="shop", syntax="proto3")
    status = common.enum_type.add(name="Status")
    for number, name in enumerate(["STATUS_UNKNOWN", "PAID", "SHIPPED"]):
        status.value.add(name=name, number=number)
    line = common.message_type.add(name="Line")
    line.field.add(name="sku", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    line.field.add(name="qty", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    order = descriptor_pb2.FileDescriptorProto(
        name="shop/order.proto", package="shop", syntax="proto3", dependency=["shop/common.proto"]
    )
    msg = order.message_type.add(name="Order")
    msg.field.add(name="order_id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    msg.field.add(name="status", number=2, type=F.TYPE_ENUM, type_name=".shop.Status", label=F.LABEL_OPTIONAL)
    msg.field.add(name="lines", number=3, type=F.TYPE_MESSAGE, type_name=".shop.Line", label=F.LABEL_REPEATED)
    return descriptor_pb2.FileDescriptorSet(file=[order, common])  # the importer first: the order is not relied on


def message_classes(fds: descriptor_pb2.FileDescriptorSet) -> dict:
    pool = descriptor_pool.DescriptorPool()
    for proto in reversed(fds.file):
        pool.Add(proto)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name)) for name in ("shop.Order", "shop.Line")
    }


AVRO_SCHEMA = {
    "type": "record",
    "name": "Reading",
    "namespace": "iot",
    "fields": [
        {"name": "sensor", "type": "string"},
        {"name": "celsius", "type": "double"},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["INDOOR", "OUTDOOR"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}

ORDER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "qty"],
    "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
}


def avro_bytes(record: dict, schema=AVRO_SCHEMA) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


def write_config(tmp_path, monkeypatch, text: str) -> None:
    (tmp_path / "natstui").mkdir(exist_ok=True)
    (tmp_path / "natstui" / "config.toml").write_text(text)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


async def show_row(app, pilot, index: int) -> Inspector:
    stream = app.screen.query_one(MessageStream)
    stream.focus()
    stream.following = False
    stream.select_index(index)
    inspector = app.screen.query_one(Inspector)
    await wait_until(
        lambda: inspector.record is not None and inspector.record.seq == app.view.seq_at(index), pilot=pilot
    )
    return inspector


async def test_protobuf_decoded_from_a_descriptor_set(server_url, nc, tmp_path, monkeypatch):
    p = "pb" + uuid.uuid4().hex[:6]
    fds = descriptor_set()
    (tmp_path / "shop.pb").write_bytes(fds.SerializeToString())
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.orders.>"
decoder = "protobuf"
descriptor_set = "{tmp_path / "shop.pb"}"
message = "shop.Order"

[[decoders]]
subject = "{p}.any.>"
decoder = "protobuf"
descriptor_set = "{tmp_path / "shop.pb"}"
type_header = "Nats-Msg-Type"

[[decoders]]
subject = "{p}.ct.>"
decoder = "protobuf"
descriptor_set = "{tmp_path / "shop.pb"}"
""",
    )
    classes = message_classes(fds)
    order = classes["shop.Order"](order_id="A-17", status=2)
    order.lines.add(sku="tea", qty=3)
    order.lines.add(sku="cup", qty=0)
    newer = order.SerializeToString() + bytes([0x28, 42])  # field 5 (a varint) that this type does not know
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.orders.new", order.SerializeToString())
        await nc.publish(f"{p}.orders.new", newer)
        await nc.publish(f"{p}.orders.new", b"\xff\xff\xff\xff")
        line = classes["shop.Line"](sku="pen", qty=7).SerializeToString()
        await nc.publish(f"{p}.any.x", line, headers={"Nats-Msg-Type": "shop.Line"})
        await nc.publish(f"{p}.any.y", b"plain text, no type header")
        await nc.publish(f"{p}.ct.z", line, headers={"Content-Type": "application/protobuf; proto=shop.Line"})
        await nc.flush()
        await wait_until(lambda: len(app.view) == 6, pilot=pilot)

        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: "view: auto → protobuf" in screen_text(app), pilot=pilot)
        await wait_until(lambda: inspector.rendered.mode == "json", pilot=pilot)
        shown = json.loads(inspector.rendered.text)
        # field names as in the .proto, the enum by name, nested and repeated messages, zero values shown
        assert shown == {
            "order_id": "A-17",
            "status": "SHIPPED",
            "lines": [{"sku": "tea", "qty": 3}, {"sku": "cup", "qty": 0}],
        }
        text = screen_text(app)
        assert '"status": "SHIPPED"' in text and "decoded from Protobuf shop.Order" in text

        await show_row(app, pilot, 1)
        await wait_until(lambda: "1 unknown field(s) (5)" in inspector.rendered.note, pilot=pilot)
        assert '"(unknown fields)": [' in screen_text(app)
        assert json.loads(inspector.rendered.text)["(unknown fields)"] == [
            {"at": "$", "field": 5, "wire_type": 0, "value": 42}
        ]

        await show_row(app, pilot, 2)
        await wait_until(lambda: "not a valid shop.Order" in screen_text(app), pilot=pilot)
        assert inspector.rendered.mode == "hex" and "ff ff ff ff" in screen_text(app)

        # the header names the type: decoded with the descriptor set of the rule for the subject
        await show_row(app, pilot, 3)
        await wait_until(lambda: "decoded from Protobuf shop.Line" in screen_text(app), pilot=pilot)
        assert json.loads(inspector.rendered.text) == {"sku": "pen", "qty": 7}
        # no header: that rule does not apply, the payload is shown as it is
        await show_row(app, pilot, 4)
        await wait_until(lambda: "plain text, no type header" in screen_text(app), pilot=pilot)
        assert "protobuf" not in screen_text(app)
        # Content-Type: application/protobuf; proto=shop.Line
        await show_row(app, pilot, 5)
        await wait_until(lambda: "decoded from Protobuf shop.Line" in screen_text(app), pilot=pilot)
        assert json.loads(inspector.rendered.text) == {"sku": "pen", "qty": 7}


class Registry(BaseHTTPRequestHandler):
    """A schema registry's one call that natstui makes: GET /schemas/ids/{id}."""

    schemas: dict[int, dict] = {}
    asked: list[str] = []

    def do_GET(self):
        self.asked.append(self.path)
        schema_id = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/schemas/ids/") else -1
        if schema_id not in self.schemas:
            body = json.dumps({"error_code": 40403, "message": "Schema not found"}).encode()
            self.send_response(404)
        else:
            body = json.dumps({"schema": json.dumps(self.schemas[schema_id])}).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry():
    Registry.schemas = {7: AVRO_SCHEMA}
    Registry.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_avro_from_a_file_and_from_a_registry(server_url, nc, tmp_path, monkeypatch, registry):
    p = "av" + uuid.uuid4().hex[:6]
    (tmp_path / "reading.avsc").write_text(json.dumps(AVRO_SCHEMA))
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.file"
decoder = "avro"
schema = "{tmp_path / "reading.avsc"}"

[[decoders]]
subject = "{p}.reg"
decoder = "avro"
registry = "{registry}"
""",
    )
    reading = {"sensor": "hall", "celsius": 21.5, "kind": "INDOOR", "tags": ["a", "b"]}
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.file", avro_bytes(reading))
        await nc.publish(f"{p}.reg", b"\x00" + (7).to_bytes(4, "big") + avro_bytes(reading))
        await nc.publish(f"{p}.reg", b"\x00" + (7).to_bytes(4, "big") + avro_bytes(reading))
        await nc.publish(f"{p}.reg", b"\x00" + (99).to_bytes(4, "big") + b"\x02")
        await nc.publish(f"{p}.reg", b"no magic byte")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 5, pilot=pilot)

        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: "decoded from Avro, schema" in inspector.rendered.note, pilot=pilot)
        assert json.loads(inspector.rendered.text) == reading
        await show_row(app, pilot, 1)
        await wait_until(lambda: "decoded from Avro, registry schema id 7" in inspector.rendered.note, pilot=pilot)
        assert json.loads(inspector.rendered.text) == reading
        await show_row(app, pilot, 2)
        await wait_until(lambda: "decoded from Avro, registry schema id 7" in inspector.rendered.note, pilot=pilot)
        assert Registry.asked == ["/schemas/ids/7"]  # asked once: the second message used the cached schema
        await show_row(app, pilot, 3)
        await wait_until(lambda: "HTTP 404" in inspector.rendered.note, pilot=pilot)
        assert inspector.rendered.mode == "hex"
        await show_row(app, pilot, 4)
        await wait_until(lambda: "not in the registry's wire format" in inspector.rendered.note, pilot=pilot)


async def test_a_corrupt_schema_file_is_a_warning_at_start_and_in_the_inspector(server_url, nc, tmp_path, monkeypatch):
    p = "bad" + uuid.uuid4().hex[:6]
    (tmp_path / "broken.pb").write_bytes(b"this is not a descriptor set")
    (tmp_path / "broken.avsc").write_text('{"type": "record", "name": "X", "fields": [{"name": "a"}]}')
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.pb"
decoder = "protobuf"
descriptor_set = "{tmp_path / "broken.pb"}"
message = "shop.Order"

[[decoders]]
subject = "{p}.avro"
decoder = "avro"
schema = "{tmp_path / "broken.avsc"}"
""",
    )
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        notes = [n.message for n in app._notifications]
        assert any(
            m.startswith(f"decoders #1: descriptor set {tmp_path / 'broken.pb'}: not a valid descriptor set")
            and "\n" not in m
            for m in notes
        ), notes
        assert any(m.startswith(f"decoders #2: Avro schema {tmp_path / 'broken.avsc'}: not a valid") for m in notes)
        await nc.publish(f"{p}.pb", b"\x0a\x01x")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: "not a valid descriptor set" in screen_text(app), pilot=pilot)
        assert inspector.rendered.mode == "hex"


def marked(app, p: str) -> list[str]:
    """The subjects of the stream's rows marked invalid."""
    rows = (re.search(r"\d\d:\d\d:\d\d\.\d{3} (\S+)", line) for line in screen_text(app).splitlines() if "✗" in line)
    return [row.group(1) for row in rows if row and row.group(1).startswith(f"{p}.")]


async def test_marks_beyond_a_paints_budget_come_in_the_next_frames(server_url, nc, tmp_path, monkeypatch):
    from natstui.ui.widgets import stream

    monkeypatch.setattr(stream, "MARK_BUDGET", -1.0)  # no time for marks: one row judged per paint
    p = "jb" + uuid.uuid4().hex[:6]
    (tmp_path / "order.schema.json").write_text(json.dumps(ORDER_SCHEMA))
    write_config(
        tmp_path, monkeypatch, f'[[decoders]]\nsubject = "{p}.>"\njson_schema = "{tmp_path / "order.schema.json"}"\n'
    )
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        for i in range(12):
            await nc.publish(f"{p}.o{i}", b'{"id": "x", "qty": 0}' if i % 3 == 0 else b'{"id": "x", "qty": 1}')
        await nc.flush()
        await wait_until(lambda: len(app.view) == 12, pilot=pilot)
        await wait_until(lambda: app.view.validity.checked == 12, pilot=pilot)  # one row a paint, each once
        await wait_until(lambda: len(marked(app, p)) == 4, pilot=pilot)
        assert marked(app, p) == [f"{p}.o0", f"{p}.o3", f"{p}.o6", f"{p}.o9"]
        await pilot.pause()
        assert app.view.validity.checked == 12


async def test_json_schema_in_the_inspector_the_stream_marks_and_the_filter(server_url, nc, tmp_path, monkeypatch):
    p = "js" + uuid.uuid4().hex[:6]
    (tmp_path / "order.schema.json").write_text(json.dumps(ORDER_SCHEMA))
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.orders.>"
json_schema = "{tmp_path / "order.schema.json"}"
""",
    )
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.orders.a", b'{"id": "A1", "qty": 2}')
        await nc.publish(f"{p}.orders.b", b'{"id": 5, "qty": 0}')
        await nc.publish(f"{p}.orders.c", b"not json at all")
        await nc.publish(f"{p}.other", b'{"id": 5}')  # no schema for this subject
        await nc.publish(f"{p}.orders.d", b'{"id": "D4", "qty": 1}')
        await nc.flush()
        await wait_until(lambda: len(app.view) == 5, pilot=pilot)

        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: "✓ schema: valid against order.schema.json" in screen_text(app), pilot=pilot)
        await show_row(app, pilot, 1)
        await wait_until(lambda: "✗ schema: 2 violation(s) of order.schema.json:" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "$.id: 5 is not of type 'string'" in text and "$.qty: 0 is less than the minimum of 1" in text
        assert inspector.verdict.valid is False
        await show_row(app, pilot, 2)
        await wait_until(lambda: "✗ schema: not JSON: cannot be validated" in screen_text(app), pilot=pilot)

        # the stream marks the rows that fail their schema (the column after H and R)
        await wait_until(lambda: len(marked(app, p)) == 2, pilot=pilot)
        assert marked(app, p) == [f"{p}.orders.b", f"{p}.orders.c"]

        # the filter selects only them
        app.screen.query_one(MessageStream).focus()
        await pilot.press("slash")
        await wait_until(lambda: app.screen.query("#filter-invalid"), pilot=pilot)
        app.screen.query_one("#filter-invalid").value = True
        await pilot.click("#filter-apply")
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)
        assert [app.view.record_at(i).msg.subject for i in range(2)] == [f"{p}.orders.b", f"{p}.orders.c"]
        assert "invalid against their JSON Schema" in screen_text(app)
        # and keeps selecting as messages arrive
        await nc.publish(f"{p}.orders.e", b'{"qty": 3}')
        await nc.publish(f"{p}.orders.f", b'{"id": "F", "qty": 3}')
        await nc.flush()
        await wait_until(lambda: app.store.last_seq == 7, pilot=pilot)
        await wait_until(lambda: len(app.view) == 3, pilot=pilot)
        assert app.view.record_at(2).msg.subject == f"{p}.orders.e"


async def test_compose_encodes_json_as_protobuf_and_avro(server_url, nc, tmp_path, monkeypatch, registry):
    from textual.widgets import Checkbox

    from natstui.ui.screens.compose import ComposeScreen
    from tests.ui.test_compose import collect, fill, open_compose, result

    p = "enc" + uuid.uuid4().hex[:6]
    fds = descriptor_set()
    (tmp_path / "shop.pb").write_bytes(fds.SerializeToString())
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.orders.>"
decoder = "protobuf"
descriptor_set = "{tmp_path / "shop.pb"}"
message = "shop.Order"

[[decoders]]
subject = "{p}.readings"
decoder = "avro"
registry = "{registry}"
schema_id = 7
""",
    )
    got = await collect(nc, f"{p}.>")
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        screen = await open_compose(app, pilot)
        screen.query_one("#compose-encode", Checkbox).value = True
        order = {"order_id": "Z9", "status": "PAID", "lines": [{"sku": "tea", "qty": 2}]}
        fill(screen, subject=f"{p}.orders.new", payload=json.dumps(order))
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 1, pilot=pilot)
        sent = message_classes(fds)["shop.Order"].FromString(got[0].data)
        assert (sent.order_id, sent.status, sent.lines[0].sku, sent.lines[0].qty) == ("Z9", 1, "tea", 2)
        await wait_until(lambda: "encoded as protobuf" in result(screen), pilot=pilot)

        # Avro in the registry's wire format, with the schema id of the rule
        reading = {"sensor": "roof", "celsius": -3.5, "kind": "OUTDOOR", "tags": []}
        fill(screen, subject=f"{p}.readings", payload=json.dumps(reading))
        await pilot.press("ctrl+s")
        await wait_until(lambda: len(got) == 2, pilot=pilot)
        data = got[1].data
        assert data[:5] == b"\x00\x00\x00\x00\x07"
        assert fastavro.schemaless_reader(io.BytesIO(data[5:]), fastavro.parse_schema(AVRO_SCHEMA)) == reading

        # JSON that is not of the type is not sent, and says why
        fill(screen, subject=f"{p}.orders.new", payload='{"order_id": "Z9", "status": "LOST"}')
        await pilot.press("ctrl+s")
        await wait_until(lambda: "cannot encode as protobuf" in result(screen), pilot=pilot)
        assert "not a shop.Order" in result(screen)
        # a subject without such a rule
        fill(screen, subject=f"{p}.other", payload="{}")
        await pilot.press("ctrl+s")
        await wait_until(lambda: "no Protobuf or Avro decoder rule" in result(screen), pilot=pilot)
        assert isinstance(app.screen, ComposeScreen)
        # the published messages are in the live stream, decoded by the same rules
        await pilot.press("escape")
        await wait_until(lambda: len(app.view) == 2, pilot=pilot)
        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: inspector.rendered.mode == "json", pilot=pilot)
        assert json.loads(inspector.rendered.text) == order
    assert len(got) == 2


async def test_a_missing_library_names_the_extra_to_install(server_url, nc, tmp_path, monkeypatch):
    import sys

    p = "mis" + uuid.uuid4().hex[:6]
    (tmp_path / "reading.avsc").write_text(json.dumps(AVRO_SCHEMA))
    write_config(
        tmp_path,
        monkeypatch,
        f"""
[[decoders]]
subject = "{p}.file"
decoder = "avro"
schema = "{tmp_path / "reading.avsc"}"
""",
    )
    monkeypatch.setitem(sys.modules, "fastavro", None)  # as if natstui[schemas] were not installed
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        hint = "the avro decoder needs the 'fastavro' package: pip install 'natstui[schemas]'"
        assert any(hint in n.message for n in app._notifications), [n.message for n in app._notifications]
        await nc.publish(f"{p}.file", b"\x02")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        inspector = await show_row(app, pilot, 0)
        await wait_until(lambda: hint in inspector.rendered.note, pilot=pilot)
        assert inspector.rendered.mode == "hex"

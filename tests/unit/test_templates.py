"""Templates, placeholders and the compose history: the plain-Python parts."""

import json
from datetime import datetime, timezone

import pytest

from natstui.model import history, templates
from natstui.model.templates import Template, TemplateError


def test_render_fills_every_placeholder_and_leaves_other_braces():
    t = Template("t", "orders.{{seq}}", "Id: {{uuid}}\nUser: {{ env:WHO }}", '{"at": "{{now}}", "go": "{{ .Name }}"}')
    now = datetime(2026, 12, 4, 20, 0, 0, 123456, tzinfo=timezone.utc)
    out = templates.render(t, 7, env={"WHO": "ana"}, now=now)
    assert out.subject == "orders.7"
    assert out.headers.startswith("Id: ") and out.headers.endswith("\nUser: ana") and "{{" not in out.headers
    assert out.payload == '{"at": "2026-12-04T20:00:00.123456Z", "go": "{{ .Name }}"}'
    assert templates.render(t, 1, env={"WHO": "x"}).headers != templates.render(t, 1, env={"WHO": "x"}).headers


def test_an_unset_variable_is_an_error_in_words():
    with pytest.raises(TemplateError, match="environment variable NOPE .* is not set"):
        templates.render(Template("t", "a", "", "{{env:NOPE}}"), 1, env={})


def test_templates_round_trip_through_one_readable_file(tmp_path):
    path = tmp_path / "templates.json"
    assert templates.load(path) == []
    saved = templates.put([], Template("one", "a.b", "X: 1", "payload\nline 2"))
    saved = templates.put(saved, Template("two", "c"))
    saved = templates.put(saved, Template("one", "a.c"))  # same name: replaced in its place
    templates.save(saved, path)
    assert [t.name for t in templates.load(path)] == ["one", "two"]
    assert templates.load(path)[0].subject == "a.c"
    assert json.loads(path.read_text())[1] == {"name": "two", "subject": "c", "headers": "", "payload": ""}
    path.write_text("{not json")
    with pytest.raises(TemplateError, match="not valid JSON"):
        templates.load(path)
    path.write_text('[{"subject": "x"}]')
    with pytest.raises(TemplateError, match="template 1 has no name"):
        templates.load(path)


def test_history_newest_first_searched_by_words_and_bounded(tmp_path, monkeypatch):
    path = tmp_path / "history.jsonl"
    history.append(history.make_entry("publish", "orders.eu", "X-Tag: red", b'{"id": 1}', 1.0), path)
    reply = history.reply_fields("_INBOX.x", {"A": "b"}, b"pong", 0.002)
    history.append(history.make_entry("request", "svc.ping", "", b"\xff\x00", 2.0, reply=reply), path)
    entries = history.load(path)
    assert [e.subject for e in entries] == ["svc.ping", "orders.eu"]
    assert entries[0].binary and entries[0].payload_bytes() == b"\xff\x00" and entries[0].reply["payload"] == "pong"
    assert [e.subject for e in history.search(entries, "RED orders")] == ["orders.eu"]
    assert [e.subject for e in history.search(entries, "pong")] == ["svc.ping"]
    assert history.search(entries, "red pong") == []
    with path.open("a") as out:
        out.write("{half a line\n")  # a crash while writing: skipped
    monkeypatch.setattr(history, "MAX_ENTRIES", 10)
    for i in range(20):
        history.append(history.make_entry("publish", f"s.{i}", "", b"", 10.0 + i), path)
    entries = history.load(path)
    assert [e.subject for e in entries] == [f"s.{i}" for i in range(19, 9, -1)]
    assert len(path.read_text().splitlines()) == 10  # cut back on the file too

"""The configuration diff, edit forms filled from a config, and pause times (model/admin.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from natstui.model.admin import (
    bucket_form_values,
    config_diff,
    consumer_form_values,
    diff_text,
    edited_bucket,
    edited_consumer,
    edited_stream,
    pause_left,
    pause_supported,
    pause_until,
    shrinks,
    stream_form_values,
)
from natstui.model.jetstream import ConsumerForm, StreamForm

NS = 10**9
STREAM = {
    "name": "ORDERS",
    "subjects": ["orders.>"],
    "retention": "limits",
    "storage": "file",
    "num_replicas": 1,
    "max_msgs": -1,
    "max_bytes": -1,
    "max_age": 0,
    "discard": "old",
    "max_msgs_per_subject": 10,
    "allow_direct": False,
    "duplicate_window": 120 * NS,
}


def test_diff_lists_only_changed_fields_in_words():
    new = {**STREAM, "max_msgs": 1000, "max_age": 7200 * NS, "max_bytes": 512 * 1024**2}
    changes = config_diff(STREAM, new)
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("Max messages", "unlimited", "1,000"),
        ("Max bytes", "unlimited", "512.0 MiB"),
        ("Max age", "unlimited", "2h"),
    ]
    assert diff_text(changes).splitlines()[0] == "Max messages  unlimited → 1,000"
    assert diff_text([]) == "No change."


def test_diff_counts_a_field_on_one_side_only():
    changes = config_diff({"filter_subject": "a.b"}, {"filter_subjects": ["a.b", "c"]})
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("filter_subjects", "—", "a.b, c"),
        ("filter_subject", "a.b", "—"),
    ]
    assert config_diff({"backoff": []}, {}) == []  # empty and absent are the same


def test_stream_form_round_trip_changes_nothing():
    values = stream_form_values(STREAM)
    assert values["max_age"] == "0" and values["max_bytes"] == "-1"
    new = edited_stream(STREAM, StreamForm(**values).to_config())
    assert config_diff(STREAM, new) == []  # direct get and per-subject limits are kept, not reset


def test_edited_stream_keeps_locked_fields():
    form = StreamForm(**{**stream_form_values(STREAM), "name": "OTHER", "storage": "memory", "max_msgs": "5"})
    new = edited_stream(STREAM, form.to_config())
    assert new["name"] == "ORDERS" and new["storage"] == "file" and new["max_msgs"] == 5


def test_consumer_form_round_trip_and_filters():
    current = {
        "durable_name": "worker",
        "deliver_policy": "all",
        "ack_policy": "explicit",
        "ack_wait": 30 * NS,
        "max_deliver": -1,
        "filter_subject": "orders.a",
        "max_ack_pending": 1000,
    }
    values = consumer_form_values(current)
    assert values["filters"] == "orders.a" and values["ack_wait"] == "30s"
    assert config_diff(current, edited_consumer(current, ConsumerForm(**values).to_config())) == []
    values["filters"] = "orders.a, orders.b"
    values["backoff"] = "1s 5s"
    new = edited_consumer(current, ConsumerForm(**values).to_config())
    assert "filter_subject" not in new and new["filter_subjects"] == ["orders.a", "orders.b"]
    assert new["backoff"] == [NS, 5 * NS] and new["max_ack_pending"] == 1000


def test_bucket_edit():
    kv = {**STREAM, "name": "KV_cfg", "max_msgs_per_subject": 5}
    assert bucket_form_values(kv) == {"history": "5", "ttl": "0", "max_bytes": "-1", "replicas": "1"}
    new = edited_bucket(kv, "10", "1m", "1MB", "1")
    assert new["max_msgs_per_subject"] == 10 and new["max_age"] == 60 * NS and new["max_bytes"] == 1024**2
    assert new["duplicate_window"] == 60 * NS  # kept within the TTL
    with pytest.raises(ValueError, match="history"):
        edited_bucket(kv, "65", "0", "-1", "1")


def test_pause_times():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    assert pause_until("30m", now) == now + timedelta(minutes=30)
    assert pause_until("2026-12-05T08:00:00Z", now) == datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)
    for bad in ("", "0", "soon", "2020-01-01T00:00:00Z"):
        with pytest.raises(ValueError):
            pause_until(bad, now)
    assert pause_supported(2, 11) and pause_supported(3, 0) and not pause_supported(2, 10)
    assert pause_left({"paused": True, "pause_remaining": 90 * NS}) == 90
    assert pause_left({"paused": False}) is None


def test_shrinks_names_lowered_limits():
    assert shrinks(STREAM, {**STREAM, "max_msgs": 10, "max_age": 60 * NS}) == ["Max messages", "Max age"]
    assert shrinks({**STREAM, "max_msgs": 10}, {**STREAM, "max_msgs": -1}) == []  # to unlimited: raised
    assert shrinks({**STREAM, "max_msgs_per_subject": 10}, {**STREAM, "max_msgs_per_subject": 2}) == [
        "History (per key)"
    ]

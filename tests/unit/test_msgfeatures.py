"""What a message's TTL, schedule, counter and batch headers say, and a stream's refusal in words."""

import pytest

from natstui.model import msgfeatures as mf
from natstui.model.timefmt import format_datetime


def test_ttl_values_the_server_takes():
    assert mf.parse_ttl("90") == 90 and mf.parse_ttl("1h30m") == 5400 and mf.parse_ttl("never") == mf.NEVER
    for bad, words in (("500ms", "at least 1 second"), ("soon", "not a duration"), ("1d", "not a duration")):
        with pytest.raises(mf.FeatureError, match=words):
            mf.parse_ttl(bad)


def test_rows_for_ttl_expiry_from_the_stored_time():
    rows = dict(mf.message_rows({"Nats-TTL": "1h"}, b"x", 1_000_000.0, now=1_000_600.0))
    assert rows["TTL"] == "1h"
    assert rows["Expires"] == f"{format_datetime(1_003_600.0)} (in 50m)"
    rows = dict(mf.message_rows({"Nats-TTL": "5s"}, b"x", 1_000_000.0, now=1_000_010.0, approximate=True))
    assert rows["Expires"] == f"≈ {format_datetime(1_000_005.0)} (expired: the server removes it)"
    assert dict(mf.message_rows({"Nats-TTL": "never"}, b"", 0.0)) == {"TTL": "never expires"}
    assert mf.message_rows({"X-Other": "1"}, b"", 0.0) == [] and mf.message_rows(None, b"", 0.0) == []


def test_rows_for_schedules_counters_and_batches():
    rows = dict(mf.message_rows({"Nats-Schedule": "@every 5m", "Nats-Schedule-Target": "a.t"}, b"", None))
    assert rows == {"Schedule": "every 5m (@every 5m)", "Delivers to": "a.t"}
    rows = dict(mf.message_rows({"Nats-Scheduler": "a.s", "Nats-Schedule-Next": "purge"}, b"hi", None))
    assert rows == {"Produced by schedule": "a.s", "Next": "none (the schedule is done)"}
    rows = dict(mf.message_rows({"Nats-Incr": "+8"}, b'{"val":"13"}', None))
    assert rows == {"Counter added": "+8", "Counter total": "13 (after this message)"}
    rows = dict(
        mf.message_rows({"Nats-Batch-Id": "b1", "Nats-Batch-Sequence": "2", "Nats-Batch-Commit": "1"}, b"", None)
    )
    assert rows == {"Atomic batch": "b1, message 2 (commit)"}


def test_schedules_checked_before_sending():
    mf.check_schedule("@every 5m", "a.t", "a.s")
    mf.check_schedule("@at 2026-12-05T10:00:00Z", "a.t", "a.s")
    mf.check_schedule("0 30 9 * * *", "a.t", "a.s")
    for schedule, target, words in (
        ("@every 5m", "a.s", "another subject"),
        ("@every 5m", "", "needs a target"),
        ("@at tomorrow", "a.t", "RFC 3339"),
        ("every day", "a.t", "a schedule is"),
    ):
        with pytest.raises(mf.FeatureError, match=words):
            mf.check_schedule(schedule, target, "a.s")


def test_refusals_and_stream_settings_in_words():
    text = mf.refusal_text("per-message TTL is disabled", 10166, "ORDERS")
    assert text == (
        "the stream ORDERS refused it: per-message TTL is disabled — the stream ORDERS does not allow "
        "per-message TTL (its 'Per-message TTL' setting, allow_msg_ttl, is off)"
    )
    assert mf.refusal_text("something new", 99999, "S") == "the stream S refused it: something new"
    assert mf.stream_features_text({"allow_msg_ttl": True, "allow_atomic": True}) == "TTL, atomic batch"
    assert mf.stream_features_text({}) == "none"
    assert mf.ignored_features({"allow_msg_ttl": True}, {}) == ["Per-message TTL (needs nats-server 2.11)"]

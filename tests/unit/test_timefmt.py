"""The one time format: local or UTC, server timestamps with nanoseconds, 'Z' and offsets."""

import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from natstui.model import timefmt
from natstui.model.timefmt import (
    format_clock,
    format_datetime,
    parse_server_time,
    parse_user_time,
    zone_label,
    zone_name,
)

# 2026-12-04 16:02:37.795 UTC
TS = datetime(2026, 12, 4, 16, 2, 37, 795000, tzinfo=timezone.utc).timestamp()


def set_zone(name: str) -> None:
    os.environ["TZ"] = name
    time.tzset()


@pytest.fixture(autouse=True)
def zone():
    old = os.environ.get("TZ")
    set_zone("Europe/Paris")  # CET, UTC+01:00 in December
    yield
    timefmt.set_utc(False)
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_local_time_by_default():
    assert format_clock(TS) == "17:02:37.795"
    assert format_datetime(TS) == "2026-12-04 17:02:37.795"
    assert format_datetime(TS, millis=False) == "2026-12-04 17:02:37"
    assert zone_name() == "CET (UTC+01:00)"
    assert zone_label() == "times CET (UTC+01:00)"
    assert zone_label(short=True) == "times CET"


def test_utc_when_asked():
    timefmt.set_utc(True)
    assert format_clock(TS) == "16:02:37.795"
    assert format_datetime(TS) == "2026-12-04 16:02:37.795"
    assert zone_label() == "times UTC"


def test_local_zone_that_is_utc_is_named_once():
    set_zone("UTC")
    assert zone_name() == "UTC"


def test_zone_without_a_name_shows_its_offset():
    set_zone("Asia/Dubai")  # its abbreviation is "+04"
    assert zone_name() == "UTC+04:00"


def test_datetimes_and_unknown():
    aware = datetime(2026, 12, 4, 16, 2, 37, 795000, tzinfo=timezone.utc)
    assert format_datetime(aware) == "2026-12-04 17:02:37.795"
    assert format_clock(aware) == "17:02:37.795"
    assert format_datetime(None) == format_clock(None) == "—"


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-04T16:02:37.795123456Z",  # the server: nanoseconds and Z
        "2026-12-04T16:02:37.795Z",  # a micro service's 'started'
        "2026-12-04T17:02:37.795123+01:00",  # an offset
        "2026-12-04T11:02:37.795123456-05:00",
        "2026-12-04 16:02:37.7951234+00:00",
    ],
)
def test_server_timestamps(text):
    moment = parse_server_time(text)
    assert moment is not None and moment.utcoffset() is not None
    assert abs(moment.timestamp() - TS) < 0.001
    assert format_datetime(moment) == "2026-12-04 17:02:37.795"


def test_nanoseconds_are_cut_to_microseconds_not_rounded():
    moment = parse_server_time("2026-12-04T16:02:37.999999999Z")
    assert moment == datetime(2026, 12, 4, 16, 2, 37, 999999, tzinfo=timezone.utc)
    assert format_clock(moment) == "17:02:37.999"


@pytest.mark.parametrize("text", ["", "0001-01-01T00:00:00Z", "yesterday", "2026-13-45T00:00:00Z"])
def test_not_a_time(text):
    assert parse_server_time(text) is None


def test_a_time_without_a_zone_from_a_server_is_utc():
    assert parse_server_time("2026-12-04T16:02:37") == datetime(2026, 12, 4, 16, 2, 37, tzinfo=timezone.utc)


def test_typed_times_are_in_the_zone_shown():
    now = datetime(2026, 12, 4, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parse_user_time("17:02:37", now) == datetime(2026, 12, 4, 17, 2, 37, tzinfo=now.tzinfo)
    local = parse_user_time("2026-12-04 17:02")
    assert local.timestamp() == datetime(2026, 12, 4, 16, 2, tzinfo=timezone.utc).timestamp()
    timefmt.set_utc(True)
    assert parse_user_time("2026-12-04 17:02") == datetime(2026, 12, 4, 17, 2, tzinfo=timezone.utc)
    assert parse_user_time("2026-12-04T17:02:00+01:00").timestamp() == local.timestamp()
    with pytest.raises(ValueError):
        parse_user_time("soon")


def test_utc_from_the_config_file_and_the_flag(tmp_path, monkeypatch):
    from natstui.cli import build_settings
    from natstui.config import ConfigError, read_utc_setting

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("NATS_CONTEXT", raising=False)
    assert read_utc_setting() is False
    (tmp_path / "natstui").mkdir()
    config = tmp_path / "natstui" / "config.toml"
    config.write_text("utc = true\n")
    args = dict(servers=["nats://127.0.0.1:4222"], context=None, subjects=[], queue="", buffer=10, read_only=False)
    assert build_settings(**args).utc is True
    assert build_settings(**args, utc=False).utc is False  # --local-time wins over the file
    config.write_text('utc = "yes"\n')
    with pytest.raises(ConfigError):
        read_utc_setting()


def test_milliseconds_without_float_error():
    for micros in (368999, 369000, 1000, 999999, 0):
        moment = datetime(2026, 12, 4, 16, 30, 33, micros, tzinfo=timezone.utc)
        assert format_clock(moment).endswith(f".{micros // 1000:03d}")
        assert format_clock(moment.timestamp()).endswith(f".{micros // 1000:03d}")

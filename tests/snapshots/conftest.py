"""Every snapshot is taken in one time zone (UTC), whatever the machine's, with times shown local."""

import os
import time

import pytest

from natstui.model import timefmt


@pytest.fixture(autouse=True)
def snapshot_time_zone():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    timefmt.set_utc(False)
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()

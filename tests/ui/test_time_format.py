"""One time format in every view: local time with the zone named once in the status bar, or UTC."""

import json
import os
import time
import uuid

import pytest
from nats import micro
from textual.widgets import DataTable

from natstui.client.jetstream import JetStream
from natstui.model import timefmt
from natstui.ui.screens.messages import StreamMessagesScreen
from natstui.ui.screens.services import ServicesScreen
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until
from tests.jetstream.test_streams_ui import open_streams

SIZE = (180, 40)


@pytest.fixture
def paris():
    """The machine's zone is Paris (CET, UTC+01:00 in winter, CEST in summer)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield
    timefmt.set_utc(False)
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def flat(app) -> str:
    return " ".join(screen_text(app).split())


@pytest.mark.parametrize("utc", [False, True], ids=["local", "utc"])
async def test_services_view_shows_the_start_time_in_the_shared_format(server_url, nc, paris, utc):
    name = "tf" + uuid.uuid4().hex[:6]
    service = await micro.add_service(nc, name=name, version="1.0.0")
    try:
        stats = json.loads((await nc.request(f"$SRV.STATS.{name}", b"", timeout=5)).data)
        started = timefmt.parse_server_time(stats["started"])  # what the service says, RFC 3339
        assert "T" in stats["started"]
        app = make_test_app(server_url, [f"{name}.>"], utc=utc)
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("6")
            await wait_until(lambda: isinstance(app.screen, ServicesScreen) and name in screen_text(app), pilot=pilot)
            table = app.screen.query_one("#svc-list", DataTable)
            table.move_cursor(row=table.get_row_index(f"inst:{service.id}"))
            await wait_until(lambda: service.id in flat(app) and "Started" in flat(app), pilot=pilot)
            text = flat(app)
            expected = timefmt.format_datetime(started)
            assert f"Started {expected}" in text
            zone = "UTC" if utc else time.strftime("%Z", time.localtime(started.timestamp()))
            shown = started.astimezone(None if not utc else started.tzinfo)
            assert expected == shown.strftime("%Y-%m-%d %H:%M:%S.") + f"{shown.microsecond // 1000:03d}"
            assert stats["started"] not in text  # not the wire form
            assert text.count("times ") == 1 and (f"times {zone}" in text)
    finally:
        await service.stop()


@pytest.mark.parametrize("utc", [False, True], ids=["local", "utc"])
async def test_stream_inspector_shows_times_in_the_shared_format(server_url, nc, paris, utc):
    js, name = JetStream(nc), "TF" + uuid.uuid4().hex[:8].upper()
    await js.create_stream({"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory"})
    await nc.jetstream().publish(f"{name.lower()}.x", b"hello")
    message = await js.get_at_or_after(name, 1)
    info = await js.stream_info(name)
    app = make_test_app(server_url, ["none.>"], utc=utc)
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        created = timefmt.format_datetime(timefmt.parse_server_time(info["created"]))
        await wait_until(lambda: f"Created {created}" in flat(app), pilot=pilot)  # the stream details
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        stored = timefmt.format_datetime(message.time)
        await wait_until(lambda: f"Stored at {stored}" in flat(app), pilot=pilot)
        assert f"{timefmt.format_clock(message.time)} {name.lower()}.x" in flat(app)  # the row's clock
        text = flat(app)
        assert "+00:00" not in text and "+01:00 " not in text.replace("(UTC+01:00)", "")
        hour = message.time.astimezone(None if not utc else message.time.tzinfo).hour
        assert f"Stored at {stored[:11]}{hour:02d}:" in text
    await js.delete_stream(name)

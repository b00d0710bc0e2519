"""Jump to a time in a stream, with direct gets (the server looks the time up) and without
(a binary search over message gets), against a real server with known timestamps."""

import math
import time
from datetime import timedelta

import nats
import pytest

from natstui.client.jetstream import JetStream
from natstui.client.session import confirm
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.screens.messages import StreamMessagesScreen
from tests.conftest import make_test_app, screen_text, wait_until
from tests.jetstream.test_streams_ui import SIZE, open_streams

GROUPS = 4
PER_GROUP = 25  # 100 messages: a binary search needs at most 8 gets


async def grouped_stream(js: JetStream, nc, name: str, direct: bool):
    """GROUPS groups of PER_GROUP messages with a pause between groups; their server timestamps read back."""
    await js.create_stream(
        {"name": name, "subjects": [f"{name.lower()}.>"], "storage": "memory", "allow_direct": direct}
    )
    jsc = nc.jetstream()
    for group in range(GROUPS):
        for i in range(PER_GROUP):
            await jsc.publish(f"{name.lower()}.{'ab'[i % 2]}", f"g{group} m{i}".encode())
        published = time.time()
        await wait_until(lambda: time.time() > published + 0.01)  # the next group is at least 10 ms later
    stamps = {}
    for seq in range(1, GROUPS * PER_GROUP + 1):
        stamps[seq] = (await js.get_at_or_after(name, seq)).time
    return stamps


def between(stamps, before_seq: int):
    """A time after message ``before_seq`` and before the next one."""
    return stamps[before_seq] + (stamps[before_seq + 1] - stamps[before_seq]) / 2


class GetCounter:
    """Counts the message-get requests the server routes for a stream, seen by a second connection."""

    def __init__(self, nc, name: str) -> None:
        self.nc, self.name, self.gets, self.sentinels = nc, name, 0, 0

    async def start(self, server_url: str) -> "GetCounter":
        self.spy = await nats.connect(server_url)

        async def seen(msg) -> None:
            if msg.subject.startswith("$JS.API"):
                self.gets += 1
            else:
                self.sentinels += 1

        await self.spy.subscribe(f"$JS.API.STREAM.MSG.GET.{self.name}", cb=seen)
        await self.spy.subscribe(f"sentinel.{self.name}", cb=seen)
        await confirm(self.spy)  # the subscription is on the server before anything is sent to it
        return self

    async def count(self) -> int:
        """The gets so far: a sentinel sent after them on the same connection arrives after them."""
        expected = self.sentinels + 1
        await self.nc.publish(f"sentinel.{self.name}", b"")
        await wait_until(lambda: self.sentinels == expected)
        gets, self.gets = self.gets, 0
        return gets


@pytest.mark.parametrize("direct", [False, True], ids=["message-get", "direct-get"])
async def test_seek_finds_the_first_message_at_or_after_a_time(server_url, nc, js, name, direct):
    stamps = await grouped_stream(js, nc, name, direct)
    last = GROUPS * PER_GROUP
    counter = await GetCounter(nc, name).start(server_url)
    for group_end in (PER_GROUP, 2 * PER_GROUP, 3 * PER_GROUP):
        await counter.count()
        seek = await js.seek_time(name, between(stamps, group_end), 1, last, direct=direct)
        used = await counter.count()
        assert seek.message is not None and seek.message.seq == group_end + 1
        if direct:
            assert seek.requests == 1 and used == 0
        else:
            assert seek.requests == used  # what the browser says is what the server answered
            assert seek.requests <= math.ceil(math.log2(last)) + 1
        # exactly at a message's time: that message
        exact = await js.seek_time(name, stamps[group_end + 1], 1, last, direct=direct)
        assert exact.message.seq == group_end + 1
    # on a subject: the first message on it at or after the time
    on_b = await js.seek_time(name, between(stamps, PER_GROUP), 1, last, subject=f"{name.lower()}.b", direct=direct)
    assert on_b.message.subject == f"{name.lower()}.b" and on_b.message.seq == PER_GROUP + 2
    # before the first message and after the last
    assert (await js.seek_time(name, stamps[1] - timedelta(hours=1), 1, last, direct=direct)).message.seq == 1
    assert (await js.seek_time(name, stamps[last] + timedelta(milliseconds=1), 1, last, direct=direct)).message is None
    await counter.spy.close()
    await js.delete_stream(name)


@pytest.mark.parametrize("direct", [False, True], ids=["message-get", "direct-get"])
async def test_seek_skips_deleted_messages_around_the_time(nc, js, name, direct):
    stamps = await grouped_stream(js, nc, name, direct)
    last = GROUPS * PER_GROUP
    # the last two of the first group and the first three of the second are gone
    for seq in range(PER_GROUP - 1, PER_GROUP + 4):
        await js.delete_message(name, seq)
    seek = await js.seek_time(name, between(stamps, PER_GROUP), 1, last, direct=direct)
    assert seek.message.seq == PER_GROUP + 4
    # a time inside the deleted run (between messages PER_GROUP - 2 and PER_GROUP - 1) finds the same message
    seek = await js.seek_time(name, between(stamps, PER_GROUP - 2), 1, last, direct=direct)
    assert seek.message.seq == PER_GROUP + 4
    # the first messages deleted: a time before them all finds the first that is left
    for seq in (1, 2):
        await js.delete_message(name, seq)
    info = await js.stream_info(name)
    seek = await js.seek_time(name, stamps[1] - timedelta(seconds=1), info["state"]["first_seq"], last, direct=direct)
    assert seek.message.seq == 3
    await js.delete_stream(name)


async def jump(app, pilot, text: str) -> None:
    await pilot.press("t")
    await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
    app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")


@pytest.mark.parametrize("direct", [False, True], ids=["message-get", "direct-get"])
async def test_jump_to_time_in_the_browser(server_url, nc, js, name, direct):
    stamps = await grouped_stream(js, nc, name, direct)
    last = GROUPS * PER_GROUP
    await js.delete_message(name, 2 * PER_GROUP + 1)  # the first message of the third group
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, StreamMessagesScreen) and app.screen.page, pilot=pilot)
        browser = app.screen
        # between the second and third groups, where the third group's first message was deleted
        await jump(app, pilot, between(stamps, 2 * PER_GROUP).isoformat())
        await wait_until(lambda: browser.page and browser.page[0].seq == 2 * PER_GROUP + 2, pilot=pilot)
        assert browser.selected_message.seq == 2 * PER_GROUP + 2  # the first row shown and selected
        text = " ".join(screen_text(app).split())
        assert f"#{2 * PER_GROUP + 2}, found in" in text
        if direct:
            assert "found in 1 request" in text
        else:
            count = int(text.split("found in ")[1].split(" request")[0])
            assert 1 <= count <= math.ceil(math.log2(last)) + 1
        assert "Sequence" in text and f"{2 * PER_GROUP + 2}" in text  # the inspector shows it
        # before the first message: the first
        await jump(app, pilot, (stamps[1] - timedelta(minutes=5)).isoformat())
        await wait_until(lambda: browser.page and browser.page[0].seq == 1 and browser.note, pilot=pilot)
        # after the last: said, and the page stays
        await jump(app, pilot, (stamps[last] + timedelta(seconds=1)).isoformat())
        await wait_until(lambda: "no message at or after" in screen_text(app), pilot=pilot)
        assert browser.page[0].seq == 1
    assert (await js.stream_info(name))["state"]["messages"] == last - 1  # nothing consumed
    assert await js.list_consumers(name) == []
    await js.delete_stream(name)

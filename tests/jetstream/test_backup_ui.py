"""Backup, restore and export from the Streams view, against a real server."""

import asyncio
import os

from natstui.client import backup as backup_module
from natstui.client.backup import read_header
from natstui.client.jetstream import JetStream
from natstui.model import recording
from natstui.model.store import RingStore
from natstui.ui.screens.backup import ExportDialog, RestoreDialog, TransferScreen
from natstui.ui.screens.confirm import PromptScreen
from natstui.ui.screens.streams import StreamsScreen
from tests.conftest import make_test_app, screen_text, wait_until
from tests.jetstream.test_backup import all_messages, consumer_state, stream_with_consumers
from tests.jetstream.test_streams_ui import SIZE, open_streams


def flat(app) -> str:
    return " ".join(screen_text(app).split())


def notified(app, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


async def answer_prompt(app, pilot, value: str) -> None:
    await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
    app.screen.query_one("#prompt-input").value = value
    await pilot.press("enter")


async def test_backup_then_restore_under_a_new_name_from_the_streams_view(server_url, nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=200)
    path = str(tmp_path / "orders.natsbak")
    copy = name + "_R"
    app = make_test_app(server_url, ["none.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_streams(app, pilot, name)
            await pilot.press("B")
            await answer_prompt(app, pilot, path)
            await wait_until(lambda: os.path.exists(path) and isinstance(app.screen, StreamsScreen), pilot=pilot)
            await wait_until(lambda: notified(app, f"Stream {name} backed up to"), pilot=pilot)
            assert read_header(path)[0]["config"]["name"] == name
            await pilot.press("R")
            await answer_prompt(app, pilot, path)
            await wait_until(lambda: isinstance(app.screen, RestoreDialog), pilot=pilot)
            assert "200 messages" not in flat(app) and "199 messages" in flat(app) and "2 consumers" in flat(app)
            await pilot.press("enter")  # under its own name: it exists
            await wait_until(lambda: "exists: restore under a new name" in flat(app), pilot=pilot)
            app.screen.query_one("#restore-name").value = copy
            app.screen.query_one("#restore-subjects").value = f"{copy.lower()}.>"
            await pilot.press("enter")
            await wait_until(lambda: notified(app, f"Stream {copy} restored"), pilot=pilot)
            await wait_until(lambda: copy in app.screen.streams, pilot=pilot)
        assert await all_messages(js, copy) == await all_messages(js, name)
        for consumer in ("WORKER", "IDLE"):
            assert consumer_state(await js.consumer_info(copy, consumer)) == consumer_state(
                await js.consumer_info(name, consumer)
            )
    finally:
        for stream in (name, copy):
            try:
                await js.delete_stream(stream)
            except Exception:
                pass


async def test_restore_is_refused_read_only_and_backup_allowed(server_url, nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=20, storage="memory")
    path = str(tmp_path / "b.natsbak")
    app = make_test_app(server_url, ["none.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("R")
        await wait_until(lambda: notified(app, "Refused: restoring a stream"), pilot=pilot)
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("B")
        await answer_prompt(app, pilot, path)
        await wait_until(lambda: notified(app, f"Stream {name} backed up to"), pilot=pilot)
    assert os.path.exists(path)
    names = {s["config"]["name"] for s in await js.list_streams()}
    assert names == names | {name} and not any(n.startswith(name + "_") for n in names)
    await js.delete_stream(name)


async def test_a_cancelled_backup_leaves_no_file(server_url, nc, js, name, tmp_path, monkeypatch):
    await stream_with_consumers(js, nc, name, count=300)
    path = str(tmp_path / "cancelled.natsbak")
    gate = asyncio.Event()  # never set: the second flow-control answer waits, as a slow link would

    class HeldConnection:
        def __init__(self, real):
            self.real = real
            self.acks = 0

        def __getattr__(self, attr):
            return getattr(self.real, attr)

        async def publish(self, subject, payload=b"", **kwargs):
            if not subject.startswith("$JS.API."):  # a flow-control answer to a chunk
                self.acks += 1
                if self.acks >= 2:
                    await gate.wait()
            return await self.real.publish(subject, payload, **kwargs)

    real_backup = backup_module.backup_stream

    async def backup_with_small_chunks(js_, stream, target, progress, **kwargs):
        held = JetStream(HeldConnection(js_.nc), js_.domain)
        return await real_backup(held, stream, target, progress, chunk_size=512)

    monkeypatch.setattr(backup_module, "backup_stream", backup_with_small_chunks)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("B")
        await answer_prompt(app, pilot, path)
        await wait_until(
            lambda: isinstance(app.screen, TransferScreen) and app.screen.progress.chunks >= 2, pilot=pilot
        )
        await wait_until(lambda: "2 chunks" in flat(app) and "/s" in flat(app), pilot=pilot)  # the progress line
        assert os.path.exists(backup_module.partial_name(path)) and not os.path.exists(path)
        await pilot.press("escape")
        await wait_until(lambda: notified(app, "cancelled: no file written"), pilot=pilot)
        await wait_until(lambda: os.listdir(tmp_path) == [], pilot=pilot)
        assert isinstance(app.screen, StreamsScreen)
    await js.delete_stream(name)


async def test_export_a_range_from_the_streams_view(server_url, nc, js, name, tmp_path):
    await stream_with_consumers(js, nc, name, count=50, storage="memory")
    path = str(tmp_path / "export.jsonl")
    app = make_test_app(server_url, ["none.>"], read_only=True)  # an export only reads
    async with app.run_test(size=SIZE) as pilot:
        await open_streams(app, pilot, name)
        await pilot.press("X")
        await wait_until(lambda: isinstance(app.screen, ExportDialog), pilot=pilot)
        app.screen.query_one("#export-path").value = path
        app.screen.query_one("#export-range").value = "5..15"
        await pilot.press("enter")
        await wait_until(lambda: notified(app, f"10 messages of {name} exported to"), pilot=pilot)
    store = RingStore(100)
    assert recording.load(path, store) == 10  # 5..15 without the deleted 7, as `natstui open` loads it
    with open(path, encoding="utf-8") as f:
        assert [meta["stream_seq"] for _, _, meta in recording.read(f)] == [5, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    await js.delete_stream(name)
    # and as `natstui open FILE` shows it: offline, the messages in the Live view
    from natstui.cli import make_app
    from natstui.config import Settings

    offline = make_app(Settings(read_only=True), store=store, connect=False, offline_label=f"{path} (10 messages)")
    async with offline.run_test(size=SIZE) as pilot:
        await wait_until(lambda: "(10 messages)" in flat(offline) and f"{name.lower()}.2" in flat(offline), pilot=pilot)

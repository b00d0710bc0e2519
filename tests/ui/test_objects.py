"""The Object Store view in Pilot against a real server: listing, info, preview, watch, transfers, delete."""

import base64
import hashlib
import json
import os
import uuid

from nats.js import api

from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.objects import ObjectStoreScreen
from natstui.ui.widgets.kv_dialogs import UploadScreen
from tests.conftest import make_test_app, press_keys, screen_text, table_cells, wait_connected, wait_until

SIZE = (170, 44)


def bucket_name() -> str:
    return "v" + uuid.uuid4().hex[:10]


def digest_of(data: bytes) -> str:
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


async def open_view(app, pilot, bucket: str) -> ObjectStoreScreen:
    await wait_connected(app, pilot)
    await press_keys(pilot, "5")
    await wait_until(lambda: isinstance(app.screen, ObjectStoreScreen) and bucket in app.screen.buckets, pilot=pilot)
    screen = app.screen
    screen.bucket_table.move_cursor(row=screen._bucket_names.index(bucket))
    await wait_until(lambda: screen.bucket == bucket and screen.scan is not None and screen.scan.listed, pilot=pilot)
    return screen


async def select_object(pilot, screen, name: str) -> None:
    await wait_until(lambda: name in screen._rows, pilot=pilot)
    screen.object_table.focus()
    screen.object_table.move_cursor(row=screen._rows.index(name))
    await wait_until(lambda: screen.selected == name, pilot=pilot)


async def confirm(app, pilot) -> None:
    dialog = await wait_until(lambda: isinstance(app.screen, ConfirmScreen) and app.screen, pilot=pilot)
    if dialog.focused is None or dialog.focused.id != "confirm-yes":  # destructive: Cancel has the focus
        await press_keys(pilot, "shift+tab")
    await wait_until(lambda: dialog.focused is not None and dialog.focused.id == "confirm-yes", pilot=pilot)
    await press_keys(pilot, "enter")
    await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)


async def test_objects_listed_with_info_preview_and_live_changes(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name, description="test files")
    await store.put(
        "conf.json",
        json.dumps({"replicas": 3, "name": "[b]x[/b]"}).encode(),
        meta=api.ObjectMeta(name="conf.json", description="settings", headers={"Content-Type": ["application/json"]}),
    )
    big = ("line of text\n" * 20_000).encode()  # 260,000 bytes: 2 chunks
    await store.put("big.txt", big)
    await store.put("old.bin", b"\x00\x01")
    await store.delete("old.bin")
    app = make_test_app(server_url, ["objtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await wait_until(lambda: "2 objects (1 deleted)" in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "2 objects (1 deleted)" in text and "◉ watching" in text and "test files" in text
        row = table_cells(screen.query_one("#obj-objects"), "big.txt")
        assert row["Size"] == "253.9 KiB" and row["Chunks"] == "2"
        assert row["Digest"].rstrip("…") == digest_of(big).split("=", 1)[1][: len(row["Digest"].rstrip("…"))]
        assert len(row["Digest"].rstrip("…")) >= 12
        assert "deleted" in next(line for line in text.splitlines() if " old.bin " in line)

        await select_object(pilot, screen, "conf.json")
        await wait_until(lambda: '"replicas": 3' in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert digest_of(json.dumps({"replicas": 3, "name": "[b]x[/b]"}).encode()) in text
        assert "Content-Type" in text and "application/json" in text and "Description settings" in text
        assert "[b]x[/b]" in text  # wire text shown as text, never as markup

        await select_object(pilot, screen, "big.txt")
        await wait_until(lambda: "the first 64.0 KiB of 253.9 KiB" in screen_text(app), pilot=pilot)
        assert "line of text" in screen_text(app)

        # a change made elsewhere appears without re-listing, highlighted
        scan = screen.scan
        await store.put("fresh.txt", b"new")
        await wait_until(lambda: "fresh.txt" in screen._rows, pilot=pilot)
        assert screen.scan is scan and screen.index.fresh("fresh.txt")
        await wait_until(lambda: "last stored fresh.txt" in screen_text(app), pilot=pilot)


async def test_upload_and_download_round_trip(server_url, nc, tmp_path):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_object_store(name)
    data = os.urandom(400_000)
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    app = make_test_app(server_url, ["objtest.none"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await press_keys(pilot, "u")
        await wait_until(lambda: isinstance(app.screen, UploadScreen), pilot=pilot)
        app.screen.query_one("#obj-upload-path").value = str(source)
        app.screen.query_one("#obj-upload-name").value = "files/payload.bin"
        await press_keys(pilot, "enter")
        await confirm(app, pilot)
        await wait_until(lambda: screen.transfer is not None and screen.transfer.finished, pilot=pilot)
        assert screen.progress.percentage == 1.0
        await wait_until(lambda: "Uploaded files/payload.bin" in screen_text(app), pilot=pilot)
        info = await (await js.object_store(name)).get_info("files/payload.bin")
        assert info.digest == digest_of(data) and info.size == len(data)

        await select_object(pilot, screen, "files/payload.bin")
        target = tmp_path / "down" / "copy.bin"
        target.parent.mkdir()
        await press_keys(pilot, "s")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = str(target)
        await press_keys(pilot, "enter")
        await wait_until(lambda: target.exists(), pilot=pilot)
        await wait_until(lambda: "digest verified" in screen.transfer_label.text.plain, pilot=pilot)
        assert "digest verified" in screen_text(app)
        assert target.read_bytes() == data and digest_of(target.read_bytes()) == info.digest
        assert screen.progress.percentage == 1.0

        # downloading over an existing file asks first
        target.write_bytes(b"keep me")
        await press_keys(pilot, "s")
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = str(target)
        await press_keys(pilot, "enter")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        await press_keys(pilot, "escape")
        await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert target.read_bytes() == b"keep me"

        # delete, confirmed: marked deleted in the list, deleted on the server
        await press_keys(pilot, "x")
        await confirm(app, pilot)
        await wait_until(lambda: screen.index.entries["files/payload.bin"].deleted, pilot=pilot)
        await wait_until(lambda: "0 objects (1 deleted)" in screen_text(app), pilot=pilot)
    assert (await (await js.object_store(name)).get_info("files/payload.bin", show_deleted=True)).deleted


async def test_read_only_refuses_upload_and_delete_but_downloads(server_url, nc, tmp_path):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name)
    await store.put("keep.txt", b"still here")
    before = (await js.stream_info(f"OBJ_{name}")).state
    source = tmp_path / "new.txt"
    source.write_bytes(b"never stored")
    app = make_test_app(server_url, ["objtest.none"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot, name)
        await select_object(pilot, screen, "keep.txt")
        for key, what in (("u", "uploading"), ("x", "deleting object keep.txt")):
            app.last_refusal = ""
            await press_keys(pilot, key)
            await wait_until(lambda: what in app.last_refusal, pilot=pilot)
            assert isinstance(app.screen, ObjectStoreScreen)
        footer = screen_text(app).splitlines()[-1]
        assert "Download" in footer and "Upload" in footer and "Delete object" in footer
        target = tmp_path / "keep.txt"
        await press_keys(pilot, "s")  # reading is allowed
        await wait_until(lambda: isinstance(app.screen, PromptScreen), pilot=pilot)
        app.screen.query_one("#prompt-input").value = str(target)
        await press_keys(pilot, "enter")
        await wait_until(lambda: target.exists() and target.read_bytes() == b"still here", pilot=pilot)
    after = (await js.stream_info(f"OBJ_{name}")).state
    assert (after.messages, after.last_seq) == (before.messages, before.last_seq)


async def test_at_80x24_the_upload_dialog_shows_its_error_and_buttons(server_url, nc, tmp_path):
    js = nc.jetstream()
    name = bucket_name()
    await js.create_object_store(name)
    app = make_test_app(server_url, ["objtest.none"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_view(app, pilot, name)
        await press_keys(pilot, "u")
        await wait_until(lambda: isinstance(app.screen, UploadScreen), pilot=pilot)
        app.screen.query_one("#obj-upload-path").value = str(tmp_path / "missing.bin")
        await press_keys(pilot, "enter")
        await wait_until(lambda: "No such file." in screen_text(app), pilot=pilot)
        text = screen_text(app)
        assert "Upload" in text.split("No such file.")[1] and "Cancel" in text

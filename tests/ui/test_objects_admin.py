"""Object store administration in Pilot against a real server: create, delete and seal stores; links."""

import base64
import json

from nats.js.errors import NotFoundError

from natstui.client.jetstream import JetStream
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.object_admin import ObjectStoreCreateScreen
from natstui.ui.screens.objects import ObjectStoreScreen
from tests.conftest import make_test_app, press_button, press_keys, screen_text, wait_connected, wait_until
from tests.ui.test_objects import SIZE, bucket_name, confirm, open_view, select_object


async def link(nc, bucket: str, name: str, target_bucket: str, target_name: str = "") -> None:
    """A link as the Go client and the nats CLI store it: a meta record with options.link."""
    target = {"bucket": target_bucket, **({"name": target_name} if target_name else {})}
    meta = {"name": name, "bucket": bucket, "nuid": "L" + name, "options": {"link": target}}
    encoded = base64.urlsafe_b64encode(name.encode()).decode()
    await nc.jetstream().publish(f"$O.{bucket}.M.{encoded}", json.dumps(meta).encode(), headers={"Nats-Rollup": "sub"})


async def test_create_a_store(server_url, nc):
    name = bucket_name()
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await press_keys(pilot, "5")
        await wait_until(lambda: isinstance(app.screen, ObjectStoreScreen), pilot=pilot)
        view = app.screen
        await press_keys(pilot, "c")
        form = await wait_until(lambda: isinstance(app.screen, ObjectStoreCreateScreen) and app.screen, pilot=pilot)
        form.query_one("#f-name").value = "bad name"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: "only letters, digits" in screen_text(app), pilot=pilot)
        form.query_one("#f-name").value = name
        form.query_one("#f-description").value = "build artefacts"
        form.query_one("#f-storage").value = "memory"
        form.query_one("#f-ttl").value = "7d"
        await press_button(pilot, "#form-submit")
        await wait_until(lambda: isinstance(app.screen, ObjectStoreScreen), pilot=pilot)
        await wait_until(lambda: view.bucket == name, pilot=pilot)  # the cursor goes to the new store
        await press_keys(pilot, "c")  # the same name again: refused, the existing store untouched
        form = await wait_until(lambda: isinstance(app.screen, ObjectStoreCreateScreen) and app.screen, pilot=pilot)
        form.query_one("#f-name").value = name
        await press_button(pilot, "#form-submit")
        await wait_until(
            lambda: f"an object store named {name} already exists" in " ".join(screen_text(app).split()), pilot=pilot
        )
    config = (await JetStream(nc).stream_info(f"OBJ_{name}"))["config"]
    assert config["storage"] == "memory" and config["max_age"] == 7 * 86400 * 10**9
    assert config["description"] == "build artefacts"


async def test_delete_a_store_needs_its_name(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name)
    await store.put("a.txt", b"hello")
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, name)
        await press_keys(pilot, "D")
        dialog = await wait_until(lambda: isinstance(app.screen, ConfirmScreen) and app.screen, pilot=pilot)
        assert dialog.query_one("#confirm-yes").disabled
        await press_keys(pilot, *name)
        await wait_until(lambda: not dialog.query_one("#confirm-yes").disabled, pilot=pilot)
        await press_keys(pilot, "enter")
        await wait_until(lambda: name not in app.screen.buckets, pilot=pilot)
    try:
        await js.stream_info(f"OBJ_{name}")
        raise AssertionError("the store still exists")
    except NotFoundError:
        pass


async def test_seal_a_store_then_uploads_are_refused_by_the_server(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name)
    await store.put("a.txt", b"hello")
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(app, pilot, name)
        await press_keys(pilot, "S")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), pilot=pilot)
        assert "cannot unseal" in screen_text(app)
        await confirm(app, pilot)
        await wait_until(lambda: view.buckets[name].sealed, pilot=pilot)
        assert "sealed" in screen_text(app)
    info = await JetStream(nc).stream_info(f"OBJ_{name}")
    assert info["config"]["sealed"] and info["state"]["messages"] == 2  # its chunk and meta record kept


async def test_links_are_shown_as_links(server_url, nc):
    js = nc.jetstream()
    name, other = bucket_name(), bucket_name()
    store = await js.create_object_store(name)
    await store.put("real.bin", b"\x00" * 100)
    await js.create_object_store(other)
    await link(nc, name, "alias", name, "real.bin")
    await link(nc, name, "all", other)
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(app, pilot, name)
        await wait_until(lambda: "alias → real.bin" in screen_text(app), pilot=pilot)
        assert f"all → bucket {other}" in screen_text(app)
        row = next(line for line in screen_text(app).splitlines() if "alias → real.bin" in line)
        assert " link " in row  # not a size: a link holds no data
        await select_object(pilot, view, "alias")
        await wait_until(lambda: f"object real.bin in bucket {name}" in screen_text(app).split("▏", 1)[-1], pilot=pilot)


async def test_read_only_refuses_store_changes(server_url, nc):
    js = nc.jetstream()
    name = bucket_name()
    store = await js.create_object_store(name)
    await store.put("a.txt", b"hello")
    before = await JetStream(nc).stream_info(f"OBJ_{name}")
    app = make_test_app(server_url, ["none.>"], read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot, name)
        for key, what in (
            ("c", "creating an object store"),
            ("D", f"deleting object store {name}"),
            ("S", f"sealing object store {name}"),
        ):
            app.last_refusal = ""
            await press_keys(pilot, key)
            await wait_until(lambda: what in app.last_refusal, pilot=pilot)
            assert isinstance(app.screen, ObjectStoreScreen)
    after = await JetStream(nc).stream_info(f"OBJ_{name}")
    assert after["config"] == before["config"] and after["state"]["messages"] == before["state"]["messages"]

"""The Services view in Pilot, discovering micro services the test starts with nats-py's micro API."""

import json
import uuid

import nats
from nats import micro
from nats.micro.request import ServiceError
from textual.widgets import DataTable, Input

from natstui.client.session import confirm
from natstui.ui.screens.compose import REQUEST, ComposeScreen
from natstui.ui.screens.services import ServicesScreen
from tests.conftest import make_test_app, screen_text, table_rows, wait_connected, wait_until

SIZE = (180, 40)


async def start_service(nc, name: str, zone: str):
    service = await micro.add_service(
        nc, name=name, version="2.0.1", description="Weather for the tests", metadata={"zone": zone, "owner": "pytest"}
    )

    async def forecast(req):
        city = json.loads(req.data or b"{}").get("city")
        if not city:
            raise ServiceError("422", "city missing")
        await req.respond(json.dumps({"city": city, "sky": "clear"}).encode())

    await service.add_endpoint(name="forecast", subject=f"{name}.forecast", handler=forecast, queue_group="weather")
    return service


async def test_services_are_discovered_grouped_with_stats_and_test_request(server_url, nc):
    name = "wx" + uuid.uuid4().hex[:6]
    other = await nats.connect(server_url)
    one = await start_service(nc, name, "north")
    two = await start_service(other, name, "south")
    try:
        for city in ("Oslo", "Lima", ""):
            try:
                await nc.request(f"{name}.forecast", json.dumps({"city": city}).encode(), timeout=5)
            except Exception:
                pass
        app = make_test_app(server_url, [f"{name}.>"])
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("6")
            await wait_until(lambda: isinstance(app.screen, ServicesScreen) and app.screen.ready, pilot=pilot)
            screen = app.screen
            await wait_until(lambda: f"{name}  ×2" in screen_text(app), pilot=pilot)
            # select our service (others may be running on the shared test server)
            table = screen.query_one("#svc-list", DataTable)
            table.move_cursor(row=table.get_row_index(f"svc:{name}"))
            await wait_until(lambda: "Weather for the tests" in screen_text(app), pilot=pilot)
            text = screen_text(app)
            assert one.id in text and two.id in text  # both instances, under the service
            assert "Endpoints (all 2 instances)" in text
            assert f"{name}.forecast" in text and "weather" in text  # subject and queue group
            assert "owner = pytest" in text  # metadata shared by both instances
            endpoints = screen.query_one("#svc-endpoints", DataTable)
            row = next(r for r in table_rows(endpoints) if r["Subject"] == f"{name}.forecast")
            assert (row["Requests"], row["Errors"]) == ("3", "1")  # merged over the instances
            assert "422:city missing" in row["Last error"]  # the last error

            # one instance: its own metadata and id
            table.move_cursor(row=table.get_row_index(f"inst:{one.id}"))
            await wait_until(lambda: "zone = north" in screen_text(app), pilot=pilot)
            assert "Endpoints of this instance" in screen_text(app)

            # refresh on demand picks up new requests
            total = one.stats().endpoints[0].num_requests + two.stats().endpoints[0].num_requests
            for _ in range(5):
                await nc.request(f"{name}.forecast", b'{"city": "Rome"}', timeout=5)
            table.move_cursor(row=table.get_row_index(f"svc:{name}"))
            await pilot.press("u")
            await wait_until(
                lambda: any(
                    f"{name}.forecast" in line and f" {total + 5} " in line for line in screen_text(app).splitlines()
                ),
                pilot=pilot,
            )

            # a test request to the endpoint, from the compose screen
            screen.query_one("#svc-endpoints", DataTable).focus()
            await pilot.press("t")
            await wait_until(lambda: isinstance(app.screen, ComposeScreen), pilot=pilot)
            compose = app.screen
            assert compose.mode == REQUEST
            assert compose.query_one("#compose-subject", Input).value == f"{name}.forecast"
            await pilot.press(*'{"city": "Kyiv"}')
            await pilot.press("ctrl+r")
            await wait_until(lambda: compose.last_reply is not None, pilot=pilot)
            assert json.loads(compose.last_reply.msg.data) == {"city": "Kyiv", "sky": "clear"}
            await wait_until(lambda: '"sky": "clear"' in screen_text(app), pilot=pilot)
    finally:
        await one.stop()
        await two.stop()
        await other.close()


async def test_services_view_says_when_nothing_answers_and_refreshes_on_a_timer(monkeypatch):
    from natstui.demo.server import EmbeddedServer
    from natstui.ui.screens import services as services_screen

    monkeypatch.setattr(services_screen, "REFRESH_EVERY", 0.5)
    with EmbeddedServer(jetstream=False) as server:  # a server of its own: nothing else runs there
        nc = await nats.connect(server.url)
        app = make_test_app(server.url, ["weather.>"])  # not '>': the server can say "no responders"
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_connected(app, pilot)
                await pilot.press("6")
                await wait_until(lambda: "0 services, 0 instances" in screen_text(app), pilot=pilot)
                assert "No micro services: nothing answers on $SRV.PING" in screen_text(app)
                # a service that starts later is found by the timer, without a key press
                service = await micro.add_service(nc, name="latecomer", version="0.1.0")
                await wait_until(lambda: "1 service, 1 instance" in screen_text(app), pilot=pilot)
                assert "latecomer  ×1" in screen_text(app)
                await service.stop()
        finally:
            await nc.close()


async def test_what_services_say_about_themselves_is_shown_as_data(server_url, nc):
    """Another implementation may answer anything: names, descriptions and errors are text, never markup."""
    tag = uuid.uuid4().hex[:6]
    answer = {
        "id": f"EVIL{tag}",
        "name": f"[bold]evil{tag}[/]",
        "version": "1.0.0",
        "description": "\x1b[2Jwipe [red]the screen[/red]",
        "metadata": {"[b]k": "\x07v"},
        "endpoints": [
            {
                "name": "e",
                "subject": f"evil{tag}.x",
                "queue_group": "q",
                "num_requests": 1,
                "num_errors": 1,
                "last_error": "[/]\x1b[31m boom",
                "processing_time": 10,
                "average_processing_time": 10,
            }
        ],
        "started": "now",
    }

    async def respond(msg):
        await msg.respond(json.dumps(answer).encode())

    subs = [await nc.subscribe(f"$SRV.{verb}", cb=respond) for verb in ("PING", "INFO", "STATS")]
    await confirm(nc)  # the subscription is on the server before anything is sent to it
    app = make_test_app(server_url, [f"evil{tag}.>"])
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await pilot.press("6")
            await wait_until(lambda: f"[bold]evil{tag}[/]" in screen_text(app), pilot=pilot)
            screen = app.screen
            table = screen.query_one("#svc-list", DataTable)
            table.move_cursor(row=table.get_row_index(f"svc:[bold]evil{tag}[/]"))
            await wait_until(lambda: "\\e[2Jwipe [red]the screen[/red]" in screen_text(app), pilot=pilot)
            text = screen_text(app)
            assert "[b]k = \\x07v" in text
            assert "[/]\\e[31m boom" in text
            assert "\x1b" not in text and "\x07" not in text
    finally:
        for sub in subs:
            await sub.unsubscribe()

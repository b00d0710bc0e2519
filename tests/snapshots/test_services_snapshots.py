"""Snapshots of the Services view.

Deterministic: the app runs offline (no server, so no ids, ports or times that
vary) and each view is handed fixed data through the method it uses to show what
it gathered (``show_discovery``). The Pilot tests in tests/ui
cover gathering that data from a real server.
"""

from natstui.cli import make_app
from natstui.client.services import Discovery, Endpoint, Instance
from natstui.config import Settings
from natstui.model.store import RingStore
from natstui.ui.screens.services import ServicesScreen
from tests.conftest import screen_text, wait_until

FROZEN = 1_790_000_000.25


def offline_app():
    return make_app(Settings(), store=RingStore(100, clock=lambda: FROZEN), clock=lambda: FROZEN, connect=False)


def inventory(instance_id: str, zone: str, requests: int, errors: int, last_error: str) -> Instance:
    return Instance(
        id=instance_id,
        name="inventory",
        version="1.4.2",
        description="Stock levels and reservations",
        metadata={"team": "fulfilment", "zone": zone},
        started="2026-09-21T08:00:00.000Z",
        answered=["PING", "INFO", "STATS"],
        endpoints=[
            Endpoint(
                "stock",
                "inventory.stock.get",
                "q",
                {"schema": "StockQuery"},
                requests,
                errors,
                requests * 2_400_000,
                2_400_000 if requests else 0,
                last_error,
                True,
            ),
            Endpoint("reserve", "inventory.stock.reserve", "q", {}, 12, 0, 12 * 850_000, 850_000, "", True),
            Endpoint("health", "inventory.health", "health", {}, 3, 0, 3 * 40_000, 40_000, "", True),
        ],
    )


DISCOVERY = Discovery(
    instances=[
        inventory("INVENTORY0000000000001", "eu-west", 40, 2, "404:unknown sku SKU-999"),
        inventory("INVENTORY0000000000002", "eu-central", 35, 0, ""),
        Instance(
            id="PRICING000000000000001",
            name="pricing",
            version="0.9.0",
            description="Quotes in [bold]EUR[/]",
            metadata={"team": "billing"},
            started="2026-09-21T08:00:01.000Z",
            answered=["PING", "INFO", "STATS"],
            endpoints=[
                Endpoint(
                    "quote",
                    "pricing.quote",
                    "q",
                    {},
                    20,
                    3,
                    20 * 1_200_000,
                    1_200_000,
                    "RuntimeError('exchange rate feed unavailable')",
                    True,
                )
            ],
        ),
    ],
    took=0.25,
)


async def show_services(pilot, select_down: int = 0):
    app = pilot.app
    await pilot.press("6")
    # the view laid out (its tables have their size), as it is when a real discovery's answers come in
    await wait_until(
        lambda: (
            isinstance(app.screen, ServicesScreen)
            and app.screen.is_mounted
            and app.screen.query_one("#svc-endpoints").size.width > 0
        ),
        pilot=pilot,
    )
    screen = app.screen
    screen.show_discovery(DISCOVERY)
    # the tables size their columns when idle: reading the screen before that would draw them too narrow
    await wait_until(
        lambda: not screen.svc_table._require_update_dimensions and not screen.ep_table._require_update_dimensions,
        pilot=pilot,
    )
    # the discovery drawn: the summary line, every service and instance row, the endpoints (at any width)
    await wait_until(
        lambda: (
            "2 services, 3 instances" in screen_text(app)
            and screen.svc_table.row_count == 5
            and screen.ep_table.row_count == 3
        ),
        pilot=pilot,
    )
    for _ in range(select_down):
        await pilot.press("down")
    table = screen.query_one("#svc-list")
    # an instance's own metadata (its zone) is shown only once that instance is selected
    await wait_until(
        lambda: table.cursor_row == select_down and ("eu-west" in screen_text(app)) == (select_down == 1), pilot=pilot
    )
    await pilot.pause()


async def show_instance(pilot):
    await show_services(pilot, select_down=1)


def test_services_view_grouped(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 30), run_before=show_services)


def test_services_view_instance(snap_compare):
    assert snap_compare(offline_app(), terminal_size=(160, 30), run_before=show_instance)

"""The Services view: NATS micro services found with $SRV.PING, INFO and STATS.

Left, every service with its instances under it; right, the selected service
(all instances merged) or instance: what it says about itself and its
endpoints with their statistics. Discovery runs when the view is shown, every
few seconds while it is visible, and on ``u``. ``t`` (or enter on an
endpoint) opens the compose screen to send that endpoint a test request.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from natstui.client.services import Discovery, Endpoint, discover
from natstui.client.session import ConnState, describe_error
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, ViewScreen
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.svc_tables import (
    ENDPOINT_COLUMNS,
    LIST_COLUMNS,
    endpoint_about,
    endpoint_rows,
    group_about,
    instance_about,
    selected_key,
    service_rows,
    sync_table,
)
from natstui.ui.widgets.table import Table

REFRESH_EVERY = 5.0  # seconds between discoveries while the view is visible


class ServicesScreen(ViewScreen):
    VIEW_NAME = "services"

    BINDINGS = [
        Binding("u", "refresh", "Refresh", id="services.refresh"),
        Binding("t", "test_request", "Test request", id="services.test_request"),
    ]

    def compose_body(self) -> ComposeResult:
        yield TextLine(id="svc-info", classes="view-title")
        with Horizontal(id="svc-body"):
            yield Table(LIST_COLUMNS, id="svc-list", zebra_stripes=False)
            with Vertical(id="svc-detail"):
                yield Static(Text("Looking for services…", style="dim"), id="svc-about")
                yield Static(Text("Endpoints", style="bold underline"), id="svc-endpoints-title")
                yield Table(ENDPOINT_COLUMNS, id="svc-endpoints", zebra_stripes=False)
                yield Static("", id="svc-endpoint-detail")

    def on_mount(self) -> None:
        if not self.query("#svc-list"):
            return  # pushed while the app exits (a key right after q): Textual did not compose it
        self.svc_table = self.query_one("#svc-list", Table)
        self.ep_table = self.query_one("#svc-endpoints", Table)
        self.info_line = self.query_one("#svc-info", TextLine)
        self.discovery: Discovery | None = None
        self.error_text = ""
        self.busy = False
        self.refreshers = (Refresher(self, REFRESH_EVERY, self.refresh_services),)
        self.shown_endpoints: list[Endpoint] = []
        self.svc_table.focus()
        self._update_info()
        self.ready = True

    # -- timer ---------------------------------------------------------------------
    def slow_tick(self) -> None:
        if not self.connected and self.discovery is None:
            self._update_info()
        super().slow_tick()

    # -- discovery --------------------------------------------------------------------
    @work(exclusive=True, group="services", exit_on_error=False)
    async def refresh_services(self, manual: bool = False) -> None:
        self.busy = True
        self._update_info()
        app = self.app
        try:
            found = await discover(app.session.nc)
        except Exception as exc:
            if manual:
                self.error_text = app.report_error("service discovery failed", exc)
            else:
                self.error_text = app.session.safe(f"service discovery failed: {describe_error(exc)}")
            return
        finally:
            self.busy = False
            self._update_info()
        self.error_text = ""
        self.show_discovery(found)

    def show_discovery(self, discovery: Discovery) -> None:
        """Show what a discovery found, keeping the selection where it was."""
        self.discovery = discovery
        sync_table(self.svc_table, service_rows(discovery.groups()))
        self._show_selected()
        self._update_info()

    def _update_info(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        found = self.discovery
        state = self.app.session.state
        if found is None:
            if state is ConnState.CONNECTED or self.busy:
                text.append("Discovering services (PING, INFO, STATS on $SRV)…", style="bold")
            else:
                text.append(f"Not connected ({state.value}): no services to discover", style=palette.warning + BOLD)
        else:
            groups = found.groups()
            text.append(
                f"{len(groups)} service{'s' if len(groups) != 1 else ''}, "
                f"{len(found.instances)} instance{'s' if len(found.instances) != 1 else ''}",
                style="bold",
            )
            if found.unreadable:
                text.append(f"  ⚠ {found.unreadable} unreadable answer(s)", style=palette.warning)
            text.append(
                f"  · every {REFRESH_EVERY:g} s; u refreshes, t sends a test request to the endpoint", style="dim"
            )
        if self.busy and found is not None:
            text.append("  ⟳", style=palette.name)
        if self.error_text:
            text.append(f"  ✗ {self.error_text}", style=palette.error + BOLD)
        self.info_line.set_text(text)

    # -- selection -------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.svc_table:
            self._show_selected()
        elif event.data_table is self.ep_table:
            self._show_endpoint()

    def _show_endpoint(self) -> None:
        endpoint = self.selected_endpoint()
        detail = self.query_one("#svc-endpoint-detail", Static)
        detail.update(endpoint_about(endpoint, self.app.monitor.latency) if endpoint is not None else "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.ep_table:
            self.action_test_request()
        elif event.data_table is self.svc_table and self.ep_table.row_count:
            self.ep_table.focus()

    def _show_selected(self) -> None:
        about = self.query_one("#svc-about", Static)
        found = self.discovery
        if found is None:
            return
        groups = found.groups()
        if not groups:
            if found.no_responders:
                message = "No micro services: nothing answers on $SRV.PING (the server reports no responders)."
            else:
                message = "No micro services answered $SRV.PING, $SRV.INFO or $SRV.STATS."
            about.update(Text(message, style="dim"))
            self.shown_endpoints = []
            sync_table(self.ep_table, [])
            self._show_endpoint()
            return
        key = selected_key(self.svc_table) or f"svc:{groups[0].name}"
        kind, _, ident = key.partition(":")
        instance = found.find(ident) if kind == "inst" else None
        if instance is not None:
            about.update(instance_about(instance))
            self.shown_endpoints = list(instance.endpoints)
            self.query_one("#svc-endpoints-title", Static).update(
                Text("Endpoints of this instance", style="bold underline")
            )
        else:
            group = next((g for g in groups if g.name == ident), groups[0])
            about.update(group_about(group))
            self.shown_endpoints = group.endpoints()
            n = len(group.instances)
            self.query_one("#svc-endpoints-title", Static).update(
                Text(f"Endpoints (all {n} instances)" if n > 1 else "Endpoints", style="bold underline")
            )
        sync_table(self.ep_table, endpoint_rows(self.shown_endpoints, self.app.monitor.latency))
        self._show_endpoint()

    def selected_endpoint(self) -> Endpoint | None:
        key = selected_key(self.ep_table)
        if key is None:
            return None
        for ep in self.shown_endpoints:
            if f"ep:{ep.name}\x00{ep.subject}\x00{ep.queue_group}" == key:
                return ep
        return None

    def _service_name(self) -> str:
        key = selected_key(self.svc_table) or ""
        kind, _, ident = key.partition(":")
        if kind == "inst" and self.discovery is not None:
            instance = self.discovery.find(ident)
            return instance.name if instance else ""
        return ident

    # -- actions -------------------------------------------------------------------
    def action_refresh(self) -> None:
        if not self.connected:
            self.app.notify("Not connected: cannot discover services.", severity="warning", timeout=5, markup=False)
            return
        if not self.busy:
            self.refresh_services(manual=True)

    def action_test_request(self) -> None:
        from natstui.ui.screens.compose import open_request

        endpoint = self.selected_endpoint()
        if endpoint is None:
            self.app.notify("Select an endpoint first.", severity="warning", timeout=5, markup=False)
            return
        about = f"{self._service_name()} › {endpoint.name}"
        if "*" in endpoint.subject.split(".") or endpoint.subject.endswith(">"):
            self.app.notify(
                f"The endpoint listens on {escape_line(endpoint.subject)}: replace the wildcard with a value.",
                severity="information",
                timeout=6,
                markup=False,
            )
        open_request(self.app, endpoint.subject, about=about)

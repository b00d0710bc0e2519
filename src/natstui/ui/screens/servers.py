"""The Servers view: every server of the system (STATZ and VARZ through the system account).

One row per server, grouped by cluster (a cluster's line names the clusters its gateways join it
to), with rates from the difference between two polls and a sparkline of each server's message
rate. Below, the selected server's detail: its routes, gateways and leaf nodes (ROUTEZ, GATEWAYZ,
LEAFZ) and its health (HEALTHZ); for the connected server also its INFO and this account's
JetStream usage. A server that stops answering stays, greyed, "missing since …".

Without the system account the view says why in one line (with the fix) and shows what it still
can: the connected server's INFO and this account's JetStream usage.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable

from natstui.client.overview import poll_servers, server_detail
from natstui.client.server import AccountUsage, ServerDetails, ServerOverview, account_usage
from natstui.client.session import ConnState, describe_error
from natstui.client.system import ServerReply, SystemAccess
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.model.system import ServerRow, ServersModel, sparkline
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, SystemView
from natstui.ui.widgets.line import WrapLine
from natstui.ui.widgets.server_detail import (
    clock,
    count,
    duration,
    gateways_panel,
    health_panel,
    leafs_panel,
    per_second_bytes,
    routes_panel,
    state_panel,
    varz_panel,
)
from natstui.ui.widgets.server_panels import ACCOUNT_EVERY, Panel, account_panel, details_panel, dim
from natstui.ui.widgets.svc_tables import selected_key, sync_table
from natstui.ui.widgets.table import Table

REFRESH_EVERY = 2.0  # seconds between polls while the view is shown
SPARK_WIDTH = 10
CLUSTER_ROW = "cluster:"  # row keys of the cluster lines

COLUMNS = (
    ColumnSpec("name", "Server", priority=0, min_width=16, max_width=28),
    ColumnSpec("cluster", "Cluster", priority=14, min_width=7, max_width=16),
    ColumnSpec("version", "Version", priority=12, ellipsis=False),
    ColumnSpec("uptime", "Uptime", priority=9, ellipsis=False, justify="right"),
    ColumnSpec("cpu", "CPU", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("mem", "Memory", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("conns", "Conns", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("subs", "Subs", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("msgs_in", "Msgs in/s", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("msgs_out", "Msgs out/s", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("bytes_in", "Bytes in/s", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("bytes_out", "Bytes out/s", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("slow", "Slow", priority=8, ellipsis=False, justify="right"),
    ColumnSpec("routes", "Routes", priority=10, ellipsis=False, justify="right"),
    ColumnSpec("gateways", "GWs", priority=10, ellipsis=False, justify="right"),
    ColumnSpec("leafs", "Leafs", priority=10, ellipsis=False, justify="right"),
    ColumnSpec("js", "JS", priority=11, ellipsis=False),
    ColumnSpec("spark", "Trend", priority=8, ellipsis=False),
    ColumnSpec("state", "State", priority=1, min_width=22, max_width=24),  # "missing since HH:MM:SS" whole
)


def server_cells(row: ServerRow, now: float, connected_id: str) -> list[Text]:
    dim = "dim" if row.missing else ""

    def t(value: str, style: Any = "") -> Text:
        return Text(escape_line(value), style=dim or style)

    rates = row.rates
    name = t(row.name, palette.name)
    if row.id == connected_id:
        name.append(" ●", style=dim or palette.ok)
    if row.missing and row.missing_since is not None:
        state = Text(f"missing since {clock(row.missing_since)}", style=palette.error)
    elif row.misses:
        state = Text("stale: no answer to the last poll", style=palette.warning + BOLD)
    elif row.stale:
        state = Text(f"stale: {escape_line(row.stale)}", style=palette.warning + BOLD)
    else:
        state = Text("ok", style=palette.ok)
    return [
        name,
        t(row.cluster or "—"),
        t(row.version),
        t(duration(row.uptime(now))),
        t(f"{row.cpu:.0f}%", palette.warning if row.cpu >= 80 and not dim else ""),
        t(human_size(row.mem)),
        t(f"{row.connections:,}"),
        t(f"{row.subscriptions:,}"),
        t(count(rates[0]) if rates else "—"),
        t(count(rates[1]) if rates else "—"),
        t(per_second_bytes(rates[2]) if rates else "—"),
        t(per_second_bytes(rates[3]) if rates else "—"),
        t(f"{row.slow_consumers:,}", palette.error + BOLD if row.slow_consumers else ""),
        t(str(row.routes)),
        t(str(len(row.gateways))),
        t(str(row.leafnodes)),
        t("on" if row.jetstream else "off", palette.ok if row.jetstream else "dim"),
        t(sparkline(row.history, SPARK_WIDTH).ljust(SPARK_WIDTH), palette.rate),
        state,
    ]


def cluster_cells(name: str, servers: list[ServerRow], gateways: list[str]) -> list[Text]:
    """A cluster's line: its name and the clusters its gateways join it to; how many servers, missing."""
    label = Text("▾ ", style="dim")
    label.append(escape_line(name) if name else "no cluster", style=palette.accent + BOLD)
    if gateways:
        label.append(" ⇄ " + ", ".join(escape_line(g) for g in gateways), style=palette.accent)
    missing = sum(1 for s in servers if s.missing)
    about = Text(f"{len(servers)} server{'s' if len(servers) != 1 else ''}", style="dim")
    if missing:
        about.append(f", {missing} missing", style=palette.error + BOLD)
    cells = [label] + [Text() for _ in COLUMNS[1:]]
    cells[-1] = about
    return cells


# -- the detail ----------------------------------------------------------------------------------


class ServersScreen(SystemView):
    VIEW_NAME = "servers"

    BINDINGS = [
        Binding("u", "refresh", "Refresh", id="servers.refresh"),
        Binding("enter", "detail", "Detail", id="servers.detail"),
        Binding("escape", "back", "Back", show=False, id="servers.back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield WrapLine(id="servers-info", classes="view-title")
        yield Table(COLUMNS, id="servers-table", zebra_stripes=False)
        with VerticalScroll(id="servers-detail"):
            with Horizontal(id="servers-columns"):
                with Vertical(classes="servers-column"):
                    yield Panel("Health", id="servers-health")
                    yield Panel("Server", id="servers-server")
                    yield Panel("JetStream account", id="servers-account")
                with Vertical(classes="servers-column"):
                    yield Panel("Routes", id="servers-routes")
                    yield Panel("Gateways", id="servers-gateways")
                    yield Panel("Leaf nodes", id="servers-leafs")

    def on_mount(self) -> None:
        if not self.query("#servers-table"):
            return  # pushed while the app exits: Textual did not compose it
        self.table = self.query_one("#servers-table", Table)
        self.info = self.query_one("#servers-info", WrapLine)
        self.model = ServersModel()
        self.access: SystemAccess | None = None
        self.varz: dict[str, dict[str, Any]] = {}
        self.detail: dict[str, ServerReply | None] = {}
        self.detail_for = ""
        self.selected = ""
        self.error = ""
        self.requests = 0
        self.account: AccountUsage | None = None
        self.account_error = ""
        self.refreshers = (
            Refresher(self, REFRESH_EVERY, self.poll, on_reconnect=self._forget),
            Refresher(self, REFRESH_EVERY, self.poll_detail),
            Refresher(self, ACCOUNT_EVERY, self.refresh_account),
        )
        self.table.focus()
        self._show()
        self.ready = True
        self.slow_tick()

    def _forget(self) -> None:
        self.access = None

    # -- polling -------------------------------------------------------------------------------
    @work(exclusive=True, group="servers", exit_on_error=False)
    async def poll(self) -> None:
        app = self.app
        try:
            self.access = access = await app.system_access()
            if not access.available:
                self.error = ""
                self._show()
                return
            statz, varz = await poll_servers(access)
        except Exception as exc:
            self.error = app.session.safe(f"cannot ask the servers: {describe_error(exc)}")
            self._show()
            return
        self.error = ""
        self.requests += 2
        self.model.update(statz, varz, now=self.app.store.clock())
        for reply in varz:
            if reply.id and not reply.error:
                self.varz[reply.id] = reply.data
        self._show()

    @work(exclusive=True, group="servers-detail", exit_on_error=False)
    async def poll_detail(self) -> None:
        access, sid = self.access, self.selected
        if access is None or not access.available or not sid or sid.startswith(CLUSTER_ROW):
            return
        row = self.model.rows.get(sid)
        if row is None or row.missing:
            self.detail, self.detail_for = {}, sid
            self._show_detail()
            return
        try:
            detail = await server_detail(access, sid)
        except Exception as exc:
            detail = {
                kind: ServerReply(error=describe_error(exc)) for kind in ("ROUTEZ", "GATEWAYZ", "LEAFZ", "HEALTHZ")
            }
        if sid == self.selected:
            self.detail, self.detail_for = detail, sid
            self._show_detail()

    @work(exclusive=True, group="servers-account", exit_on_error=False)
    async def refresh_account(self, manual: bool = False) -> None:
        app = self.app
        if not self._shows_connected():
            return
        try:
            self.account = await account_usage(app.session.nc, app.settings.connection.js_domain)
            self.account_error = ""
        except Exception as exc:
            self.account = None
            text = describe_error(exc)
            self.account_error = app.report_error("JetStream account", exc) if manual else app.session.safe(text)
        self._show_detail()

    # -- showing -----------------------------------------------------------------------------
    @property
    def connected_id(self) -> str:
        info = self.app.session.server_info or {}
        return str(info.get("server_id") or "") if self.app.session.state is ConnState.CONNECTED else ""

    @property
    def system(self) -> bool:
        return self.access is not None and self.access.available

    def _shows_connected(self) -> bool:
        return not self.system or (self.selected != "" and self.selected == self.connected_id)

    def _show(self) -> None:
        self.show_info()
        self.table.display = self.system
        if self.system:
            now = self.app.store.clock()
            connected = self.connected_id
            rows: list[tuple[str, list[Text]]] = []
            for group in self.model.groups():
                if len(self.model.rows) > 1:
                    rows.append((CLUSTER_ROW + group.name, cluster_cells(group.name, group.servers, group.gateways)))
                rows.extend((row.id, server_cells(row, now, connected)) for row in group.servers)
            if self.model.malformed:
                bad = [Text("?", style=palette.warning)] + [Text() for _ in COLUMNS[1:]]
                bad[-1] = Text(
                    f"stale: {self.model.malformed} malformed repl{'ies' if self.model.malformed > 1 else 'y'}"
                )
                bad[-1].stylize(palette.warning + BOLD)
                rows.append(("malformed", bad))
            sync_table(self.table, rows)
            key = selected_key(self.table)
            if not self.selected:  # first shown: the connected server, else the first (not a cluster's line)
                keys = [k for k, _ in rows]
                start = keys.index(connected) if connected in keys else 1 if key and key.startswith(CLUSTER_ROW) else 0
                if 0 < start < self.table.row_count:
                    self.table.move_cursor(row=start, animate=False)
            self._select(selected_key(self.table) or "")
        self._show_detail()

    def show_info(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Servers  ", style="bold")
        if not self.model.rows and self.not_connected(text):
            pass
        elif self.error:
            text.append(self.error, style=palette.error + BOLD)
        elif self.access is None:
            text.append("asking the servers…", style="dim")
        elif not self.access.available:
            WrapLine.wrapping(text).append(escape_line(self.access.reason), style=palette.warning + BOLD)
            text.append("  Shown: the connected server.", style="dim")
        else:
            rows = self.model.rows.values()
            clusters = {r.cluster for r in rows if r.cluster}
            missing = sum(1 for r in rows if r.missing)
            n = len(self.model.rows)
            text.append(f"{n} server{'s' if n != 1 else ''}", style=palette.number)
            if clusters:
                text.append(f" in {len(clusters)} cluster{'s' if len(clusters) != 1 else ''}")
            if missing:
                text.append(f", {missing} missing", style=palette.error + BOLD)
            text.append(f"  every {REFRESH_EVERY:g} s (STATZ + VARZ)  ● the connected server", style="dim")
        self.info.set_text(text)

    def _select(self, key: str) -> None:
        if key == self.selected:
            return
        self.selected = key
        self.detail, self.detail_for = {}, ""
        self._show_detail()
        if self.refreshers:
            self.refreshers[1].soon()
            self.refreshers[1].poll()
            if self._shows_connected() and self.account is None:
                self.refreshers[2].soon()
                self.refreshers[2].poll()

    def _overview(self) -> ServerOverview:
        session = self.app.session
        return ServerOverview(
            state=session.state.value,
            url=session.server_url,
            details=ServerDetails.from_info(session.server_info) if session.server_info else None,
            rtt=None,
            reconnects=0,
            in_msgs=0,
            out_msgs=0,
            subscriptions=[],
        )

    def _show_detail(self) -> None:
        if not self.query("#servers-server"):
            return
        own = self._shows_connected()
        server = self.query_one("#servers-server", Panel)
        account = self.query_one("#servers-account", Panel)
        parts = {k: self.query_one(f"#servers-{k}", Panel) for k in ("health", "routes", "gateways", "leafs")}
        session = self.app.session
        if session.state is not ConnState.CONNECTED and not self.model.rows:
            account.display = False
            for panel in parts.values():
                panel.display = False
            server.border_title = "Connection"
            server.show(("state", session.state, session.error), lambda: state_panel(session.state, session.error))
            return
        account.display = own
        if own:
            account.show(
                (self.account, self.account_error, self.app.session.state),
                lambda: (
                    account_panel(self.account, self.account_error)
                    if self.app.session.state is not ConnState.OFFLINE
                    else dim("No server: natstui is not connected.")
                ),
            )
        row = self.model.rows.get(self.selected) if self.system else None
        if own and (row is None or not self.system):
            overview = self._overview()
            server.border_title = "Connected server"
            server.show(("info", overview.details), lambda: details_panel(overview))
        elif row is not None:
            server.border_title = f"Server {row.name}" + (" (connected)" if own else "")
            varz = self.varz.get(row.id)
            now = self.app.store.clock()
            server.show(
                ("varz", row.id, row.missing, row.cpu, row.missing_since, own, varz is None, int(now // 60)),
                lambda: (
                    Group(details_panel(self._overview()), varz_panel(row, varz, now, brief=True))
                    if own
                    else varz_panel(row, varz, now)
                ),
            )
        else:
            server.border_title = "Server"
            server.show(("none", self.selected), lambda: dim("Select a server."))
        for panel in parts.values():
            panel.display = row is not None
        if row is None:
            return
        if self.detail_for != row.id:
            for panel in parts.values():
                panel.show(("wait", row.id, row.missing), lambda: dim("missing" if row.missing else "asking…"))
            return
        d = self.detail
        parts["health"].show(("h", row.id, repr(d.get("HEALTHZ"))), lambda: health_panel(d.get("HEALTHZ")))
        parts["routes"].show(("r", row.id, repr(d.get("ROUTEZ"))), lambda: routes_panel(d.get("ROUTEZ")))
        parts["gateways"].show(("g", row.id, repr(d.get("GATEWAYZ"))), lambda: gateways_panel(d.get("GATEWAYZ")))
        parts["leafs"].show(("l", row.id, repr(d.get("LEAFZ"))), lambda: leafs_panel(d.get("LEAFZ")))

    # -- events and actions ----------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#servers-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None:  # an empty table (no system account) still takes the arrow keys
            return
        self._select(event.row_key.value or "")

    @on(DataTable.RowSelected, "#servers-table")
    def _selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        self.query_one("#servers-detail").focus()

    def action_back(self) -> None:
        if self.table.display:
            self.table.focus()

    def slow_tick(self) -> None:
        if self.app.session.state is not ConnState.CONNECTED:
            self._show_detail()
        super().slow_tick()

    def server_row(self, name: str) -> ServerRow | None:
        """The row of the server called ``name`` (tests and benchmarks)."""
        return next((r for r in self.model.rows.values() if r.name == name), None)

"""The Connections view: a ``top`` of every client connection of every server (CONNZ).

Each refresh asks every server for its connections a page at a time (``natstui.client.overview``:
one ping, then one request per further page of a server with more), works out the rates from the
previous refresh, and shows them sorted (``s`` the next column, ``S`` the other way) and filtered
(``/``: every word must be found in the cid, server, name, language, address, account or user).
The list is a line-drawn table whose rows are made only when they come on screen, so thousands of
connections cost a screenful. ``enter`` opens the selected connection's detail with its
subscriptions (that one connection asked again with ``subscriptions_detail``); natstui's own connection
(●) also shows what nats-py counts of it and of the live stream's subscription.

Without the system account the view says why (with the fix) and lists this account's connections
(``$SYS.REQ.ACCOUNT.PING.CONNZ``, which any account may ask) when the servers answer it, and always
this connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input

from natstui.client.overview import account_connections, all_connections, connection_detail
from natstui.client.server import ServerDetails, ServerOverview, subscription_stats
from natstui.client.session import ConnState, describe_error
from natstui.client.system import NoSystemAccount, SystemAccess
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.model.system import DESCENDING, ConnectionsModel, ConnRow
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, SystemView
from natstui.ui.widgets.line import WrapLine
from natstui.ui.widgets.rowtable import Column, RowTable
from natstui.ui.widgets.server_detail import count, rtt_text, short_duration
from natstui.ui.widgets.server_panels import Panel, connection_panel, subscriptions_panel

REFRESH_EVERY = 2.0  # seconds between refreshes while the view is shown

# (key, label, width (None: the rest), justify, priority, min_width)
COLUMNS: tuple[tuple[str, Column], ...] = (
    ("cid", Column("CID", 6, "right", priority=1)),
    ("server", Column("Server", 14, priority=2)),  # not cut: names differ at their end (east-1, east-2)
    ("name", Column("Name", 28, priority=0, min_width=16)),
    ("lang", Column("Language", 14, priority=10, min_width=8)),
    ("address", Column("Address", 21, priority=7, min_width=9)),
    ("account", Column("Account", 10, priority=9, min_width=7)),
    ("user", Column("User", 10, priority=11, min_width=6)),
    ("msgs_in", Column("Msgs in/s", 9, "right", priority=3)),
    ("msgs_out", Column("Msgs out/s", 10, "right", priority=3)),
    ("bytes_in", Column("Bytes in/s", 10, "right", priority=6)),
    ("bytes_out", Column("Bytes out/s", 11, "right", priority=6)),
    ("pending", Column("Pending", 9, "right", priority=4)),
    ("subs", Column("Subs", 6, "right", priority=4)),
    ("rtt", Column("RTT", 9, "right", priority=8)),
    ("uptime", Column("Uptime", 8, "right", priority=8)),
    ("idle", Column("Idle", 8, "right", priority=8)),
)
KEYS = [key for key, _ in COLUMNS]


def _bytes_rate(n: float) -> str:
    return human_size(int(n)) if n >= 1 else "0 B"


def conn_cells(row: ConnRow, own: bool) -> tuple[Text, ...]:
    rates = row.rates
    name = Text("● ", style=palette.ok) if own else Text()  # natstui's own connection
    name.append(escape_line(row.name))  # plain: a colour would fade on the cursor's background
    return (
        Text(str(row.cid)),
        Text(escape_line(row.server)),
        name,
        Text(escape_line(row.lang)),
        Text(escape_line(row.address)),
        Text(escape_line(row.account)),
        Text(escape_line(row.user)),
        Text(count(rates[0]) if rates else "—", style=palette.rate if rates and rates[0] else ""),
        Text(count(rates[1]) if rates else "—", style=palette.rate if rates and rates[1] else ""),
        Text(_bytes_rate(rates[2]) if rates else "—"),
        Text(_bytes_rate(rates[3]) if rates else "—"),
        Text(human_size(row.pending), style=palette.warning + BOLD if row.pending else "dim"),
        Text(f"{row.subs:,}"),
        Text(short_duration(row.rtt) if row.rtt is not None else escape_line(row.rtt_text)),
        Text(escape_line(row.uptime_text)),
        Text(escape_line(row.idle_text)),
    )


class LazyRows(Sequence[tuple[Text, ...]]):
    """The rows of the connection table, each made the first time it is drawn."""

    def __init__(self, rows: list[ConnRow], own: tuple[str, int] | None) -> None:
        self.source = rows
        self.own = own
        self._made: dict[int, tuple[Text, ...]] = {}

    def __len__(self) -> int:
        return len(self.source)

    @overload
    def __getitem__(self, index: int) -> tuple[Text, ...]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Text, ...]]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        made = self._made.get(index)
        if made is None:
            row = self.source[index]
            made = self._made[index] = conn_cells(row, row.key == self.own)
        return made


class ConnectionTable(RowTable):
    """The connection list: a RowTable whose header marks the sort column."""

    def show_sort(self, key: str, descending: bool) -> None:
        columns = []
        for k, column in COLUMNS:
            if k == key:
                column = Column(
                    column.label + (" ▼" if descending else " ▲"),
                    None if column.width is None else column.width + 2,
                    column.justify,
                    column.priority,
                    column.min_width,
                )
            columns.append(column)
        self.set_columns(columns)


def _field_table() -> RichTable:
    table = RichTable.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def connection_about(conn: dict[str, Any], row: ConnRow | None) -> RenderableType:
    """One connection as its server reports it (CONNZ with ``subscriptions_detail``)."""

    def text(value: object) -> Text:
        return Text(escape_line(str(value)))

    table = _field_table()
    kind = f" ({conn.get('kind')})" if conn.get("kind") else ""
    table.add_row("Connection", text(f"cid {conn.get('cid')} on {row.server if row else '?'}{kind}"))
    for label, key in (("Name", "name"), ("Account", "account"), ("User", "authorized_user")):
        if conn.get(key):
            table.add_row(label, text(conn.get(key)))
    lang = f"{conn.get('lang') or ''} {conn.get('version') or ''}".strip()
    if lang:
        table.add_row("Language", text(lang))
    table.add_row("Address", text(f"{conn.get('ip', '')}:{conn.get('port', '')}"))
    if conn.get("tls_version"):
        table.add_row("TLS", text(f"{conn.get('tls_version')} {conn.get('tls_cipher_suite') or ''}".strip()))
    table.add_row("Started", text(conn.get("start") or "—"))
    table.add_row("Uptime / idle", text(f"{conn.get('uptime') or '—'} / {conn.get('idle') or '—'}"))
    table.add_row("RTT", text(rtt_text(conn.get("rtt"))))
    table.add_row("Messages", text(f"{int(conn.get('in_msgs') or 0):,} in, {int(conn.get('out_msgs') or 0):,} out"))
    table.add_row(
        "Bytes",
        text(f"{human_size(int(conn.get('in_bytes') or 0))} in, {human_size(int(conn.get('out_bytes') or 0))} out"),
    )
    pending = int(conn.get("pending_bytes") or 0)
    table.add_row("Pending", Text(human_size(pending), style=palette.warning + BOLD if pending else ""))
    subs = [s for s in conn.get("subscriptions_list_detail") or [] if isinstance(s, dict)]
    if not subs:
        plain = [s for s in conn.get("subscriptions_list") or [] if isinstance(s, str)]
        subs = [{"subject": s} for s in plain]
    listing = RichTable(box=None, padding=(0, 1), pad_edge=False, header_style="bold", show_edge=False)
    listing.add_column("Subject", no_wrap=True, overflow="ellipsis")
    listing.add_column("Queue group", no_wrap=True)
    listing.add_column("Sid", justify="right", no_wrap=True)
    listing.add_column("Msgs", justify="right", no_wrap=True)
    for s in sorted(subs, key=lambda s: str(s.get("subject") or "")):
        listing.add_row(
            Text(escape_line(str(s.get("subject") or "")), style=palette.subject),
            Text(escape_line(str(s.get("qgroup") or "")) or "—", style="" if s.get("qgroup") else "dim"),
            text(s.get("sid") or ""),
            Text(f"{int(s.get('msgs') or 0):,}" if "msgs" in s else ""),
        )
    title = Text(f"Subscriptions ({int(conn.get('subscriptions') or len(subs)):,})", style="bold")
    both = RichTable.grid(expand=True, padding=(0, 2))
    both.add_column(ratio=1)
    both.add_column(ratio=1)
    both.add_row(table, Group(title, listing if subs else Text("none", style="dim")))
    return both


class ConnectionsScreen(SystemView):
    VIEW_NAME = "connections"

    BINDINGS = [
        Binding("u", "refresh", "Refresh", id="connections.refresh"),
        Binding("enter", "detail", "Detail", id="connections.detail"),
        Binding("s", "sort(1)", "Sort", id="connections.sort"),
        Binding("S", "reverse", "Reverse", id="connections.reverse"),
        Binding("slash", "filter", "Filter", id="connections.filter"),
        Binding("escape", "back", "Back", show=False, id="connections.back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield WrapLine(id="conns-info", classes="view-title")
        filter_input = Input(
            placeholder="filter: words found in cid, server, name, language, address, account, user", id="conns-filter"
        )
        filter_input.display = False  # hidden from the first frame: it takes no key before / opens it
        yield filter_input
        yield ConnectionTable([column for _, column in COLUMNS], id="conns-table")
        with VerticalScroll(id="conns-detail"):
            yield Panel("This connection (natstui)", id="conns-own")
            yield Panel("Live stream subscription", id="conns-subs")
            yield Panel("Connection", id="conns-about")

    def on_mount(self) -> None:
        if not self.query("#conns-table"):
            return  # pushed while the app exits: Textual did not compose it
        self.table = self.query_one("#conns-table", ConnectionTable)
        self.info = self.query_one("#conns-info", WrapLine)
        self.filter_input = self.query_one("#conns-filter", Input)
        self.detail_pane = self.query_one("#conns-detail", VerticalScroll)
        self.model = ConnectionsModel()
        self.access: SystemAccess | None = None
        self.scope = ""  # "system", "account" or "" (this connection only)
        self.error = ""
        self.requests = 0  # requests of the last refresh
        self.refreshes = 0
        self.shown: list[ConnRow] = []
        self.selected: tuple[str, int] | None = None
        self.detail: dict[str, Any] | None = None
        self.detail_for: tuple[str, int] | None = None
        self.detail_error = ""
        self.detail_open = False
        self.refreshers = (
            Refresher(self, REFRESH_EVERY, self.poll, on_reconnect=self._forget),
            Refresher(self, REFRESH_EVERY, self.poll_detail),
        )
        self.table.show_sort(self.model.sort_key, self._descending())
        self.table.focus()
        self._show_detail()
        self.show_info()
        self.ready = True
        self.slow_tick()

    def _forget(self) -> None:
        self.access = None

    def _descending(self) -> bool:
        return (self.model.sort_key in DESCENDING) != self.model.reverse

    # -- refreshing ------------------------------------------------------------------------------
    @work(exclusive=True, group="connections", exit_on_error=False)
    async def poll(self) -> None:
        app = self.app
        try:
            self.access = access = await app.system_access()
            if access.available:
                pages, self.requests = await all_connections(access)
                self.scope = "system"
            else:
                try:
                    pages = await account_connections(app.session.nc)
                    self.requests = 1
                    self.scope = "account"
                except NoSystemAccount:
                    pages, self.scope, self.requests = [], "", 1
        except Exception as exc:
            self.error = app.session.safe(f"cannot list the connections: {describe_error(exc)}")
            self.show_info()
            return
        self.error = ""
        self.refreshes += 1
        self.model.update(pages)
        self.show_rows()
        self._select_wanted(listed=True)

    @property
    def own_key(self) -> tuple[str, int] | None:
        session = self.app.session
        info = session.server_info or {}
        cid = info.get("client_id")
        if session.state is not ConnState.CONNECTED or not isinstance(cid, int):
            return None
        return (str(info.get("server_id") or ""), cid)

    def show_rows(self) -> None:
        """Show the model's rows as sorted and filtered now, the cursor kept on its connection."""
        rows = self.model.view()
        self.shown = rows
        keep = self.selected if self.selected is not None else self.own_key  # first: natstui's own
        cursor = 0
        if keep is not None:
            for i, row in enumerate(rows):
                if row.key == keep:
                    cursor = i
                    break
        self.table.show_sort(self.model.sort_key, self._descending())
        self.table.set_rows(LazyRows(rows, self.own_key), cursor=cursor if rows else None, copy=False)
        self.show_info()

    def show_info(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Connections  ", style="bold")
        if not self.model.rows and self.not_connected(text):
            pass
        elif self.error:
            text.append(self.error, style=palette.error + BOLD)
        elif self.access is None:
            text.append("asking the servers…", style="dim")
        else:
            if self.scope != "system":
                WrapLine.wrapping(text).append(escape_line(self.access.reason), style=palette.warning + BOLD)
                text.append("  ")
            servers = len({r.server_id for r in self.model.rows.values()})
            shown = len(self.shown)
            total = len(self.model.rows)
            what = "this account's " if self.scope == "account" else ""
            if self.scope or total:
                text.append(f"{shown:,}" if shown == total else f"{shown:,} of {total:,}", style=palette.number)
                answered = max(self.model.servers, servers)
                of = f" of {answered}" if answered > servers else ""
                text.append(f" {what}connections on {servers}{of} server{'s' if answered != 1 else ''}")
                text.append(f" ({self.requests} request{'s' if self.requests != 1 else ''})", style="dim")
            else:
                text.append("Shown: this connection.", style="dim")
            for server, why in sorted(self.model.errors.items()):
                text.append(f"  {escape_line(server)}: {escape_line(why)}", style=palette.warning)
            label = dict(COLUMNS)[self.model.sort_key].label
            text.append(f"  sort {label} {'▼' if self._descending() else '▲'}", style="dim")
            if self.model.filter:
                text.append("  filter ", style="dim")
                text.append(escape_line(self.model.filter), style=palette.accent + BOLD)
        self.info.set_text(text)

    @work(exclusive=True, group="connections-detail", exit_on_error=False)
    async def poll_detail(self) -> None:
        key = self.selected
        if not self.detail_open or key is None or not self.scope:
            return
        try:
            conn = await connection_detail(self.access, self.app.session.nc, key[0], key[1])
            error = "" if conn is not None else "no answer: the connection may have closed"
        except Exception as exc:
            conn, error = None, self.app.session.safe(describe_error(exc))
        if key == self.selected:
            self.detail, self.detail_for, self.detail_error = conn, key, error
            self._show_detail()

    def _show_detail(self) -> None:
        own_key = self.own_key
        has_list = bool(self.shown)
        self.detail_pane.display = self.detail_open or not has_list
        about = self.query_one("#conns-about", Panel)
        own = self.query_one("#conns-own", Panel)
        subs = self.query_one("#conns-subs", Panel)
        key = self.selected if has_list else own_key
        is_own = key is not None and key == own_key
        own.display = subs.display = is_own or not has_list
        about.display = has_list and key is not None
        if about.display:
            row = self.model.rows.get(key) if key else None
            if self.detail_for != key:
                about.border_title = f"Connection {key[1] if key else ''}"
                about.show(("wait", key), lambda: Text("asking its server…", style="dim"))
            elif self.detail is None:
                about.show(("error", key, self.detail_error), lambda: Text(self.detail_error, style=palette.warning))
            else:
                conn = self.detail
                about.show(("conn", key, repr(conn)), lambda: connection_about(conn, row))
        if own.display:
            overview = self._overview()
            own.show(
                (overview.state, overview.url, overview.rtt, overview.in_msgs, overview.out_msgs, overview.reconnects),
                lambda: connection_panel(overview),
            )
            subs.show(tuple(overview.subscriptions), lambda: subscriptions_panel(overview.subscriptions))

    def _overview(self) -> ServerOverview:
        app = self.app
        session = app.session
        connected = session.state is ConnState.CONNECTED
        stats = getattr(session.nc, "stats", {}) or {}
        return ServerOverview(
            state=session.state.value,
            url=session.server_url if session.state is not ConnState.OFFLINE else "",
            details=ServerDetails.from_info(session.server_info) if session.server_info else None,
            rtt=session.rtt if connected else None,
            reconnects=session.reconnects,
            in_msgs=int(stats.get("in_msgs", 0)),
            out_msgs=int(stats.get("out_msgs", 0)),
            subscriptions=subscription_stats(app.feed.subscriptions, session.dropped),
        )

    # -- events and actions ------------------------------------------------------------------------
    @on(RowTable.RowHighlighted, "#conns-table")
    def _highlighted(self, event: RowTable.RowHighlighted) -> None:
        index = event.index
        key = self.shown[index].key if index is not None and 0 <= index < len(self.shown) else None
        if key != self.selected:
            self.selected = key
            self.detail, self.detail_for = None, None
            if self.detail_open:
                self._show_detail()
                self.refreshers[1].soon()
                self.refreshers[1].poll()

    def action_detail(self) -> None:
        if self.focused is self.filter_input:
            self.table.focus()
            return
        if not self.shown:
            return
        self.detail_open = True
        self._show_detail()
        self.refreshers[1].soon()
        self.refreshers[1].poll()

    def action_back(self) -> None:
        if self.focused is self.filter_input:
            self.filter_input.value = ""
            self.filter_input.display = False
            self.table.focus()
        elif self.detail_open:
            self.detail_open = False
            self._show_detail()
            self.table.focus()
        elif self.filter_input.value:
            self.filter_input.value = ""  # its Changed event shows every row again
            self.filter_input.display = False

    def action_sort(self, step: int) -> None:
        i = (KEYS.index(self.model.sort_key) + step) % len(KEYS)
        self.model.set_sort(KEYS[i])
        self.show_rows()

    def action_reverse(self) -> None:
        self.model.set_sort(self.model.sort_key, not self.model.reverse)
        self.show_rows()

    def action_filter(self) -> None:
        self.filter_input.display = True
        self.filter_input.focus()

    @on(Input.Changed, "#conns-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.model.set_filter(event.value)
        self.show_rows()

    @on(Input.Submitted, "#conns-filter")
    def _filter_submitted(self) -> None:
        if not self.filter_input.value:
            self.filter_input.display = False
        self.table.focus()

    def slow_tick(self) -> None:
        if self.detail_pane.display and (self.selected == self.own_key or not self.shown):
            self._show_detail()  # nats-py's own counters of this connection
        super().slow_tick()

    def show_connection(self, cid: int | None, server: str = "") -> None:
        """Select connection ``cid`` of ``server`` (its name or id) and open its detail: now if listed,
        else once a refresh lists it (the Events view jumps here)."""
        self.wanted: tuple[int | None, str] | None = (cid, server)
        self._select_wanted()
        self.action_refresh()

    def _select_wanted(self, listed: bool = False) -> None:
        """``listed``: a refresh asked after the wish has just listed the connections."""
        wanted: tuple[int | None, str] | None = getattr(self, "wanted", None)
        if wanted is None:
            return
        cid, server = wanted
        row = next(
            (r for r in self.model.rows.values() if r.cid == cid and server in ("", r.server, r.server_id)), None
        )
        if row is None:
            if listed:  # closed since (a disconnect event names one), or not one this account may see
                self.wanted = None
                where = f"Connection cid {cid}" + (f" on {server}" if server else "")
                self.app.notify(f"{where} is not open any more (or not one you can see).", markup=False)
            return
        self.wanted = None
        self.model.set_filter("")
        self.selected = row.key
        self.show_rows()
        self.action_detail()

    def row_of(self, name: str) -> ConnRow | None:
        """The first connection called ``name`` (tests and benchmarks)."""
        return next((r for r in self.model.rows.values() if r.name == name), None)

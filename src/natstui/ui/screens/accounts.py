"""The Accounts view: every account of the system, added up over every server.

Through the system account: ``ACCOUNTZ`` (names), ``$SYS.REQ.ACCOUNT.PING.STATZ`` (connections, leaf
nodes, subscriptions, messages, bytes, slow consumers per server) and ``JSZ`` with accounts (JetStream
usage), every few seconds while the view is shown and on ``u``. Below the table, the selected
account with its JetStream usage against its limits as bars. Without the system account, one line
says how to get it, and the user's own account's JetStream usage is still shown.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table as RichTable
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from natstui.client.interest import own_account
from natstui.client.session import describe_error
from natstui.client.system import NO_SYSTEM, NoSystemAccount, gather
from natstui.model.accounts import AccountRow, JetStreamUsage, bar, build_accounts
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, SystemView
from natstui.ui.widgets.line import WrapLine
from natstui.ui.widgets.svc_tables import selected_key, sync_table
from natstui.ui.widgets.table import Table

OWN_STATZ = "$SYS.REQ.ACCOUNT.PING.STATZ"  # any account may ask it about itself
REFRESH_EVERY = 3.0

COLUMNS = (
    ColumnSpec("name", "Account", priority=0, min_width=10, max_width=40),
    ColumnSpec("conns", "Conns", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("leafs", "Leafs", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("subs", "Subs", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("msgs_in", "Msgs in", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("msgs_out", "Msgs out", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("bytes_in", "Bytes in", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("bytes_out", "Bytes out", priority=8, ellipsis=False, justify="right"),
    ColumnSpec("slow", "Slow", priority=9, ellipsis=False, justify="right"),
    ColumnSpec("storage", "JS storage", priority=2, ellipsis=False),
    ColumnSpec("memory", "JS memory", priority=10, ellipsis=False),
    ColumnSpec("streams", "Streams", priority=11, ellipsis=False, justify="right"),
    ColumnSpec("consumers", "Consumers", priority=12, ellipsis=False, justify="right"),
)


def _num(n: int) -> Text:
    return Text(f"{n:,}", justify="right")


def usage_text(used: int, limit: int | None, size: bool = True) -> Text:
    """``1.2 MiB ███░░░░░░░ 12%`` against a limit, else the amount and "no limit"."""
    amount = human_size(used) if size else f"{used:,}"
    if not limit:
        return Text.assemble(amount, (" no limit", "dim"))
    drawn, fraction = bar(used, limit)
    fraction = fraction or 0.0
    style = palette.error if fraction >= 0.9 else palette.warning if fraction >= 0.75 else palette.ok
    of = human_size(limit) if size else f"{limit:,}"
    return Text.assemble(f"{amount} ", (drawn, style), f" {fraction:.0%} of {of}")


def account_cells(row: AccountRow) -> list[Text]:
    js = row.jetstream
    name = Text(escape_line(row.name), style=palette.name)
    if row.system:
        name.append(" (system)", style="dim")
    return [
        name,
        _num(row.connections),
        _num(row.leafnodes),
        _num(row.subscriptions),
        _num(row.msgs_in),
        _num(row.msgs_out),
        Text(human_size(row.bytes_in), justify="right"),
        Text(human_size(row.bytes_out), justify="right"),
        Text(f"{row.slow_consumers:,}", style=palette.error if row.slow_consumers else "", justify="right"),
        usage_text(js.storage, js.max_storage) if js else Text("off", style="dim"),
        usage_text(js.memory, js.max_memory) if js else Text("off", style="dim"),
        _num(js.streams) if js else Text("—", style="dim"),
        _num(js.consumers) if js else Text("—", style="dim"),
    ]


def account_detail(row: AccountRow | None) -> RichTable | Text:
    if row is None:
        return Text("Select an account.", style="dim")
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    title = Text(escape_line(row.name), style=palette.name + BOLD)
    if row.system:
        title.append("  the system account", style="dim")
    grid.add_row("Account", title)
    servers = ", ".join(row.seen_on) if row.seen_on else "none"
    conns = f"{row.connections:,} connection{'' if row.connections == 1 else 's'}"
    leafs = f"{row.leafnodes:,} leaf node{'' if row.leafnodes == 1 else 's'}"
    grid.add_row("Clients", f"{conns}, {leafs} (on {servers})")
    grid.add_row("Subscriptions", f"{row.subscriptions:,}")
    grid.add_row(
        "Messages",
        f"{row.msgs_in:,} in ({human_size(row.bytes_in)}), {row.msgs_out:,} out ({human_size(row.bytes_out)})",
    )
    grid.add_row("Slow consumers", Text(f"{row.slow_consumers:,}", style=palette.error if row.slow_consumers else ""))
    js = row.jetstream
    if js is None:
        grid.add_row("JetStream", Text("not enabled for this account", style="dim"))
    else:
        _jetstream_rows(grid, js)
    return grid


def _jetstream_rows(grid: RichTable, js: JetStreamUsage) -> None:
    grid.add_row("JS memory", usage_text(js.memory, js.max_memory))
    grid.add_row("JS storage", usage_text(js.storage, js.max_storage))
    grid.add_row("Streams", usage_text(js.streams, js.max_streams, size=False))
    grid.add_row("Consumers", usage_text(js.consumers, js.max_consumers, size=False))


def own_usage(info: dict[str, Any]) -> JetStreamUsage:
    """The user's own account's usage and limits from ``$JS.API.INFO``."""
    limits = info.get("limits") or {}

    def limit(key: str) -> int | None:
        value = int(limits.get(key) or 0)
        return value if value > 0 else None

    return JetStreamUsage(
        memory=int(info.get("memory") or 0),
        storage=int(info.get("storage") or 0),
        streams=int(info.get("streams") or 0),
        consumers=int(info.get("consumers") or 0),
        max_memory=limit("max_memory"),
        max_storage=limit("max_storage"),
        max_streams=limit("max_streams"),
        max_consumers=limit("max_consumers"),
    )


class AccountsScreen(SystemView):
    VIEW_NAME = "accounts"

    DEFAULT_CSS = """
    #accounts-table { height: 1fr; }
    #accounts-detail { height: auto; max-height: 50%; padding: 0 1; border-top: solid $primary-darken-2; }
    """

    BINDINGS = [Binding("u", "refresh", "Refresh", id="accounts.refresh")]

    def compose_body(self) -> ComposeResult:
        yield WrapLine(id="accounts-info", classes="view-title")
        yield Table(COLUMNS, id="accounts-table", zebra_stripes=False)
        yield Static(Text(), id="accounts-detail")  # the info line says what is awaited

    def on_mount(self) -> None:
        if not self.query("#accounts-table"):
            return
        self.table = self.query_one("#accounts-table", Table)
        self.info = self.query_one("#accounts-info", WrapLine)
        self.detail = self.query_one("#accounts-detail", Static)
        self.rows: dict[str, AccountRow] = {}
        self.servers = 0
        self.reason = ""
        self.error = ""
        self.own_account = ""
        self.refreshers = (Refresher(self, REFRESH_EVERY, self.refresh_accounts),)
        self.table.focus()
        self.show_info()
        self.ready = True

    @work(exclusive=True, group="accounts", exit_on_error=False)
    async def refresh_accounts(self) -> None:
        app = self.app
        try:
            access = await app.system_access()
            own = await self._own_account()
            if not access.available:
                self.reason = access.reason
                await self._show_own_only(own)
                return
            self.reason = ""
            accountz = await access.ping("ACCOUNTZ")
            names = sorted({n for r in accountz for n in r.data.get("accounts") or [] if isinstance(n, str)})
            statz = await access.accounts("STATZ", {"accounts": names, "include_unused": True})
            jsz = await access.ping("JSZ", {"accounts": True, "streams": True, "consumer": True})
        except NoSystemAccount:
            self.reason = NO_SYSTEM
            self.show_info()
            return
        except Exception as exc:
            self.error = app.session.safe(f"accounts: {describe_error(exc)}")
            self.show_info()
            return
        limits = None
        if own[0] and own[1] is not None:
            limits = (own[0], own[1].get("limits") or {})
        rows = build_accounts(
            [r.data for r in accountz],
            [(r.name, r.data) for r in statz],
            [r.data for r in jsz],
            limits,
        )
        self.error = ""
        self.servers = len(accountz)
        self.show_rows(rows)

    async def _own_account(self) -> tuple[str, dict[str, Any] | None]:
        """The user's own account's name (``$SYS.REQ.USER.INFO``) and its ``$JS.API.INFO``."""
        nc = self.app.session.nc
        name = self.own_account
        if not name:
            name = self.own_account = await own_account(nc)
        try:
            info = await self.app.jetstream().account_info()
        except Exception:
            info = None
        return name, info

    async def _show_own_only(self, own: tuple[str, dict[str, Any] | None]) -> None:
        """This account alone: its clients, subscriptions and traffic on every server from
        ``$SYS.REQ.ACCOUNT.PING.STATZ`` (which any account may ask, about itself), its JetStream usage
        from ``$JS.API.INFO``."""
        name, info = own
        try:
            statz = await gather(self.app.session.nc, OWN_STATZ, {"include_unused": True}, timeout=1.5)
        except Exception:
            statz = []  # an older server, or the request is not exported: the JetStream usage alone
        rows = build_accounts([], [(r.name, r.data) for r in statz if not r.error], [])
        row = next((r for r in rows if r.name == name), rows[0] if len(rows) == 1 else AccountRow(name))
        row.name = row.name or "this account"
        row.jetstream = own_usage(info) if info is not None else None
        self.servers = len(statz)
        self.show_rows([row])

    def show_rows(self, rows: list[AccountRow]) -> None:
        self.rows = {row.name: row for row in rows}
        sync_table(self.table, [(row.name, account_cells(row)) for row in rows])
        self._show_selected()
        self.show_info()

    def on_data_table_row_highlighted(self, event: Table.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        key = selected_key(self.table)
        self.detail.update(account_detail(self.rows.get(key) if key else None))

    def show_info(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.rows and self.not_connected(text):
            pass
        elif self.reason:
            WrapLine.wrapping(text).append(self.reason, style=palette.warning + BOLD)
            on = f" on {self.servers} server{'s' if self.servers != 1 else ''}" if self.servers else ""
            text.append(f"  — showing this account only{on}", style="dim")
        elif self.error:
            text.append(self.error, style=palette.error + BOLD)
        elif not self.rows:
            text.append("Asking every server about its accounts…", style="bold")
        else:
            text.append(f"{len(self.rows)} accounts", style="bold")
            text.append(f" on {self.servers} server{'s' if self.servers != 1 else ''}", style="dim")
            if self.own_account:
                text.append(f"  · you are in {self.own_account}", style="dim")
        self.info.set_text(text)

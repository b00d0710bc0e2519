"""The JetStream cluster view: the meta group, and where every stream and consumer lives.

From every server's ``JSZ`` (accounts, streams, consumers) through the system account, every two
seconds while shown: the meta leader and its peers (current, lag, last seen), each stream's leader
and replicas (current or catching up, lag), and, for the selected stream, its consumers' leaders.
``s`` asks the selected stream's (or, in the consumer table, consumer's) leader to step down
(confirmed; refused with ``--read-only``); ``m`` the meta leader. A stream step-down is a JetStream
API request of the stream's own account, so it is offered for the account natstui is connected to.
"""

from __future__ import annotations

from rich.style import StyleType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from natstui.client.session import describe_error
from natstui.client.system import NO_SYSTEM, NoSystemAccount, SystemAccess
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.placement import (
    MetaGroup,
    Peer,
    StreamPlacement,
    meta_group,
    placements,
    placements_from_streams,
)
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import Refresher, SystemView
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.dialog import when_confirmed
from natstui.ui.widgets.line import WrapLine
from natstui.ui.widgets.svc_tables import selected_key, sync_table
from natstui.ui.widgets.table import Table

REFRESH_EVERY = 2.0

STREAM_COLUMNS = (
    ColumnSpec("name", "Stream", priority=0, min_width=10, max_width=40),
    ColumnSpec("account", "Account", priority=5, min_width=6, max_width=20),
    ColumnSpec("cluster", "Cluster", priority=3, min_width=6, max_width=16),
    # server names often differ only at their end (east-1, east-2): kept whole at 80 columns
    ColumnSpec("leader", "Leader", priority=1, min_width=16, max_width=24),
    ColumnSpec("replicas", "Replicas", priority=2, min_width=12, max_width=60),
    ColumnSpec("lag", "Max lag", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("messages", "Messages", priority=6, ellipsis=False, justify="right"),
    ColumnSpec("bytes", "Bytes", priority=7, ellipsis=False, justify="right"),
    ColumnSpec("consumers", "Consumers", priority=8, ellipsis=False, justify="right"),
)
PEER_COLUMNS = (
    ColumnSpec("name", "Name", priority=0, min_width=16, max_width=30),
    ColumnSpec("role", "Role", priority=1, ellipsis=False),
    ColumnSpec("lag", "Lag", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("seen", "Last seen", priority=3, ellipsis=False, justify="right"),
)
CONSUMER_COLUMNS = (
    ColumnSpec("name", "Consumer", priority=0, min_width=8, max_width=30),
    ColumnSpec("leader", "Leader", priority=1, min_width=16, max_width=24),
    ColumnSpec("replicas", "Replicas", priority=2, min_width=10, max_width=60),
)


def peer_style(peer: Peer) -> StyleType:
    if peer.leader:
        return palette.ok + BOLD
    if peer.offline:
        return palette.error
    return "" if peer.current else palette.warning


def replicas_text(peers: list[Peer]) -> Text:
    """``east-1* east-2 east-3~`` : * the leader, ~ catching up, ! offline."""
    text = Text()
    for i, peer in enumerate(peers):
        if i:
            text.append(" ")
        mark = "*" if peer.leader else "!" if peer.offline else "" if peer.current else "~"
        text.append(escape_line(peer.name) + mark, style=peer_style(peer))
    return text


def seen_text(peer: Peer) -> Text:
    if peer.leader:
        return Text("—", style="dim", justify="right")
    if peer.active is None:
        return Text("never", style=palette.warning, justify="right")
    return Text(f"{peer.active:.1f}s ago", justify="right")


def peer_cells(peer: Peer) -> list[Text]:
    return [
        Text(escape_line(peer.name), style=palette.name),
        Text(peer.state, style=peer_style(peer)),
        Text(f"{peer.lag:,}", style=palette.warning if peer.lag else "", justify="right"),
        seen_text(peer),
    ]


def stream_cells(placement: StreamPlacement) -> list[Text]:
    return [
        Text(escape_line(placement.name), style=palette.name),
        Text(escape_line(placement.account)),
        Text(escape_line(placement.cluster or "—")),
        Text(escape_line(placement.leader or "no leader"), style=palette.ok if placement.leader else palette.error),
        replicas_text(placement.peers),
        Text(f"{placement.max_lag:,}", style=palette.warning if placement.max_lag else "", justify="right"),
        Text(f"{placement.messages:,}", justify="right"),
        Text(human_size(placement.bytes), justify="right"),
        Text(f"{len(placement.consumers):,}", justify="right"),
    ]


def meta_text(meta: MetaGroup | None, reason: str = "") -> Text:
    if meta is None and reason:
        return Text("The meta group is known through the system account only.", style="dim")
    if meta is None:
        return Text("No JetStream meta group: JetStream is not clustered here.", style="dim")
    text = Text()
    text.append("Meta group ", style="bold")
    text.append(escape_line(meta.cluster or "?"), style=palette.name)
    text.append(": leader ")
    text.append(escape_line(meta.leader or "none"), style=palette.ok + BOLD if meta.leader else palette.error + BOLD)
    behind = [p for p in meta.peers if not p.leader and (not p.current or p.offline)]
    text.append(f", {len(meta.peers)} peers (cluster size {meta.size}, quorum {meta.quorum})")
    if behind:
        text.append(f", {len(behind)} not current", style=palette.warning)
    return text


class JetStreamClusterScreen(SystemView):
    VIEW_NAME = "jscluster"

    DEFAULT_CSS = """
    #jsc-meta { height: auto; padding: 0 1; }
    #jsc-peers { height: auto; max-height: 9; }
    #jsc-streams { height: 1fr; }
    #jsc-bottom { height: 1fr; }
    #jsc-replicas { width: 1fr; }
    #jsc-consumers { width: 1fr; }
    """

    BINDINGS = [
        Binding("u", "refresh", "Refresh", id="jscluster.refresh"),
        Binding("s", "step_down", "Step down", id="jscluster.step_down"),
        Binding("m", "meta_step_down", "Meta step down", id="jscluster.meta_step_down"),
    ]

    def compose_body(self) -> ComposeResult:
        yield WrapLine(id="jsc-info", classes="view-title")
        yield Static("", id="jsc-meta")
        yield Table(PEER_COLUMNS, id="jsc-peers", zebra_stripes=False)
        yield Table(STREAM_COLUMNS, id="jsc-streams", zebra_stripes=False)
        with Horizontal(id="jsc-bottom"):
            with Vertical(id="jsc-replicas"):
                yield Static(Text("Replicas", style="bold underline"))
                yield Table(PEER_COLUMNS, id="jsc-stream-peers", zebra_stripes=False)
            with Vertical(id="jsc-consumers"):
                yield Static(Text("Consumers", style="bold underline"))
                yield Table(CONSUMER_COLUMNS, id="jsc-consumer-table", zebra_stripes=False)

    def on_mount(self) -> None:
        if not self.query("#jsc-streams"):
            return
        self.info = self.query_one("#jsc-info", WrapLine)
        self.meta_line = self.query_one("#jsc-meta", Static)
        self.peers_table = self.query_one("#jsc-peers", Table)
        self.streams_table = self.query_one("#jsc-streams", Table)
        self.replicas_table = self.query_one("#jsc-stream-peers", Table)
        self.consumers_table = self.query_one("#jsc-consumer-table", Table)
        self.meta: MetaGroup | None = None
        self.placements: dict[str, StreamPlacement] = {}
        self.reason = ""
        self.error = ""
        self.servers = 0
        self.refreshers = (Refresher(self, REFRESH_EVERY, self.refresh_cluster),)
        self.streams_table.focus()
        self.show_info()
        self.ready = True

    async def _access(self) -> SystemAccess:
        access = await self.app.system_access()
        if not access.available:
            raise NoSystemAccount(access.reason or NO_SYSTEM)
        return access

    @work(exclusive=True, group="jscluster", exit_on_error=False)
    async def refresh_cluster(self) -> None:
        try:
            access = await self._access()
            replies = await access.ping("JSZ", {"accounts": True, "streams": True, "consumer": True})
        except NoSystemAccount as exc:
            self.reason = str(exc) if str(exc).startswith(("Not", "System", "The")) else NO_SYSTEM
            await self._own_streams()
            return
        except Exception as exc:
            self.error = self.app.session.safe(f"JetStream cluster: {describe_error(exc)}")
            self.show_info()
            return
        self.reason = self.error = ""
        pairs = [(r.name, r.data) for r in replies if not r.error]
        self.servers = len(replies)
        found = placements(pairs)
        found += await self._unheld_own_streams({p.key for p in found})
        self.show(meta_group(pairs), sorted(found, key=lambda p: p.key))

    async def _unheld_own_streams(self, known: set[str]) -> list[StreamPlacement]:
        """Streams of your own account that no answering server holds (their servers are down): each
        server's JSZ lists only the streams it holds, but the JetStream API still lists these, with
        their replicas offline."""
        from natstui.client.interest import own_account

        nc = self.app.session.nc
        try:
            cached = getattr(self, "_own_account", None)  # asked once per connection
            account = cached[1] if cached is not None and cached[0] is nc else await own_account(nc)
            self._own_account = (nc, account)
            if not account:
                return []
            infos = await self.app.jetstream().list_streams()
        except Exception:
            return []  # the servers' own view is still shown
        return [p for p in placements_from_streams(account, infos) if p.key not in known]

    async def _own_streams(self) -> None:
        """Without the system account: this account's streams and their replicas, as the JetStream
        API tells any account (no meta group, no consumers' placement)."""
        try:
            infos = await self.app.jetstream().list_streams()
        except Exception as exc:
            self.error = self.app.session.safe(f"JetStream: {describe_error(exc)}")
            self.show_info()
            return
        self.servers = 0
        self.show(None, placements_from_streams("this account", infos))

    def show(self, meta: MetaGroup | None, found: list[StreamPlacement]) -> None:
        self.meta = meta
        self.placements = {p.key: p for p in found}
        self.meta_line.update(meta_text(meta, self.reason))
        sync_table(self.peers_table, [(p.name, peer_cells(p)) for p in (meta.peers if meta else [])])
        sync_table(self.streams_table, [(p.key, stream_cells(p)) for p in found])
        self._show_selected()
        self.show_info()

    def on_data_table_row_highlighted(self, event: Table.RowHighlighted) -> None:
        if event.data_table is self.streams_table:
            self._show_selected()

    def _selected(self) -> StreamPlacement | None:
        key = selected_key(self.streams_table)
        return self.placements.get(key) if key else None

    def _show_selected(self) -> None:
        placement = self._selected()
        peers = placement.peers if placement else []
        consumers = placement.consumers if placement else []
        sync_table(self.replicas_table, [(p.name, peer_cells(p)) for p in peers])
        sync_table(
            self.consumers_table,
            [
                (
                    c.name,
                    [
                        Text(escape_line(c.name), style=palette.name),
                        Text(escape_line(c.leader or "no leader")),
                        replicas_text(c.peers),
                    ],
                )
                for c in consumers
            ],
        )

    def show_info(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.placements and self.not_connected(text):
            pass
        elif self.reason:
            WrapLine.wrapping(text).append(self.reason, style=palette.warning + BOLD)
            text.append(f"  — showing this account's {len(self.placements)} streams", style="dim")
        elif self.error:
            text.append(self.error, style=palette.error + BOLD)
        elif self.meta is None and not self.placements:
            text.append("Asking every server for JetStream's placement…", style="bold")
        else:
            streams, servers = len(self.placements), self.servers
            text.append(f"{streams} stream{'' if streams == 1 else 's'}", style="bold")
            text.append(
                f" on {servers} server{'' if servers == 1 else 's'}  ·  s step down the selected leader, m the meta leader",
                style="dim",
            )
        self.info.set_text(text)

    # -- step-down ----------------------------------------------------------------------------
    def action_step_down(self) -> None:
        placement = self._selected()
        if placement is None:
            return
        consumer = None
        if self.focused is self.consumers_table:
            consumer = selected_key(self.consumers_table)
            if consumer is None:
                return
        what = f"consumer {consumer} of stream {placement.name}" if consumer else f"stream {placement.name}"
        if not self.app.allow_change(f"a leader step-down of {what}"):
            return
        leader = (
            next((c.leader for c in placement.consumers if c.name == consumer), "") if consumer else placement.leader
        )
        self.app.push_screen(
            ConfirmScreen(
                f"Ask the leader of {what} ({leader or 'none'}) to step down?\n"
                "Its replicas elect a new leader; clients see a short pause.",
                danger=False,
                confirm_label="Step down",
                not_done=f"Not stepped down: {what}.",
            ),
            when_confirmed(lambda: self.step_down(placement, consumer)),
        )

    @work(group="jscluster-change", exit_on_error=False)
    async def step_down(self, placement: StreamPlacement, consumer: str | None) -> None:
        app = self.app
        if consumer:
            suffix, what = f"CONSUMER.LEADER.STEPDOWN.{placement.name}.{consumer}", f"consumer {consumer}"
        else:
            suffix, what = f"STREAM.LEADER.STEPDOWN.{placement.name}", f"stream {placement.name}"
        try:
            await app.jetstream().api(suffix)
        except Exception as exc:
            app.report_error(f"step-down of {what} failed", exc)
            return
        app.notify(f"The leader of {what} stepped down; a new one is being elected.", markup=False)
        self.refresh_cluster()

    def action_meta_step_down(self) -> None:
        if self.meta is None or not self.app.allow_change("a step-down of the JetStream meta leader"):
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Ask the JetStream meta leader ({self.meta.leader}) to step down?\n"
                "The meta group elects a new leader; JetStream API requests wait meanwhile.",
                danger=False,
                confirm_label="Step down",
                not_done="Not stepped down: the meta leader.",
            ),
            when_confirmed(self.meta_step_down),
        )

    @work(group="jscluster-change", exit_on_error=False)
    async def meta_step_down(self) -> None:
        app = self.app
        try:
            access = await self._access()
            assert access.nc is not None
            reply = await access.nc.request("$JS.API.META.LEADER.STEPDOWN", b"{}", timeout=5)
            import json

            body = json.loads(reply.data)
            if isinstance(body, dict) and body.get("error"):
                raise RuntimeError(str(body["error"].get("description") or body["error"]))
        except Exception as exc:
            app.report_error("meta leader step-down failed", exc)
            return
        app.notify("The meta leader stepped down; a new one is being elected.", markup=False)
        self.refresh_cluster()

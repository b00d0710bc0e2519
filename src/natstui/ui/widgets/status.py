"""The status bar: connection state that is always true, rates, totals, drops."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from natstui.client.session import ConnState
from natstui.model.sanitize import escape_line
from natstui.model.timefmt import zone_label
from natstui.ui.palette import BOLD, REVERSE, palette
from natstui.ui.widgets.line import TextLine

STATE_ROLE = {
    ConnState.CONNECTED: "ok",
    ConnState.CONNECTING: "warning",
    ConnState.RECONNECTING: "warning",
    ConnState.CLOSED: "error",
    ConnState.FAILED: "error",
    ConnState.OFFLINE: "info",
}  # names in the palette: the colours follow the theme


def format_rtt(rtt: float | None) -> str:
    if rtt is None:
        return "rtt —"
    if rtt < 0.001:
        return f"rtt {rtt * 1_000_000:.0f}µs"
    return f"rtt {rtt * 1000:.1f}ms"


class StatusBar(TextLine):
    """Connection, rates and totals on the left; at the right, the zone every time is shown in."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    _alarms = Text()  # drops, paused, read-only: never cut, whatever the width

    def render(self) -> Text:
        width = self.content_region.width or self.size.width
        zone = zone_label(short=width < 120)
        left = self._text.copy()
        room = width - len(zone) - 2
        if room < 20:  # too narrow for both: the connection comes first
            return left
        if left.cell_len > room and self._alarms:  # cut the connection and rates, not what warns
            left = self._text[: len(self._text) - len(self._alarms)]
            left.truncate(max(1, room - self._alarms.cell_len), overflow="ellipsis")
            left.append_text(self._alarms)
        left.truncate(room, overflow="ellipsis", pad=True)
        left.append("  ")
        left.append(zone, style="dim")
        return left

    def update_status(
        self,
        *,
        state: ConnState,
        url: str,
        server_name: str,
        rtt: float | None,
        rate: float,
        total: int,
        dropped: int,
        paused: bool,
        read_only: bool,
        error: str = "",
        context: str = "",
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"● {state.value}", style=getattr(palette, STATE_ROLE.get(state, ""), Style()) + BOLD)
        if context:  # the nats CLI context connected to
            text.append("  ctx ", style="dim")
            text.append(escape_line(context), style="bold")
        text.append(f"  {url}")
        if server_name:
            text.append(f" ({server_name})", style="dim")
        if state is ConnState.CONNECTED:
            text.append(f"  {format_rtt(rtt)}", style="dim")
        elif error:
            text.append(f"  {error}", style=palette.error)
        if state in (ConnState.FAILED, ConnState.CLOSED):
            text.append("  r reconnects", style="bold")
        text.append("  │ ", style="dim")
        text.append(f"{rate:,.0f} msg/s", style="bold")
        text.append("  │ ", style="dim")
        text.append(f"{total:,} received")
        alarms = Text()
        if dropped:
            alarms.append("  │ ", style="dim")
            alarms.append(f"⚠ {dropped:,} dropped (slow consumer)", style=palette.error + BOLD)
        if paused:
            alarms.append("  │ ", style="dim")
            alarms.append("⏸ PAUSED", style=palette.warning + BOLD + REVERSE)
        if read_only:
            alarms.append("  │ ", style="dim")
            alarms.append("read-only", style=palette.info + BOLD)
        self._alarms = alarms
        text.append_text(alarms)
        self.set_text(text)

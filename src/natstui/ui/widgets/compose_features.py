"""Compose's TTL and schedule fields: the newer stream features a message can ask for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from natstui.model import msgfeatures as mf


class MessageFeatures(Vertical):
    """``TTL`` and ``Schedule … to …``, one line each; empty fields add nothing."""

    DEFAULT_CSS = """
    MessageFeatures { height: auto; margin-top: 1; }
    MessageFeatures Horizontal { height: 1; }
    MessageFeatures Label { color: $text-muted; width: auto; padding-right: 1; }
    MessageFeatures #compose-ttl { width: 22; }
    MessageFeatures #compose-schedule { width: 1fr; }
    MessageFeatures #compose-schedule-target { width: 1fr; }
    MessageFeatures .-name { width: 10; }
    MessageFeatures .-to { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("TTL", classes="-name")
            yield Input(placeholder="e.g. 30s, 1h, never", id="compose-ttl", compact=True)
        with Horizontal():
            yield Label("Schedule", classes="-name")
            yield Input(placeholder="@every 5m, @at …, cron", id="compose-schedule", compact=True)
            yield Label("to", classes="-to")
            yield Input(placeholder="target subject", id="compose-schedule-target", compact=True)

    def values(self) -> tuple[str, str, str]:
        return tuple(  # type: ignore[return-value]
            self.query_one(f"#{id}", Input).value.strip()
            for id in ("compose-ttl", "compose-schedule", "compose-schedule-target")
        )

    def headers(self, subject: str) -> list[tuple[str, str]]:
        """The headers these fields add; FeatureError says what is wrong."""
        ttl, schedule, target = self.values()
        out: list[tuple[str, str]] = []
        if ttl:
            mf.parse_ttl(ttl)
            out.append((mf.TTL, ttl))
        if schedule or target:
            if not schedule:
                raise mf.FeatureError("a target without a schedule: give the schedule too, e.g. @every 5m")
            mf.check_schedule(schedule, target, subject)
            out += [(mf.SCHEDULE, schedule), (mf.SCHEDULE_TARGET, target)]
        return out

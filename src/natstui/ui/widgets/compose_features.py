"""Compose's TTL and schedule fields: the newer stream features a message can ask for."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from natstui.model import msgfeatures as mf
from natstui.model.compose import subject_problem
from natstui.model.sanitize import escape_line
from natstui.ui.palette import palette

CHECK_DELAY = 0.4  # seconds of quiet typing before the stream is asked


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
    MessageFeatures #compose-stream-note { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.subject = ""
        self.note = ""  # what the stream allows, for the user and the tests
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        subject = self.screen.query("#compose-subject")
        self.subject = subject.first(Input).value.strip() if subject else ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("TTL", classes="-name")
            yield Input(placeholder="e.g. 30s, 1h, never", id="compose-ttl", compact=True)
        with Horizontal():
            yield Label("Schedule", classes="-name")
            yield Input(placeholder="@every 5m, @at …, cron", id="compose-schedule", compact=True)
            yield Label("to", classes="-to")
            yield Input(placeholder="target subject", id="compose-schedule-target", compact=True)
        yield Static("", id="compose-stream-note")

    def set_subject(self, subject: str) -> None:
        self.subject = subject
        self.schedule_check()

    @on(Input.Changed)
    def schedule_check(self) -> None:
        """Ask, after a pause in typing, whether the subject's stream allows the TTL or schedule given."""
        if self._timer is not None:
            self._timer.stop()
        ttl, schedule, _ = self.values()
        if not (ttl or schedule) or subject_problem(self.subject):
            self._show("", True)
            return
        self._timer = self.set_timer(CHECK_DELAY, self._check)

    def _check(self) -> None:
        ttl, schedule, _ = self.values()
        self.check_stream(self.subject, bool(ttl), bool(schedule))

    @work(exclusive=True, group="compose-stream-check", exit_on_error=False)
    async def check_stream(self, subject: str, ttl: bool, schedule: bool) -> None:
        from natstui.client.features import stream_for

        try:
            config = await stream_for(self.app.jetstream(), subject)  # type: ignore[attr-defined]
        except Exception:
            self._show("", True)  # no JetStream, or no answer: the publish will say
            return
        if subject == self.subject:
            self._show(*mf.allowance_text(config, subject, ttl, schedule))

    def _show(self, text: str, ok: bool) -> None:
        self.note = text
        shown = Text(("✓ " if ok else "⚠ ") + escape_line(text), style=palette.ok if ok else palette.warning)
        self.query_one("#compose-stream-note", Static).update(shown if text else "")

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

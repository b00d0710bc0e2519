"""Pausing and resuming a consumer (nats-server 2.11 and later), from the Consumers view and the workbench."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from natstui.model.admin import PAUSE_NEEDS, pause_left, pause_supported, pause_until
from natstui.model.jetstream import format_duration
from natstui.model.timefmt import format_datetime
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.dialog import when_confirmed

if TYPE_CHECKING:
    from natstui.ui.app import NatsTuiApp


def pause_text(info: dict[str, Any]) -> str:
    """``paused 4m59s`` (the time left), or '' when the consumer runs."""
    left = pause_left(info)
    if left is None:
        return ""
    return f"paused {format_duration(max(1.0, round(left)))}"


def pause_or_resume(app: NatsTuiApp, stream: str, name: str, info: dict[str, Any], done: Callable[[], object]) -> None:
    """``z``: resume a paused consumer (confirmed), or ask how long to pause a running one."""
    if not app.allow_change(f"pausing or resuming consumer {name}"):
        return
    version = app.session.nc.connected_server_version
    if not pause_supported(version.major, version.minor):
        app.notify(
            f"Pausing a consumer needs nats-server {'.'.join(map(str, PAUSE_NEEDS))} or later; "
            f"this server is {version.major}.{version.minor}.{version.patch}.",
            title="Not supported",
            severity="warning",
            markup=False,
        )
        return
    if info.get("paused"):
        app.push_screen(
            ConfirmScreen(
                f"Resume consumer {name} of {stream} now? ({pause_text(info)} left)",
                danger=False,
                confirm_label="Resume",
                not_done=f"Not resumed: consumer {name} stays paused.",
            ),
            when_confirmed(lambda: app.run_worker(_pause(app, stream, name, None, done), group="consumer-pause")),
        )
        return

    def answered(text: str | None) -> None:
        if text is None:
            return
        try:
            until = pause_until(text)
        except ValueError as exc:
            app.notify(f"Not paused: {exc}", title="Pause", severity="error", markup=False)
            return
        app.run_worker(_pause(app, stream, name, until, done), group="consumer-pause")

    app.push_screen(
        PromptScreen(
            f"Pause consumer {name} of {stream} for (30m, 2h) or until (YYYY-MM-DD HH:MM):",
            value="30m",
            not_done=f"Not paused: consumer {name}.",
        ),
        answered,
    )


async def _pause(app: NatsTuiApp, stream: str, name: str, until: datetime | None, done: Callable[[], object]) -> None:
    doing = f"pausing consumer {name}" if until else f"resuming consumer {name}"
    if not app.allow_change(doing):
        return
    try:
        answer = await app.jetstream().pause_consumer(stream, name, until)
    except Exception as exc:
        app.report_error(f"{doing} failed", exc)
        return
    if until is None:
        app.notify(f"Consumer {name} resumed.", markup=False)
    elif answer.get("paused"):
        app.notify(f"Consumer {name} paused until {format_datetime(until)}.", markup=False)
    else:
        app.report_error(f"{doing} failed", Exception("the server did not pause it"))
    done()

"""Backup, restore and export from the Streams view: the dialogs and the progress screen.

``B`` backs the selected stream up to a file (configuration, messages, consumers with their
state), ``R`` restores a backup file as a stream that does not exist yet (its own name or a new
one, with its subjects), ``X`` exports a range of messages as a recording (JSON Lines) that
``natstui open`` reads. Each shows a progress bar (bytes or messages, chunks, rate) that esc
cancels; a cancelled backup or export leaves no file under the name asked for.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, ProgressBar, Static

from natstui.client.backup import Transfer
from natstui.model.decode import human_size
from natstui.model.find import parse_range, parse_sequence
from natstui.model.sanitize import escape_line
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.dialog import Dialog, when_confirmed

STREAM_NAME_CHARS = set(" .*>/\\\t")


def default_backup_path(stream: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return os.path.join(os.getcwd(), f"{stream}-{stamp}.natsbak")


def default_export_path(stream: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return os.path.join(os.getcwd(), f"{stream}-{stamp}.jsonl")


class TransferScreen(Dialog[Any]):
    """Runs ``run(progress)`` with a progress bar; dismisses with its result, or None when cancelled or failed.

    ``unit`` is "bytes" (backup, restore) or "messages" (export).
    """

    def __init__(
        self,
        title: str,
        run: Callable[[Transfer], Awaitable[Any]],
        *,
        what: str = "",
        unit: str = "bytes",
        not_done: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.what = what or title.rstrip("…")  # for "… failed: reason"
        self.run = run
        self.unit = unit
        self.progress = Transfer()
        self.not_done = not_done
        self.error = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="transfer-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield ProgressBar(total=None, show_eta=False, id="transfer-bar")
            yield Static(Text("starting…", style="dim"), id="transfer-status")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="transfer-cancel")

    def on_mount(self) -> None:
        self.set_interval(0.1, self.show_progress)
        self.query_one("#transfer-cancel", Button).focus()
        self.transfer()

    def describe(self) -> str:
        p = self.progress
        if self.unit == "bytes":
            done = human_size(p.done)
            total = f" of about {human_size(p.total)}" if p.total and p.total >= p.done else ""
            rate = f"{human_size(int(p.rate))}/s"
        else:
            done = f"{p.done:,}"
            total = f" of {p.total:,} sequences" if p.total else ""
            rate = f"{p.rate:,.0f} seq/s"
        return f"{done}{total} · {p.chunks:,} chunk{'s' if p.chunks != 1 else ''} · {rate}"

    def show_progress(self) -> None:
        bar = self.query_one("#transfer-bar", ProgressBar)
        p = self.progress
        if p.total:
            bar.update(total=max(p.total, p.done), progress=p.done)
        self.query_one("#transfer-status", Static).update(Text(self.describe()))

    @work(exclusive=True, group="transfer", exit_on_error=False)
    async def transfer(self) -> None:
        try:
            result = await self.run(self.progress)
        except Exception as exc:
            self.error = self.app.report_error(f"{self.what} failed", exc)
            if self.is_current:
                self.dismiss(None)
            return
        self.show_progress()
        if self.is_current:
            self.dismiss(result if result is not None else True)

    def on_cancel(self) -> None:
        self.workers.cancel_group(self, "transfer")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_cancel()


class RestoreDialog(Dialog[dict[str, Any] | None]):
    """Where a backup goes: the stream's name (which must not exist) and its subjects."""

    SUBMIT_BUTTON = "restore-ok"

    DEFAULT_CSS = "RestoreDialog #restore-box { max-width: 100%; }"

    def __init__(self, path: str, header: dict[str, Any], existing: set[str]) -> None:
        super().__init__()
        self.path = path
        self.header = header
        self.existing = existing
        self.not_done = f"Not restored: {os.path.basename(path)}."

    def compose(self) -> ComposeResult:
        config, state = self.header.get("config", {}), self.header.get("state", {})
        summary = Text.assemble(
            ("Restore ", "bold"),
            (escape_line(os.path.basename(self.path)), "bold"),
            f"\nstream {escape_line(str(config.get('name', '?')))}, {int(state.get('messages', 0)):,} messages, "
            f"{human_size(int(state.get('bytes', 0)))}, sequences {int(state.get('first_seq', 0)):,}–"
            f"{int(state.get('last_seq', 0)):,}, {int(state.get('consumer_count', 0)):,} consumers; "
            f"backed up {escape_line(str(self.header.get('created', '?')))}",
        )
        with Vertical(classes="dialog form-dialog", id="restore-box"):
            yield Static(summary)
            with Vertical(classes="form-grid"):
                yield Label("As stream")
                yield Input(str(config.get("name", "")), id="restore-name")
                yield Label("Subjects")
                yield Input(", ".join(config.get("subjects") or []), id="restore-subjects")
            yield Static("", classes="form-error", id="restore-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Restore", variant="primary", id="restore-ok")
                yield Button("Cancel", id="restore-cancel")

    def on_mount(self) -> None:
        self.query_one("#restore-name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#restore-name", Input).value.strip()
        subjects = [s.strip() for s in self.query_one("#restore-subjects", Input).value.split(",") if s.strip()]
        error = self.query_one("#restore-error", Static)
        if not name or STREAM_NAME_CHARS & set(name):
            error.update(Text("⚠ A stream name is needed, without spaces, dots, *, >, / or \\."))
            return
        if name in self.existing:
            error.update(Text(f"⚠ Stream {escape_line(name)} exists: restore under a new name, or delete it first."))
            return
        self.close({"name": name, "subjects": subjects})


class ExportDialog(Dialog[dict[str, Any] | None]):
    """Which messages to export (a sequence range, a subject) and where to."""

    SUBMIT_BUTTON = "export-ok"

    DEFAULT_CSS = "ExportDialog #export-box { max-width: 100%; }"

    not_done = "Not exported."

    def __init__(self, stream: str, first_seq: int, last_seq: int) -> None:
        super().__init__()
        self.stream = stream
        self.first_seq = first_seq
        self.last_seq = last_seq

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id="export-box"):
            yield Static(
                Text.assemble(
                    ("Export messages of ", "bold"),
                    (escape_line(self.stream), "bold"),
                    f"\nas JSON Lines (a recording: natstui open FILE reads it); sequences "
                    f"{self.first_seq:,}–{self.last_seq:,}",
                )
            )
            with Vertical(classes="form-grid"):
                yield Label("File")
                yield Input(default_export_path(self.stream), id="export-path")
                yield Label("Sequences")
                yield Input(f"{self.first_seq}..{self.last_seq}", id="export-range")
                yield Label("Subject")
                yield Input("", placeholder="all (wildcards allowed)", id="export-subject")
            yield Static("", classes="form-error", id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def submit(self) -> None:
        error = self.query_one("#export-error", Static)
        path = os.path.expanduser(self.query_one("#export-path", Input).value.strip())
        if not path:
            error.update(Text("⚠ A file name is needed."))
            return
        start_text, end_text = parse_range(self.query_one("#export-range", Input).value)
        first = parse_sequence(start_text) if start_text else self.first_seq
        last = parse_sequence(end_text) if end_text else self.last_seq
        if first is None or last is None or first > last:
            error.update(Text("⚠ Sequences: FIRST..LAST, whole numbers (either may be left out)."))
            return
        subject = self.query_one("#export-subject", Input).value.strip()
        if subject:
            from natstui.model.subjects import SubjectPattern

            try:
                SubjectPattern(subject)
            except ValueError as exc:
                error.update(Text(f"⚠ Subject: {exc}"))
                return
        self.close(
            {"path": path, "first": max(first, self.first_seq), "last": min(last, self.last_seq), "subject": subject}
        )


class StreamTransfers(ViewScreen):
    """Backup (``B``), restore (``R``) and export (``X``): the part of the Streams view that moves whole streams."""

    if TYPE_CHECKING:  # what the Streams view provides
        streams: dict[str, dict[str, Any]]

        @property
        def selected(self) -> str | None: ...
        def refresh_streams(self) -> Any: ...

    def _unless_replacing(self, path: str, then: Callable[[], None]) -> None:
        """``then()``, after a confirmation when ``path`` exists already; refused when its folder does not exist."""
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            self.app.notify(f"Not written: there is no folder {folder}.", severity="error", markup=False)
            return
        if os.path.isdir(path):
            self.app.notify(f"Not written: {path} is a folder; name a file.", severity="error", markup=False)
            return
        if not os.path.exists(path):
            then()
            return
        self.app.push_screen(
            ConfirmScreen(
                f"{path} exists. Replace it?",
                confirm_label="Replace file",
                not_done=f"Not written: {path} is as it was.",
            ),
            when_confirmed(then),
        )

    def action_backup(self) -> None:
        name = self.selected
        if name is None:
            return

        def chosen(value: str | None) -> None:
            if value is None or not value.strip():
                return
            path = os.path.abspath(os.path.expanduser(value.strip()))
            self._unless_replacing(path, lambda: self._run_backup(name, path))

        self.app.push_screen(
            PromptScreen(
                f"Back up stream {name} (configuration, messages, consumers) to file:",
                value=default_backup_path(name),
            ),
            chosen,
        )

    def _run_backup(self, name: str, path: str) -> None:
        from natstui.client.backup import backup_stream

        js = self.app.jetstream()
        screen = TransferScreen(
            f"Backing up {name}…",
            lambda progress: backup_stream(js, name, path, progress),
            what=f"Backing up {name} to {path}",
            not_done=f"Backup of {name} cancelled: no file written to {path}.",
        )

        def done(result: Any) -> None:
            if result:
                p = screen.progress
                self.app.notify(
                    f"Stream {name} backed up to {path} ({human_size(p.done)}, {p.chunks:,} chunk{'s' if p.chunks != 1 else ''}).",
                    markup=False,
                )

        self.app.push_screen(screen, done)

    def action_restore(self) -> None:
        if not self.app.allow_change("restoring a stream"):
            return

        def chosen(value: str | None) -> None:
            if value is None or not value.strip():
                return
            from natstui.client.backup import BackupError, read_header

            path = os.path.abspath(os.path.expanduser(value.strip()))
            try:
                header, _ = read_header(path)
            except (BackupError, OSError) as exc:
                self.app.notify(f"Cannot restore: {exc}", severity="error", markup=False)
                return
            self.app.push_screen(
                RestoreDialog(path, header, set(self.streams)),
                lambda target: self._run_restore(path, target) if target else None,
            )

        self.app.push_screen(PromptScreen("Restore a stream from the backup file:", not_done="Not restored."), chosen)

    def _run_restore(self, path: str, target: dict[str, Any]) -> None:
        from natstui.client.backup import restore_stream

        js = self.app.jetstream()
        name = target["name"]
        screen = TransferScreen(
            f"Restoring {name}…",
            lambda progress: restore_stream(js, path, name, progress, subjects=target["subjects"]),
            what=f"Restoring {name} from {path}",
            not_done=f"Restore of {name} cancelled: the server drops what it received.",
        )

        def done(result: Any) -> None:
            if result:
                messages = int((result.get("state") or {}).get("messages", 0)) if isinstance(result, dict) else 0
                self.app.notify(f"Stream {name} restored from {path} ({messages:,} messages).", markup=False)
                self.app.selected_stream = name
            self.refresh_streams()

        self.app.push_screen(screen, done)

    def action_export(self) -> None:
        name = self.selected
        if name is None:
            return
        info = self.streams.get(name, {})
        state = info.get("state", {})

        def chosen(choice: dict[str, Any] | None) -> None:
            if choice:
                self._unless_replacing(choice["path"], lambda: self._run_export(name, info, choice))

        self.app.push_screen(
            ExportDialog(name, int(state.get("first_seq", 1) or 1), int(state.get("last_seq", 0) or 0)), chosen
        )

    def _run_export(self, name: str, info: dict[str, Any], choice: dict[str, Any]) -> None:
        from natstui.client.backup import export_messages
        from natstui.model.jetstream import stream_row

        js = self.app.jetstream()
        path = choice["path"]
        screen = TransferScreen(
            f"Exporting {name}…",
            lambda progress: export_messages(
                js,
                name,
                path,
                choice["first"],
                choice["last"],
                progress,
                subject=choice["subject"] or None,
                direct=stream_row(info).allow_direct,
            ),
            unit="messages",
            what=f"Exporting {name} to {path}",
            not_done=f"Export of {name} cancelled: no file written to {path}.",
        )

        def done(result: Any) -> None:
            if result is not None and result is not False:
                self.app.notify(f"{result:,} messages of {name} exported to {path}.", markup=False)

        self.app.push_screen(screen, done)

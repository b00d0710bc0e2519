"""Dialogs of the key-value and object store views: value editor, new bucket, diff, upload."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from natstui.client.kv import BucketConfig, key_is_valid
from natstui.model.decode import human_size
from natstui.model.kv import parse_duration
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.dialog import Dialog

_JSON_LOOK = ("{", "[")


Confirm = Callable[[Any], ConfirmScreen | None] | None


def json_problem(text: str) -> str:
    """'' when ``text`` does not look like JSON or is valid JSON; else where it breaks."""
    stripped = text.lstrip()
    if not stripped.startswith(_JSON_LOOK):
        return ""
    try:
        json.loads(text)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
        return f"not valid JSON: {msg} (line {line}, column {col})"
    return ""


class PutScreen(Dialog[tuple[str, bytes] | None]):
    """Edit a value: dismisses with (key, value bytes), or None when cancelled.

    A value that looks like JSON (starts with ``{`` or ``[``) is checked; an
    invalid one is refused once, with the reason, and stored as text if
    saved again unchanged.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="kv.put.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="kv.put.cancel"),
    ]

    def __init__(self, bucket: str, key: str = "", value: bytes = b"", *, confirm: Confirm = None) -> None:
        super().__init__(confirm=confirm)
        self.bucket = bucket
        self.key = key
        self._binary = False
        try:
            self.text = value.decode("utf-8")
        except UnicodeDecodeError:
            self.text = ""
            self._binary = True
        self._value_size = len(value)
        self._accepted_invalid: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="kv-put-box", classes="dialog"):
            yield Static(Text.assemble("Put a value in bucket ", (escape_line(self.bucket), "bold")))
            yield Input(self.key, placeholder="key, e.g. app.settings.timeout", id="kv-put-key")
            if self._binary:
                yield Static(
                    Text(
                        f"The current value is binary ({human_size(self._value_size)}); saving replaces it.",
                        style=palette.warning,
                    )
                )
            yield TextArea(self.text, id="kv-put-value", soft_wrap=True, show_line_numbers=True)
            yield Static(Text(""), id="kv-put-error")
            with Horizontal(classes="dialog-buttons"):
                yield Label(Text("ctrl+s saves, esc cancels", style="dim"), id="kv-put-hint")
                yield Button("Save", variant="primary", id="kv-put-save")
                yield Button("Cancel", id="kv-put-cancel")

    def on_mount(self) -> None:
        self.query_one("#kv-put-key" if not self.key else "#kv-put-value").focus()

    def _error(self, text: str) -> None:
        self.query_one("#kv-put-error", Static).update(Text(text, style=palette.error + BOLD))

    def action_save(self) -> None:
        key = self.query_one("#kv-put-key", Input).value.strip()
        text = self.query_one("#kv-put-value", TextArea).text
        if not key_is_valid(key):
            self._error("Invalid key: use letters, digits and - / _ = . (not starting or ending with a dot).")
            self.query_one("#kv-put-key", Input).focus()
            return
        problem = json_problem(text)
        if problem and self._accepted_invalid != text:
            self._accepted_invalid = text
            self._error(f"{problem}. Save again to store it as plain text anyway.")
            self.query_one("#kv-put-save", Button).label = "Save anyway"
            return
        self.close((key, text.encode("utf-8")))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._accepted_invalid is not None and event.text_area.text != self._accepted_invalid:
            self._accepted_invalid = None
            self.query_one("#kv-put-save", Button).label = "Save"
            self._error("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#kv-put-value", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "kv-put-save":
            self.action_save()
        else:
            self.action_cancel()


class CreateBucketScreen(Dialog[BucketConfig | None]):
    """The settings of a new key-value bucket."""

    SUBMIT_BUTTON = "kv-create-ok"

    def __init__(self, *, confirm: Confirm = None) -> None:
        super().__init__(confirm=confirm)

    def compose(self) -> ComposeResult:
        with Vertical(id="kv-create-box", classes="dialog"):
            yield Static(Text("New key-value bucket", style="bold"))
            yield Label("Name (letters, digits, - and _)")
            yield Input(id="kv-create-name", placeholder="config")
            with Horizontal(classes="kv-form-row"):
                with Vertical():
                    yield Label("History (1-64)")
                    yield Input("1", id="kv-create-history")
                with Vertical():
                    yield Label("TTL (e.g. 1h, 7d; empty: none)")
                    yield Input("", id="kv-create-ttl")
            with Horizontal(classes="kv-form-row"):
                with Vertical():
                    yield Label("Storage")
                    yield Select(
                        [("file", "file"), ("memory", "memory")],
                        value="file",
                        allow_blank=False,
                        id="kv-create-storage",
                    )
                with Vertical():
                    yield Label("Replicas")
                    yield Input("1", id="kv-create-replicas")
            yield Label("Description")
            yield Input("", id="kv-create-description")
            yield Static(Text(""), id="kv-create-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="kv-create-ok")
                yield Button("Cancel", id="kv-create-cancel")

    def on_mount(self) -> None:
        self.query_one("#kv-create-name", Input).focus()

    def _value(self, name: str) -> str:
        return self.query_one(f"#kv-create-{name}", Input).value.strip()

    def _config(self) -> BucketConfig:
        name = self._value("name")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ValueError("the name may hold only letters, digits, - and _")
        try:
            history = int(self._value("history") or "1")
            replicas = int(self._value("replicas") or "1")
        except ValueError:
            raise ValueError("history and replicas are whole numbers") from None
        if not 1 <= history <= 64:
            raise ValueError("history must be between 1 and 64")
        if not 1 <= replicas <= 5:
            raise ValueError("replicas must be between 1 and 5")
        ttl = parse_duration(self._value("ttl"))
        storage = str(self.query_one("#kv-create-storage", Select).value)
        return BucketConfig(
            name, history=history, ttl=ttl, storage=storage, replicas=replicas, description=self._value("description")
        )

    def submit(self) -> None:
        try:
            config = self._config()
        except ValueError as exc:
            self.query_one("#kv-create-error", Static).update(Text(str(exc), style=palette.error + BOLD))
            return
        self.close(config)


DIFF_ROLE = {"-": "error", "+": "ok", "@": "subject"}  # palette names: the colours follow the theme


def diff_text(rows: list[tuple[str, str]]) -> Text:
    text = Text(no_wrap=False)
    for tag, line in rows:
        prefix = {"-": "- ", "+": "+ ", "@": "", " ": "  "}[tag]
        text.append(prefix + line + "\n", style=getattr(palette, DIFF_ROLE[tag]) if tag in DIFF_ROLE else "")
    return text


class DiffScreen(Dialog[None]):
    """Two revisions of a key, line by line."""

    BINDINGS = [Binding("q", "cancel", "Close", id="kv.diff.close")]

    def __init__(self, title: str, rows: list[tuple[str, str]], kind: str) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(id="kv-diff-box", classes="dialog"):
            yield Static(Text(escape_line(self.title_text), style="bold"), id="kv-diff-title")
            legend = Text.assemble(
                ("- older", palette.error), "  ", ("+ newer", palette.ok), f"  compared as {self.kind}", style="dim"
            )
            yield Static(legend)
            with VerticalScroll(id="kv-diff-scroll"):
                body = (
                    diff_text(self.rows) if self.rows else Text("The two revisions hold the same value.", style="dim")
                )
                yield Static(body, id="kv-diff-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="kv-diff-close")

    def on_mount(self) -> None:
        self.query_one("#kv-diff-scroll").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_cancel()


class UploadScreen(Dialog[tuple[str, str, str] | None]):
    """A file to upload: dismisses with (path, object name, description)."""

    SUBMIT_BUTTON = "obj-upload-ok"

    def __init__(self, bucket: str, path: str = "", *, confirm: Confirm = None) -> None:
        super().__init__(confirm=confirm)
        self.bucket = bucket
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="obj-upload-box", classes="dialog"):
            yield Static(Text.assemble("Upload a file to object store ", (escape_line(self.bucket), "bold")))
            yield Label("File")
            yield Input(self.path, placeholder="/path/to/file", id="obj-upload-path")
            yield Label("Object name (empty: the file's name)")
            yield Input("", id="obj-upload-name")
            yield Label("Description")
            yield Input("", id="obj-upload-description")
            yield Static(Text(""), id="obj-upload-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Upload", variant="primary", id="obj-upload-ok")
                yield Button("Cancel", id="obj-upload-cancel")

    def on_mount(self) -> None:
        self.query_one("#obj-upload-path", Input).focus()

    def submit(self) -> None:
        path = os.path.expanduser(self.query_one("#obj-upload-path", Input).value.strip())
        if not path or not os.path.isfile(path):
            self.query_one("#obj-upload-error", Static).update(Text("No such file.", style=palette.error + BOLD))
            return
        name = self.query_one("#obj-upload-name", Input).value.strip() or os.path.basename(path)
        self.close((path, name, self.query_one("#obj-upload-description", Input).value.strip()))

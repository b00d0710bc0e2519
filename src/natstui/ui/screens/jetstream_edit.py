"""Editing streams, consumers and key-value buckets: the create form filled with the live
configuration, the fields the server cannot change locked (with why), and the change shown as a
field-by-field diff to confirm before anything is sent. A refusal shows the server's own words."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from natstui.model.admin import (
    CONSUMER_LOCKED,
    STREAM_LOCKED,
    bucket_form_values,
    config_diff,
    consumer_form_values,
    diff_text,
    edited_bucket,
    edited_consumer,
    edited_stream,
    shrinks,
    stream_form_values,
)
from natstui.model.sanitize import escape_line
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.jetstream_forms import ConsumerCreateScreen, FormScreen, StreamCreateScreen


def preview_question(what: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    lines = [escape_line(line) for line in diff_text(config_diff(old, new)).splitlines()]
    lowered = shrinks(old, new)
    if lowered:
        lines += ["", f"⚠ Lower {', '.join(lowered).lower()}: stored messages beyond the new limit go at once."]
    return "\n".join([f"Change {escape_line(what)}:", "", *lines])


class EditMixin:
    """What the edit forms share: filled from the current config, locked fields, a diff to confirm."""

    KEEP_DRAFT = False  # filled from the server each time
    SUBMIT = "Preview…"
    LOCKED: dict[str, str] = {}
    FOCUS = ""  # the field focused first (the first that may change), '' for the form's first
    values: dict[str, str]
    current: dict[str, Any]
    what: str

    def lock_fields(self, fields: ComposeResult) -> ComposeResult:
        """The form's own fields, the locked ones disabled with a line saying why under them."""
        ids = {id: name for name, id in self.FIELDS.items()}  # type: ignore[attr-defined]
        for widget in fields:
            name = ids.get(widget.id or "")
            yield widget
            if name in self.LOCKED:
                widget.disabled = True
                yield Label("")
                yield Static(Text(f"🔒 {self.LOCKED[name]}", style="dim"), classes="form-locked")

    def fill(self) -> None:
        """The current configuration into the fields (once mounted: a Select shows a value set then)."""
        screen: Any = self
        for name, id in self.FIELDS.items():  # type: ignore[attr-defined]
            widget = screen.query_one(f"#{id}")
            if isinstance(widget, Input | Select):
                widget.value = self.values.get(name, "")

    def cancel_notice(self) -> str:
        return f"Not changed: {self.what}."

    def mounted(self) -> None:
        self.fill()
        if self.FOCUS:
            screen: Any = self
            screen.query_one(self.FOCUS).focus()

    def new_config(self, form_config: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def submit(self) -> None:
        screen: Any = self
        try:
            new = self.new_config(screen.build())
        except ValueError as exc:
            screen.show_error(str(exc))
            return
        if not config_diff(self.current, new):
            screen.show_error("nothing changed")
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                screen.send(new)

        screen.app.push_screen(
            ConfirmScreen(
                preview_question(self.what, self.current, new),
                danger=bool(shrinks(self.current, new)),  # may remove messages: Cancel has the focus
                confirm_label="Apply",
                not_done=f"Not changed: {self.what}. The form keeps your changes.",
            ),
            answered,
        )


class StreamEditScreen(EditMixin, StreamCreateScreen):
    LOCKED = STREAM_LOCKED
    FOCUS = "#f-subjects"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.current = config
        self.values = stream_form_values(config)
        self.what = f"stream {config.get('name', '')}"
        self.TITLE_TEXT = f"Edit stream {escape_line(config.get('name', ''))}"

    def compose_fields(self) -> ComposeResult:
        yield from self.lock_fields(super().compose_fields())

    def new_config(self, form_config: dict[str, Any]) -> dict[str, Any]:
        return edited_stream(self.current, form_config)

    async def apply(self, config: dict[str, Any]) -> tuple[Any, str]:
        await self.app.jetstream().update_stream(config)
        return config, f"Stream {config['name']} changed."


class ConsumerEditScreen(EditMixin, ConsumerCreateScreen):
    LOCKED = CONSUMER_LOCKED
    FOCUS = "#f-filters"

    def __init__(self, stream: str, config: dict[str, Any]) -> None:
        super().__init__(stream)
        self.current = config
        self.values = consumer_form_values(config)
        name = config.get("durable_name") or config.get("name") or ""
        self.what = f"consumer {name} of {stream}"
        self.TITLE_TEXT = f"Edit consumer {escape_line(name)}"
        if config.get("durable_name"):  # the inactive threshold is an ephemeral consumer's
            self.LOCKED = {**CONSUMER_LOCKED, "inactive_threshold": "durable consumers do not expire"}

    def compose_fields(self) -> ComposeResult:
        yield from self.lock_fields(super().compose_fields())

    def build(self) -> Any:
        form = dict(self.values)  # the locked fields as they are, the others as typed
        for name, id in self.FIELDS.items():
            if name not in self.LOCKED:
                form[name] = self.value(id)
        return self.FORM(**form).to_config()

    def new_config(self, form_config: dict[str, Any]) -> dict[str, Any]:
        return edited_consumer(self.current, form_config)

    async def apply(self, config: dict[str, Any]) -> tuple[Any, str]:
        info = await self.app.jetstream().update_consumer(self.stream, config)
        return info, f"Consumer {info.get('name', '')} of {self.stream} changed."


class BucketEditScreen(EditMixin, FormScreen):
    """A key-value bucket's history, TTL, max bytes and replicas (its stream's settings)."""

    FIELDS = {"history": "f-history", "ttl": "f-ttl", "max_bytes": "f-max-bytes", "replicas": "f-replicas"}

    def __init__(self, bucket: str, config: dict[str, Any]) -> None:
        super().__init__()
        self.bucket = bucket
        self.current = config
        self.values = bucket_form_values(config)
        self.what = f"bucket {bucket}"
        self.TITLE_TEXT = f"Edit key-value bucket {escape_line(bucket)}"

    def compose_fields(self) -> ComposeResult:
        yield from self.lock_fields(self._fields_of_bucket())

    def _fields_of_bucket(self) -> ComposeResult:
        yield Label("History (1-64)")
        yield Input(id="f-history")
        yield Label("TTL")
        yield Input(placeholder="e.g. 1h, 7d; 0 for none", id="f-ttl")
        yield Label("Max bytes")
        yield Input(placeholder="e.g. 512MB, 1GiB, -1", id="f-max-bytes")
        yield Label("Replicas")
        yield Input(id="f-replicas")

    def build(self) -> Any:
        return {name: self.value(id) for name, id in self.FIELDS.items()}

    def new_config(self, form: dict[str, Any]) -> dict[str, Any]:
        return edited_bucket(self.current, **form)

    async def apply(self, config: dict[str, Any]) -> tuple[Any, str]:
        await self.app.jetstream().update_stream(config)
        return config, f"Bucket {self.bucket} changed."

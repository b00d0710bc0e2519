"""Forms for stream and consumer administration: validated before anything is sent."""

from __future__ import annotations

from typing import Any, cast
from weakref import WeakKeyDictionary

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from natstui.model.jetstream import (
    ACK_POLICIES,
    DELIVER_POLICIES,
    DISCARDS,
    RETENTIONS,
    STORAGES,
    ConsumerForm,
    StreamForm,
)
from natstui.model.sanitize import escape_line
from natstui.ui.screens.dialog import Dialog

# What a cancelled form held, per app and form, so that it reopens as the user left it.
_drafts: WeakKeyDictionary[object, dict[str, dict[str, Any]]] = WeakKeyDictionary()


def _select(options, value: str, id: str) -> Select:
    return Select([(o, o) for o in options], value=value, allow_blank=False, id=id)


class FormScreen(Dialog[dict[str, Any] | None]):
    """A form in a dialog: ``fields`` map input ids to the dataclass fields they fill."""

    SUBMIT_BUTTON = "form-submit"

    TITLE_TEXT = ""
    SUBMIT = "Create"
    KEEP_DRAFT = True  # a cancelled form reopens with what was typed

    def cancel_notice(self) -> str:
        """The notice when the form is cancelled."""
        return f"Not created: {self.TITLE_TEXT.lower()}. The form keeps what you typed."

    def draft_key(self) -> str:
        return type(self).__name__

    def _fields(self):
        return [w for w in self.query(".form-grid Input, .form-grid Select") if w.id]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static(Text(self.TITLE_TEXT, style="bold"))
            with VerticalScroll(classes="form-scroll"):
                with Vertical(classes="form-grid"):
                    yield from self.compose_fields()
            yield Static("", classes="form-error", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.SUBMIT, variant="primary", id="form-submit")
                yield Button("Cancel", id="form-cancel")

    def compose_fields(self) -> ComposeResult:  # pragma: no cover - abstract
        return iter(())

    def value(self, id: str) -> str:
        widget = cast("Input | Select[str]", self.query_one(f"#{id}"))
        value = widget.value
        return "" if value is None or value is Select.BLANK else str(value)

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(Text(f"⚠ {text}"))
        self.call_after_refresh(self._fit_scroll)

    def _fit_scroll(self) -> None:
        """On a short terminal the fields' scroll area gives way to the error and the buttons under it
        (at 24 rows a two-line refusal pushed the buttons' labels out of the dialog)."""
        height = self.size.height
        error = self.query_one("#form-error", Static).outer_size.height
        room = int(height * 0.9) - 9 - error  # the dialog (90% high): border, padding, title and buttons
        self.query_one(".form-scroll").styles.max_height = max(3, min(height // 2, room))

    def on_resize(self) -> None:
        self._fit_scroll()

    def on_mount(self) -> None:
        kept = (_drafts.get(self.app, {}).pop(self.draft_key(), None) if self.KEEP_DRAFT else None) or {}
        for widget in self._fields():
            if widget.id in kept:
                widget.value = kept[widget.id]
        if self.FIELDS:
            self.query_one(f"#{next(iter(self.FIELDS.values()))}").focus()
        self.mounted()

    def on_cancel(self) -> None:
        if self.KEEP_DRAFT:
            _drafts.setdefault(self.app, {})[self.draft_key()] = {w.id: w.value for w in self._fields()}

    def submit(self) -> None:
        try:
            payload = self.build()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.send(payload)

    FORM: Any = None  # a model form (StreamForm, ConsumerForm) whose to_config() builds the request
    FIELDS: dict[str, str] = {}  # its fields -> the ids of the inputs that fill them; the first has the focus

    def build(self) -> Any:
        """What to send, from the fields; ValueError names the first bad one."""
        return self.FORM(**{name: self.value(id) for name, id in self.FIELDS.items()}).to_config()

    async def apply(self, payload: Any) -> tuple[Any, str]:  # pragma: no cover - abstract
        """Send it; returns what the dialog dismisses with and the notice to show."""
        raise NotImplementedError

    @work(exclusive=True, group="form-send", exit_on_error=False)
    async def send(self, payload: Any) -> None:
        try:
            result, notice = await self.apply(payload)
        except Exception as exc:
            from natstui.client.session import describe_error

            self.show_error(f"the server refused: {self.app.session.safe(describe_error(exc))}")
            return
        self.app.notify(notice, markup=False)
        self.dismiss(result)


# The newer message features a stream may allow (nats-server 2.11+/2.12+): form field -> input id.
FEATURE_FIELDS = {
    "allow_msg_ttl": "f-allow-msg-ttl",
    "allow_msg_schedules": "f-allow-msg-schedules",
    "allow_msg_counter": "f-allow-msg-counter",
    "allow_atomic": "f-allow-atomic",
}


FEATURE_LABELS = {
    "allow_msg_ttl": "Per-message TTL",
    "allow_msg_schedules": "Msg schedules",
    "allow_msg_counter": "Counters",
    "allow_atomic": "Atomic batches",
}


def feature_fields() -> ComposeResult:
    """A yes/no choice for each (off by default: an older server is sent nothing it does not know)."""
    for key, id in FEATURE_FIELDS.items():
        yield Label(FEATURE_LABELS[key])
        yield _select(("no", "yes"), "no", id)


def features_ignored_note(config: dict[str, Any], info: dict[str, Any]) -> str:
    """Said after creating when the server left out a feature it does not know (an older server)."""
    from natstui.model.msgfeatures import ignored_features

    ignored = ignored_features(config, info.get("config") or {})
    return f" The server does not support: {', '.join(ignored)}." if ignored else ""


class StreamCreateScreen(FormScreen):
    TITLE_TEXT = "New stream"

    def cancel_notice(self) -> str:
        return "Not created: new stream. The form keeps what you typed."

    def compose_fields(self) -> ComposeResult:
        yield Label("Name")
        yield Input(placeholder="ORDERS", id="f-name")
        yield Label("Subjects")
        yield Input(placeholder="orders.>, returns.*  (comma or space separated)", id="f-subjects")
        yield Label("Retention")
        yield _select(RETENTIONS, "limits", "f-retention")
        yield Label("Storage")
        yield _select(STORAGES, "file", "f-storage")
        yield Label("Replicas")
        yield Input("1", id="f-replicas")
        yield Label("Max messages")
        yield Input("-1", placeholder="-1 for unlimited", id="f-max-msgs")
        yield Label("Max bytes")
        yield Input("-1", placeholder="e.g. 512MB, 1GiB, -1", id="f-max-bytes")
        yield Label("Max age")
        yield Input("0", placeholder="e.g. 24h, 7d, 0 for unlimited", id="f-max-age")
        yield Label("Discard")
        yield _select(DISCARDS, "old", "f-discard")
        yield from feature_fields()

    FORM = StreamForm
    FIELDS = {
        "name": "f-name",
        "subjects": "f-subjects",
        "retention": "f-retention",
        "storage": "f-storage",
        "replicas": "f-replicas",
        "max_msgs": "f-max-msgs",
        "max_bytes": "f-max-bytes",
        "max_age": "f-max-age",
        "discard": "f-discard",
        **FEATURE_FIELDS,
    }

    async def apply(self, config: dict[str, Any]) -> tuple[Any, str]:
        info = await self.app.jetstream().create_stream(config)
        return config, f"Stream {config['name']} created." + features_ignored_note(config, info)


class PurgeScreen(FormScreen):
    """Purge all, by subject, or keep the newest N; the stream's name must be typed."""

    TITLE_TEXT = "Purge stream"
    SUBMIT = "Purge"
    KEEP_DRAFT = False  # destructive: asked afresh each time

    def __init__(self, stream: str) -> None:
        super().__init__()
        self.stream = stream

    def cancel_notice(self) -> str:
        return f"Not purged: stream {self.stream}."

    def compose_fields(self) -> ComposeResult:
        yield Label("Purge")
        yield _select(("all messages", "messages on a subject", "all but the newest N"), "all messages", "f-kind")
        yield Label("Subject")
        yield Input(placeholder="for 'messages on a subject' (wildcards allowed)", id="f-subject")
        yield Label("Keep N")
        yield Input(placeholder="for 'all but the newest N'", id="f-keep")
        yield Label("Type the name")
        yield Input(placeholder=escape_line(self.stream), id="f-confirm")

    def mounted(self) -> None:
        self.query_one("#form-submit", Button).variant = "error"
        self.query_one("#f-kind", Select).focus()

    def build(self) -> tuple[str | None, int | None]:
        from natstui.model.jetstream import validate_subjects

        if self.value("f-confirm") != self.stream:
            raise ValueError(f"type {self.stream} to confirm")
        kind = self.value("f-kind")
        if kind == "messages on a subject":
            subjects = validate_subjects(self.value("f-subject"))
            if len(subjects) != 1:
                raise ValueError("give one subject")
            return subjects[0], None
        if kind == "all but the newest N":
            try:
                keep = int(self.value("f-keep"))
            except ValueError:
                keep = 0
            if keep < 1:
                raise ValueError("keep N must be a whole number of at least 1")
            return None, keep
        return None, None

    async def apply(self, payload: tuple[str | None, int | None]) -> tuple[Any, str]:
        purged = await self.app.jetstream().purge_stream(self.stream, *payload)
        return {"purged": purged}, f"Purged {purged:,} messages from {self.stream}."


class ConsumerCreateScreen(FormScreen):
    TITLE_TEXT = "New pull consumer"

    def __init__(self, stream: str) -> None:
        super().__init__()
        self.stream = stream

    def cancel_notice(self) -> str:
        return f"Not created: pull consumer on {self.stream}. The form keeps what you typed."

    def draft_key(self) -> str:
        return f"consumer:{self.stream}"

    def compose_fields(self) -> ComposeResult:
        yield Label("Name (durable)")
        yield Input(placeholder="empty for an ephemeral consumer", id="f-name")
        yield Label("Filter subjects")
        yield Input(placeholder="empty for all; several: comma separated", id="f-filters")
        yield Label("Deliver policy")
        yield _select(DELIVER_POLICIES, "all", "f-deliver")
        yield Label("Start at")
        yield Input(placeholder="sequence or YYYY-MM-DD HH:MM for by_start_*", id="f-start")
        yield Label("Ack policy")
        yield _select(ACK_POLICIES, "explicit", "f-ack")
        yield Label("Ack wait")
        yield Input("30s", id="f-ack-wait")
        yield Label("Max deliver")
        yield Input("-1", placeholder="-1 for unlimited", id="f-max-deliver")
        yield Label("Backoff")
        yield Input(placeholder="e.g. 1s 5s 30s (optional)", id="f-backoff")
        yield Label("Inactive threshold")
        yield Input("5m", placeholder="ephemeral only", id="f-inactive")

    FORM = ConsumerForm
    FIELDS = {
        "name": "f-name",
        "filters": "f-filters",
        "deliver_policy": "f-deliver",
        "start": "f-start",
        "ack_policy": "f-ack",
        "ack_wait": "f-ack-wait",
        "max_deliver": "f-max-deliver",
        "backoff": "f-backoff",
        "inactive_threshold": "f-inactive",
    }

    async def apply(self, config: dict[str, Any]) -> tuple[Any, str]:
        info = await self.app.jetstream().create_consumer(self.stream, config)
        return info, f"Consumer {info.get('name', '')} created on {self.stream}."

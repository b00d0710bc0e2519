"""The compose screen: publish a message, send a request and see its reply, or reply to a message.

Opened by ``p`` anywhere (``open_compose``), from the Live view to reply to
or re-publish the selected message (``open_reply``, ``open_republish``) and
from the Services view to send a test request to an endpoint
(``open_request``). Everything here is refused with ``--read-only``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from nats import errors as nats_errors
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea
from textual.widgets.text_area import LanguageDoesNotExist

from natstui.client import publish as pub
from natstui.client.features import StreamRefused, publish_to_stream, wants_stream
from natstui.model import history, templates
from natstui.model.compose import (
    ComposeError,
    format_duration,
    group_headers,
    header_problem,
    headers_text,
    parse_headers,
    parse_timeout,
    payload_problem,
    subject_problem,
)
from natstui.model.decode import human_size
from natstui.model.records import Record
from natstui.model.sanitize import escape_block, escape_line
from natstui.model.subjects import subject_matches
from natstui.model.timefmt import format_clock
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.dialog import Dialog
from natstui.ui.widgets.compose_features import MessageFeatures
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.keybar import KeyBar

PUBLISH, REQUEST, REPLY, REPUBLISH = "publish", "request", "reply", "republish"
DEFAULT_TIMEOUT = "2"
EDIT_LIMIT = 64 * 1024  # larger payloads are re-published unchanged, not edited


@dataclass
class Draft:
    subject: str = ""
    headers: str = ""
    payload: str = ""
    timeout: str = DEFAULT_TIMEOUT


# What ``p`` last composed, per app, so that it opens where the user left it.
_drafts: WeakKeyDictionary[object, Draft] = WeakKeyDictionary()
# A reply, re-publish or request closed unsent, per app and (mode, subject): reopening the same
# one brings it back. The flag says the payload was not edited (the original bytes are sent).
_kept: WeakKeyDictionary[object, dict] = WeakKeyDictionary()


def _take_kept(app, mode: str, subject: str):
    """The draft kept for this reply/re-publish/request, or None; taken out of the store."""
    return _kept.get(app, {}).pop((mode, subject), None)


def open_compose(app) -> None:
    """The global "Publish" action: a blank (or the last) draft."""
    if isinstance(app.screen, ComposeScreen):
        return  # already composing
    if not app.allow_change("publishing a message or sending a request"):
        return
    app.push_screen(ComposeScreen(PUBLISH, draft=_drafts.get(app)))


def open_reply(app, record: Record | None) -> None:
    """Reply to a received message (``Msg.respond``: publish to its reply subject)."""
    if record is None:
        app.notify("Select a message first (↑/↓ in the stream).", severity="warning", timeout=5, markup=False)
        return
    if not record.reply:
        app.notify(
            f"Cannot reply: the message on {escape_line(record.subject)} has no reply subject, "
            "so nobody is waiting for an answer.",
            title="No reply subject",
            severity="warning",
            timeout=8,
            markup=False,
        )
        return
    if not app.allow_change(f"replying to {record.reply!r}"):
        return
    kept = _take_kept(app, REPLY, record.reply)
    draft = kept[0] if kept else Draft(subject=escape_line(record.reply))
    app.push_screen(ComposeScreen(REPLY, draft=draft, about=record.subject, reply_subject=record.reply))


def open_republish(app, record: Record | None) -> None:
    """Re-publish a message with its headers, after editing."""
    if record is None:
        app.notify("Select a message first (↑/↓ in the stream).", severity="warning", timeout=5, markup=False)
        return
    if not app.allow_change(f"re-publishing to {record.subject!r}"):
        return
    kept = _take_kept(app, REPUBLISH, record.subject)
    if kept and not kept[1]:  # the payload was edited: the kept text is the payload
        app.push_screen(ComposeScreen(REPUBLISH, draft=kept[0], kept_for=record.subject))
        return
    draft = kept[0] if kept else Draft(subject=escape_line(record.subject), headers=headers_text(record.headers))
    app.push_screen(ComposeScreen(REPUBLISH, draft=draft, payload=record.data, kept_for=record.subject))


def open_request(app, subject: str, about: str = "") -> None:
    """A test request to a service endpoint."""
    if not app.allow_change(f"sending a request to {subject!r}"):
        return
    last = _drafts.get(app)
    kept = _take_kept(app, REQUEST, subject)
    draft = kept[0] if kept else Draft(subject=escape_line(subject), timeout=last.timeout if last else DEFAULT_TIMEOUT)
    app.push_screen(ComposeScreen(REQUEST, draft=draft, about=about, kept_for=subject))


class ComposeScreen(Dialog[None]):
    """Subject, headers and payload; Publish, or Request and see the reply beside them."""

    BINDING_GROUP_TITLE = "Publish and request"

    BINDINGS = [
        Binding("ctrl+s", "publish", "Publish", priority=True, id="compose.publish"),
        Binding("ctrl+r", "request", "Request", priority=True, id="compose.request"),
        Binding("ctrl+o", "history", "History", priority=True, id="compose.history"),
        Binding("ctrl+t", "templates", "Templates", priority=True, id="compose.templates"),
        Binding("ctrl+l", "load_test", "Load test", priority=True, id="compose.load_test"),
        Binding("ctrl+g", "trace", "Trace", priority=True, id="compose.trace"),
    ]

    TITLES = {
        PUBLISH: "Publish a message or send a request",
        REQUEST: "Send a request",
        REPLY: "Reply to a message",
        REPUBLISH: "Re-publish a message",
    }

    def __init__(
        self,
        mode: str = PUBLISH,
        *,
        draft: Draft | None = None,
        payload: bytes | None = None,
        about: str = "",
        reply_subject: str = "",
        kept_for: str = "",
    ) -> None:
        super().__init__()
        self.mode = mode
        # where an unsent draft is kept on close: p's draft, or this (mode, subject)
        self.kept_for = reply_subject if mode == REPLY else kept_for
        self.reply_subject = reply_subject  # REPLY: the message's own reply subject, exactly
        self.draft = Draft(**vars(draft)) if draft else Draft()
        self.about = about
        self.raw_payload: bytes | None = None  # a payload kept as is until the text is edited
        self.too_large = False  # a payload too large to edit here: shown in part, sent unchanged
        if payload is not None:
            if len(payload) > EDIT_LIMIT:
                self.raw_payload, self.too_large = payload, True
                payload = payload[:EDIT_LIMIT]
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                text = payload.decode("utf-8", "backslashreplace")
                self.raw_payload = self.raw_payload or payload
            shown = escape_block(text)
            if shown != text:
                # Control characters must not reach the terminal: shown escaped,
                # and the original bytes are sent unless the text is edited.
                self.raw_payload = self.raw_payload or payload
            self.draft.payload = shown
        self._initial_payload = self.draft.payload
        self.sent = 0  # messages published or requests answered, for the user and the tests
        self.last_reply: pub.Reply | None = None
        self.last_error = ""
        self._tried = False  # a send was attempted: an empty subject is a problem from now on
        self._sent_content: tuple | None = None  # what was shown on opening, then what was last sent
        self._sending: tuple | None = None
        self._encode_with = None  # the decoder rule the payload is encoded with when sent, if chosen

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        reply = self.mode == REPLY
        with Vertical(id="compose-box") as box:
            box.border_title = self.TITLES[self.mode]
            if self.about:
                what = "replying to a message on " if reply else "endpoint "
                yield Static(
                    Text.assemble((what, "dim"), (escape_line(self.about), palette.subject)), id="compose-about"
                )
            with Horizontal(id="compose-main"):
                with VerticalScroll(id="compose-form", can_focus=False):
                    yield Label("Reply subject" if reply else "Subject", classes="compose-label")
                    yield Input(
                        self.draft.subject, placeholder="orders.eu.created", id="compose-subject", disabled=reply
                    )
                    yield Label("Headers: one 'Name: value' per line; a name may repeat", classes="compose-label")
                    yield TextArea(
                        self.draft.headers,
                        id="compose-headers",
                        soft_wrap=False,
                        placeholder="e.g. Content-Type: application/json",
                    )
                    yield Label("Payload", classes="compose-label")
                    yield TextArea(
                        self.draft.payload,
                        id="compose-payload",
                        soft_wrap=True,
                        show_line_numbers=True,
                        read_only=self.too_large,
                    )
                    yield Static("", id="compose-payload-note")
                    if encoding_rules(self.app):  # rules that decode Protobuf or Avro: compose can encode with them
                        yield Checkbox(
                            "encode as Protobuf/Avro (the subject's rule)",
                            id="compose-encode",
                            compact=True,
                        )
                    if not reply:
                        with Horizontal(id="compose-timeout-row"):
                            yield Label("Request timeout (seconds) ", classes="compose-label")
                            yield Input(self.draft.timeout, id="compose-timeout")
                        yield MessageFeatures()
                    yield Static("", id="compose-problems")
                    with Horizontal(id="compose-buttons"):
                        yield Button("Send reply" if reply else "Publish", variant="primary", id="compose-publish")
                        if not reply:
                            yield Button("Request", variant="success", id="compose-request")
                        yield Button("Close", id="compose-close")
                with Vertical(id="compose-reply-pane"):
                    yield Static(self._idle_text(), id="compose-result")
                    yield Inspector(id="compose-inspector")
        yield KeyBar()

    def _idle_text(self) -> Text:
        if self.mode == REPLY:
            return Text("The reply goes to the requester's inbox; ctrl+s sends it.", style="dim")
        return Text(
            "ctrl+s publishes; ctrl+r sends a request and shows its reply here; "
            "ctrl+g traces where it would go (nothing sent).",
            style="dim",
        )

    def on_mount(self) -> None:
        if not self.query("#compose-payload"):
            return  # pushed while the app exits (a key right after q): Textual did not compose it
        payload = self.query_one("#compose-payload", TextArea)
        try:
            payload.language = "json"
        except LanguageDoesNotExist:  # tree-sitter without its JSON grammar: plain text
            payload.language = None
        self._check_payload()
        self._sent_content = self._content()
        self.query_one("#compose-inspector", Inspector).display = False  # until there is a reply to show
        if self.mode in (REPLY, REQUEST) or (self.mode == REPUBLISH and self.draft.subject):
            payload.focus()
        else:
            self.query_one("#compose-subject", Input).focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return not (action in ("request", "load_test") and self.mode == REPLY)

    # -- live checks ----------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "compose-payload":
            if self.raw_payload is not None and event.text_area.text != self._initial_payload:
                self.raw_payload = None  # edited: the text is now the payload
            self._check_payload()
        elif event.text_area.id == "compose-headers":
            self._show_problems()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "compose-subject":
            self._show_problems()
            for features in self.query(MessageFeatures):
                features.set_subject(self._subject())

    def _check_payload(self) -> None:
        note = self.query_one("#compose-payload-note", Static)
        if self.too_large and self.raw_payload is not None:
            note.update(
                Text(
                    f"{human_size(len(self.raw_payload))}: too large to edit here, the first "
                    f"{human_size(EDIT_LIMIT)} shown; sent unchanged",
                    style=palette.warning,
                )
            )
            return
        if self.raw_payload is not None:
            note.update(
                Text(
                    f"binary or control characters ({human_size(len(self.raw_payload))}): shown escaped, "
                    "sent unchanged unless you edit it",
                    style=palette.warning,
                )
            )
            return
        typed = self.query_one("#compose-payload", TextArea).text
        text = self._as_sent(typed)
        problem = payload_problem(text)
        if problem:
            shown = Text(f"⚠ {problem}", style=palette.error + BOLD)
        elif text.lstrip()[:1] in ("{", "["):
            shown = Text(f"✓ valid JSON, {human_size(len(text.encode()))}", style=palette.ok)
        else:
            shown = Text(f"{human_size(len(text.encode()))}" if text else "empty payload", style="dim")
        if text != typed:
            shown.append(" (placeholders filled at send time)", style="dim")
        note.update(shown)

    def _show_problems(self) -> None:
        """What is wrong with the subject and the headers now (the payload has its own note)."""
        subject = self._subject()
        problems = [
            subject_problem(subject) if subject or self._tried else None,
            header_problem(self.query_one("#compose-headers", TextArea).text),
        ]
        text = "\n".join(f"⚠ {p}" for p in problems if p)
        self.query_one("#compose-problems", Static).update(Text(text, style=palette.error + BOLD))

    # -- building what is sent --------------------------------------------------------
    def _save_draft(self) -> None:
        if self.mode != PUBLISH:
            return
        timeout = self.query_one("#compose-timeout", Input).value
        _drafts[self.app] = Draft(
            self._subject(),
            self.query_one("#compose-headers", TextArea).text,
            self.query_one("#compose-payload", TextArea).text,
            timeout,
        )

    def _content(self) -> tuple:
        """What the form holds now: compared on close with what was last sent."""
        timeout = self.query("#compose-timeout")
        return (
            self.query_one("#compose-subject", Input).value,
            self.query_one("#compose-headers", TextArea).text,
            self.query_one("#compose-payload", TextArea).text,
            timeout.first(Input).value if timeout else "",
        )

    def _keep_unsent(self) -> None:
        """Closed with an edit not sent: say so, and keep it for the next opening."""
        if self._sent_content is None or self._content() == self._sent_content:
            return
        subject, headers, payload, timeout = self._content()
        shown = escape_line(self._subject()) or "(no subject yet)"
        if self.mode == PUBLISH:
            where = "p reopens it"  # _save_draft keeps it
        else:
            _kept.setdefault(self.app, {})[(self.mode, self.kept_for)] = (
                Draft(subject, headers, payload, timeout or DEFAULT_TIMEOUT),
                self.raw_payload is not None,
            )
            where = {
                REPLY: "R on the same message reopens it",
                REPUBLISH: "re-publishing the same message reopens it",
                REQUEST: "a request to the same endpoint reopens it",
            }[self.mode]
        what = {
            PUBLISH: "the message to",
            REPLY: "the reply to",
            REPUBLISH: "the re-publish to",
            REQUEST: "the request to",
        }[self.mode]
        self.app.notify(
            f"Not sent: {what} {shown}. The draft is kept: {where}.",
            title="Not sent",
            severity="warning",
            timeout=8,
            markup=False,
        )

    def _subject(self) -> str:
        if self.mode == REPLY and self.reply_subject:
            return self.reply_subject
        return self.query_one("#compose-subject", Input).value.strip()

    def _build(self):
        """(subject, headers, payload), or raise ComposeError with what is wrong."""
        self._tried = True
        subject = self._filled(self._subject())
        problem = subject_problem(subject)
        if problem:
            raise ComposeError(problem)
        headers = parse_headers(self._filled(self.query_one("#compose-headers", TextArea).text))
        headers += self._feature_headers(subject)
        if self.raw_payload is not None:
            return subject, headers, self.raw_payload
        text = self._filled(self.query_one("#compose-payload", TextArea).text)
        problem = payload_problem(text)
        if problem:
            raise ComposeError(problem)
        self._encode_with = self._encoding_rule(subject, headers)
        return subject, headers, text.encode("utf-8")

    def _encoding_rule(self, subject: str, headers):
        """The rule the payload is encoded with at send time (None: sent as typed)."""
        box = self.query("#compose-encode")
        if not box or not box.first(Checkbox).value:
            return None
        from natstui.decoders import rule_for

        rule = rule_for(encoding_rules(self.app), subject, group_headers(headers))
        if rule is None:
            raise ComposeError(f"no Protobuf or Avro decoder rule in config.toml for {subject!r} to encode with")
        return rule

    async def _encoded(self, payload: bytes, headers) -> bytes | None:
        """The payload encoded with the chosen rule, in a thread (a registry may be asked); None: refused."""
        rule = self._encode_with
        if rule is None:
            return payload
        import asyncio

        from natstui.typed import encode

        try:
            return await asyncio.to_thread(encode, rule, payload.decode("utf-8"), group_headers(headers))
        except ValueError as exc:  # not JSON, not that type, a bad schema file, a missing library
            self._refuse(f"cannot encode as {rule.decoder}: {exc}")
            return None

    def _refuse(self, problem: str) -> None:
        self._show_problems()
        self.last_error = problem
        self._set_result(Text(f"✗ not sent: {problem}", style=palette.error + BOLD))

    def _set_result(self, text: Text) -> None:
        self.query_one("#compose-result", Static).update(text)

    # -- actions -------------------------------------------------------------------------
    def action_publish(self) -> None:
        try:
            subject, headers, payload = self._build()
        except ComposeError as exc:
            self._refuse(str(exc))
            return
        what = f"replying to {subject!r}" if self.mode == REPLY else f"publishing to {subject!r}"
        if not self.app.allow_change(what):
            self._refuse("refused: natstui runs with --read-only")
            return
        self._save_draft()
        self._sending = self._content()
        self._publish(subject, headers, payload)

    def action_request(self) -> None:
        if self.mode == REPLY:
            return
        try:
            subject, headers, payload = self._build()
            timeout = parse_timeout(self.query_one("#compose-timeout", Input).value)
        except ComposeError as exc:
            self._refuse(str(exc))
            return
        if not self.app.allow_change(f"sending a request to {subject!r}"):
            self._refuse("refused: natstui runs with --read-only")
            return
        self._save_draft()
        self._sending = self._content()
        self._set_result(
            Text(f"… waiting up to {timeout:g} s for a reply on {escape_line(subject)}", style=palette.warning)
        )
        self._request(subject, headers, payload, timeout)

    def on_cancel(self) -> None:  # Esc or Close: the draft is kept, an unsent edit said
        self._save_draft()
        self._keep_unsent()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "compose-publish":
            self.action_publish()
        elif button == "compose-request":
            self.action_request()
        else:
            self.action_cancel()

    # -- server calls ------------------------------------------------------------------
    @work(exclusive=True, group="compose", exit_on_error=False)
    async def _publish(self, subject: str, headers, payload: bytes) -> None:
        app = self.app
        nc = app.session.nc
        encoded = await self._encoded(payload, headers)
        if encoded is None:
            return
        payload = encoded
        try:
            stored = ""
            if self.mode == REPLY:
                await pub.respond(nc, subject, payload, headers)
            elif wants_stream(headers):
                stored = self._stored_text(await publish_to_stream(nc, subject, payload, headers), headers)
            else:
                await pub.publish(nc, subject, payload, headers)
            await nc.flush(timeout=5)
        except StreamRefused as exc:
            self.last_error = app.session.safe(f"not stored: {exc}")
            app.notify(self.last_error, title="Refused by the stream", severity="error", timeout=10, markup=False)
            self._set_result(Text(f"✗ {self.last_error}", style=palette.error + BOLD))
            return
        except Exception as exc:
            self.last_error = app.report_error("publish failed", exc)
            self._set_result(Text(f"✗ {self.last_error}", style=palette.error + BOLD))
            return
        self.sent += 1
        self._sent_content = self._sending
        self._remember(self.mode, subject, headers, payload)
        verb = "Replied" if self.mode == REPLY else "Published"
        extra = f", {len(headers)} header(s)" if headers else ""
        if self._encode_with is not None:
            extra += f", encoded as {self._encode_with.decoder}"
        self._set_result(
            Text(
                f"✓ {verb}: {human_size(len(payload))} to {escape_line(subject)}{extra} at {format_clock(time.time())}"
                + stored,
                style=palette.ok + BOLD,
            )
        )

    @work(exclusive=True, group="compose", exit_on_error=False)
    async def _request(self, subject: str, headers, payload: bytes, timeout: float) -> None:
        app = self.app
        inspector = self.query_one("#compose-inspector", Inspector)
        encoded = await self._encoded(payload, headers)
        if encoded is None:
            return
        payload = encoded
        inspector.display = True
        try:
            reply = await pub.request(app.session.nc, subject, payload, headers, timeout=timeout)
        except Exception as exc:
            if isinstance(exc, (nats_errors.TimeoutError, nats_errors.NoRespondersError)):
                self._sent_content = self._sending  # sent; nobody answered
            if isinstance(exc, nats_errors.TimeoutError):
                text = app.report_error(f"no reply within {timeout:g} s", exc)
                if any(subject_matches(sub.subject, subject) for sub in app.feed.subscriptions):
                    text += (
                        " (natstui's live stream subscribes to this subject, so the server cannot"
                        " answer 'no responders')"
                    )
            else:
                text = app.report_error("request failed", exc)
            self.last_error = text
            self.last_reply = None
            self._remember(REQUEST, subject, headers, payload, error=text)
            self._set_result(Text(f"✗ {text}", style=palette.error + BOLD))
            inspector.show(
                Record.stored(
                    subject,
                    b"",
                    group_headers(headers),
                    time.time(),
                    sections=[
                        ("Request failed", [("Error", text), ("Timeout", f"{timeout:g} s")]),
                    ],
                )
            )
            return
        self.sent += 1
        self._sent_content = self._sending
        self.last_reply = reply
        self.last_error = ""
        msg = reply.msg
        self._remember(
            REQUEST,
            subject,
            headers,
            payload,
            reply=history.reply_fields(msg.subject, msg.headers, msg.data or b"", reply.round_trip),
        )
        rows = [("Round trip", format_duration(reply.round_trip)), ("Request subject", subject)]
        error = reply.service_error
        if error:
            rows.append(("Service error", f"{error[0]} {error[1]}".strip()))
        inspector.show(
            Record.stored(msg.subject, msg.data or b"", msg.headers, time.time(), sections=[("Reply", rows)])
        )
        style = palette.warning + BOLD if error else palette.ok + BOLD
        label = "service error" if error else "reply"
        self._set_result(
            Text(f"✓ {label} in {format_duration(reply.round_trip)}: {human_size(len(msg.data or b''))}", style=style)
        )

    # -- saved messages: placeholders, history, templates, load test ------------------------
    def _filled(self, text: str) -> str:
        """``text`` with its placeholders ({{uuid}}, {{now}}, {{seq}}, {{env:NAME}}) filled for this send."""
        try:
            return templates.fill(text, self.sent + 1)
        except templates.TemplateError as exc:
            raise ComposeError(str(exc)) from None

    def _as_sent(self, text: str) -> str:
        """``text`` as the next send would fill it, to check it (an unset variable: left as written)."""
        try:
            return templates.fill(text, self.sent + 1)
        except templates.TemplateError:
            return text

    def _remember(self, kind: str, subject: str, headers, payload: bytes, reply=None, error: str = "") -> None:
        """Keep what was sent in the history (history.jsonl next to config.toml)."""
        lines = "\n".join(f"{name}: {value}" for name, value in headers)
        entry = history.make_entry(kind, subject, lines, payload, time.time(), reply=reply, error=error)
        try:
            history.append(entry)
        except OSError as exc:
            self.app.notify(f"The history could not be written: {exc}", severity="warning", timeout=6, markup=False)

    def _form_template(self) -> templates.Template:
        """The form as it is (placeholders unfilled), as a template."""
        return templates.Template(
            "",
            self.query_one("#compose-subject", Input).value.strip(),
            self.query_one("#compose-headers", TextArea).text,
            self.query_one("#compose-payload", TextArea).text,
        )

    def _load_form(self, subject: str, headers: str, payload: bytes | str) -> None:
        """Put a saved message in the form (a reply keeps its own subject)."""
        if self.mode != REPLY:
            self.query_one("#compose-subject", Input).value = escape_line(subject)
        self.query_one("#compose-headers", TextArea).text = headers
        self.too_large = False
        if isinstance(payload, bytes):
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                text = payload.decode("utf-8", "backslashreplace")
            shown = escape_block(text)
            area = self.query_one("#compose-payload", TextArea)
            area.text = shown
            self._initial_payload = shown
            self.raw_payload = payload if shown != text else None
        else:
            self.raw_payload = None
            self.query_one("#compose-payload", TextArea).text = payload
        self._check_payload()
        self._show_problems()

    def action_history(self) -> None:
        from natstui.ui.screens.saved import HistoryScreen

        def chosen(entry) -> None:
            if entry is not None:
                self._load_form(entry.subject, entry.headers, entry.payload_bytes())
                self._set_result(Text("Loaded from the history.", style="dim"))

        self.app.push_screen(HistoryScreen(), chosen)

    def action_templates(self) -> None:
        from natstui.ui.screens.saved import TemplatesScreen

        def chosen(template) -> None:
            if template is not None:
                self._load_form(template.subject, template.headers, template.payload)
                self._set_result(Text.assemble(("Loaded the template ", "dim"), escape_line(template.name)))

        self.app.push_screen(TemplatesScreen(self._form_template()), chosen)

    def action_load_test(self) -> None:
        from natstui.ui.screens.saved import LoadTestScreen

        if self.mode == REPLY:
            return
        if not self.app.allow_change("a load test"):
            self._refuse("refused: natstui runs with --read-only")
            return
        from natstui.client.loadtest import prepare

        try:
            prepare(self._form_template(), 1)  # what is wrong with the first message, said here
        except (ComposeError, templates.TemplateError) as exc:
            self._tried = True
            self._refuse(str(exc))
            return
        timeout = self.query("#compose-timeout")
        self.app.push_screen(
            LoadTestScreen(
                self._form_template(),
                request=self.mode == REQUEST,
                timeout=timeout.first(Input).value if timeout else DEFAULT_TIMEOUT,
            )
        )

    # -- where it would go: a trace-only copy of what the form holds --------------------------
    def action_trace(self) -> None:
        """Trace the message the form holds (placeholders filled, encoded if asked): a trace-only
        copy, delivered to nobody; nothing is sent for real and the draft stays as it is."""
        try:
            subject, headers, payload = self._build()
        except ComposeError as exc:
            self._refuse(str(exc))
            return
        self._trace(subject, headers, payload)

    @work(exclusive=True, group="compose-trace", exit_on_error=False)
    async def _trace(self, subject: str, headers, payload: bytes) -> None:
        from natstui.ui.screens.trace import open_trace

        encoded = await self._encoded(payload, headers)
        if encoded is None:
            return
        # nats-py sends one value per header name: repeated names are joined, as a recording does
        grouped = {
            name: value if isinstance(value, str) else ", ".join(value)
            for name, value in (group_headers(headers) or {}).items()
        }
        open_trace(self.app, subject, encoded, grouped)

    # -- newer stream features: TTL and schedule ------------------------------------------
    def _feature_headers(self, subject: str) -> list[tuple[str, str]]:
        """The TTL and schedule fields as headers ([] when empty, or for a reply)."""
        from natstui.model.msgfeatures import FeatureError

        fields = self.query(MessageFeatures)
        if not fields:
            return []
        try:
            return fields.first().headers(subject)
        except FeatureError as exc:
            raise ComposeError(str(exc)) from None

    def _stored_text(self, ack: dict, headers) -> str:
        """What the stream said it stored: where, and when it expires or what it schedules."""
        from natstui.model import msgfeatures as mf

        text = f"; stored in {escape_line(str(ack.get('stream', '')))} as #{int(ack.get('seq', 0)):,}"
        names = {name.lower(): value for name, value in headers}
        ttl = names.get(mf.TTL.lower())
        if ttl:
            try:
                seconds = mf.parse_ttl(ttl)
            except mf.FeatureError:
                text += f", TTL {escape_line(ttl)}"
            else:
                text += ", never expires" if seconds == mf.NEVER else f", expires in {mf.ttl_text(seconds)}"
        schedule = names.get(mf.SCHEDULE.lower())
        if schedule:
            target = names.get(mf.SCHEDULE_TARGET.lower(), "")
            text += f", scheduled {mf.schedule_text(schedule)} to {escape_line(target)}"
        if "val" in ack:
            text += f", counter now {ack['val']}"
        return text


def encoding_rules(app) -> list:
    """The config file's Protobuf and Avro decoder rules, which compose can encode with."""
    return [r for r in getattr(app, "decoder_rules", None) or () if r.decoder in ("protobuf", "avro")]

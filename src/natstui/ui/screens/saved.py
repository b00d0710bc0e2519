"""Saved messages for the compose screen: the history, named templates and the load test.

- ``HistoryScreen`` (ctrl+o in compose): what was published and requested, newest
  first, searched as you type; enter loads an entry into the form.
- ``TemplatesScreen`` (ctrl+t): the named templates; enter loads one, "Save current"
  saves the form under the name typed, ctrl+d deletes the selected one.
- ``LoadTestScreen`` (ctrl+l): sends the form N times at a rate (placeholders filled
  per message), with a progress bar and a summary.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Select, Static
from textual.widgets.option_list import Option

from natstui.client import loadtest
from natstui.model import history, templates
from natstui.model.compose import ComposeError, format_duration, parse_timeout, payload_problem
from natstui.model.decode import human_size
from natstui.model.sanitize import escape_block, escape_line
from natstui.model.timefmt import format_datetime
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.confirm import ConfirmScreen
from natstui.ui.screens.dialog import Dialog

PREVIEW_LIMIT = 2000  # characters of a payload shown in a preview


def _preview(text: str) -> str:
    text = escape_block(text)
    return text if len(text) <= PREVIEW_LIMIT else text[:PREVIEW_LIMIT] + " …"


class SavedList(Dialog[Any]):
    """A search box over a list, and a preview of the highlighted item."""

    DEFAULT_CSS = """
    SavedList { align: center middle; }
    SavedList > .saved-box {
        width: 96%; height: 90%; border: round $primary; background: $surface; padding: 0 1;
        border-title-style: bold;
    }
    SavedList #saved-body { height: 1fr; }
    SavedList OptionList { width: 1fr; height: 1fr; }
    SavedList #saved-preview { width: 1fr; height: 1fr; padding: 0 1; overflow-y: auto; }
    SavedList #saved-search { margin: 0 0 1 0; }
    SavedList #saved-note { height: auto; color: $text-muted; }
    """

    TITLE_TEXT = ""
    PLACEHOLDER = ""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="saved-box") as box:
            box.border_title = self.TITLE_TEXT
            yield Input(placeholder=self.PLACEHOLDER, id="saved-search")
            with Horizontal(id="saved-body"):
                yield OptionList(id="saved-list")
                yield Static("", id="saved-preview")
            yield Static("", id="saved-note")
            with Horizontal(classes="dialog-buttons"):
                yield from self.buttons()
                yield Button("Close", id="saved-close")

    def buttons(self) -> ComposeResult:
        yield Button("Load", variant="primary", id="saved-load")

    def on_mount(self) -> None:
        self.refill()
        self.query_one("#saved-search", Input).focus()
        self.mounted()

    # what a subclass provides
    def items(self, query: str) -> list[Any]:  # pragma: no cover - abstract
        return []

    def label(self, item: Any) -> Text:  # pragma: no cover - abstract
        return Text("")

    def preview(self, item: Any) -> Text:  # pragma: no cover - abstract
        return Text("")

    def empty_text(self) -> str:
        return "nothing saved yet"

    def refill(self) -> None:
        query = self.query_one("#saved-search", Input).value
        self.shown = self.items(query)
        options = self.query_one("#saved-list", OptionList)
        options.clear_options()
        options.add_options([Option(self.label(item)) for item in self.shown])
        if self.shown:
            options.highlighted = 0
        self.query_one("#saved-preview", Static).update(
            self.preview(self.shown[0]) if self.shown else Text(self.empty_text(), style="dim")
        )

    def selected(self) -> Any:
        index = self.query_one("#saved-list", OptionList).highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    @on(Input.Changed, "#saved-search")
    def _search(self) -> None:
        self.refill()

    @on(Input.Submitted, "#saved-search")
    def _submit(self) -> None:
        self.load()

    @on(OptionList.OptionHighlighted, "#saved-list")
    def _highlighted(self) -> None:
        item = self.selected()
        if item is not None:
            self.query_one("#saved-preview", Static).update(self.preview(item))

    @on(OptionList.OptionSelected, "#saved-list")
    def _selected(self) -> None:
        self.load()

    def on_key(self, event) -> None:
        # up/down in the search box move through the list
        if event.key in ("up", "down") and self.focused is self.query_one("#saved-search", Input):
            options = self.query_one("#saved-list", OptionList)
            if options.option_count:
                step = 1 if event.key == "down" else -1
                current = options.highlighted if options.highlighted is not None else -step
                options.highlighted = max(0, min(options.option_count - 1, current + step))
            event.stop()

    def load(self) -> None:
        item = self.selected()
        if item is not None:
            self.dismiss(item)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "saved-load":
            self.load()
        elif event.button.id == "saved-close":
            self.action_cancel()


class HistoryScreen(SavedList):
    """The history, newest first; dismisses with the chosen :class:`history.Entry`."""

    TITLE_TEXT = "History: what was published and requested"
    PLACEHOLDER = "search subject, headers, payload, reply (words, any order)"

    def __init__(self) -> None:
        super().__init__()
        self.entries = history.load()

    def empty_text(self) -> str:
        if not self.entries:
            return (
                "Nothing sent yet: what you publish or request from here is kept (history.jsonl, next to config.toml)."
            )
        return "No entry holds every word searched."

    def items(self, query: str) -> list[Any]:
        return history.search(self.entries, query)

    def label(self, entry: Any) -> Text:
        mark = {"request": "⇄", "reply": "↩", "load": "≡"}.get(entry.kind, "→")
        text = Text.assemble(
            (time.strftime("%m-%d %H:%M:%S", time.localtime(entry.when)), "dim"),
            " ",
            (mark, palette.accent),
            " ",
            (escape_line(entry.subject), palette.subject),
        )
        if entry.error:
            text.append(" ✗", style=palette.error)
        elif entry.reply:
            text.append(" ✓", style=palette.ok)
        return text

    def preview(self, entry: Any) -> Text:
        text = Text()
        text.append(f"{entry.kind} ", style=BOLD)
        text.append(escape_line(entry.subject), style=palette.subject)
        text.append(f"\n{format_datetime(entry.when)}, {human_size(entry.size)}", style="dim")
        if entry.truncated:
            text.append(" (the start is kept)", style="dim")
        if entry.note:
            text.append(f"\n{escape_line(entry.note)}")
        if entry.headers:
            text.append("\n\nHeaders\n", style=BOLD)
            text.append(escape_block(entry.headers))
        text.append("\n\nPayload\n", style=BOLD)
        if entry.binary:
            text.append(f"binary, {human_size(entry.size)}", style="dim")
        else:
            text.append(_preview(entry.payload) or "(empty)")
        if entry.error:
            text.append(f"\n\n✗ {escape_line(entry.error)}", style=palette.error)
        if entry.reply:
            reply = entry.reply
            text.append(f"\n\nReply in {format_duration(float(reply.get('round_trip', 0)))}\n", style=BOLD)
            if reply.get("headers"):
                text.append(escape_block(str(reply["headers"])) + "\n")
            if reply.get("binary"):
                text.append(f"binary, {human_size(int(reply.get('size', 0)))}", style="dim")
            else:
                text.append(_preview(str(reply.get("payload", ""))) or "(empty)")
        return text


class TemplatesScreen(SavedList):
    """The named templates; dismisses with the :class:`templates.Template` to load."""

    TITLE_TEXT = "Templates"
    PLACEHOLDER = "a name: filters the list, and names the form when saved"

    BINDINGS = [Binding("ctrl+d", "delete", "Delete", priority=True, id="compose.templates.delete")]

    def __init__(self, current: templates.Template) -> None:
        super().__init__()
        self.current = current  # the compose form, to save
        self.error = ""
        try:
            self.templates = templates.load()
        except templates.TemplateError as exc:
            self.templates, self.error = [], str(exc)

    def buttons(self) -> ComposeResult:
        yield Button("Save current", variant="success", id="saved-save")
        yield Button("Delete", variant="error", id="saved-delete")
        yield Button("Load", variant="primary", id="saved-load")

    def mounted(self) -> None:
        self.note(self.error or "placeholders: {{uuid}} {{now}} {{seq}} {{env:NAME}}, filled at send time", self.error)

    def note(self, text: str, error: bool | str = False) -> None:
        self.query_one("#saved-note", Static).update(Text(text, style=palette.error + BOLD if error else ""))

    def empty_text(self) -> str:
        if not self.templates:
            return "No templates yet: type a name above and press Save current."
        return "No template has this name."

    def items(self, query: str) -> list[Any]:
        words = query.lower().split()
        return [t for t in self.templates if all(w in t.name.lower() for w in words)]

    def label(self, template: Any) -> Text:
        return Text.assemble((escape_line(template.name), BOLD), "  ", (escape_line(template.subject), palette.subject))

    def preview(self, template: Any) -> Text:
        text = Text()
        text.append(escape_line(template.name), style=BOLD)
        text.append("\n")
        text.append(escape_line(template.subject) or "(no subject)", style=palette.subject)
        if template.headers:
            text.append("\n\nHeaders\n", style=BOLD)
            text.append(escape_block(template.headers))
        text.append("\n\nPayload\n", style=BOLD)
        text.append(_preview(template.payload) or "(empty)")
        if any(templates.has_placeholders(t) for t in (template.subject, template.headers, template.payload)):
            text.append("\n\nholds placeholders, filled at send time", style="dim")
        return text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "saved-save":
            self.save_current()
        elif event.button.id == "saved-delete":
            self.action_delete()
        # Load and Close: SavedList's handler (Textual calls it after this one)

    def save_current(self) -> None:
        if self.error:  # the file could not be read: writing it would lose what it holds
            self.note(f"Not saved: {self.error}; fix or move the file first.", True)
            return
        name = self.query_one("#saved-search", Input).value.strip()
        if not name:
            self.note("Type a name for the template first.", True)
            self.query_one("#saved-search", Input).focus()
            return
        replaced = any(t.name == name for t in self.templates)
        template = templates.Template(name, self.current.subject, self.current.headers, self.current.payload)
        try:
            updated = templates.put(self.templates, template)
            path = templates.save(updated)
        except (templates.TemplateError, OSError) as exc:
            self.note(f"Not saved: {exc}", True)
            return
        self.templates = updated
        self.refill()
        self.note(f"{'Replaced' if replaced else 'Saved'} template {escape_line(name)} in {path}")

    def action_delete(self) -> None:
        template = self.selected()
        if template is None or self.error:
            return

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            remaining = [t for t in self.templates if t.name != template.name]
            try:
                templates.save(remaining)
            except OSError as exc:
                self.note(f"Not deleted: {exc}", True)
                return
            self.templates = remaining
            self.refill()
            self.note(f"Deleted template {escape_line(template.name)}")

        self.app.push_screen(
            ConfirmScreen(
                f"Delete the template {escape_line(template.name)}?",
                confirm_label="Delete",
                not_done=f"Not deleted: template {template.name}.",
            ),
            answered,
        )


class LoadTestScreen(Dialog[None]):
    """Send the compose form N times at a rate; a progress bar, then the summary."""

    DEFAULT_CSS = """
    LoadTestScreen { align: center middle; }
    LoadTestScreen #load-grid {
        layout: grid; grid-size: 4; grid-columns: 10 1fr 12 1fr; grid-rows: 3; height: auto; margin-top: 1;
    }
    LoadTestScreen #load-grid Label { padding: 1 0 0 1; }
    LoadTestScreen ProgressBar { margin: 1 0 0 0; }
    LoadTestScreen #load-summary { height: auto; margin-top: 1; }
    """

    def __init__(self, template: templates.Template, *, request: bool = False, timeout: str = "2") -> None:
        super().__init__()
        self.template = template
        self.request = request
        self.timeout = timeout
        self.progress: loadtest.LoadProgress | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Load test"
            yield Static(
                Text.assemble(
                    ("Sends ", "dim"),
                    (escape_line(self.template.subject), palette.subject),
                    (" N times; {{seq}} is 1..N, {{uuid}} and {{now}} new for each message;", "dim"),
                    (" a rate of 0 sends as fast as the connection takes them.", "dim"),
                )
            )
            with Vertical(id="load-grid"):
                yield Label("Messages")
                yield Input("100", id="load-count")
                yield Label("Rate msg/s")
                yield Input("0", id="load-rate")
                yield Label("Send as")
                yield Select(
                    [("publish", "publish"), ("request", "request")],
                    value="request" if self.request else "publish",
                    allow_blank=False,
                    id="load-mode",
                )
                yield Label("Timeout s")
                yield Input(self.timeout, id="load-timeout")
            yield ProgressBar(total=100, show_eta=False, id="load-bar")
            yield Static("", id="load-summary")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="load-start")
                yield Button("Close", id="load-close")

    def on_mount(self) -> None:
        for field in self.query("#load-grid Input"):
            field.styles.margin = 0  # side by side in the grid: not the dialogs' spaced inputs
        self.query_one("#load-count", Input).focus()
        self.set_interval(0.1, self.show_progress)

    def settings(self) -> tuple[int, float, bool, float]:
        try:
            count = int(self.query_one("#load-count", Input).value.strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise ComposeError("the number of messages must be a whole number") from None
        if not 1 <= count <= 10_000_000:
            raise ComposeError("the number of messages must be from 1 to 10,000,000")
        try:
            rate = float(self.query_one("#load-rate", Input).value.strip() or "0")
        except ValueError:
            raise ComposeError("the rate must be a number of messages per second (0 for as fast as possible)") from None
        if rate < 0:
            raise ComposeError("the rate cannot be negative")
        request = self.query_one("#load-mode", Select).value == "request"
        timeout = parse_timeout(self.query_one("#load-timeout", Input).value)
        return count, rate, request, timeout

    def on_input_submitted(self) -> None:
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "load-start":
            self.start()
        else:
            self.action_cancel()

    def start(self) -> None:
        if self.progress is not None and not self.progress.done:
            return  # running
        try:
            count, rate, request, timeout = self.settings()
            # a bad subject, header, JSON payload or an unset variable, said before anything is sent
            problem = payload_problem(loadtest.prepare(self.template, 1)[2].decode("utf-8"))
            if problem:
                raise ComposeError(problem)
        except (ComposeError, templates.TemplateError) as exc:
            self.query_one("#load-summary", Static).update(Text(f"✗ {exc}", style=palette.error + BOLD))
            return
        if not self.app.allow_change(f"a load test on {self.template.subject!r}"):
            self.query_one("#load-summary", Static).update(
                Text("✗ refused: natstui runs with --read-only", style=palette.error + BOLD)
            )
            return
        self.progress = loadtest.LoadProgress(total=count, request=request)
        self.query_one("#load-bar", ProgressBar).update(total=count, progress=0)
        self.query_one("#load-start", Button).disabled = True
        self.run_load(self.progress, rate, timeout)

    @work(exclusive=True, group="compose-load", exit_on_error=False)
    async def run_load(self, progress: loadtest.LoadProgress, rate: float, timeout: float) -> None:
        try:
            await loadtest.run(self.app.session.nc, self.template, progress, rate=rate, timeout=timeout)
        finally:
            self.show_progress()
            self.query_one("#load-start", Button).disabled = False
            self.remember(progress)

    def remember(self, progress: loadtest.LoadProgress) -> None:
        note = ("stopped: " if progress.cancelled else "load test: ") + loadtest.summary(progress)
        entry = history.make_entry(
            "load",
            self.template.subject,
            self.template.headers,
            self.template.payload.encode("utf-8"),
            time.time(),
            error=progress.first_error,
        )
        entry.note = note
        try:
            history.append(entry)
        except OSError:
            pass  # the history is a convenience: a read-only config directory does not stop a run

    def show_progress(self) -> None:
        progress = self.progress
        if progress is None:
            return
        done = progress.sent + (progress.errors if not progress.request else 0)
        self.query_one("#load-bar", ProgressBar).update(progress=min(done, progress.total))
        if progress.done:
            head = "Stopped" if progress.cancelled else "Done"
            style = palette.warning + BOLD if progress.errors or progress.cancelled else palette.ok + BOLD
        else:
            head, style = "Sending", palette.warning
        text = Text(f"{head}: {loadtest.summary(progress)}", style=style)
        if progress.first_error:
            text.append(f"\nfirst error: {escape_line(progress.first_error)}", style=palette.error)
        self.query_one("#load-summary", Static).update(text)

    def action_cancel(self) -> None:
        if self.progress is not None and not self.progress.done:
            self.progress.cancelled = True  # esc stops the run; a second esc closes
            return
        super().action_cancel()

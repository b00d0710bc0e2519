"""The Live view: subject tree, live stream and inspector side by side."""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical

from natstui.model.view import MessageFilter
from natstui.ui.screens.base import ViewScreen
from natstui.ui.screens.filter import FilterScreen
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.stream import MessageStream
from natstui.ui.widgets.tree import SubjectTree


class LiveScreen(ViewScreen):
    VIEW_NAME = "live"

    BINDINGS = [
        Binding("space", "pause", "Pause", priority=True, id="live.pause"),
        Binding("slash", "filter", "Filter", id="live.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="live.clear_filter"),
        Binding("v", "cycle_view", "Payload view", id="live.cycle_view"),
        Binding("f", "follow", "Follow", id="live.follow"),
        Binding("R", "reply", "Reply", show=False, id="live.reply"),
        Binding("e", "republish", "Re-publish", show=False, id="live.republish"),
    ]

    def compose_body(self) -> ComposeResult:
        app = self.app
        with Horizontal(id="live-body"):
            yield SubjectTree(app.monitor.trie, id="tree")  # type: ignore[attr-defined]
            with Vertical(id="stream-pane"):
                yield TextLine(id="stream-info")
                yield MessageStream(app.view, id="stream")  # type: ignore[attr-defined]
            yield Inspector(id="inspector")

    def on_mount(self) -> None:
        self.stream = self.query_one(MessageStream)
        self.subject_tree = self.query_one(SubjectTree)
        self.inspector = self.query_one(Inspector)
        self.info = self.query_one("#stream-info", TextLine)
        self._info_key: Optional[tuple] = None
        self.stream.focus()
        self._update_info()
        self.ready = True

    def tick(self) -> None:
        self.stream.sync()
        self._update_info()

    def slow_tick(self) -> None:
        # Twice a second: the tree re-renders every visible label when counts move.
        self._slow = not getattr(self, "_slow", False)
        if self._slow:
            self.subject_tree.sync()

    def _update_info(self) -> None:
        stream = self.stream
        view = stream.view
        key = (len(view), view.filter.describe(), stream.new_count, stream.following, view.paused, view.behind)
        if key == self._info_key:
            return
        self._info_key = key
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{len(view):,} messages", style="bold")
        if view.filter.active:
            text.append(f"  filter: {view.filter.describe()}", style="yellow")
        if view.paused:
            text.append(f"  ⏸ paused, {view.behind:,} waiting (space resumes)", style="bold yellow")
        elif not stream.following and stream.new_count:
            text.append(f"  ↓ {stream.new_count:,} new (f or End follows)", style="bold cyan")
        self.info.set_text(text)

    # -- events ------------------------------------------------------------------
    def on_message_stream_selected(self, event: MessageStream.Selected) -> None:
        self.inspector.show(event.record)

    def on_subject_tree_scope_changed(self, event: SubjectTree.ScopeChanged) -> None:
        current = self.stream.view.filter
        self._apply(MessageFilter(subject=current.subject, text=current.text, regex=current.regex, scope=event.path))

    def _apply(self, flt: MessageFilter) -> None:
        self.stream.view.set_filter(flt)
        self.stream.reset()
        self._update_info()

    # -- actions -----------------------------------------------------------------
    def action_pause(self) -> None:
        view = self.stream.view
        view.paused = not view.paused
        self.stream.sync()
        self._update_info()
        self.app.refresh_status()  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        def done(flt: Optional[MessageFilter]) -> None:
            if flt is not None:
                self._apply(flt)

        self.app.push_screen(FilterScreen(self.stream.view.filter), done)

    def action_clear_filter(self) -> None:
        if self.stream.view.filter.active:
            self._apply(MessageFilter())

    def action_cycle_view(self) -> None:
        self.inspector.action_cycle_view()

    def action_follow(self) -> None:
        self.stream.action_last()

    def action_reply(self) -> None:
        from natstui.ui.screens.compose import open_reply

        seq = self.stream.cursor_seq
        open_reply(self.app, self.app.store.get(seq) if seq is not None else None)  # type: ignore[attr-defined]

    def action_republish(self) -> None:
        from natstui.ui.screens.compose import open_republish

        seq = self.stream.cursor_seq
        open_republish(self.app, self.app.store.get(seq) if seq is not None else None)  # type: ignore[attr-defined]

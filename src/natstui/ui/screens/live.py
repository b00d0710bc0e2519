"""The Live view: subject tree, live stream and inspector side by side."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Tree

from natstui.model.sanitize import escape_line
from natstui.model.view import MessageFilter
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ViewScreen
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.splitter import Splitter
from natstui.ui.widgets.stream import MessageStream
from natstui.ui.widgets.tree import InterestLine, SubjectPath, SubjectTree, interest_text


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
        Binding("ctrl+s", "record", "Record", id="live.record"),
        Binding("x", "export", "Export", show=False, id="live.export"),
        Binding("D", "diff", "Diff with previous", show=False, id="live.diff"),
        Binding("J", "jump_pair", "Jump to the reply or request", show=False, id="live.jump_pair"),
        Binding("T", "trace", "Trace", show=False, id="live.trace"),
        Binding("i", "interest", "Interest on the tree", show=False, id="live.interest"),
        Binding("s", "subscriptions", "Subscriptions", show=False, id="live.subscriptions"),
        Binding("n", "step", "Step", show=False, id="live.step"),
        Binding("N", "step_target", "Step another subscription", show=False, id="live.step_target"),
        Binding("less_than_sign", "resize_pane('tree', -2)", "Narrower tree", show=False, id="live.tree_narrower"),
        Binding("greater_than_sign", "resize_pane('tree', 2)", "Wider tree", show=False, id="live.tree_wider"),
        Binding(
            "left_square_bracket",
            "resize_pane('inspector', 2)",
            "Wider inspector",
            show=False,
            id="live.inspector_wider",
        ),
        Binding(
            "right_square_bracket",
            "resize_pane('inspector', -2)",
            "Narrower inspector",
            show=False,
            id="live.inspector_narrower",
        ),
    ]

    # Pane widths in columns, the divider not counted. Without a saved width the tree has
    # these, and the inspector with its divider takes INSPECTOR_SHARE of the body (beside the
    # stream from 140 columns; below it, full width, on narrower terminals).
    TREE_WIDTH = 31
    TREE_WIDTH_NARROW = 27
    INSPECTOR_SHARE = 0.35
    MIN_TREE = 12
    MIN_STREAM = 24
    MIN_INSPECTOR = 24

    recorder = None  # a model.recording.Recorder while recording

    def compose_body(self) -> ComposeResult:
        app = self.app
        tree_pane = Vertical(id="tree-pane")
        inspector = Inspector(id="inspector")
        with Horizontal(id="live-body"):
            with tree_pane:
                yield InterestLine(id="tree-interest")
                yield SubjectTree(app.monitor.trie, id="tree")
                yield SubjectPath(id="tree-path")
            yield Splitter(tree_pane, "left", id="tree-splitter")
            with Horizontal(id="live-main"):
                with Vertical(id="stream-pane"):
                    yield TextLine(id="stream-info")
                    yield MessageStream(app.view, id="stream")
                yield Splitter(inspector, "right", char="▏", id="inspector-splitter")
                yield inspector

    def on_mount(self) -> None:
        self.stream = self.query_one(MessageStream)
        self.subject_tree = self.query_one(SubjectTree)
        self.inspector = self.query_one(Inspector)
        self.inspector.latency = self.app.monitor.latency
        self.info = self.query_one("#stream-info", TextLine)
        self.tree_pane = self.query_one("#tree-pane", Vertical)
        self.tree_path = self.query_one(SubjectPath)
        self.interest_line = self.query_one(InterestLine)
        self.interest_line.display = False  # until i: a plain user pays nothing
        self._info_key: tuple | None = None
        self._apply_widths()
        self.stream.focus()
        self._update_info()
        self.ready = True

    # Above this many new messages per frame (20,000 a second at 20 Hz) nobody reads the rows as
    # they pass: the stream redraws every other frame and leaves the time to taking messages in.
    FIREHOSE_ROWS = 1000

    def tick(self) -> None:
        last = self.app.store.last_seq
        heavy = last - getattr(self, "_last_seen", last) > self.FIREHOSE_ROWS
        self._last_seen = last
        self._skip = heavy and not getattr(self, "_skip", False)
        if self._skip:
            return
        self.stream.sync()
        if self.recorder is not None:
            self.recorder.flush()
        self._update_info()

    def slow_tick(self) -> None:
        # Twice a second: the tree re-renders every visible label when counts move.
        self._slow = not getattr(self, "_slow", False)
        if self._slow:
            self.subject_tree.sync()
        super().slow_tick()  # the interest refresher, while i shows it

    def _update_info(self) -> None:
        stream = self.stream
        view = stream.view
        recording = (self.recorder.path, self.recorder.count) if self.recorder is not None else None
        feed = self.app.feed
        refused = tuple(feed.refused)
        target = feed.step_target() if feed.held else None
        stepping = (target.spec.subject, target.pending_msgs, feed.pending_msgs) if target is not None else None
        key = (
            stepping,
            feed.counted_out,
            len(view),
            view.filter.describe(),
            stream.new_count,
            stream.passed_over,
            stream.following,
            view.paused,
            view.behind,
            recording,
            refused,
        )
        if key == self._info_key:
            return
        self._info_key = key
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{len(view):,} message{'s' if len(view) != 1 else ''}", style="bold")
        if refused:
            text.append(
                f"  subscription to {escape_line(', '.join(refused))} refused: permission denied",
                style=palette.error + BOLD,
            )
        if view.filter.active:
            text.append(f"  filter: {view.filter.describe()}", style=palette.warning)
        if feed.counted_out:
            text.append(f"  stopped after {feed.count:,} messages (--count)", style=palette.warning + BOLD)
        if view.paused and stepping is not None:
            text.append(
                f"  ⏸ step mode on {escape_line(stepping[0])}: {stepping[1]:,} pending "
                f"({stepping[2]:,} in all; n next, N another, space resumes)",
                style=palette.warning + BOLD,
            )
        elif view.paused:
            text.append(f"  ⏸ paused, {view.behind:,} waiting (space resumes)", style=palette.warning + BOLD)
        elif not stream.following and (stream.new_count or stream.passed_over):
            # more may have arrived than the buffer holds: the oldest of them left it unseen
            passed = f"{stream.passed_over:,} passed over; " if stream.passed_over else ""
            text.append(f"  ↓ {stream.new_count:,} new ({passed}f or End follows)", style=palette.name)
        if recording is not None:
            text.append(f"  ● REC {escape_line(recording[0])} ({recording[1]:,})", style=palette.error + BOLD)
        self.info.set_text(text)

    # -- pane widths ---------------------------------------------------------------
    @property
    def _wide(self) -> bool:
        return not self.has_class("-narrow")

    def _body_width(self) -> int:
        return self.size.width or self.app.size.width  # the body spans the screen

    def pane_width(self, pane: str) -> int:
        """The width (columns) the pane has, or would have, on this terminal: saved, else the default."""
        saved = self.app.pane_widths.get(f"{pane}_width")
        body = self._body_width()
        if pane == "tree":
            width = saved or (self.TREE_WIDTH if self._wide else self.TREE_WIDTH_NARROW)
            room = body - 1 - self.MIN_STREAM - ((self.pane_width("inspector") + 1) if self._wide else 0)
            return max(self.MIN_TREE, min(width, room))
        width = saved or round(body * self.INSPECTOR_SHARE) - 1  # the share counts its divider
        room = body - 1 - self.MIN_TREE - 1 - self.MIN_STREAM
        return max(self.MIN_INSPECTOR, min(width, room))

    def _apply_widths(self) -> None:
        """Size the panes from the saved widths, within what the terminal's width leaves them."""
        self.tree_pane.styles.width = self.pane_width("tree")
        # Below the stream (narrow terminals) the inspector is as wide as the stream's column.
        self.inspector.styles.width = self.pane_width("inspector") if self._wide else None

    def on_resize(self) -> None:
        self._apply_widths()

    def set_pane_width(self, pane: str, width: int, save: bool = True) -> None:
        """Resize a pane (``tree`` or ``inspector``) to ``width`` columns, kept within what the
        terminal allows, and remember it in the config file when ``save``."""
        app = self.app
        widths = app.pane_widths
        key = f"{pane}_width"
        if key in widths or width != self.pane_width(pane):  # a click on the divider saves no default
            widths[key] = max(1, width)
            widths[key] = self.pane_width(pane)
        self._apply_widths()
        if save:
            app.save_pane_widths()

    def action_resize_pane(self, pane: str, delta: int) -> None:
        if pane == "inspector" and not self._wide:
            self.app.notify(
                "The inspector is under the stream below 140 columns: its width is the stream's.", markup=False
            )
            return
        self.set_pane_width(pane, self.pane_width(pane) + delta)

    @on(Splitter.Resized, "#tree-splitter")
    def _tree_dragged(self, event: Splitter.Resized) -> None:
        self.set_pane_width("tree", event.width, save=event.done)

    @on(Splitter.Resized, "#inspector-splitter")
    def _inspector_dragged(self, event: Splitter.Resized) -> None:
        self.set_pane_width("inspector", event.width, save=event.done)

    @on(Tree.NodeHighlighted, "#tree")
    def _tree_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        self.tree_path.show(data.path if data is not None else "")

    # -- events ------------------------------------------------------------------
    def on_message_stream_selected(self, event: MessageStream.Selected) -> None:
        self.inspector.show(event.record)

    def on_subject_tree_scope_changed(self, event: SubjectTree.ScopeChanged) -> None:
        current = self.stream.view.filter
        self._apply(
            MessageFilter(
                subject=current.subject,
                text=current.text,
                regex=current.regex,
                scope=event.path,
                invalid=current.invalid,
                checker=current.checker,
            )
        )

    def _apply(self, flt: MessageFilter) -> None:
        self.stream.view.set_filter(flt)
        self.stream.reset()
        self._update_info()

    # -- actions -----------------------------------------------------------------
    def action_pause(self) -> None:
        view = self.stream.view
        view.paused = not view.paused
        if not view.paused and self.app.feed.held:
            self.workers.cancel_group(self, "step")  # an n still waiting for a message gives up
            self.release_held()  # step mode ends: what waited in the subscriptions flows in
        self.stream.sync()
        self._update_info()
        self.app.refresh_status()

    # -- step mode -----------------------------------------------------------------------------
    def action_subscriptions(self) -> None:
        self.app.action_show_view("subscriptions")

    def action_step(self) -> None:
        """Take exactly the next message of the chosen subscription (pausing the stream first).

        Every live subscription then holds its messages (pending in nats-py, within its limits)
        until space resumes the stream."""
        feed = self.app.feed
        view = self.stream.view
        if feed.step_target() is None:
            self.app.notify("No open subscription to step through.", severity="warning", markup=False)
            return
        if not view.paused:
            view.paused = True
            self.app.refresh_status()
        if not feed.held:
            feed.hold()
            self._take_in()  # what had arrived before the hold is shown first
        self.step_one()

    def action_step_target(self) -> None:
        target = self.app.feed.next_target()
        if target is not None:
            self.app.notify(f"n takes from {escape_line(target.spec.subject)}.", markup=False)
        self._update_info()

    STEP_WAIT = 5.0  # seconds n waits for a message when none is pending

    @work(exclusive=True, group="step", exit_on_error=False)
    async def step_one(self) -> None:
        feed = self.app.feed
        target = feed.step_target()
        if target is None:
            return
        if not await feed.step_wait(target, self.STEP_WAIT):
            if feed.held:
                self.app.notify(
                    f"Nothing arrived on {escape_line(target.spec.subject)} within {self.STEP_WAIT:g} s.",
                    markup=False,
                )
            return
        self._take_in()
        self.stream.select_index(len(self.stream.view) - 1)

    def _take_in(self) -> None:
        """The paused view takes in what the store holds now (the stepped message)."""
        view = self.stream.view
        view.paused = False
        try:
            self.stream.sync()
        finally:
            view.paused = True
        self._update_info()

    @work(group="release", exit_on_error=False)
    async def release_held(self) -> None:
        await self.app.feed.release()

    def action_filter(self) -> None:
        from natstui.ui.screens.filter import FilterScreen  # its form widgets are not needed to start

        def done(flt: MessageFilter | None) -> None:
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

    def action_trace(self) -> None:
        """Trace the selected message (a trace-only copy); on the subject tree, a sample of the
        highlighted subject: its newest message seen, else an empty one (a wildcard node: its subtree's)."""
        from natstui.ui.screens.trace import open_trace

        record = None
        if self.focused is self.subject_tree:
            node = self.subject_tree.cursor_node
            data = node.data if node is not None else None
            path = data.path if data is not None else ""
            if not path:
                open_trace(self.app, None)
                return
            store = self.app.store
            for back in range(store.last_seq, max(store.first_seq, store.last_seq - 50_000) - 1, -1):
                candidate = store.get(back)
                if candidate is not None and (
                    candidate.msg.subject == path or candidate.msg.subject.startswith(path + ".")
                ):
                    record = candidate
                    break
            if record is None:
                open_trace(self.app, path)
                return
        else:
            cursor = self.stream.cursor_seq
            record = self.app.store.get(cursor) if cursor is not None else None
        if record is None:
            open_trace(self.app, None)
            return
        msg = record.msg
        open_trace(self.app, msg.subject, msg.data or b"", msg.headers)

    # -- interest: how many subscriptions match each node (system account) -------------------------
    INTEREST_EVERY = 5.0  # seconds between two SUBSZ rounds while the Live view shows the marks

    def action_interest(self) -> None:
        """Show or hide each tree node's matching subscriptions across the system (SUBSZ, every few seconds)."""
        from natstui.ui.screens.base import Refresher

        if self.refreshers:
            self.refreshers = ()
            self.workers.cancel_group(self, "interest")
            self.subject_tree.set_interest(None)
            self.interest_line.display = False
            return
        self.interest_line.show(interest_text(None))
        self.interest_line.display = True
        self.refreshers = (Refresher(self, self.INTEREST_EVERY, self.refresh_interest),)
        self.refreshers[0].poll()

    @work(exclusive=True, group="interest", exit_on_error=False)
    async def refresh_interest(self) -> None:
        from natstui.client.interest import collect
        from natstui.client.session import describe_error
        from natstui.model.interest import InterestSnapshot

        app = self.app
        try:
            snapshot = await collect(await app.system_access(), app.session.nc)
        except Exception as exc:
            snapshot = InterestSnapshot(reason=app.session.safe(f"SUBSZ failed: {describe_error(exc)}"))
        if not self.refreshers:
            return  # hidden meanwhile
        self.subject_tree.set_interest(snapshot if snapshot.index is not None else None)
        self.interest_line.show(interest_text(snapshot))

    def action_jump_pair(self) -> None:
        """From a request to its reply, or back (the pair the latency tracker made)."""
        seq = self.stream.cursor_seq
        link = self.app.monitor.latency.link(seq) if seq is not None else None
        if link is None:
            self.app.notify("No reply paired with this message (nor a request it answers).", markup=False)
            return
        target = link.reply if link.request == seq else link.request
        view = self.stream.view
        index = view.index_of(target)
        if index is None and view.paused and target > view.store.last_seq - view.behind:
            self.app.notify("It came in after the pause: space resumes and shows it.", markup=False)
            return
        if index is None:
            self.app.notify("That message is no longer shown (filtered out, or beyond the buffer).", markup=False)
            return
        self.stream.following = False
        self.stream.select_index(index)

    def action_reply(self) -> None:
        from natstui.ui.screens.compose import open_reply

        seq = self.stream.cursor_seq
        open_reply(self.app, self.app.store.get(seq) if seq is not None else None)

    def action_republish(self) -> None:
        from natstui.ui.screens.compose import open_republish

        seq = self.stream.cursor_seq
        open_republish(self.app, self.app.store.get(seq) if seq is not None else None)

    def action_diff(self) -> None:
        """Toggle the payload's difference from the previous message on the same subject."""
        inspector = self.inspector
        record = inspector.record
        if record is None:
            return
        if inspector.diff_with is not None:
            inspector.show_diff(None)
            return
        store = self.app.store
        subject = record.msg.subject
        for seq in range(record.seq - 1, store.first_seq - 1, -1):
            previous = store.get(seq)
            if previous is not None and previous.msg.subject == subject:
                inspector.show_diff(previous)
                return
        self.app.notify("No earlier message on this subject in the buffer.", markup=False)

    # -- recordings ------------------------------------------------------------------
    def action_record(self) -> None:
        """Start recording what the stream takes in (what the filter lets through), or stop."""
        from natstui.model.recording import Recorder
        from natstui.ui.screens.confirm import PromptScreen

        if self.recorder is not None:
            self.recorder.close()
            self.app.notify(f"Recorded {self.recorder.count:,} messages to {self.recorder.path}.", markup=False)
            self.recorder = None
            self._update_info()
            return

        def start(path: str | None) -> None:
            if not path or not path.strip():
                return
            flt = self.stream.view.filter
            try:
                self.recorder = Recorder(self.app.store, path.strip(), flt.matches if flt.active else None)
            except OSError as exc:
                self.app.notify(
                    f"Cannot record to {path.strip()}: {exc.strerror or exc}", severity="error", markup=False
                )
                return
            self._update_info()

        what = "the filtered stream" if self.stream.view.filter.active else "the stream"
        self.app.push_screen(
            PromptScreen(
                f"Record {what} to (JSON Lines, appended):",
                value=default_path("recording"),
                not_done="Not recording: nothing was written.",
            ),
            start,
        )

    def action_export(self) -> None:
        """Write the messages the view shows now (the filter's selection) to a file."""
        from natstui.model.recording import write
        from natstui.ui.screens.confirm import PromptScreen

        view = self.stream.view

        def save(path: str | None) -> None:
            if not path or not path.strip():
                return
            try:
                with open(path.strip(), "w", encoding="utf-8") as out:
                    n = write((r for r in (view.record_at(i) for i in range(len(view))) if r is not None), out)
            except OSError as exc:
                self.app.notify(f"Cannot write {path.strip()}: {exc.strerror or exc}", severity="error", markup=False)
                return
            self.app.notify(f"Exported {n:,} messages to {path.strip()}.", markup=False)

        self.app.push_screen(
            PromptScreen(
                f"Export the {len(view):,} messages shown to (JSON Lines):",
                value=default_path("export"),
                not_done="Not exported: nothing was written.",
            ),
            save,
        )

    def on_unmount(self) -> None:
        if self.recorder is not None:
            self.recorder.close()


def default_path(kind: str) -> str:
    import time

    return time.strftime(f"natstui-{kind}-%Y%m%d-%H%M%S.jsonl")

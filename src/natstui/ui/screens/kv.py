"""The Key-Value view: buckets, their keys (listed progressively, then watched), values, history, diff, changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical

from natstui.client import kv as kvc
from natstui.model import kv as kvmodel
from natstui.model.admin import ttl_text
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.kv import KeyIndex, fmt_ttl, line_diff
from natstui.model.records import Record
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, palette
from natstui.ui.screens.base import ScanningView
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.dialog import when_confirmed
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.kv_dialogs import CreateBucketScreen, DiffScreen, PutScreen
from natstui.ui.widgets.kv_history import HistoryPane
from natstui.ui.widgets.kv_keys import KeyList

BUCKET_COLUMNS = (
    ColumnSpec("bucket", "Bucket", priority=0, min_width=12, max_width=32),
    ColumnSpec("values", "Values", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("bytes", "Bytes", priority=2, ellipsis=False, justify="right"),
    ColumnSpec("history", "History", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("ttl", "TTL", priority=4, ellipsis=False, justify="right"),
    ColumnSpec("storage", "Storage", priority=5, ellipsis=False),
    ColumnSpec("replicas", "Replicas", priority=6, ellipsis=False, justify="right"),
)


def bucket_cells(b: kvc.BucketStatus) -> list[Text]:
    return [
        Text(escape_line(b.name), style=palette.name),
        Text(f"{b.values:,}", justify="right"),
        Text(human_size(b.bytes), justify="right"),
        Text(str(b.history), justify="right"),
        Text(fmt_ttl(b.ttl), justify="right"),
        Text(b.storage),
        Text(str(b.replicas), justify="right"),
    ]


class KeyValueScreen(ScanningView):
    VIEW_NAME = "kv"
    BINDING_GROUP_TITLE = "Key-Value view"  # its section in the help (?)

    BINDINGS = [
        Binding("slash", "filter", "Filter keys", id="kv.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="kv.clear_filter"),
        Binding("h", "history", "History", id="kv.history"),
        Binding("m", "mark", "Mark revision for diff", show=False, id="kv.mark"),
        Binding("d", "diff", "Diff revisions", id="kv.diff"),
        Binding("v", "cycle_view", "Value view", id="kv.cycle_view"),
        Binding("e", "put", "Put (edit value)", id="kv.put"),
        Binding("x", "delete_key", "Delete key", id="kv.delete_key"),
        Binding("P", "purge_key", "Purge key", id="kv.purge_key"),
        Binding("c", "create_bucket", "New bucket", id="kv.create_bucket"),
        Binding("D", "delete_bucket", "Delete bucket", id="kv.delete_bucket"),
        Binding("E", "edit_bucket", "Edit bucket", id="kv.edit_bucket"),
        Binding("R", "revert", "Revert to revision", id="kv.revert"),
        Binding("C", "compact", "Compact bucket", id="kv.compact"),
    ]

    # what ScanningView needs to know
    BUCKET_COLUMNS = BUCKET_COLUMNS
    NO_BUCKETS = "No key-value bucket (c creates one)."
    buckets: dict[str, kvc.BucketStatus]
    scan: kvc.KeyScan | None

    def __init__(self) -> None:
        super().__init__()
        self.pattern = ">"
        self.index = KeyIndex()
        self.selected_key: str | None = None
        self.current: kvc.Revision | None = None  # the selected key's latest revision, as shown
        self._next_apply = 0.0
        self._diff_when_loaded = False
        self._pending_select: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="kv-body"):
            with Vertical(id="kv-left"):
                yield from self.compose_buckets("Buckets", "kv")
                yield KeyList(id="kv-keys")
            with Vertical(id="kv-right"):
                yield Inspector(id="kv-inspector")
                yield HistoryPane(id="kv-history-pane")

    def on_mount(self) -> None:
        self.keys = self.query_one(KeyList)
        self.inspector = self.query_one("#kv-inspector", Inspector)
        self.history = self.query_one(HistoryPane)
        self.contents = self.keys  # then ScanningView.on_mount starts the polling

    async def list_buckets(self) -> list[kvc.BucketStatus]:
        return await kvc.list_buckets(self.js())

    def bucket_cells(self, status: kvc.BucketStatus) -> list[Text]:
        return bucket_cells(status)

    def on_history_pane_highlighted(self, event: HistoryPane.Highlighted) -> None:
        self.inspector.show(self._record(event.revision))

    # -- keys ---------------------------------------------------------------------------------------
    def _open_bucket(self, name: str, force: bool = False) -> None:
        if name == self.bucket and not force:
            return
        self.bucket = name
        self.index = KeyIndex()
        self.keys.set_index(self.index)
        self._select_key(None)
        self.start_scan(name, self.pattern)
        self._update_info()

    def _close_bucket(self) -> None:
        self.bucket = None
        self.index = KeyIndex()
        self.keys.set_index(self.index)
        self._select_key(None)
        self.stop_scan()

    def restart_scan(self) -> None:
        self.start_scan(self.bucket, self.pattern)

    @work(exclusive=True, group="scan", exit_on_error=False)
    async def start_scan(self, bucket: str, pattern: str) -> None:
        await self.replace_scan(
            lambda: kvc.KeyScan(self.js(), bucket, pattern),
            f"keys of {bucket}",
            lambda: bucket == self.bucket and pattern == self.pattern,
        )

    def tick(self) -> None:
        scan = self.scan
        if scan is None:
            return
        now = time.monotonic()
        if now < self._next_apply:
            return
        items = scan.drain()
        if self._pending_select is not None and self.keys.select_key(self._pending_select):
            self._pending_select = None  # a key just put from this view: the cursor goes to it
        if not items:
            self.keys.sync()
            self._update_info()
            return
        start = time.perf_counter()
        touched = self.index.apply(items, now)
        self.keys.sync(touched=bool(touched))
        # A big listing sorts its batches: keep that under a fifth of the time.
        self._next_apply = now + min(0.5, (time.perf_counter() - start) * 4)
        if self.keys.cursor_key is None and len(self.index):
            self.keys.select_index(0)
        if (
            self.selected_key is not None
            and self.selected_key in touched
            and self.index.entries[self.selected_key].live
        ):
            self.load_value(self.bucket, self.selected_key)  # the selected key changed: show its new value
        self._update_info()

    def on_key_list_selected(self, event: KeyList.Selected) -> None:
        self._select_key(event.key)

    def _select_key(self, key: str | None) -> None:
        self.selected_key = key
        self.cancel_debounce("value")
        if key is None:
            self.current = None
            self.inspector.show(None)
            self.history.show(None, [])
            return
        # moving quickly through keys loads only the one the cursor stops on
        self.debounce("value", 0.08, lambda: self.load_value(self.bucket, key))

    @work(exclusive=True, group="kv-value", exit_on_error=False)
    async def load_value(self, bucket: str | None, key: str) -> None:
        if bucket is None or not self.connected:
            return
        status = self.buckets.get(bucket)
        try:
            rev = await kvc.get_entry(self.js(), bucket, key, direct=bool(status and status.direct))
        except Exception as exc:
            if bucket == self.bucket and key == self.selected_key:
                self.app.report_error(f"cannot read {key}", exc)
            return
        if bucket != self.bucket or key != self.selected_key:
            return
        self.current = rev
        self.inspector.show(self._record(rev))
        if self.history.is_open:
            self.load_history(bucket, key)

    def _record(self, rev: kvc.Revision) -> Record:
        bucket = self.bucket or ""
        section = [
            ("Bucket", bucket),
            ("Key", rev.key),
            ("Revision", str(rev.revision)),
            ("Created", kvmodel.fmt_time(rev.created)),
            ("Operation", rev.op),
        ]
        ttl = kvc.message_ttl(rev.headers)
        if ttl:  # a per-message TTL (server 2.11+): when this value goes
            section.append(("TTL", ttl_text(ttl, rev.created)))
        return Record.stored(
            f"$KV.{bucket}.{rev.key}",
            rev.value,
            rev.headers,
            time.time(),
            sections=[("Key-Value", section)],
            stored_at=rev.created or None,  # a TTL counts from there, not from the reading
        )

    # -- history and diff ------------------------------------------------------------------------
    def action_history(self) -> None:
        if self.history.is_open:
            self.history.close()
            self.keys.focus()
            return
        if self._need_key():
            self.history.open()
            self.load_history(self.bucket, self.selected_key)

    @work(exclusive=True, group="kv-history", exit_on_error=False)
    async def load_history(self, bucket: str | None, key: str | None) -> None:
        if bucket is None or key is None or not self.connected:
            return
        try:
            revisions = await kvc.history(self.js(), bucket, key)
        except Exception as exc:
            self.app.report_error(f"cannot read the history of {key}", exc)
            return
        if bucket != self.bucket or key != self.selected_key:
            return
        self.history.show(key, revisions)
        if self._diff_when_loaded:
            self._diff_when_loaded = False
            self.action_diff()

    def action_mark(self) -> None:
        if self.history.is_open:
            self.history.toggle_mark()

    def action_diff(self) -> None:
        if not self._need_key():
            return
        if not self.history.is_open or not self.history.holds(self.selected_key):
            self._diff_when_loaded = True  # load the history first, then compare the latest two
            self.history.open()
            self.load_history(self.bucket, self.selected_key)
            return
        pair = self.history.pair()
        if pair is None:
            self.notify(
                "Nothing to compare: this is the oldest revision kept (the bucket's history depth "
                "limits how many are kept).",
                markup=False,
            )
            return
        old, new = pair
        rows, kind = line_diff(old.value, new.value)
        title = f"{new.key}: revision {old.revision} ({old.op}) → revision {new.revision} ({new.op})"
        self.app.push_screen(DiffScreen(title, rows, kind))

    # -- info line -------------------------------------------------------------------------------
    def info_state(self) -> tuple:
        scan, index = self.scan, self.index
        return (
            self.pattern,
            len(index),
            index.live_changes,
            index.deleted_hidden,
            scan is not None and scan.listed,
            scan.received if scan else -1,
        )

    def describe_bucket(self, text: Text, bucket: str) -> None:
        scan, index = self.scan, self.index
        text.append(escape_line(bucket), style=palette.name)
        text.append(f"  {len(index):,} keys", style="bold")
        if self.pattern != ">":
            text.append(f"  filter {escape_line(self.pattern)}", style=palette.warning)
        expected = (scan.expected or 0) if scan is not None else 0
        share = f" {min(99, scan.received * 100 // expected)}%" if scan is not None and expected else ""
        self.scan_state(text, scan, share)
        if index.live_changes:
            text.append(f"  {index.live_changes:,} change(s)", style=palette.warning + BOLD)
            last = index.last_change
            if last is not None:
                text.append(f", last {last.op} {escape_line(last.key)} rev {last.revision}", style=palette.warning)
        if index.deleted_hidden:
            text.append(f"  ({index.deleted_hidden:,} deleted not shown)", style="dim")

    # -- actions ---------------------------------------------------------------------------------
    def _need_key(self) -> bool:
        if not self.need_bucket():
            return False
        if not self.selected_key:
            self.notify("Select a key first.", severity="warning", markup=False)
            return False
        return True

    def action_filter(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            pattern = value.strip() or ">"
            if not kvc.pattern_is_valid(pattern):
                self.notify(
                    f"Not a key filter: {escape_line(pattern)}. Use key tokens with * (one token) "
                    "and a final > (the rest), e.g. app.*.timeout or orders.>",
                    severity="error",
                    markup=False,
                )
                return
            self._set_pattern(pattern)

        current = "" if self.pattern == ">" else self.pattern
        self.app.push_screen(
            PromptScreen(
                "Show keys matching (NATS wildcards: * one token, > the rest; empty: all)",
                value=current,
                placeholder="e.g. app.*.timeout or orders.>",
            ),
            done,
        )

    def action_clear_filter(self) -> None:
        if self.pattern != ">":
            self._set_pattern(">")

    def _set_pattern(self, pattern: str) -> None:
        self.pattern = pattern
        if self.bucket:
            self._open_bucket(self.bucket, force=True)

    def action_put(self) -> None:
        bucket = self.bucket_to_change("putting a value in bucket")
        if bucket is None:
            return
        key = self.selected_key or ""
        current = self.current
        value = current.value if current and current.key == key and current.op == "PUT" else b""

        def confirm(result) -> ConfirmScreen:
            new_key, data = result
            return ConfirmScreen(
                f"Put {human_size(len(data))} as key {new_key} in bucket {bucket}?",
                danger=False,
                confirm_label="Put",
                not_done=f"Not saved: key {new_key} in bucket {bucket}. The editor keeps your text.",
            )

        def edited(result) -> None:
            if result is not None:
                new_key, data = result
                self.put_value(bucket, new_key, data)

        self.app.push_screen(PutScreen(bucket, key, value, confirm=confirm), edited)

    def action_delete_key(self) -> None:
        self._change_key(
            "Delete",
            "deleting",
            "A delete marker becomes its latest revision; older revisions stay in the history.",
            "Not deleted",
            self.delete_key,
        )

    def action_purge_key(self) -> None:
        self._change_key(
            "Purge", "purging", "Every revision is removed; only a purge marker stays.", "Not purged", self.purge_key
        )

    def _change_key(
        self, verb: str, doing: str, consequence: str, not_done: str, worker: Callable[[str, str], object]
    ) -> None:
        """Delete or purge the selected key, once confirmed."""
        if not self._need_key():
            return
        bucket, key = self.bucket or "", self.selected_key or ""
        if self.app.allow_change(f"{doing} key {key}"):
            self.app.push_screen(
                ConfirmScreen(
                    f"{verb} key {key} from bucket {bucket}? {consequence}",
                    confirm_label=verb,
                    not_done=f"{not_done}: key {key} in bucket {bucket}.",
                ),
                when_confirmed(lambda: worker(bucket, key)),
            )

    def action_create_bucket(self) -> None:
        if not self.need_connection():
            return
        if not self.app.allow_change("creating a bucket"):
            return

        def confirm(config: kvc.BucketConfig) -> ConfirmScreen:
            question = (
                f"Create bucket {config.name}: history {config.history}, TTL {fmt_ttl(config.ttl)}, "
                f"{config.storage} storage, {config.replicas} replica(s)?"
            )
            return ConfirmScreen(
                question,
                danger=False,
                confirm_label="Create",
                not_done=f"Not created: bucket {config.name}. The form keeps what you typed.",
            )

        def configured(config: kvc.BucketConfig | None) -> None:
            if config is not None:
                self.create_bucket(config)

        self.app.push_screen(CreateBucketScreen(confirm=confirm), configured)

    def action_delete_bucket(self) -> None:
        bucket = self.bucket_to_change("deleting bucket")
        if bucket is None:
            return
        status = self.buckets.get(bucket)
        values = f" and its {status.values:,} stored values" if status else ""
        screen = ConfirmScreen(
            f"Delete bucket {bucket}{values}? This cannot be undone.",
            type_to_confirm=bucket,
            confirm_label="Delete bucket",
            not_done=f"Not deleted: bucket {bucket}.",
        )
        self.app.push_screen(screen, when_confirmed(lambda: self.delete_bucket(bucket)))

    # -- changes: one worker each; ScanningView.run_change checks, reports and tells --------------
    @work(group="kv-change", exit_on_error=False)
    async def put_value(self, bucket: str, key: str, data: bytes) -> None:
        async def put(js: Any) -> int:
            if key != self.selected_key:
                self._pending_select = key  # the cursor goes to the new key once it is listed
            return await kvc.put(js, bucket, key, data)

        await self.run_change(
            f"putting key {key}", put, lambda revision: f"Put {key} in {bucket}: revision {revision}."
        )

    @work(group="kv-change", exit_on_error=False)
    async def delete_key(self, bucket: str, key: str) -> None:
        await self.run_change(
            f"deleting key {key}", lambda js: kvc.delete(js, bucket, key), lambda _: f"Deleted {key} from {bucket}."
        )

    @work(group="kv-change", exit_on_error=False)
    async def purge_key(self, bucket: str, key: str) -> None:
        await self.run_change(
            f"purging key {key}", lambda js: kvc.purge(js, bucket, key), lambda _: f"Purged {key} from {bucket}."
        )

    @work(group="kv-change", exit_on_error=False)
    async def create_bucket(self, config: kvc.BucketConfig) -> None:
        async def create(js: Any) -> None:
            await kvc.create_bucket(js, config)
            self._want_bucket = config.name  # the cursor goes to it once listed

        await self.run_change(
            f"creating bucket {config.name}", create, lambda _: f"Created bucket {config.name}.", relist=True
        )

    @work(group="kv-change", exit_on_error=False)
    async def delete_bucket(self, bucket: str) -> None:
        await self.run_change(
            f"deleting bucket {bucket}",
            lambda js: kvc.delete_bucket(js, bucket),
            lambda _: f"Deleted bucket {bucket}.",
            relist=True,
        )

    # -- edit a bucket, revert a key, compact ------------------------------------------------------
    def action_edit_bucket(self) -> None:
        bucket = self.bucket_to_change("editing bucket")
        if bucket is not None:
            self.open_bucket_editor(bucket)

    @work(exclusive=True, group="kv-edit", exit_on_error=False)
    async def open_bucket_editor(self, bucket: str) -> None:
        """The bucket's settings as its stream holds them now, in a form that previews the change."""
        from natstui.ui.screens.dialog import after
        from natstui.ui.screens.jetstream_edit import BucketEditScreen

        try:
            config = (await self.app.jetstream().stream_info(kvc.KV_STREAM_PREFIX + bucket))["config"]
        except Exception as exc:
            self.app.report_error(f"cannot read bucket {bucket}", exc)
            return
        self.app.push_screen(BucketEditScreen(bucket, config), after(self.poll_buckets))

    def action_revert(self) -> None:
        """Put the value of the revision highlighted in the history as the key's newest (confirmed)."""
        if not self._need_key():
            return
        rev = self.history.highlighted() if self.history.is_open and self.history.holds(self.selected_key) else None
        if rev is None:
            self.notify("Open the history (h) and pick the revision to revert to.", severity="warning", markup=False)
            return
        bucket, key = self.bucket or "", rev.key
        if not self.app.allow_change(f"reverting key {key}"):
            return
        if rev.op != "PUT":
            self.notify(f"Revision {rev.revision} is a {rev.op} marker: pick a revision with a value.", markup=False)
            return
        if self.current is not None and self.current.key == key and rev.revision == self.current.revision:
            self.notify(f"Revision {rev.revision} is already the newest of {key}.", markup=False)
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Revert key {key} in bucket {bucket} to revision {rev.revision} ({human_size(rev.size)})? "
                "Its value is put again as a new revision; the history keeps the others.",
                confirm_label="Revert",
                not_done=f"Not reverted: key {key} in bucket {bucket}.",
            ),
            when_confirmed(lambda: self.revert_key(bucket, key, rev.revision)),
        )

    def action_compact(self) -> None:
        bucket = self.bucket_to_change("compacting bucket")
        if bucket is None:
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Compact bucket {bucket}? Every deleted or purged key loses its marker and the history "
                "kept behind it, for good; keys with a value are not touched.",
                type_to_confirm=bucket,
                confirm_label="Compact",
                not_done=f"Not compacted: bucket {bucket}.",
            ),
            when_confirmed(lambda: self.compact_bucket(bucket)),
        )

    @work(group="kv-change", exit_on_error=False)
    async def revert_key(self, bucket: str, key: str, revision: int) -> None:
        await self.run_change(
            f"reverting key {key}",
            lambda js: kvc.revert(js, bucket, key, revision),
            lambda new: f"Reverted {key} in {bucket} to revision {revision}: now revision {new}.",
        )

    @work(group="kv-change", exit_on_error=False)
    async def compact_bucket(self, bucket: str) -> None:
        await self.run_change(
            f"compacting bucket {bucket}",
            lambda js: kvc.compact(js, bucket),
            lambda n: f"Compacted bucket {bucket}: {n:,} deleted key(s) removed.",
            relist=True,
        )
        if bucket == self.bucket:
            self._open_bucket(bucket, force=True)  # a purge is not seen by the watch: list afresh

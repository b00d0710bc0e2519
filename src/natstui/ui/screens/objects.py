"""The Object Store view: buckets, objects (deleted ones marked) watched live, info, preview, transfers."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, ProgressBar

from natstui.client import objects as obc
from natstui.model import kv as kvmodel
from natstui.model.columns import ColumnSpec
from natstui.model.decode import human_size
from natstui.model.kv import KeyIndex, fmt_ttl
from natstui.model.records import Record
from natstui.model.sanitize import escape_line
from natstui.ui.palette import BOLD, DIM, palette
from natstui.ui.screens.base import ScanningView
from natstui.ui.screens.confirm import ConfirmScreen, PromptScreen
from natstui.ui.screens.dialog import when_confirmed
from natstui.ui.widgets.inspector import Inspector
from natstui.ui.widgets.kv_dialogs import UploadScreen
from natstui.ui.widgets.line import TextLine
from natstui.ui.widgets.table import Table

BUCKET_COLUMNS = (
    ColumnSpec("bucket", "Bucket", priority=0, min_width=10, max_width=32),
    ColumnSpec("size", "Size", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("ttl", "TTL", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("storage", "Storage", priority=4, ellipsis=False),
    ColumnSpec("replicas", "Replicas", priority=5, ellipsis=False, justify="right"),
    ColumnSpec("sealed", "Sealed", priority=2, ellipsis=False),
    ColumnSpec("description", "Description", priority=6, min_width=11, max_width=40),
)
OBJECT_COLUMNS = (
    ColumnSpec("name", "Name", priority=0, min_width=16, max_width=32),
    ColumnSpec("size", "Size", priority=1, ellipsis=False, justify="right"),
    ColumnSpec("chunks", "Chunks", priority=3, ellipsis=False, justify="right"),
    ColumnSpec("modified", "Modified", priority=2, ellipsis=False),
    ColumnSpec("digest", "Digest", priority=6, min_width=10, max_width=16),
    ColumnSpec("description", "Description", priority=4, min_width=11, max_width=40),
    ColumnSpec("headers", "Headers", priority=5, min_width=8, max_width=30),
)
STRUCK = Style(strike=True, dim=True)


def bucket_cells(b: obc.ObjectBucketStatus) -> list[Text]:
    return [
        Text(escape_line(b.name), style=palette.name),
        Text(human_size(b.bytes), justify="right"),
        Text(fmt_ttl(b.ttl), justify="right"),
        Text(b.storage),
        Text(str(b.replicas), justify="right"),
        Text("sealed" if b.sealed else "—", style=palette.warning if b.sealed else "dim"),
        Text(escape_line(b.description), style="dim"),
    ]


def header_summary(headers: dict[str, Any] | None) -> str:
    if not headers:
        return ""
    return ", ".join(escape_line(str(name)) for name in headers)


def link_words(link: str) -> str:
    """A link's target in words: ``object NAME in bucket B`` or ``bucket B (all its objects)``."""
    bucket, name = obc.link_target(link)
    if name:
        return f"object {escape_line(name)} in bucket {escape_line(bucket)}"
    return f"bucket {escape_line(bucket)} (all its objects)"


def link_short(link: str, own_bucket: str) -> str:
    """A link's target for the table: ``name`` (same bucket), ``bucket/name``, or ``bucket B``."""
    bucket, name = obc.link_target(link)
    if not name:
        return f"bucket {escape_line(bucket)}"
    return escape_line(name) if bucket == own_bucket else f"{escape_line(bucket)}/{escape_line(name)}"


def object_cells(e: obc.ObjectEntry, fresh: bool) -> list[Text]:
    extra = palette.highlight if fresh else Style()
    if e.deleted:
        return [
            Text(escape_line(e.name), style=STRUCK + extra),
            Text("deleted", style=palette.error + BOLD + extra),
            Text("", style=extra),
            Text(kvmodel.fmt_time(e.mtime), style=DIM + extra),
            Text("", style=extra),
            Text(escape_line(e.description), style=DIM + extra),
            Text(header_summary(e.headers), style=DIM + extra),
        ]
    digest = e.digest.split("=", 1)[-1]
    return [
        Text(
            escape_line(e.name) + (f" → {link_short(e.link, e.bucket)}" if e.link else ""),
            style=palette.subject + extra,
        ),
        Text("link" if e.link else human_size(e.size), justify="right", style=(palette.accent if e.link else extra)),
        Text("" if e.link else f"{e.chunks:,}", justify="right", style=extra),
        Text(kvmodel.fmt_time(e.mtime), style=DIM + extra),
        Text(escape_line(digest), style=DIM + extra),  # the table cuts what does not fit, with an ellipsis
        Text(escape_line(e.description), style=extra),
        Text(header_summary(e.headers), style=palette.accent + extra),
    ]


class ObjectStoreScreen(ScanningView):
    VIEW_NAME = "objects"
    BINDING_GROUP_TITLE = "Object Store view"  # its section in the help (?)

    BINDINGS = [
        Binding("s", "download", "Download", id="objects.download"),
        Binding("u", "upload", "Upload", id="objects.upload"),
        Binding("x", "delete", "Delete object", id="objects.delete"),
        Binding("v", "cycle_view", "Preview view", id="objects.cycle_view"),
        Binding("c", "create_store", "New store", id="objects.create_store"),
        Binding("D", "delete_store", "Delete store", id="objects.delete_store"),
        Binding("S", "seal_store", "Seal store", id="objects.seal_store"),
    ]

    # what ScanningView needs to know
    BUCKET_COLUMNS = BUCKET_COLUMNS
    BUCKETS_WHAT, NO_BUCKETS = "object stores", "No object store in this account."
    SELECT_BUCKET = "Select an object store first."
    buckets: dict[str, obc.ObjectBucketStatus]
    scan: obc.ObjectScan | None

    def __init__(self) -> None:
        super().__init__()
        self.index = KeyIndex(show_deleted=True)
        self.selected: str | None = None
        self.transfer: obc.Transfer | None = None
        self._rows: list[str] = []  # object names in table order
        self._fresh_rows: set = set()
        self._transfer_done_at = 0.0
        self._table_version = -1  # the index version the objects table shows
        self._next_rebuild = 0.0

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="obj-body"):
            with Vertical(id="obj-left"):
                yield from self.compose_buckets("Object stores", "obj")
                yield Table(OBJECT_COLUMNS, id="obj-objects")
                with Vertical(id="obj-transfer"):
                    yield TextLine(id="obj-transfer-label")
                    yield ProgressBar(total=1, show_eta=False, id="obj-progress")
            with Vertical(id="obj-right"):
                yield Inspector(id="obj-inspector")

    def on_mount(self) -> None:
        self.object_table = self.query_one("#obj-objects", Table)
        self.inspector = self.query_one("#obj-inspector", Inspector)
        self.transfer_bar = self.query_one("#obj-transfer", Vertical)
        self.progress = self.query_one("#obj-progress", ProgressBar)
        self.transfer_label = self.query_one("#obj-transfer-label", TextLine)
        self.contents = self.object_table  # then ScanningView.on_mount starts the polling

    async def list_buckets(self) -> list[obc.ObjectBucketStatus]:
        return await obc.list_buckets(self.js())

    def bucket_cells(self, status: obc.ObjectBucketStatus) -> list[Text]:
        return bucket_cells(status)

    def slow_tick(self) -> None:
        super().slow_tick()  # the bucket list, the open bucket after a reconnection, the info line
        faded = {name for name in self._fresh_rows if not self.index.fresh(name)}
        if faded:
            self._render_rows(faded)  # the highlight of a live change fades after a few seconds
        if self.transfer is not None and self.transfer.finished and time.monotonic() - self._transfer_done_at > 4:
            self.transfer = None
            self.transfer_bar.remove_class("-active")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.object_table:  # the bucket table: ScanningView
            self.debounce("object", 0.08, self._select_highlighted_object)

    def _open_bucket(self, name: str | None, force: bool = False) -> None:
        if name == self.bucket and not force:
            return
        self.bucket = name
        self.index = KeyIndex(show_deleted=True)
        self._rows = []
        self._fresh_rows = set()
        self._table_version = -1
        self.object_table.clear()
        self.selected = None
        self.inspector.show(None)
        if name is None:
            self.stop_scan()
        else:
            self.start_scan(name)
        self._update_info()

    def _close_bucket(self) -> None:
        self._open_bucket(None)

    def restart_scan(self) -> None:
        self.start_scan(self.bucket)

    @work(exclusive=True, group="scan", exit_on_error=False)
    async def start_scan(self, bucket: str) -> None:
        await self.replace_scan(
            lambda: obc.ObjectScan(self.js(), bucket), f"objects of {bucket}", lambda: bucket == self.bucket
        )

    # -- objects ----------------------------------------------------------------------------------
    def tick(self) -> None:
        if self.transfer is not None:
            self._show_transfer()
        scan = self.scan
        if scan is None:
            return
        items = scan.drain()
        touched = self.index.apply(items) if items else set()
        now = time.monotonic()
        if self.index.version != self._table_version:
            # New or removed rows rebuild the table: at most a fifth of the time for a big bucket.
            if now >= self._next_rebuild:
                start = time.perf_counter()
                self._rebuild_rows()
                self._table_version = self.index.version
                self._next_rebuild = now + min(1.0, (time.perf_counter() - start) * 5)
        elif touched:
            self._render_rows(touched)
        if items:
            if self.selected in touched:
                self.debounce("object", 0.08, self._select_highlighted_object)
            self._update_info()

    def _rebuild_rows(self) -> None:
        table = self.object_table
        keep = self.selected
        table.clear()
        self._rows = list(self.index.keys)
        self._fresh_rows = set()
        for name in self._rows:
            fresh = self.index.fresh(name)
            if fresh:
                self._fresh_rows.add(name)
            table.add_row(*object_cells(self.index.entries[name], fresh), key=name)
        if keep in self.index.entries:
            table.move_cursor(row=self.index.index_of(keep) or 0)

    def _render_rows(self, names) -> None:
        in_table = set(self._rows)
        for name in names:
            if name not in in_table or name not in self.index.entries:
                continue  # not in the table yet: the next rebuild shows it
            fresh = self.index.fresh(name)
            (self._fresh_rows.add if fresh else self._fresh_rows.discard)(name)
            for spec, cell in zip(OBJECT_COLUMNS, object_cells(self.index.entries[name], fresh)):
                self.object_table.update_cell(name, spec.key, cell)

    def _select_highlighted_object(self) -> None:
        row = self.object_table.cursor_row
        if not (0 <= row < len(self._rows)) or self.bucket is None:
            return
        name = self._rows[row]
        self.selected = name
        entry = self.index.entries[name]
        self.inspector.show(self._record(entry, b""))
        if not entry.deleted and entry.size and not entry.link:
            self.load_preview(entry)

    @work(exclusive=True, group="obj-preview", exit_on_error=False)
    async def load_preview(self, entry: obc.ObjectEntry) -> None:
        try:
            data = await obc.preview(self.js(), entry)
        except Exception as exc:
            self.app.report_error(f"cannot preview {entry.name}", exc)
            return
        if entry.name == self.selected and entry.bucket == self.bucket:
            self.inspector.show(self._record(entry, data))

    def _record(self, e: obc.ObjectEntry, data: bytes) -> Record:
        rows = [("Bucket", e.bucket), ("Name", e.name)]
        if e.deleted:
            rows.append(("Deleted", f"yes, at {kvmodel.fmt_time(e.mtime)}"))
        else:
            rows += [
                ("Size", f"{e.size:,} bytes ({human_size(e.size)})"),
                ("Chunks", f"{e.chunks:,}"),
                ("Modified", kvmodel.fmt_time(e.mtime)),
                ("Digest", e.digest),
            ]
        rows.append(("Description", e.description or "—"))
        if e.link:
            rows.append(("Link to", link_words(e.link)))
        if e.chunk_size:
            rows.append(("Chunk size", human_size(e.chunk_size)))
        if data and len(data) < e.size:
            rows.append(("Preview", f"the first {human_size(len(data))} of {human_size(e.size)}"))
        return Record.stored(obc.meta_subject(e.bucket, e.name), data, e.headers, e.mtime, sections=[("Object", rows)])

    # -- info and transfer --------------------------------------------------------------------------
    def info_state(self) -> tuple:
        scan, index = self.scan, self.index
        return (len(index), index.live_changes, scan is not None and scan.listed)

    def describe_bucket(self, text: Text, bucket: str) -> None:
        index = self.index
        deleted = sum(1 for e in index.entries.values() if e.deleted)
        text.append(escape_line(bucket), style=palette.name)
        text.append(f"  {len(index) - deleted:,} objects", style="bold")
        if deleted:
            text.append(f" ({deleted:,} deleted)", style="dim")
        self.scan_state(text, self.scan)
        if index.live_changes:
            last = index.last_change
            text.append(f"  {index.live_changes:,} change(s)", style=palette.warning + BOLD)
            if last is not None:
                verb = "deleted" if last.deleted else "stored"
                text.append(f", last {verb} {escape_line(last.name)}", style=palette.warning)

    def _show_transfer(self) -> None:
        t = self.transfer
        if t is None:
            return
        self.progress.update(total=max(1, t.total), progress=t.done if t.total else (1 if t.finished else 0))
        verb = "Downloading" if t.kind == "download" else "Uploading"
        text = Text(no_wrap=True, overflow="ellipsis")
        if t.finished:
            verb = "Downloaded" if t.kind == "download" else "Uploaded"
            text.append("✓ ", style=palette.ok + BOLD)
        text.append(f"{verb} {escape_line(t.name)}", style="bold")
        text.append(f"  {human_size(t.done)} of {human_size(t.total)}", style="dim")
        if t.finished:
            text.append(", digest verified" if t.kind == "download" else ", stored", style=palette.ok)
        text.append(f"  {'→' if t.kind == 'download' else '←'} {escape_line(t.path)}")
        self.transfer_label.set_text(text)

    def _start_transfer(self, transfer: obc.Transfer) -> None:
        self.transfer = transfer
        self.transfer_bar.add_class("-active")
        self._show_transfer()

    # -- actions ----------------------------------------------------------------------------------
    def _need_object(self, live: bool = True) -> obc.ObjectEntry | None:
        if not self.need_connection():
            return None
        entry = self.index.entries.get(self.selected or "")
        if entry is None or self.bucket is None:
            self.notify("Select an object first.", severity="warning", markup=False)
            return None
        if live and entry.deleted:
            self.notify(f"{entry.name} is deleted.", severity="warning", markup=False)
            return None
        return entry

    def _busy(self) -> bool:
        if self.transfer is not None and not self.transfer.finished:
            self.notify("A transfer is running; wait for it to finish.", severity="warning", markup=False)
            return True
        return False

    def action_download(self) -> None:
        entry = self._need_object()
        if entry is None or self._busy():
            return
        if entry.link:
            self.notify(f"{entry.name} is a link to {entry.link}: download it from there.", markup=False)
            return

        def chosen(path: str | None) -> None:
            if not path:
                return
            path = os.path.abspath(os.path.expanduser(path.strip()))
            if os.path.isdir(path):
                path = os.path.join(path, os.path.basename(entry.name) or "object")
            if os.path.exists(path):
                self.app.push_screen(
                    ConfirmScreen(
                        f"{path} exists. Replace it with {entry.name}?",
                        confirm_label="Replace",
                        not_done=f"Not downloaded: {entry.name} ({path} left as it was).",
                    ),
                    when_confirmed(lambda: self.download(entry.bucket, entry.name, path)),
                )
            else:
                self.download(entry.bucket, entry.name, path)

        default = os.path.join(os.getcwd(), os.path.basename(entry.name) or "object")
        self.app.push_screen(
            PromptScreen(
                f"Save {escape_line(entry.name)} ({human_size(entry.size)}) to file:",
                value=default,
                not_done=f"Not downloaded: {entry.name}.",
            ),
            chosen,
        )

    @work(group="obj-transfer", exit_on_error=False)
    async def download(self, bucket: str, name: str, path: str) -> None:
        transfer = obc.Transfer("download", name, path)
        if await self._run_transfer(transfer, lambda js: obc.download(js, bucket, name, path, transfer)):
            self.notify(f"Downloaded {name} to {path} ({human_size(transfer.total)}, digest verified).", markup=False)

    async def _run_transfer(self, transfer: obc.Transfer, run: Callable[[Any], Awaitable[object]]) -> bool:
        """Show ``transfer``'s progress while ``run(js)`` moves the data; False (reported) if it failed."""
        self._start_transfer(transfer)
        try:
            await run(self.js())
        except Exception as exc:
            self.transfer = None
            self.transfer_bar.remove_class("-active")
            self.app.report_error(f"{transfer.kind} of {transfer.name} failed", exc)
            return False
        self._transfer_done_at = time.monotonic()
        self._show_transfer()
        return True

    def action_upload(self) -> None:
        if self._busy():
            return
        bucket = self.bucket_to_change("uploading to object store")
        if bucket is None:
            return

        def confirm(result) -> ConfirmScreen:
            path, name, _description = result
            entry = self.index.entries.get(name)
            replacing = entry is not None and not entry.deleted
            question = (
                f"Replace object {name} in {bucket} with {path} ({human_size(os.path.getsize(path))})?"
                if replacing
                else f"Upload {path} ({human_size(os.path.getsize(path))}) to {bucket} as {name}?"
            )
            return ConfirmScreen(
                question,
                danger=replacing,
                confirm_label="Replace" if replacing else "Upload",
                not_done=f"Not uploaded: {name} to {bucket}. The form keeps what you typed.",
            )

        def chosen(result) -> None:
            if result is not None:
                path, name, description = result
                self.upload(bucket, path, name, description)

        self.app.push_screen(UploadScreen(bucket, confirm=confirm), chosen)

    @work(group="obj-transfer", exit_on_error=False)
    async def upload(self, bucket: str, path: str, name: str, description: str) -> None:
        if not self.app.allow_change(f"uploading {name}"):
            return
        transfer = obc.Transfer("upload", name, path)
        if await self._run_transfer(transfer, lambda js: obc.upload(js, bucket, path, name, transfer, description)):
            self.notify(f"Uploaded {name} to {bucket} ({human_size(transfer.total)}).", markup=False)

    def action_delete(self) -> None:
        entry = self._need_object()
        if entry is None:
            return
        if not self.app.allow_change(f"deleting object {entry.name}"):
            return
        question = f"Delete object {entry.name} ({human_size(entry.size)}) from {entry.bucket}? Its data is purged."
        self.app.push_screen(
            ConfirmScreen(
                question, confirm_label="Delete", not_done=f"Not deleted: object {entry.name} in {entry.bucket}."
            ),
            when_confirmed(lambda: self.delete_object(entry.bucket, entry.name)),
        )

    @work(group="obj-change", exit_on_error=False)
    async def delete_object(self, bucket: str, name: str) -> None:
        await self.run_change(
            f"deleting object {name}",
            lambda js: obc.delete(js, bucket, name),
            lambda _: f"Deleted {name} from {bucket}.",
        )

    # -- stores: create, delete, seal --------------------------------------------------------------
    def action_create_store(self) -> None:
        if not self.need_connection() or not self.app.allow_change("creating an object store"):
            return
        from natstui.ui.screens.object_admin import ObjectStoreCreateScreen

        def created(config: Any) -> None:
            if config is not None:
                self._want_bucket = config.name  # the cursor goes to it once listed
                self.poll_buckets()

        self.app.push_screen(ObjectStoreCreateScreen(), created)

    def action_delete_store(self) -> None:
        bucket = self.bucket_to_change("deleting object store")
        if bucket is None:
            return
        status = self.buckets.get(bucket)
        size = f" and its {human_size(status.bytes)} of objects" if status else ""
        self.app.push_screen(
            ConfirmScreen(
                f"Delete object store {bucket}{size}? This cannot be undone.",
                type_to_confirm=bucket,
                confirm_label="Delete store",
                not_done=f"Not deleted: object store {bucket}.",
            ),
            when_confirmed(lambda: self.delete_store(bucket)),
        )

    def action_seal_store(self) -> None:
        bucket = self.bucket_to_change("sealing object store")
        if bucket is None:
            return
        status = self.buckets.get(bucket)
        if status is not None and status.sealed:
            self.notify(f"Object store {bucket} is already sealed.", markup=False)
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Seal object store {bucket}? No object can be added, changed or deleted afterwards, "
                "and the server cannot unseal it. Its objects stay readable.",
                confirm_label="Seal store",
                not_done=f"Not sealed: object store {bucket}.",
            ),
            when_confirmed(lambda: self.seal_store(bucket)),
        )

    @work(group="obj-change", exit_on_error=False)
    async def delete_store(self, bucket: str) -> None:
        await self.run_change(
            f"deleting object store {bucket}",
            lambda js: obc.delete_store(js, bucket),
            lambda _: f"Deleted object store {bucket}.",
            relist=True,
        )

    @work(group="obj-change", exit_on_error=False)
    async def seal_store(self, bucket: str) -> None:
        await self.run_change(
            f"sealing object store {bucket}",
            lambda js: self.app.jetstream().seal_stream(obc.OBJ_STREAM_PREFIX + bucket),
            lambda _: f"Sealed object store {bucket}.",
            relist=True,
        )

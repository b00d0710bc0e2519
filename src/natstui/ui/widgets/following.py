"""What the live stream and the event list share: a virtual list of a ring buffer's records that
follows the newest while it is at the end, with a cursor on a record's sequence (so it survives
eviction), taken in and redrawn in batches."""

from __future__ import annotations

from typing import Any, Protocol

from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from natstui.model.records import Record
from natstui.ui.widgets.cursorlist import CursorList


class Rows(Protocol):
    """The records a list shows (a filtered view of a store): sequences by row index."""

    store: Any

    def update(self) -> tuple[int, int]: ...  # rows (added, dropped) since the last call

    def __len__(self) -> int: ...

    def seq_at(self, index: int) -> int | None: ...

    def index_of(self, seq: int) -> int | None: ...


class FollowingList(CursorList):
    """Rows of a :class:`Rows`. Follows the newest row while the view is at the end (Up stops
    following, End follows again). A subclass draws a row (``render_line``, caching in ``_strips``),
    binds its first and last keys, and defines its own ``Selected`` message (posted with the
    record under the cursor): Textual names the handler after the class that defines it."""

    class Selected(Message):
        """The cursor moved to another record."""

        def __init__(self, record: Record | None) -> None:
            super().__init__()
            self.record = record

    following: reactive[bool] = reactive(True, init=False)

    def __init__(self, rows: Rows, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.cursor_seq: int | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)

    @property
    def record(self) -> Record | None:
        return self.rows.store.get(self.cursor_seq) if self.cursor_seq is not None else None

    # -- batch update from the timer ------------------------------------------------------------
    def sync(self) -> None:
        """Take in what the rows have gained since the last call and redraw once."""
        added, dropped = self.rows.update()
        if not added and not dropped:
            return
        at_end = self.following  # read before the new height moves the scroll position
        self.set_virtual_rows(len(self.rows))
        if at_end:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        elif dropped:
            self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True, force=True)
        self.refresh()

    def reset(self) -> None:
        """The rows changed wholesale (a new filter, another kind): the cursor's row is shown in the
        middle if it is still there, else the list follows the newest."""
        self._strips.clear()
        self.set_virtual_rows(len(self.rows))
        index = self.cursor_index
        if index is not None and not self.following:
            middle = max(0, index - self.scrollable_content_region.height // 2)
            self.scroll_to(y=middle, animate=False, immediate=True, force=True)
        else:
            self.following = True
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        self.refresh()

    def on_resize(self) -> None:
        self._strips.clear()
        self.set_virtual_rows(len(self.rows))
        if self.following:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y:
            self.following = True
        elif new < old:
            self.following = False

    # -- cursor ------------------------------------------------------------------------------------
    @property
    def cursor_index(self) -> int | None:
        return self.rows.index_of(self.cursor_seq) if self.cursor_seq is not None else None

    def select_index(self, index: int) -> None:
        count = len(self.rows)
        if count == 0:
            return
        index = max(0, min(count - 1, index))
        seq = self.rows.seq_at(index)
        if seq == self.cursor_seq:
            return
        self.cursor_seq = seq
        self.scroll_to_row(index)
        self.refresh()
        self.post_message(self.Selected(self.record))

    def _current_or_visible(self) -> int:
        index = self.cursor_index
        if index is None:
            height = self.scrollable_content_region.height
            return min(len(self.rows) - 1, int(self.scroll_y) + height - 1)
        return index

    def action_cursor(self, delta: int) -> None:
        last = len(self.rows) - 1
        if last < 0:
            return
        if self.following and self.cursor_index != last:
            # Following, the first Up (or Down) selects the newest row, the one at the bottom of the
            # screen, wherever an earlier selection was left; Up also stops following.
            if delta < 0:
                self.following = False
            self.select_index(last)
            return
        if self.cursor_index is None:
            self.select_index(self._current_or_visible())
            return
        index = self._current_or_visible() + delta
        if delta < 0:
            self.following = False
        self.select_index(index)

    def action_page(self, direction: int) -> None:
        if direction < 0:
            self.following = False
        self.select_index(self._current_or_visible() + direction * self.page_step)

    def action_first(self) -> None:
        self.following = False
        self.select_index(0)

    def action_last(self) -> None:
        self.select_index(len(self.rows) - 1)
        self.following = True
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def on_click(self, event) -> None:
        index = self.row_at(event.y)
        if 0 <= index < len(self.rows):
            self.focus()
            if index < len(self.rows) - 1:
                self.following = False
            self.select_index(index)

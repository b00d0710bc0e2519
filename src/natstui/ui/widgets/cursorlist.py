"""What the virtual lists share (the live stream, a bucket's keys, the row table): a Line-API
``ScrollView`` with a cursor row moved by the same keys, kept on screen the same way."""

from __future__ import annotations

from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView


class CursorList(ScrollView, can_focus=True):
    """A list drawn line by line (``render_line``) with ``HEADER`` lines above its rows.

    A subclass keeps its rows and its cursor (a row index, a key, a sequence) and implements
    ``action_cursor(delta)`` and ``action_page(direction)``; it binds its own first and last
    keys (they differ: ``g``/``G`` are free in the stream and the key list, not in the
    message pages that hold a row table).
    """

    HEADER = 0  # lines above the first row (a column header)

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
    ]

    def action_cursor(self, delta: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def action_page(self, direction: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def page_step(self) -> int:
        """Rows a page key moves: a screenful less one, so the row at the edge stays in sight."""
        return max(1, self.scrollable_content_region.height - self.HEADER - 1)

    def row_at(self, y: int) -> int:
        """The row at line ``y`` of the widget (negative on the header)."""
        return int(self.scroll_y) + y - self.HEADER

    def scroll_to_row(self, row: int) -> None:
        """Scroll just enough to show ``row`` (the cursor's), below the header."""
        height = max(1, self.scrollable_content_region.height - self.HEADER)
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        elif row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True, force=True)

    def set_virtual_rows(self, lines: int) -> bool:
        """Change the virtual height to ``lines`` without a layout of the screen (True if it changed).

        Assigning ``virtual_size`` asks Textual for a full layout; rows arriving many times a
        second only need the scrollbar and this widget updated.
        """
        size = Size(self.scrollable_content_region.width, lines)
        if size == self.virtual_size:
            return False
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)
        return True

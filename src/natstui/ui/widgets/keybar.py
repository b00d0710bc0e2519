"""The key bar: the footer of every view, one line, one widget.

Textual's ``Footer`` is a container of one widget per key that it rebuilds, with every
key's styles, whenever the screen's bindings are refreshed (each view switch, each focus
change): about 50 ms per switch with natstui's twenty keys. This bar draws the same
keys as one line of text, rebuilds that line only when the keys or their states changed,
and runs a key's action when it is clicked, as the footer does.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Spans = list[tuple[int, int, str, bool]]  # start, end, key, enabled


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--palette"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        .keybar--key { color: $footer-key-foreground; text-style: bold; }
        .keybar--description { color: $footer-description-foreground; }
        .keybar--palette { color: $footer-description-foreground 70%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._signature: tuple | None = None
        self._keys: list[tuple[str, str, str, bool]] = []  # key, key display, description, enabled
        self._palette: tuple[str, str] | None = None  # key, key display
        self._spans: Spans = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        app = self.app
        active = screen.active_bindings
        keys: list[tuple[str, str, str, bool]] = []
        seen_actions = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen_actions:
                continue  # one entry an action, as the footer shows it
            seen_actions.add(binding.action)
            keys.append((binding.key, app.get_key_display(binding), binding.description, bool(enabled)))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, _enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, app.get_key_display(binding))
            keys = [k for k in keys if k[0] != binding.key]
        signature = (tuple(keys), palette)
        if signature != self._signature:
            self._signature = signature
            self._keys, self._palette = keys, palette
            self.refresh()

    @property
    def plain(self) -> str:
        """The keys as text (what the bar shows, at any width)."""
        return self._line(10_000)[0].plain

    def _line(self, width: int) -> tuple[Text, Spans]:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        desc_style = self.get_component_rich_style("keybar--description", partial=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: Spans = []
        tail = Text(no_wrap=True, end="")
        if self._palette is not None:
            palette_style = self.get_component_rich_style("keybar--palette", partial=True)
            tail.append("▏", style=palette_style)
            tail.append(self._palette[1], style=key_style)
            tail.append(" palette", style=palette_style)
        room = max(0, width - tail.cell_len)
        for key, display, description, enabled in self._keys:
            start = text.cell_len
            entry = Text.assemble((display, key_style), " ", (description, desc_style), no_wrap=True)
            if not enabled:
                entry.stylize("dim")
            if start + entry.cell_len > room:
                if start < room:
                    text.append("…")
                break
            text.append_text(entry)
            spans.append((start, start + entry.cell_len, key, enabled))
            text.append(" ")
        if self._palette is not None:
            text.append(" " * max(0, room - text.cell_len))
            start = text.cell_len
            text.append_text(tail)
            spans.append((start, text.cell_len, self._palette[0], True))
        return text, spans

    def render(self) -> Text:
        text, self._spans = self._line(self.content_region.width or self.size.width)
        return text

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return

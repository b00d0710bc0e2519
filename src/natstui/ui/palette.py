"""One palette of semantic styles, taken from the app's theme and recomputed when it changes.

Widgets and views colour their text with these names (``palette.subject``, ``palette.error``...)
instead of colour literals, so that every colour follows the theme chosen in the command palette.
The styles are Rich ``Style`` objects computed once per theme: reading one on a hot path (the live
stream draws thousands of rows) is an attribute read. Widgets that cache drawn lines compare
``palette.generation`` to know when to drop them.

Each text colour is the theme's own colour (``$primary``, ``$warning``...) when it is readable on
the theme's background (contrast of at least 4.5:1, WCAG AA), else Textual's text variant of it
(``$text-primary``...), tinted towards the foreground, moved further if that is still not enough:
so a light theme is as readable as a dark one. ANSI themes (``ansi-dark``, ``ansi-light``) keep the terminal's own colours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.style import Style
from textual.color import Color

if TYPE_CHECKING:
    from rich.syntax import SyntaxTheme
    from textual.theme import Theme

BOLD = Style(bold=True)
DIM = Style(dim=True)
UNDERLINE = Style(underline=True)
REVERSE = Style(reverse=True)
MIN_CONTRAST = 4.5


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: Color, background: Color) -> Color:
    """``colour``, moved towards black (on a light background) or white (on a dark one) just as far
    as needed for a contrast of MIN_CONTRAST."""
    target = Color(0, 0, 0) if _luminance(background) > 0.18 else Color(255, 255, 255)
    for step in range(11):
        candidate = colour.blend(target, step / 10)
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return target


class Palette:
    """Semantic styles of the current theme (see the module's docstring)."""

    def __init__(self) -> None:
        self.generation = 0  # changes whenever the styles do
        self.theme_name = ""
        self.dark = True
        # Text colours.
        self.subject = Style()  # subjects, keys, object names
        self.name = Style()  # the name a view is about: a stream, a bucket, a service (bold)
        self.number = Style()  # sizes, revisions, counts worth noticing
        self.accent = Style()  # headers, metadata section titles, the header mark
        self.muted = Style()  # times, counts in the tree, secondary columns
        self.ok = Style()  # success, "connected", verified, a rate
        self.warning = Style()
        self.error = Style()
        self.info = Style()  # neutral notices ("offline", "read-only")
        self.rate = Style()
        # Backgrounds.
        self.cursor = Style()  # the cursor row of the live stream and the key list
        self.highlight = Style()  # a row that just changed (a fresh key or object)
        self._syntax: SyntaxTheme | None = None
        self.use_variables(_default_variables(), name="textual-dark", dark=True)

    # -- computing the styles from a theme -------------------------------------------------------
    def use(self, theme: Theme) -> None:
        """Take the colours of ``theme`` (the app's ``current_theme``)."""
        variables = dict(theme.to_color_system().generate())
        variables.update(theme.variables)
        self.use_variables(variables, name=theme.name, dark=theme.dark)

    def use_variables(self, variables: Mapping[str, str], *, name: str = "", dark: bool = True) -> None:
        background = _parse(variables.get("background"))
        solid_background = background if background is not None and background.ansi is None else None

        def text(role: str) -> Style:
            raw = _parse(variables.get(role))
            if raw is None:
                return Style()
            if raw.ansi is not None or solid_background is None:
                return Style(color=raw.rich_color)
            if contrast(raw, solid_background) >= MIN_CONTRAST:
                return Style(color=raw.rich_color)
            return Style(color=readable(_parse(variables.get(f"text-{role}")) or raw, solid_background).rich_color)

        def over_background(role: str, share: float, ansi_fallback: Style) -> Style:
            raw = _parse(variables.get(role))
            if raw is None or raw.ansi is not None or solid_background is None:
                return ansi_fallback
            return Style(bgcolor=solid_background.blend(raw.with_alpha(1.0), share).rich_color)

        muted_value = _parse(variables.get("foreground-muted"))
        if muted_value is not None and muted_value.ansi is None and solid_background is not None:
            muted = Style(color=(solid_background + muted_value).rich_color)
        else:
            muted = Style(dim=True)

        styles = {
            "subject": text("primary"),
            "number": text("warning"),
            "accent": text("accent"),
            "muted": muted,
            "ok": text("success"),
            "warning": text("warning"),
            "error": text("error"),
            "info": text("secondary"),
            "cursor": over_background("primary", 0.4 if dark else 0.3, Style(reverse=True)),
            "highlight": over_background("warning", 0.35, Style(bgcolor=_ansi_rich(variables.get("warning")))),
        }
        styles["name"] = styles["subject"] + BOLD
        styles["rate"] = styles["ok"]
        if all(getattr(self, key) == value for key, value in styles.items()) and self.theme_name == name:
            return
        for key, value in styles.items():
            setattr(self, key, value)
        self.theme_name = name
        self.dark = dark
        self.generation += 1
        self._syntax = None

    def syntax_theme(self) -> SyntaxTheme:
        """JSON highlighting in the palette's colours (a Rich syntax theme; built when first needed,
        as pygments is slow to import)."""
        if self._syntax is None:
            from pygments.token import Comment, Keyword, Name, Number, Operator, String, Token
            from rich.syntax import ANSISyntaxTheme

            self._syntax = ANSISyntaxTheme(
                {
                    Token: Style(),
                    Name.Tag: self.subject,  # JSON keys
                    String: self.ok,
                    Number: self.number,
                    Keyword: self.accent,  # true, false, null
                    Operator: self.muted,
                    Comment: self.muted,
                    Token.Error: self.error,
                }
            )
        return self._syntax


def _parse(value: str | None) -> Color | None:
    """A theme variable as a colour: ``#RRGGBB``, ``#RRGGBBAA``, ``ansi_blue`` or ``ansi_blue 50%``."""
    if not value:
        return None
    value = value.strip()
    if value.endswith("%") and " " in value:
        value = value.rsplit(" ", 1)[0]
    if value.startswith("auto") or value == "ansi_default":
        return None
    try:
        return Color.parse(value)
    except Exception:
        return None


def _ansi_rich(value: str | None):
    color = _parse(value)
    return color.rich_color if color is not None else None


def _default_variables() -> Mapping[str, str]:
    """textual-dark's variables: the palette before an app has set one (e.g. in unit tests)."""
    from textual.theme import BUILTIN_THEMES

    theme = BUILTIN_THEMES["textual-dark"]
    variables = dict(theme.to_color_system().generate())
    variables.update(theme.variables)
    return variables


palette = Palette()
"""The palette of the running app's theme; the app updates it when the theme changes."""

"""The few places natstui reads or sets Textual's private state.

Each is here because Textual (8.2) has no public API for it, with the reason; a Textual
upgrade that changes one breaks here, in one place, and the tests named below notice.
"""

from __future__ import annotations

from typing import Any


def is_closing(app: Any) -> bool:
    """``App.exit()`` was called: the app is closing but may still be running for a moment.

    Textual sets ``App._exit`` in ``exit()``; ``is_running`` turns false only later, while
    the screens are taken apart. Views must not be built then (tests/ui/test_live.py presses
    view keys right after q).
    """
    return bool(getattr(app, "_exit", False))


def mode_is_built(app: Any, mode: str) -> bool:
    """The mode's screen was made already (``App._screen_stacks`` holds a stack per mode once made)."""
    return mode in getattr(app, "_screen_stacks", {})


def mark_stylesheet_current(screen: Any) -> None:
    """Tell a new screen that it was made from the app's current stylesheet.

    Textual re-parses every stylesheet of the app (twice) when a mode's screen is first
    made, because a new screen has not seen the newest stylesheet (``_css_update_count``).
    A new screen is styled from the app's current stylesheet when it mounts; marking it
    current saves ~15 ms at start-up and at each view's first showing (a theme change
    still updates every screen: benchmarks/startup.py measures it).
    """
    try:
        screen._css_update_count = screen.app._css_update_count
    except Exception:  # made outside a running app
        pass


def set_select_blank_allowed(select: Any, allowed: bool) -> None:
    """Whether a ``Select`` offers its blank prompt as an option; Textual takes it only in the
    constructor (tests/jetstream/test_consumer_field_defects.py checks the picker's options)."""
    select._allow_blank = allowed

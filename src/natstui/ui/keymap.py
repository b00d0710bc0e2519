"""The user's keymap (``[keymap]`` in config.toml): binding id -> keys, checked before it is applied.

Every binding of natstui has an id (``live.pause``, ``workbench.ack``, ...). A keymap
names ids and their new keys; Textual applies it (``App.set_keymap``). Before that,
natstui checks it against every binding it has, so that an unknown id or two actions
on one key in the same place is a one-line warning at start, not a surprise later.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from textual.binding import Binding
from textual.dom import DOMNode

# Modules whose classes hold bindings; imported only when a keymap is given.
MODULES = (
    "natstui.ui.app",
    "natstui.ui.screens.live",
    "natstui.ui.screens.streams",
    "natstui.ui.screens.messages",
    "natstui.ui.screens.consumers",
    "natstui.ui.screens.workbench",
    "natstui.ui.screens.jetstream_forms",
    "natstui.ui.screens.kv",
    "natstui.ui.screens.objects",
    "natstui.ui.screens.services",
    "natstui.ui.screens.servers",
    "natstui.ui.screens.connections",
    "natstui.ui.screens.compose",
    "natstui.ui.screens.confirm",
    "natstui.ui.screens.filter",
    "natstui.ui.screens.help",
)


@dataclass(frozen=True)
class Place:
    """Where bindings apply together: one class's own bindings (plus the app's, which apply everywhere)."""

    name: str
    bindings: tuple[Binding, ...]


def _own_bindings(cls: type) -> tuple[Binding, ...]:
    return tuple(b for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding))


def places() -> list[Place]:
    """Every natstui class that declares bindings, the app first."""
    for module in MODULES:
        import_module(module)
    found: list[Place] = []
    seen: set[type] = set()
    stack: list[type] = [DOMNode]
    while stack:
        cls = stack.pop()
        subclasses: list[type] = cls.__subclasses__()
        for sub in subclasses:
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            if sub.__module__.startswith("natstui.") and _own_bindings(sub):
                found.append(Place(f"{sub.__module__.rsplit('.', 1)[-1]}.{sub.__name__}", _own_bindings(sub)))
    found.sort(key=lambda p: (not p.name.startswith("app."), p.name))
    return found


def _keys(binding: Binding, keymap: dict[str, str]) -> list[str]:
    keys = keymap.get(binding.id or "", binding.key)
    return [k.strip() for k in keys.split(",") if k.strip()]


def _owners(bindings: list[Binding], keymap: dict[str, str], norm) -> dict[str, tuple[set[str], set[str]]]:
    """key -> (actions, binding ids) of the bindings on it."""
    owners: dict[str, tuple[set[str], set[str]]] = {}
    for b in bindings:
        for key in _keys(b, keymap):
            actions, ids = owners.setdefault(norm(key), (set(), set()))
            actions.add(b.action)
            ids.add(b.id or "")
    return owners


def check_keymap(keymap: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The part of ``keymap`` that can be applied, and one warning line per problem.

    Unknown ids are dropped; a key given to two different actions in one place (a
    class's bindings, or a class's and the app's global ones) is reported, and the
    entries that caused it are dropped so that the defaults stay in force there.
    """
    from textual.keys import _character_to_key

    def norm(key: str) -> str:
        return _character_to_key(key) if len(key) == 1 else key

    all_places = places()
    known = {b.id for p in all_places for b in p.bindings if b.id}
    warnings = [
        f"keymap: unknown binding id {i!r} (ignored; '?' lists the keys, ids are in the README)"
        for i in keymap
        if i not in known
    ]
    usable = {i: k for i, k in keymap.items() if i in known}
    app_place = next((p for p in all_places if p.name.startswith("app.")), None)
    dropped: set[str] = set()
    for place in all_places:
        scope = list(place.bindings)
        if app_place is not None and place is not app_place:
            scope += [b for b in app_place.bindings if not b.priority]
        before = _owners(scope, {}, norm)
        after = _owners(scope, usable, norm)
        for key, (actions, ids) in after.items():
            remapped = {i for i in ids if i in usable}
            # a clash the defaults already have (a dialog's q closing it, not quitting) is intended
            if len(actions) > 1 and actions != before.get(key, (set(), set()))[0] and not remapped <= dropped:
                others = ", ".join(sorted(i for i in ids if i not in remapped)) or "another binding"
                warnings.append(
                    f"keymap: {key} for {', '.join(sorted(remapped))} clashes with {others} "
                    f"in {place.name} (kept the default keys)"
                )
                dropped |= remapped
    return {i: k for i, k in usable.items() if i not in dropped}, warnings

"""A keymap in config.toml: remapped keys work end to end, bad entries are one-line warnings."""

import uuid

from natstui.ui.keymap import check_keymap
from natstui.ui.screens.help import HelpScreen
from natstui.ui.widgets.keybar import KeyBar
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

SIZE = (160, 40)


def write_config(tmp_path, monkeypatch, text: str) -> None:
    (tmp_path / "natstui").mkdir()
    (tmp_path / "natstui" / "config.toml").write_text(text)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def test_check_keymap_reports_unknown_ids_and_clashes():
    usable, warnings = check_keymap({"live.pause": "ctrl+t", "no.such.binding": "x"})
    assert usable == {"live.pause": "ctrl+t"}
    assert warnings == [
        "keymap: unknown binding id 'no.such.binding' (ignored; '?' lists the keys, ids are in the README)"
    ]
    # 'f' is the Live view's follow key: giving it to pause as well is a clash there, and is not applied
    usable, warnings = check_keymap({"live.pause": "f"})
    assert usable == {}
    assert len(warnings) == 1 and "f for live.pause clashes with live.follow in live.LiveScreen" in warnings[0]
    # moving follow away at the same time frees 'f'
    usable, warnings = check_keymap({"live.pause": "f", "live.follow": "ctrl+e"})
    assert usable == {"live.pause": "f", "live.follow": "ctrl+e"} and warnings == []


async def test_a_remapped_key_works_and_is_shown(server_url, nc, tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, '[keymap]\n"live.pause" = "ctrl+t"\n"app.help" = ["f1", "question_mark"]\n')
    p = "k" + uuid.uuid4().hex[:8]
    app = make_test_app(server_url, [f"{p}.>"])
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        await nc.publish(f"{p}.a", b"one")
        await nc.flush()
        await wait_until(lambda: len(app.view) == 1, pilot=pilot)
        bar = app.screen.query_one(KeyBar)
        await wait_until(lambda: "^t Pause" in bar.plain, pilot=pilot)
        assert "space Pause" not in bar.plain
        # the old key is not bound to pause any more (nothing else in the view takes it)
        assert not [b for key, (_, b, *_) in app.screen.active_bindings.items() if key == "space"]
        await press_keys(pilot, "ctrl+t")
        await wait_until(lambda: app.view.paused, pilot=pilot)
        await wait_until(lambda: "paused" in screen_text(app), pilot=pilot)
        await press_keys(pilot, "f1")
        await wait_until(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)
        lines = screen_text(app).splitlines()
        # the help lists the keys in force: ^t for Pause, f1 and ? for Help
        assert any("^t" in line and "Pause" in line and "space" not in line for line in lines)
        assert any("f1 / ?" in line and "Help" in line for line in lines)


async def test_bad_keymap_entries_are_warnings_not_crashes(server_url, tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, '[keymap]\n"live.nothing" = "x"\n"live.pause" = "f"\n')
    app = make_test_app(server_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_connected(app, pilot)
        messages = lambda: [n.message for n in app._notifications]  # noqa: E731
        await wait_until(lambda: any("unknown binding id 'live.nothing'" in m for m in messages()), pilot=pilot)
        assert any("f for live.pause clashes with live.follow" in m for m in messages())
        assert app.keymap == {}
        bar = app.screen.query_one(KeyBar)
        assert "space Pause" in bar.plain and "f Follow" in bar.plain


def test_every_binding_has_a_unique_id_and_natstui_keys_lists_them():
    from click.testing import CliRunner

    from natstui.cli import main
    from natstui.ui.keymap import places

    ids = [b.id for p in places() for b in p.bindings]
    assert all(ids), [b for p in places() for b in p.bindings if not b.id]
    assert len(ids) == len(set(ids))
    out = CliRunner().invoke(main, ["keys"]).output
    assert "live.LiveScreen" in out
    assert any(line.split()[:2] == ["live.pause", "space"] for line in out.splitlines())

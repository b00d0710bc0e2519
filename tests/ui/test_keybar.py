"""The key bar at the foot of every view: the view's keys, clickable, kept within the width."""

from natstui.ui.screens.help import HelpScreen
from natstui.ui.widgets.keybar import KeyBar
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until


def keybar(app) -> KeyBar:
    return app.screen.query_one(KeyBar)


async def click_key(pilot, label: str) -> None:
    """Click the middle of the entry whose text is ``label`` (e.g. "2 Streams")."""
    bar = keybar(pilot.app)
    start = bar.plain.index(label)
    await pilot.click(KeyBar, offset=(start + len(label) // 2, 0))


async def test_each_view_shows_its_own_keys_and_the_global_ones(server_url):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_connected(app, pilot)
        await wait_until(lambda: "space Pause" in keybar(app).plain, pilot=pilot)
        live = keybar(app).plain
        assert "/ Filter" in live and "2 Streams" in live and "? Help" in live and "^p palette" in live
        footer = screen_text(app).splitlines()[-1]
        assert footer.startswith("space Pause") and footer.rstrip().endswith("^p palette")
        await pilot.press("2")
        await wait_until(lambda: "Browse" in keybar(app).plain, pilot=pilot)
        streams = keybar(app).plain
        assert "space Pause" not in streams and "1 Live" in streams


async def test_clicking_a_key_runs_its_action(server_url):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_connected(app, pilot)
        await wait_until(lambda: "2 Streams" in keybar(app).plain, pilot=pilot)
        await click_key(pilot, "2 Streams")
        await wait_until(lambda: app.current_mode == "streams", pilot=pilot)
        await wait_until(lambda: "? Help" in keybar(app).plain, pilot=pilot)
        await click_key(pilot, "? Help")
        await wait_until(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)


async def test_a_narrow_terminal_cuts_the_keys_and_keeps_the_palette_hint(server_url):
    app = make_test_app(server_url, ["none.>"])
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_connected(app, pilot)
        await wait_until(lambda: "…" in screen_text(app).splitlines()[-1], pilot=pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.startswith("space Pause") and footer.rstrip().endswith("^p palette")
        assert len(footer.rstrip()) <= 60

"""The Live filter dialog fits: its placeholder and hint are shown whole at 80x24 and 200x50."""

from natstui.ui.screens.filter import FilterScreen
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until

PLACEHOLDER = "subjects, e.g. orders.*.created sensors.>"
HINT = "* one token, > the rest; several subjects: comma or space separated"


async def test_the_filter_dialog_shows_its_placeholder_and_hint_whole(server_url):
    for size in ((80, 24), (200, 50)):
        app = make_test_app(server_url, ["filterdialog.none"])
        async with app.run_test(size=size) as pilot:
            await wait_connected(app, pilot)
            await press_keys(pilot, "slash")
            await wait_until(lambda: isinstance(app.screen, FilterScreen), pilot=pilot)
            await wait_until(lambda: PLACEHOLDER in screen_text(app), pilot=pilot)
            text = screen_text(app)
            assert HINT in text, size
            assert "text to find in the payload" in text and "regular expression" in text
            assert all(word in text for word in ("Apply", "Clear", "Cancel")), size

"""Themes: the one chosen in the command palette is remembered in config.toml and used at the next
start, --theme overrides it, an unknown name is a warning; every colour comes from the theme."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.command import CommandList, CommandPalette

from natstui import cli
from natstui.cli import make_app
from natstui.config import Settings, config_path, load_config
from natstui.ui.palette import palette
from natstui.ui.widgets.stream import MessageStream
from tests.conftest import wait_until
from tests.snapshots.test_snapshots import FROZEN, demo_store

UI = Path(__file__).resolve().parents[2] / "src" / "natstui" / "ui"


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test here reads and writes its own config file, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def offline_app(**settings):
    return make_app(Settings(**settings), store=demo_store(), clock=lambda: FROZEN, connect=False)


def palette_first_match(app) -> str:
    """The command palette's highlighted entry, as text ('' while it is still searching)."""
    results = app.screen.query_one(CommandList)
    if not results.option_count:
        return ""
    return str(results.get_option_at_index(results.highlighted or 0).prompt).strip().lower()


async def choose_theme_in_palette(app, pilot, name: str) -> None:
    """ctrl+p, the "Theme" command, then the theme's name: as a user picks one."""
    await pilot.press("ctrl+p")
    await wait_until(lambda: isinstance(app.screen, CommandPalette), pilot=pilot)
    await pilot.press(*"theme")
    await wait_until(lambda: palette_first_match(app).startswith("theme"), pilot=pilot)
    await pilot.press("enter")
    await wait_until(
        lambda: (
            isinstance(app.screen, CommandPalette) and "theme" in str(app.screen.query_one("Input").placeholder).lower()
        ),
        pilot=pilot,
    )
    await pilot.press(*name)
    await wait_until(lambda: palette_first_match(app) == name, pilot=pilot)
    await pilot.press("enter")
    await wait_until(lambda: app.theme == name, pilot=pilot)


def subject_colour(app) -> str:
    """The colour the live stream draws a row's subject in (a row not under the cursor)."""
    stream = app.screen.query_one(MessageStream)
    segments = [s for y in range(stream.scrollable_content_region.height) for s in stream.render_line(y)]
    segment = next(s for s in segments if s.text.startswith("orders.eu.created"))
    return segment.style.color.name if segment.style and segment.style.color else ""


async def test_theme_chosen_in_palette_is_saved_and_used_at_next_start(config_dir):
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text("# mine\nutc = false\n\n[layout]\ntree_width = 40\n")
    app = offline_app()
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.theme == "textual-dark"
        dark_subject = subject_colour(app)
        await choose_theme_in_palette(app, pilot, "textual-light")
        await wait_until(lambda: load_config().get("theme") == "textual-light", pilot=pilot)
        await wait_until(lambda: subject_colour(app) != dark_subject, pilot=pilot)  # drawn again
        light_subject = subject_colour(app)
    # the rest of the file stays as it was
    assert path.read_text() == '# mine\nutc = false\ntheme = "textual-light"\n\n[layout]\ntree_width = 40\n'
    # the stream's rows are drawn again in the new theme's colours
    assert dark_subject and light_subject and dark_subject != light_subject

    again = offline_app()
    async with again.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: again.screen.query(MessageStream), pilot=pilot)
        assert again.theme == "textual-light"
        assert again.current_theme.dark is False
        assert subject_colour(again) == light_subject
    assert load_config().get("theme") == "textual-light"


async def test_theme_flag_overrides_the_saved_theme_and_is_not_saved(config_dir):
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "nord"\n')
    app = offline_app(theme="textual-light")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: app.screen.query(MessageStream), pilot=pilot)
        assert app.theme == "textual-light"
    assert path.read_text() == 'theme = "nord"\n'  # --theme is for this run only

    saved = offline_app()
    async with saved.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: saved.screen.query(MessageStream), pilot=pilot)
        assert saved.theme == "nord"


@pytest.mark.parametrize("where", ["flag", "config"])
async def test_an_unknown_theme_is_a_warning_not_a_crash(config_dir, where):
    if where == "config":
        config_path().parent.mkdir(parents=True)
        config_path().write_text('theme = "no-such-theme"\n')
        app = offline_app()
    else:
        app = offline_app(theme="no-such-theme")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: app._notifications, pilot=pilot)
        notes = [n.message for n in app._notifications]
        assert any(m.startswith("unknown theme 'no-such-theme'") and "\n" not in m for m in notes), notes
        assert app.theme == "textual-dark"
        assert app.screen.query_one(MessageStream).display


def test_theme_option_reaches_the_app_from_every_command(monkeypatch, tmp_path):
    seen = []

    class Stop(Exception):
        pass

    def fake_make_app(settings, **kwargs):
        seen.append(settings.theme)
        raise Stop

    monkeypatch.setattr(cli, "make_app", fake_make_app)
    runner = CliRunner()
    runner.invoke(cli.main, ["--theme", "nord", "-s", "nats://127.0.0.1:1"])
    recording = tmp_path / "recording.jsonl"
    recording.write_text("")
    runner.invoke(cli.main, ["open", "--theme", "dracula", str(recording)])
    assert seen == ["nord", "dracula"]

    served = []
    monkeypatch.setattr(cli, "serve_app", lambda args, host, port, env=None: served.append(args))
    runner.invoke(cli.main, ["serve", "--theme", "textual-light", "-s", "nats://127.0.0.1:1"])
    assert served and served[0][served[0].index("--theme") + 1] == "textual-light"


def test_no_colour_literal_in_ui_python():
    """Colours come from the theme: no hex colour, no named colour in a style, no Pygments theme."""
    hex_colour = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
    named = re.compile(
        r"""["'](?:[a-z ]*\s)?(?:bright_)?(?:red|green|yellow|blue|cyan|magenta|white|black)(?:\s[a-z ]*)?["']"""
    )
    found = []
    for path in sorted(UI.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if hex_colour.search(line) or named.search(line) or 'theme="monokai"' in line:
                found.append(f"{path.relative_to(UI)}:{number}: {line.strip()}")
    assert found == []


def test_palette_follows_the_theme_and_stays_readable():
    from textual.color import Color
    from textual.theme import BUILTIN_THEMES

    from natstui.ui.palette import contrast

    seen = {}
    try:
        for name in ("textual-light", "solarized-light", "nord", "catppuccin-latte", "textual-dark"):
            theme = BUILTIN_THEMES[name]
            before = palette.generation
            palette.use(theme)
            assert palette.generation != before
            background = Color.parse(theme.to_color_system().generate()["background"])
            for role in ("subject", "number", "ok", "warning", "error"):
                colour = getattr(palette, role).color
                assert contrast(Color.from_rich_color(colour), background) >= 4.5, (name, role)
            seen[name] = palette.subject
        assert seen["textual-dark"] != seen["textual-light"]
    finally:
        palette.use(BUILTIN_THEMES["textual-dark"])

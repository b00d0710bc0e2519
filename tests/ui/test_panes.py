"""Live view panes: a deep subject readable in the tree, dividers moved by keys and by mouse,
widths remembered in the config file; the palette without Textual's key panel."""

import uuid

import pytest
from textual.command import CommandPalette

from natstui.config import config_path, load_layout
from natstui.decoders import load_rules
from natstui.ui.widgets.tree import SubjectPath, SubjectTree
from tests.conftest import make_test_app, screen_text, wait_connected, wait_until

DEEP = "$JS.EVENT.ADVISORY.CONSUMER.DELETED.KV_MYBUCKET"


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test here reads and writes its own config file, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def deep_subject() -> str:
    # the last token is unique so that the test owns its node on the shared server
    return f"{DEEP}.5NR{uuid.uuid4().hex[:6]}"


async def open_deep_subject(app, pilot, nc, subject: str) -> SubjectTree:
    """Publish ``subject`` and expand the tree down to its last token, highlighted."""
    await wait_connected(app, pilot)
    await nc.publish(subject, b'{"type": "io.nats.jetstream.advisory.v1.consumer_action"}')
    await nc.flush()
    tree = app.screen.query_one(SubjectTree)
    await wait_until(lambda: tree.root.children, pilot=pilot)
    tree.focus()
    tokens = subject.split(".")
    await pilot.press("down")  # onto $JS: the only child of the root
    for _ in tokens[1:]:
        await pilot.press("right", "down")
    await wait_until(
        lambda: (
            tree.cursor_node is not None and tree.cursor_node.data is not None and tree.cursor_node.data.path == subject
        ),
        pilot=pilot,
    )
    await pilot.pause(0.1)
    return tree


def tree_rows(app) -> list:
    """The rendered lines of the tree, as the terminal shows them (its columns only)."""
    tree = app.screen.query_one(SubjectTree)
    region = tree.content_region
    lines = screen_text(app).splitlines()
    return [line[region.x : region.right] for line in lines[region.y : region.bottom]]


def path_text(app) -> str:
    """The full-path line under the tree, its wrapped lines joined again."""
    region = app.screen.query_one(SubjectPath).content_region
    lines = screen_text(app).splitlines()
    return "".join(line[region.x : region.right].strip() for line in lines[region.y : region.bottom])


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 40)])
async def test_deep_subject_tokens_whole_at_default_width(server_url, nc, size):
    subject = deep_subject()
    app = make_test_app(server_url, [subject])
    async with app.run_test(size=size) as pilot:
        await open_deep_subject(app, pilot, nc, subject)
        rows = tree_rows(app)
        # every token of the expanded path is drawn whole, each on its own row of the tree
        for token in subject.split("."):
            assert any(f" {token} " in f"{row} " for row in rows), (token, rows)
        # and the line under the tree gives the whole subject of the highlighted node
        await wait_until(lambda: path_text(app) == subject, pilot=pilot)


async def test_narrow_tree_scrolls_sideways_to_the_highlighted_name(server_url, nc):
    subject = deep_subject()
    app = make_test_app(server_url, [subject])
    async with app.run_test(size=(80, 24)) as pilot:
        tree = await open_deep_subject(app, pilot, nc, subject)
        for _ in range(10):
            await pilot.press("less_than_sign")
        pane = app.screen.query_one("#tree-pane")
        await wait_until(lambda: pane.size.width == 12, pilot=pilot)
        last = subject.rsplit(".", 1)[1]
        # the pane is narrower than the path's indentation: the tree scrolled to show the name
        await wait_until(lambda: any(last in row for row in tree_rows(app)), pilot=pilot)
        assert tree.scroll_x > 0
        await pilot.press("up")  # KV_MYBUCKET, one level up, still needs the sideways scroll
        await wait_until(lambda: any("KV_MYBUCKET" in row for row in tree_rows(app)), pilot=pilot)
        await pilot.press("home", "down")  # $JS fits from column 0: back to the left edge
        await wait_until(lambda: tree.scroll_x == 0 and tree_rows(app)[1].startswith("└ ▼ $JS"), pilot=pilot)


def rows_width(app, selector: str) -> int:
    return app.screen.query_one(selector).outer_size.width


async def test_keys_resize_the_panes_and_the_widths_are_saved(server_url, config_dir):
    path = config_path()
    path.parent.mkdir(parents=True)
    original = '# my natstui settings\n[[decoders]]\nsubject = "telemetry.>"\ndecoder = "msgpack"\n'
    path.write_text(original)
    app = make_test_app(server_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_connected(app, pilot)
        assert rows_width(app, "#tree-pane") == 31  # the default: 32 columns with its divider
        inspector = rows_width(app, "#inspector")
        await pilot.press("greater_than_sign", "greater_than_sign", "greater_than_sign", "less_than_sign")
        await wait_until(lambda: rows_width(app, "#tree-pane") == 35, pilot=pilot)
        await wait_until(lambda: load_layout().get("tree_width") == 35, pilot=pilot)
        # [ moves the stream/inspector divider left: a wider inspector
        await pilot.press("left_square_bracket")
        await wait_until(lambda: rows_width(app, "#inspector") == inspector + 2, pilot=pilot)
        await wait_until(lambda: load_layout().get("inspector_width") == inspector + 2, pilot=pilot)
    text = path.read_text()
    assert text.startswith(original)  # the user's comment and decoders are kept as they were
    assert text.endswith(f"\n[layout]\ntree_width = 35\ninspector_width = {inspector + 2}\n")
    assert [r.decoder for r in load_rules(path)] == ["msgpack"]

    # a new app starts with the saved widths
    app = make_test_app(server_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(lambda: rows_width(app, "#tree-pane") == 35, pilot=pilot)
        assert rows_width(app, "#inspector") == inspector + 2


async def test_dragging_the_dividers_resizes_the_panes_and_saves(server_url):
    app = make_test_app(server_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_connected(app, pilot)
        splitter = app.screen.query_one("#tree-splitter")
        x0 = splitter.region.x
        # press on the divider, drag it 15 columns right (over the stream), release there
        await pilot.mouse_down("#tree-splitter", offset=(0, 5))
        await pilot.hover(None, offset=(x0 + 8, 6))
        await wait_until(lambda: rows_width(app, "#tree-pane") == 31 + 8, pilot=pilot)
        assert load_layout() == {}  # saved when the drag ends, not at each step
        await pilot.hover(None, offset=(x0 + 15, 6))
        await pilot.mouse_up(None, offset=(x0 + 15, 6))
        await wait_until(lambda: rows_width(app, "#tree-pane") == 31 + 15, pilot=pilot)
        assert splitter.region.x == x0 + 15  # the divider followed the mouse
        await wait_until(lambda: load_layout().get("tree_width") == 46, pilot=pilot)
        # a move after the release changes nothing
        await pilot.hover(None, offset=(x0 + 30, 6))
        await pilot.pause(0.1)
        assert rows_width(app, "#tree-pane") == 46

        # the inspector's divider: dragged left, the inspector widens by as much
        divider = app.screen.query_one("#inspector-splitter")
        inspector = rows_width(app, "#inspector")
        x1 = divider.region.x
        await pilot.mouse_down("#inspector-splitter", offset=(0, 5))
        await pilot.hover(None, offset=(x1 - 10, 5))
        await pilot.mouse_up(None, offset=(x1 - 10, 5))
        await wait_until(lambda: rows_width(app, "#inspector") == inspector + 10, pilot=pilot)
        await wait_until(lambda: load_layout() == {"tree_width": 46, "inspector_width": inspector + 10}, pilot=pilot)

    app = make_test_app(server_url)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(lambda: rows_width(app, "#tree-pane") == 46, pilot=pilot)
        assert rows_width(app, "#inspector") == inspector + 10


async def test_widths_stay_within_the_terminal(server_url):
    app = make_test_app(server_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_connected(app, pilot)
        assert rows_width(app, "#tree-pane") == 27  # the narrow layout's default
        for _ in range(40):
            await pilot.press("greater_than_sign")
        # the stream keeps at least 24 columns; the tree stops there
        await wait_until(lambda: rows_width(app, "#stream-pane") == 24, pilot=pilot)
        assert rows_width(app, "#tree-pane") == 80 - 1 - 24
        for _ in range(40):
            await pilot.press("less_than_sign")
        await wait_until(lambda: rows_width(app, "#tree-pane") == 12, pilot=pilot)
        assert load_layout() == {"tree_width": 12}

        # a wider terminal: the inspector moves beside the stream, with its default share
        await pilot.resize_terminal(160, 40)
        await wait_until(lambda: rows_width(app, "#inspector") == 55, pilot=pilot)
        assert rows_width(app, "#tree-pane") == 12
        await pilot.press("greater_than_sign")
        await wait_until(lambda: rows_width(app, "#tree-pane") == 14, pilot=pilot)
        # and back: under the stream, as wide as the stream's column
        await pilot.resize_terminal(100, 30)
        await wait_until(lambda: rows_width(app, "#inspector") == 100 - 14 - 1, pilot=pilot)


async def test_palette_does_not_offer_textual_key_panel(server_url):
    app = make_test_app(server_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_connected(app, pilot)
        await pilot.press("ctrl+p")
        await wait_until(lambda: isinstance(app.screen, CommandPalette), pilot=pilot)
        palette = app.screen
        commands = palette.query_one("CommandList")

        def titles() -> list:
            return [str(option.prompt).split("\n")[0] for option in commands.options]

        # what the empty search lists: natstui's own Help and Textual's Theme, not Textual's Keys
        await wait_until(lambda: {"Help", "Theme"} <= set(titles()), pilot=pilot)
        assert "Keys" not in titles()
        await pilot.press(*"keys")
        await wait_until(lambda: "No matches found" in screen_text(app), pilot=pilot)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, CommandPalette), pilot=pilot)


def test_path_line_shows_hostile_subjects_as_data():
    path = SubjectPath()
    path.show("a.[/bold].\x1b[2J.\u202e")
    assert path.lines(80) == ["a.[/bold].\\e[2J.\\u202e"]
    path.show("")
    assert path.lines(80) == ["all subjects"]

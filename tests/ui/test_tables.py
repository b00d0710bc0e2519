"""Home, End, PageUp and PageDown move the cursor (and the selection the actions act on) in every table.

Textual's DataTable scrolls sideways on Home/End in a row table: the cursor, and with it the row
``a`` acks or ``enter`` opens, stayed where it was.
"""

import re

from natstui.client.workbench import ACKED
from natstui.ui.screens.workbench import WorkbenchScreen
from natstui.ui.widgets.table import Table
from tests.conftest import make_test_app, press_keys, screen_text, wait_connected, wait_until
from tests.jetstream.conftest import js, make_stream, name  # noqa: F401  (fixtures)

SIZE = (100, 16)  # a short table: a page is fewer rows than the table holds
NS = 10**9


def cursor_key(table: Table):
    return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value


async def check_row_keys(pilot, table: Table, selected) -> None:
    """Home, End, PageDown, PageUp on ``table``; ``selected()`` is the row the view's actions act on."""
    keys = [key.value for key in table.rows]
    assert len(keys) > table.scrollable_content_region.height  # more rows than a page
    await press_keys(pilot, "end")
    await wait_until(lambda: table.cursor_row == len(keys) - 1 and selected() == keys[-1], pilot=pilot)
    await press_keys(pilot, "home")
    await wait_until(lambda: table.cursor_row == 0 and selected() == keys[0], pilot=pilot)
    await press_keys(pilot, "pagedown")
    await wait_until(lambda: 0 < table.cursor_row < len(keys) - 1, pilot=pilot)
    page = table.cursor_row
    assert selected() == keys[page]
    await press_keys(pilot, "pagedown")
    await wait_until(lambda: table.cursor_row > page, pilot=pilot)
    further = table.cursor_row
    await press_keys(pilot, "pageup")
    await wait_until(lambda: table.cursor_row < further and selected() == keys[table.cursor_row], pilot=pilot)
    await press_keys(pilot, "pageup", "pageup")
    await wait_until(lambda: table.cursor_row == 0 and selected() == keys[0], pilot=pilot)


async def test_streams_table_keys(server_url, nc, js, name):  # noqa: F811
    names = [f"{name}{i:02d}" for i in range(14)]
    for stream in names:
        await js.create_stream({"name": stream, "subjects": [f"{stream.lower()}.>"], "storage": "memory"})
    try:
        app = make_test_app(server_url, ["none.>"])
        async with app.run_test(size=SIZE) as pilot:
            await wait_connected(app, pilot)
            await press_keys(pilot, "2")
            await wait_until(lambda: all(n in getattr(app.screen, "streams", {}) for n in names), pilot=pilot)
            table = app.screen.query_one("#streams-table", Table)
            await wait_until(lambda: table.row_count >= len(names), pilot=pilot)
            screen = app.screen
            await check_row_keys(pilot, table, lambda: screen.selected)
            # the selection the view's actions use followed the cursor
            await press_keys(pilot, "end")
            await wait_until(lambda: app.selected_stream == cursor_key(table), pilot=pilot)
    finally:
        for stream in names:
            await js.delete_stream(stream)


async def test_consumers_table_keys(server_url, nc, js, name):  # noqa: F811
    await make_stream(js, nc, name, 3)
    consumers = [f"c{i:02d}" for i in range(14)]
    for consumer in consumers:
        await js.create_consumer(name, {"durable_name": consumer, "ack_policy": "explicit"})
    try:
        app = make_test_app(server_url, ["none.>"])
        async with app.run_test(size=(100, 24)) as pilot:  # the detail pane takes 3/5 of the height
            await wait_connected(app, pilot)
            app.selected_stream = name
            await press_keys(pilot, "3")
            await wait_until(lambda: len(getattr(app.screen, "consumers", {})) == len(consumers), pilot=pilot)
            screen = app.screen
            table = screen.query_one("#consumers-table", Table)
            await wait_until(lambda: table.row_count == len(consumers), pilot=pilot)
            await check_row_keys(pilot, table, lambda: screen.selected)
            await press_keys(pilot, "end")
            # the detail pane shows the last consumer
            await wait_until(
                lambda: any(re.fullmatch(r"\s*Name\s+c13\s*", line) for line in screen_text(app).splitlines()),
                pilot=pilot,
            )
    finally:
        await js.delete_stream(name)


async def test_workbench_end_then_ack_acks_the_last_message(server_url, nc, js, name):  # noqa: F811
    await make_stream(js, nc, name, 3)
    await js.create_consumer(name, {"durable_name": "w", "ack_policy": "explicit", "ack_wait": 60 * NS})
    try:
        app = make_test_app(server_url, ["none.>"])
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_connected(app, pilot)
            app.selected_stream = name
            await press_keys(pilot, "3")
            await wait_until(lambda: "w" in getattr(app.screen, "consumers", {}), pilot=pilot)
            await press_keys(pilot, "enter")
            await wait_until(
                lambda: (
                    isinstance(app.screen, WorkbenchScreen)
                    and app.screen.bench is not None
                    and app.screen.bench._pull is not None
                ),
                pilot=pilot,
            )
            screen = app.screen
            table = screen.query_one("#workbench-table", Table)
            for count in (1, 2, 3):
                await press_keys(pilot, "f")
                await wait_until(lambda: len(screen.bench.items) == count, pilot=pilot)
            await wait_until(lambda: table.row_count == 3, pilot=pilot)
            await press_keys(pilot, "home")
            await wait_until(lambda: table.cursor_row == 0 and screen.selected is screen.bench.items[0], pilot=pilot)
            await press_keys(pilot, "a")
            await wait_until(lambda: screen.bench.items[0].state == ACKED, pilot=pilot)
            info = await js.consumer_info(name, "w")
            assert info["num_ack_pending"] == 2 and info["ack_floor"]["stream_seq"] == 1
            await press_keys(pilot, "end")
            await wait_until(lambda: table.cursor_row == 2 and screen.selected is screen.bench.items[2], pilot=pilot)
            await press_keys(pilot, "a")
            await wait_until(lambda: screen.bench.items[2].state == ACKED, pilot=pilot)
            info = await js.consumer_info(name, "w")
            # the last message (stream sequence 3) was acked; 2 is still pending, so the floor stays at 1
            assert info["num_ack_pending"] == 1 and info["ack_floor"]["stream_seq"] == 1
            assert screen.bench.items[1].state != ACKED
            await press_keys(pilot, "pageup")
            await wait_until(lambda: table.cursor_row == 0, pilot=pilot)
            await press_keys(pilot, "pagedown")
            await wait_until(lambda: table.cursor_row == 2, pilot=pilot)
            # at 100 columns the work list still shows the note of what was done to each message
            await wait_until(lambda: "Note" in screen_text(app) and "acked" in screen_text(app).lower(), pilot=pilot)
            # the consumer's line keeps whole parts ("name value"), the least useful left out, none cut
            numbers = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("Consumer:"))
            assert "ack pending 1" in numbers and "redelivered 0" in numbers
            assert numbers.rstrip()[-1].isdigit(), numbers
    finally:
        await js.delete_stream(name)


def test_every_data_table_is_the_shared_table():
    """One DataTable subclass for the whole app, so the keys above hold in every table."""
    from pathlib import Path

    import natstui

    root = Path(natstui.__file__).parent
    made = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "table.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bDataTable\(", line) and not line.lstrip().startswith("#")
    ]
    assert made == []


async def test_a_table_chooses_its_columns_again_when_resized():
    from rich.text import Text
    from textual.app import App, ComposeResult

    from natstui.model.columns import ColumnSpec

    specs = (
        ColumnSpec("name", "Name", priority=0, min_width=10, max_width=30),
        ColumnSpec("subjects", "Subjects", priority=3, min_width=10, max_width=40),
        ColumnSpec("messages", "Messages", priority=1, ellipsis=False, justify="right"),
        ColumnSpec("bytes", "Bytes", priority=2, ellipsis=False, justify="right"),
        ColumnSpec("retention", "Retention", priority=4, ellipsis=False),
    )

    class TableApp(App):
        def compose(self) -> ComposeResult:
            yield Table(specs, id="t")

    app = TableApp()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(Table)
        table.set_rows(
            [
                (
                    "a",
                    [
                        Text("INVENTORY_RESERVATIONS_EU_WEST"),
                        Text("inventory.reservations.eu-west.>"),
                        Text("1,234,567"),
                        Text("12.5 MiB"),
                        Text("workqueue"),
                    ],
                )
            ]
        )
        await wait_until(
            lambda: table.shown_columns == ["name", "subjects", "messages", "bytes", "retention"], pilot=pilot
        )
        await wait_until(lambda: "inventory.reservations.eu-west.>" in screen_text(app), pilot=pilot)
        await pilot.resize_terminal(40, 10)
        await wait_until(lambda: table.shown_columns == ["name", "messages", "bytes"], pilot=pilot)
        await pilot.pause()
        header, row = screen_text(app).splitlines()[:2]
        assert header.split() == ["Name", "Messages", "Bytes"]
        assert "1,234,567" in row and "12.5 MiB" in row  # numbers whole
        assert "INVENTORY_RESE…" in row  # the name cut with an ellipsis
        assert table.max_scroll_x == 0
        assert table.get_full_cell("a", "subjects").plain == "inventory.reservations.eu-west.>"
        await pilot.resize_terminal(120, 10)
        await wait_until(lambda: "retention" in table.shown_columns, pilot=pilot)

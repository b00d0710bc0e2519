"""The line-drawn table of the stream message browser: rows, cursor, clicks, cell styles."""

from rich.text import Text
from textual.app import App, ComposeResult

from natstui.ui.widgets.rowtable import Column, RowTable
from tests.conftest import wait_until

COLUMNS = (Column("Seq", 6, "right"), Column("Subject", 12), Column("Payload"))


class TableApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted = []

    def compose(self) -> ComposeResult:
        yield RowTable(COLUMNS, id="t")

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        self.highlighted.append(event.index)


def rows(n: int):
    return [
        (Text(f"{i:,}"), Text(f"orders.{i}", style="cyan"), Text(f"[bold]payload {i}[/bold]")) for i in range(1, n + 1)
    ]


def lines(app) -> list:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_rows_cursor_and_highlight_messages():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(RowTable)
        table.focus()
        table.set_rows(rows(50), cursor=0)
        await wait_until(lambda: app.highlighted[-1:] == [0], pilot=pilot)
        await pilot.pause()
        screen = lines(app)
        assert screen[0].split() == ["Seq", "Subject", "Payload"]
        assert screen[1].startswith("     1 orders.1")
        assert "[bold]payload 1[/bold]" in screen[1]  # cells are text, never markup
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and app.highlighted[-1] == 2
        await pilot.press("end")
        assert table.cursor_row == 49
        await pilot.pause()
        assert "orders.50" in lines(app)[-1]  # scrolled so that the cursor's row shows
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("pagedown")  # 12 lines: a header and 11 rows, a page moves 10
        assert table.cursor_row == 10 and app.highlighted[-1] == 10
        await pilot.press("pageup")
        assert table.cursor_row == 0 and app.highlighted[-1] == 0
        await pilot.click(RowTable, offset=(10, 4))  # the fourth row under the header
        assert table.cursor_row == 3 and app.highlighted[-1] == 3


async def test_cell_styles_and_right_justified_numbers():
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(RowTable)
        table.set_rows(rows(3), cursor=None)
        await pilot.pause()
        strip = table.render_line(2)
        assert strip.text.startswith("     2 orders.2")
        subject = [seg for seg in strip if seg.text.startswith("orders.2")]
        assert subject and subject[0].style.color.name == "cyan"
        assert strip.cell_length == table.scrollable_content_region.width


async def test_replacing_rows_moves_the_cursor_and_empty_clears_it():
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(RowTable)
        table.set_rows(rows(5), cursor=4)
        assert table.cursor_row == 4
        table.set_rows(rows(2), cursor=10)
        assert table.cursor_row == 1
        table.set_rows([], cursor=0)
        await wait_until(lambda: app.highlighted[-1:] == [None], pilot=pilot)
        assert table.cursor_row is None


async def test_keys_bring_a_scrolled_away_cursor_back_into_view():
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(RowTable)
        table.focus()
        table.set_rows(rows(50), cursor=0)
        await pilot.pause()
        table.scroll_to(y=10, animate=False, immediate=True)
        await pilot.pause()
        assert table.scroll_y == 10 and table.cursor_row == 0
        await pilot.press("home")  # the cursor is already on row 0: the view comes back to it
        assert table.scroll_y == 0


async def test_refilled_rows_scroll_from_the_top_after_an_empty_page():
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(RowTable)
        table.focus()
        table.set_rows(rows(50), cursor=0)
        await pilot.press("end")
        assert table.scroll_y > 0
        table.set_rows([], cursor=0)  # e.g. a subject filter that matches nothing
        table.set_rows(rows(50), cursor=0)
        await pilot.pause()
        assert table.scroll_y == 0 and table.scroll_target_y == 0
        table.scroll_down(animate=False)  # one wheel step moves a little, not to the old place
        await pilot.pause()
        assert table.scroll_y < 5


def test_a_narrow_table_leaves_out_the_least_useful_columns_whole():
    from natstui.ui.screens.messages import COLUMNS as MESSAGE_COLUMNS
    from natstui.ui.widgets.rowtable import fit_widths

    labels = lambda width: [MESSAGE_COLUMNS[i].label for i, _ in fit_widths(MESSAGE_COLUMNS, width)]  # noqa: E731
    assert labels(120) == ["Seq", "Time", "Subject", "Size", "H", "Payload"]
    assert labels(44) == ["Seq", "Time", "Subject", "Payload"]
    assert labels(34) == ["Seq", "Subject", "H", "Payload"]
    for width in range(12, 120):
        fitted = fit_widths(MESSAGE_COLUMNS, width)
        assert sum(w for _, w in fitted) + len(fitted) - 1 <= width
        assert all(w >= len(MESSAGE_COLUMNS[i].label) for i, w in fitted)
    assert dict(fit_widths(MESSAGE_COLUMNS, 120))[2] == 28  # the subject whole before the payload grows

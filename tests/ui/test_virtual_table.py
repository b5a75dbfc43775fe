"""VirtualTable: draws only the rows on screen, keeps its cursor on a key, shows hostile text as written."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult

from meshtui.ui.widgets.virtual_table import Cell, Column, VirtualTable
from tests.ui.helpers import wait_for


class CountingSource:
    """100,000 rows in a sorted list; counts how many rows the table asked to format."""

    def __init__(self, count: int) -> None:
        self.order = [f"row-{i:06d}" for i in range(count)]
        self.asked: list[str] = []

    def __len__(self) -> int:
        return len(self.order)

    def key_at(self, index: int) -> str:
        return self.order[index]

    def index_of(self, key: str) -> int | None:
        import bisect

        index = bisect.bisect_left(self.order, key)
        return index if index < len(self.order) and self.order[index] == key else None

    def cells(self, key: str) -> Sequence[Cell]:
        self.asked.append(key)
        return ((key, ""), ("ok" if key.endswith("0") else "x", "ok"))


class Host(App[None]):
    def __init__(self, source: CountingSource) -> None:
        super().__init__()
        self.source = source
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("KEY", "key"), Column("STATE", "state")], self.source, id="t")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.rows_moved()
        table.focus()

    def on_virtual_table_header_selected(self, message: VirtualTable.HeaderSelected) -> None:
        self.messages.append(("header", message.column))

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.messages.append(("selected", message.key))


async def test_only_the_rows_on_screen_are_formatted() -> None:
    source = CountingSource(100_000)
    app = Host(source)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        await wait_for(pilot, lambda: bool(source.asked), what="a first paint")
        assert table.row_count == 100_000
        assert len(set(source.asked)) <= 20  # one screen of rows, not 100,000
        await pilot.press("end")
        await wait_for(pilot, lambda: table.cursor_key == "row-099999", what="the last row")
        await wait_for(pilot, lambda: "row-099999" in source.asked, what="the last screen drawn")
        assert len(set(source.asked)) <= 40
        assert table.visible_keys()[-1] == "row-099999"


async def test_the_cursor_stays_on_its_key_when_rows_arrive_above_it() -> None:
    source = CountingSource(50)
    app = Host(source)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("down", "down", "down")
        assert table.cursor_key == "row-000003"
        source.order[:0] = ["row-0000000a", "row-0000000b"]  # sorts before row-000000
        source.order.sort()
        table.rows_moved()
        await pilot.pause()
        assert table.cursor_key == "row-000003" and table.cursor_row == source.order.index("row-000003")
        source.order.remove("row-000003")  # its row leaves: the cursor takes the row now at its place
        table.rows_moved()
        assert table.cursor_key == source.order[table.cursor_row]
        await pilot.press("enter")
        await pilot.click(VirtualTable, offset=(3, 0))
        await wait_for(pilot, lambda: ("header", "key") in app.messages, what="header click")
        assert ("selected", table.cursor_key) in app.messages


async def test_external_text_is_drawn_inert_and_cropped() -> None:
    source = CountingSource(1)
    source.order = ["x"]
    app = Host(source)
    hostile = "[b]bold?[/b] \x1b]0;title\x07 " + "y" * 200
    source.cells = lambda key: ((hostile, ""), ("ok", "bad"))  # type: ignore[method-assign]
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        line = table.render_line(1).text
        assert line.startswith(" [b]bold?[/b] ␛]0;title␇ yyy")
        assert "\x1b" not in line and "…" in line  # cropped at the column's maximum width
        assert table.row_text("x")[0] == "[b]bold?[/b] ␛]0;title␇ " + "y" * 200

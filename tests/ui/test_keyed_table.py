"""KeyedTable (public DataTable API only): rows by key, re-ordered in place, the cursor follows its row."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from meshtui.ui.widgets.keyed_table import KeyedTable
from tests.ui.helpers import wait_for


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable([("NAME", "name"), ("VALUE", "value")], id="t")


def shown(table: KeyedTable) -> list[tuple[str, str]]:
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


async def test_sync_adds_updates_reorders_and_keeps_the_cursor_on_its_row() -> None:
    app = Host()
    async with app.run_test() as pilot:
        table = app.query_one(KeyedTable)
        rows: dict[str, tuple[object, ...]] = {k: (k, str(i)) for i, k in enumerate(["a", "b", "c", "d"])}
        assert table.sync(rows, ["a", "b", "c", "d"])
        table.move_cursor(row=2)
        await pilot.pause()
        assert table.selected_key() == "c"
        rows["e"] = ("e", "new")
        rows["b"] = ("b", "changed")
        del rows["a"]
        assert table.sync(rows, ["e", "d", "c", "b"])
        await pilot.pause()
        assert shown(table) == [("e", "new"), ("d", "3"), ("c", "2"), ("b", "changed")]
        assert table.keys == ["e", "d", "c", "b"]
        assert table.selected_key() == "c"
        assert not table.sync(rows, ["e", "d", "c", "b"])  # nothing changed: nothing done


async def test_markup_like_and_control_text_is_shown_as_written() -> None:
    app = Host()
    async with app.run_test() as pilot:
        table = app.query_one(KeyedTable)
        table.sync({"x": ("[/var/lib] [b]x[/b]", "\x1b]0;t\x07"), "y": (Text("kept", style="bold"), 1.5)}, ["x", "y"])
        await wait_for(pilot, lambda: table.row_count == 2, what="rows")
        assert shown(table) == [("[/var/lib] [b]x[/b]", "␛]0;t␇"), ("kept", "1.50")]
        assert table.get_row_at(1)[0].style == "bold"

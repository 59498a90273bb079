"""The resource table as a user drives it: filter as you type, sort, move, select."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from tui.widgets.resource_table import ResourceTable
from tui.widgets.table_model import Column, Row, TableModel

COLUMNS = (Column("name", "Name"), Column("region", "Region"), Column("n", "Buckets"))


def rows() -> list[Row]:
    return [
        Row.of("i-1", "web-1", "us-east-1", 3),
        Row.of("i-2", "web-2", "us-east-1", 12),
        Row.of("i-3", "etl-worker", "eu-west-1", 1),
        Row.of("i-4", "bastion", "us-east-1", 0),
    ]


class TableApp(App[None]):
    def __init__(self, model: TableModel) -> None:
        super().__init__()
        self.model = model
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(self.model, id="t")

    def on_resource_table_selected(self, message: ResourceTable.Selected) -> None:
        self.selected.append(message.key)


def test_filter_matches_every_word_case_insensitively() -> None:
    model = TableModel(COLUMNS, rows())
    model.set_filter("WEB east")
    assert [r.key for r in model.visible] == ["i-1", "i-2"]
    model.set_filter("eu-west")
    assert [r.key for r in model.visible] == ["i-3"]
    model.set_filter("")
    assert len(model.visible) == 4


def test_numeric_columns_sort_as_numbers_and_flip() -> None:
    model = TableModel(COLUMNS, rows())
    model.sort_by(2)
    assert [r.values[2] for r in model.visible] == [0, 1, 3, 12]
    model.sort_by(2)
    assert [r.values[2] for r in model.visible] == [12, 3, 1, 0]


def test_filter_over_ten_thousand_rows_is_fast() -> None:
    many = [Row.of(f"i-{i}", f"host-{i}", "eu-west-1", i % 7) for i in range(10_000)]
    model = TableModel(COLUMNS, many)
    start = time.perf_counter()
    for text in ("h", "ho", "hos", "host-9", "host-99"):
        model.set_filter(text)
    assert (time.perf_counter() - start) / 5 < 0.1
    assert [r.key for r in model.visible][:2] == ["i-99", "i-990"]


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    app = TableApp(TableModel(COLUMNS, rows()))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("j", "j")
        assert table.current_key == "i-3"
        await pilot.press("G")
        assert table.current_key == "i-4"
        await pilot.press("g", "enter")
        assert app.selected == ["i-1"]


async def test_cursor_stays_on_the_same_resource_when_filtering() -> None:
    app = TableApp(TableModel(COLUMNS, rows()))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("j")  # web-2
        table.apply_filter("web")
        assert table.current_key == "i-2"
        table.apply_filter("bastion")
        assert table.current_key == "i-4"


async def test_header_click_and_s_sort() -> None:
    app = TableApp(TableModel(COLUMNS, rows()))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("s")  # by name
        assert [r.key for r in table.model.visible] == ["i-4", "i-3", "i-1", "i-2"]
        await pilot.click(ResourceTable, offset=(0, 0))  # header of Name: flips
        assert table.model.sort_reverse
        assert "▼" in str(table.render_line(0).text)


def test_columns_narrow_to_fit_but_not_below_a_minimum() -> None:
    from tui.widgets.resource_table import fit_widths

    assert fit_widths((30, 20, 10), 80, 2) == (30, 20, 10)
    fitted = fit_widths((40, 30, 10), 60, 2)
    assert sum(fitted) + 6 == 60 and fitted[2] == 10
    assert fit_widths((20, 20), 10, 2) == (8, 8)  # then it scrolls sideways


def test_free_text_goes_first_and_the_room_it_frees_comes_back() -> None:
    from tui.widgets.resource_table import fit_widths

    # An identifier (30) never narrows while free text can: free text narrows, the last free
    # column is left out, and the room it frees widens the one still shown.
    assert fit_widths((30, 20, 10), 50, 2, (True, False, False)) == (30, 16, 0)
    # Only then do kept columns wrap, each down to its floor (an instance id: its width).
    assert fit_widths((19, 30, 13), 50, 2, (True, True, True), (19, 12, 13)) == (19, 12, 13)

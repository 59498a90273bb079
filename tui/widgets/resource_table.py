"""A keyboard-first table that draws only the rows on screen (Textual's Line API).

The explorer must stay responsive with 10,000 instances: this widget never creates per-row
widgets; it reads the `TableModel` slice for the lines it draws. A row whose identifier or
marks do not fit takes more than one line (see `table_layout`): the line where each row
starts is kept (one pass over the visible rows per filter, sort or resize), and is not kept
at all while every row fits on one line.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.risk import WORD_STYLE, split_marks
from tui.widgets.table_layout import ellipsis, fit_widths, wrap_identifier, wrap_marks
from tui.widgets.table_model import Row, TableModel

#: Gap between columns.
_GAP = 2

__all__ = ["ResourceTable", "fit_widths"]


class ResourceTable(ScrollView, can_focus=True):
    """Rows of instances, roles or buckets with a cursor, sort on header click and `s`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "first", "First", show=False, id="table.first"),
        Binding("end,G", "last", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Details", show=False, id="table.select"),
        Binding("s", "sort_next", "Sort", id="table.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="table.sort_reverse"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--empty",
    }

    # The vertical scrollbar's gutter is always kept: rows wrap to the width left for them,
    # so a scrollbar that came and went with the rows' height would change that width, the
    # wrapping, the height again — a layout loop that kept the app from ever being idle.
    DEFAULT_CSS = """
    ResourceTable { height: 1fr; scrollbar-gutter: stable; }
    ResourceTable > .resource-table--header { text-style: bold; background: $panel; }
    ResourceTable > .resource-table--cursor { background: $block-cursor-blurred-background; }
    ResourceTable:focus > .resource-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    ResourceTable > .resource-table--empty { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted row among the visible rows."""

    class Highlighted(Message):
        """The cursor moved to another resource (or to none, when the filter hides all)."""

        def __init__(self, table: ResourceTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> ResourceTable:
            return self.table

    class Selected(Message):
        """Enter or a click on a row: the user wants to open that resource."""

        def __init__(self, table: ResourceTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> ResourceTable:
            return self.table

    def __init__(
        self, model: TableModel, *, empty_text: str = "Nothing here.", **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        """Rows, filter and sort; the widget only draws it."""
        self.empty_text = empty_text
        """What to say when no row is visible, so an empty table does not look broken."""
        self._widths: tuple[int, ...] = model.widths
        """Drawn column widths: the model's, narrowed to fit the widget when possible."""
        self._starts: list[int] | None = None
        """First line of each visible row, when some row takes several (None: one each)."""
        self._lines = 0
        """Lines the visible rows take."""

    # -- model changes ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self._resize_virtual()
        self.cursor = 0

    def apply_filter(self, text: str) -> None:
        """Filter rows as the user types, keeping the cursor on the same resource if visible."""
        current = self.current_key
        self.model.set_filter(text)
        self._after_model_change(current)

    def replace_rows(self, rows: list[Row]) -> None:
        current = self.current_key
        self.model.set_rows(rows)
        self._after_model_change(current)

    def sort_by(self, column: int, reverse: bool | None = None) -> None:
        current = self.current_key
        self.model.sort_by(column, reverse)
        self._after_model_change(current)

    def move_to_key(self, key: str) -> bool:
        """Put the cursor on a resource; False when it is filtered out or unknown."""
        index = self.model.index_of(key)
        if index is None:
            return False
        self.cursor = index
        return True

    def _after_model_change(self, keep_key: str | None) -> None:
        self._resize_virtual()
        index = self.model.index_of(keep_key) if keep_key is not None else None
        self.cursor = index if index is not None else 0
        self.refresh()

    def _resize_virtual(self) -> None:
        kept = tuple(c.kept for c in self.model.columns)
        self._widths = fit_widths(self.model.widths, self.scrollable_content_region.width, _GAP,
                                  kept, self.model.minimums)
        self._layout_rows()
        width = sum(w + _GAP for w in self._widths if w)
        self.virtual_size = Size(width, self._lines + 1)

    def _layout_rows(self) -> None:
        """Where each visible row starts, when a kept column is narrower than its values."""
        visible = self.model.visible
        narrowed = [i for i, (column, width) in enumerate(
            zip(self.model.columns, self._widths, strict=True))
            if column.kept and width and width < self.model.widths[i]]
        self._starts = None
        self._lines = len(visible)
        if not narrowed:
            return
        starts = []
        line = 0
        for row in visible:
            starts.append(line)
            line += self._height(row, narrowed)
        if line != len(visible):
            self._starts = starts
        self._lines = line

    def _height(self, row: Row, columns: list[int]) -> int:
        height = 1
        for i in columns:
            if len(row.cell(i)) > self._widths[i]:
                height = max(height, len(self._cell_lines(row, i)))
        return height

    def _cell_lines(self, row: Row, index: int) -> list[str]:
        text = row.cell(index)
        width = self._widths[index]
        column = self.model.columns[index]
        if len(text) <= width:
            return [text]
        if column.marks:
            return wrap_marks(split_marks(text), width)
        if column.identifier:
            return wrap_identifier(text, width)
        return [ellipsis(text, width)]

    @property
    def drawn_widths(self) -> tuple[int, ...]:
        """Each column's width on screen (0: left out at this width)."""
        return self._widths

    def row_lines(self, index: int) -> tuple[int, int]:
        """(first line, number of lines) of a visible row, the header not counted."""
        if self._starts is None:
            return index, 1
        end = self._starts[index + 1] if index + 1 < len(self._starts) else self._lines
        return self._starts[index], end - self._starts[index]

    def _row_at(self, line: int) -> tuple[int, int]:
        """(row index, line within the row) of a body line."""
        if self._starts is None:
            return line, 0
        index = bisect_right(self._starts, line) - 1
        return index, line - self._starts[index]

    def on_resize(self) -> None:
        self._resize_virtual()
        self.refresh()

    @property
    def current_key(self) -> str | None:
        visible = self.model.visible
        if 0 <= self.cursor < len(visible):
            return visible[self.cursor].key
        return None

    # -- cursor -----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.model.visible) - 1))

    def watch_cursor(self, value: int) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if 0 <= value < len(self.model.visible):
            first, height = self.row_lines(value)
            if first < top:
                self.scroll_to(y=first, animate=False)
            elif first + height > top + body:
                self.scroll_to(y=min(first, first + height - body), animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_key))

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.model.visible) - 1

    def action_select(self) -> None:
        key = self.current_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def action_sort_next(self) -> None:
        """Cycle the sort column; people without a mouse still get every sort."""
        column = self.model.sort_column
        self.sort_by(0 if column is None else (column + 1) % len(self.model.columns), False)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.model.sort_column or 0, not self.model.sort_reverse)

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x + round(self.scroll_x))
            if column is not None:
                self.sort_by(column)
            return
        line = round(self.scroll_y) + event.y - 1
        index = self._row_at(line)[0] if 0 <= line < self._lines else -1
        if 0 <= index < len(self.model.visible):
            if index == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = index

    def _column_at(self, x: int) -> int | None:
        start = 0
        for index, width in enumerate(self._widths):
            if not width:
                continue  # left out at this width
            if start <= x < start + width + _GAP:
                return index
            start += width + _GAP
        return None

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        if y == 0:
            style = self.get_component_rich_style("resource-table--header")
            header = [ellipsis(text, w) for text, w in zip(self._header_cells(), self._widths,
                                                           strict=True)]
            return self._strip(header, style, width, scroll_x)
        line = round(self.scroll_y) + y - 1
        visible = self.model.visible
        if not visible and y == 1:
            style = self.get_component_rich_style("resource-table--empty")
            text = self.empty_text
            if self.model.filter_text.strip() and self.model.rows:
                text = f"No match for “{self.model.filter_text.strip()}” (Esc clears the filter)."
            return Strip([Segment(text, style)]).extend_cell_length(width)
        if line >= self._lines:
            return Strip.blank(width, self.rich_style)
        index, part = self._row_at(line)
        style = self.rich_style
        if index == self.cursor:
            style = style + self.get_component_rich_style("resource-table--cursor")
        row = visible[index]
        cells = []
        for i in range(len(self.model.columns)):
            lines = self._cell_lines(row, i) if self._widths[i] else [""]
            cells.append(lines[part] if part < len(lines) else "")
        return self._strip(cells, style, width, scroll_x)

    def _header_cells(self) -> list[str]:
        cells = []
        for index, column in enumerate(self.model.columns):
            mark = ""
            if self.model.sort_column == index:
                mark = " ▼" if self.model.sort_reverse else " ▲"
            cells.append(column.label + mark)
        return cells

    def _strip(self, cells: list[str], style: Style, width: int, scroll_x: int) -> Strip:
        """One line: cells padded to their widths; marks in their colours."""
        segments = []
        for text, cell_width, column in zip(cells, self._widths, self.model.columns,
                                            strict=True):
            if not cell_width:
                continue  # left out at this width
            text = ellipsis(text, cell_width)
            pad = " " * (cell_width + _GAP - len(text))
            if column.marks and text:
                segments.extend(_marked(text, style))
                segments.append(Segment(pad, style))
            else:
                segments.append(Segment(text + pad, style))
        strip = Strip(segments)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, style)


def _marked(text: str, style: Style) -> list[Segment]:
    """A marks cell: each known mark in its colour (on top of the row's style)."""
    out: list[Segment] = []
    for n, mark in enumerate(split_marks(text)):
        if n:
            out.append(Segment(" ", style))
        known = WORD_STYLE.get(mark)
        out.append(Segment(mark, style + _parsed(known) if known else style))
    return out


@cache
def _parsed(style: str) -> Style:
    return Style.parse(style)

"""A keyboard-first table that draws only the rows on screen (Textual's Line API).

The explorer must stay responsive with 10,000 instances: this widget never creates per-row
widgets or measures cells on refresh; it reads the `TableModel` slice for the lines it draws.
"""

from __future__ import annotations

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

from tui.widgets.table_model import Row, TableModel

#: Gap between columns.
_GAP = 2


#: Columns are not narrowed below this (past it, the table scrolls sideways instead).
_MIN_WIDTH = 8


def fit_widths(widths: tuple[int, ...], available: int, gap: int,
               identifiers: tuple[bool, ...] = ()) -> tuple[int, ...]:
    """Fit the row into `available` cells without ever cutting an identifier column: first
    narrow the widest other columns (their long values end in "…"), then leave other columns
    out from the right (width 0; only in tables that have identifiers, so the row still says
which resource it is). Identifiers alone wider than the screen scroll sideways."""
    fixed = identifiers or (False,) * len(widths)
    fitted = list(widths)

    def excess() -> int:
        shown = [w for w in fitted if w]
        return sum(shown) + gap * len(shown) - available

    while excess() > 0 and available > 0:
        narrowable = [i for i, w in enumerate(fitted) if not fixed[i] and w > _MIN_WIDTH]
        if not narrowable:
            break
        widest = max(narrowable, key=fitted.__getitem__)
        fitted[widest] -= 1
    for index in reversed(range(len(fitted)) if any(fixed) else ()):
        if excess() <= 0 or available <= 0:
            break
        if not fixed[index]:
            fitted[index] = 0
    return tuple(fitted)


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

    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
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
        identifiers = tuple(c.identifier for c in self.model.columns)
        self._widths = fit_widths(self.model.widths, self.scrollable_content_region.width, _GAP,
                                  identifiers)
        width = sum(w + _GAP for w in self._widths if w)
        self.virtual_size = Size(width, len(self.model.visible) + 1)

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
        if value < top:
            self.scroll_to(y=value, animate=False)
        elif value >= top + body:
            self.scroll_to(y=value - body + 1, animate=False)
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
        index = round(self.scroll_y) + event.y - 1
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
            return self._strip(self._header_cells(), style, width, scroll_x)
        index = round(self.scroll_y) + y - 1
        visible = self.model.visible
        if not visible and y == 1:
            style = self.get_component_rich_style("resource-table--empty")
            text = self.empty_text
            if self.model.filter_text.strip() and self.model.rows:
                text = f"No match for “{self.model.filter_text.strip()}” (Esc clears the filter)."
            return Strip([Segment(text, style)]).extend_cell_length(width)
        if index >= len(visible):
            return Strip.blank(width, self.rich_style)
        style = self.rich_style
        if index == self.cursor:
            style = style + self.get_component_rich_style("resource-table--cursor")
        row = visible[index]
        cells = [row.cell(i) for i in range(len(self.model.columns))]
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
        parts = []
        for text, cell_width in zip(cells, self._widths, strict=True):
            if not cell_width:
                continue  # left out at this width
            if len(text) > cell_width:
                text = text[: cell_width - 1] + "…"
            parts.append(text.ljust(cell_width + _GAP))
        line = "".join(parts)
        strip = Strip([Segment(line, style)])
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, style)

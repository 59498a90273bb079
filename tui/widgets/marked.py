"""Checkboxes and pick lists whose state reads without colour: `[x]` ticked, `[ ]` not.

Textual draws every toggle as the same `▐X▌` and tells ticked from unticked by colour alone,
which a monochrome terminal, a screen reader's text dump or a colour-blind user cannot see.
In a form, space ticks and Enter moves on (the screen's `advance` action), as in dialog(1) and
most installers: a user pressing Enter from field to field never unticks a box on the way.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList

TICKED = "[x]"
UNTICKED = "[ ]"


def mark(ticked: bool) -> str:
    """The three cells drawn before a toggle's label."""
    return TICKED if ticked else UNTICKED


#: Enter in a form field: the screen moves to the next field (or step).
ADVANCE = Binding("enter", "screen.advance", "Next field", show=False)


class MarkedCheckbox(Checkbox):
    """A checkbox drawn `[x] label` / `[ ] label`; space ticks, Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Tick", show=False), ADVANCE]

    DEFAULT_CSS = """
    MarkedCheckbox > .toggle--button { color: $foreground; background: $panel; }
    MarkedCheckbox.-on > .toggle--button {
        color: $text-success; background: $panel; text-style: bold;
    }
    """

    @property
    def _button(self) -> Content:
        return Content.styled(mark(self.value), self.get_visual_style("toggle--button"))


class MarkedSelectionList(SelectionList[str]):
    """A pick list drawn with `[x]` / `[ ]` before each entry (same width as Textual's
    `▐X▌`, so clicks on the mark still toggle it); space ticks, Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [ADVANCE]

    DEFAULT_CSS = """
    MarkedSelectionList > .selection-list--button,
    MarkedSelectionList > .selection-list--button-highlighted {
        color: $foreground; background: $panel;
    }
    MarkedSelectionList > .selection-list--button-selected,
    MarkedSelectionList > .selection-list--button-selected-highlighted {
        color: $text-success; background: $panel; text-style: bold;
    }
    """

    def allow_focus(self) -> bool:
        """An empty list (a filter that matches nothing) is skipped: keys there do nothing."""
        return super().allow_focus() and self.option_count > 0

    def on_focus(self) -> None:
        """Arriving with no entry under the cursor, space would tick nothing: start on the
        first entry (a list rebuilt by a filter loses its cursor too)."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def action_select(self) -> None:
        """Space with no cursor yet (focus just arrived, before on_focus ran) ticks the first
        entry, the one the cursor is about to show, rather than nothing."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0
        super().action_select()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        index = self.scroll_offset.y + y
        if len(segments) < 3 or not 0 <= index < self.option_count:
            return strip
        ticked = self.get_option_at_index(index).value in self._selected
        style = segments[1].style  # the mark's style (selected or not, highlighted or not)
        drawn = [Segment(cell, style) for cell in mark(ticked)]
        return Strip([*drawn, *segments[3:]], strip.cell_length)

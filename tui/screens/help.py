"""`?`: the bindings active where the user pressed it, with their ids for keymaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.key_bar import KeyBar


def help_rows(
    bindings: dict[str, ActiveBinding], key_display: Callable[[Binding], str]
) -> list[tuple[str, str, str]]:
    """(keys, what it does, binding id) per enabled binding; keys of one binding are joined
    ("↓ j"), and rolemap's own bindings (those with ids) come before Textual's generic ones."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for key, active in bindings.items():
        binding = active.binding
        if not active.enabled or binding.system:
            continue
        description = binding.description or binding.action
        keys = grouped.setdefault((description, binding.id or ""), [])
        display = key_display(binding) or key
        if display not in keys:
            keys.append(display)
    rows = [(" ".join(keys), does, binding_id) for (does, binding_id), keys in grouped.items()]
    return sorted(rows, key=lambda row: not row[2])


def rows_table(rows: list[tuple[str, str, str]]) -> Table:
    table = Table(box=None, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    table.add_column("Binding id", style="dim")
    for row in rows:
        table.add_row(*row)
    return table


#: The notes under the keys, unless the screen has its own (HELP_NOTES).
EXPLORER_NOTES = (
    "Filter with / (every word must match); : jumps to a tab or a resource by name. Outcomes "
    "read without colour: ✔ allowed, ? conditional, ✘ denied, ! unknown."
)


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen underneath (captured when `?` was pressed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
        Binding("g,home", "home", "First", show=False, id="help.first"),
        Binding("G,end", "end", "Last", show=False, id="help.last"),
    ]

    def __init__(self, title: str, bindings: dict[str, ActiveBinding],
                 notes: str = EXPLORER_NOTES) -> None:
        super().__init__()
        self.title_text = title
        """Which screen the bindings belong to."""
        self.notes = notes
        """What the keys alone do not say, for that screen."""
        self.rows: list[tuple[str, str, str]] = []
        """(key, description, binding id) of each active binding of that screen."""
        self._bindings_shown = bindings

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-body").scroll_relative(y=lines, animate=False)

    def action_home(self) -> None:
        self.query_one("#help-body").scroll_home(animate=False)

    def action_end(self) -> None:
        self.query_one("#help-body").scroll_end(animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(f"Keys on the {self.title_text}", id="help-title")
            self.rows = help_rows(self._bindings_shown, self.app.get_key_display)
            yield Static(rows_table(self.rows), id="help-keys")
            yield Static(self.notes, id="help-notes", markup=False)
        yield KeyBar()

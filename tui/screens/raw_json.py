"""`y`: the selected resource exactly as loaded, as highlighted JSON."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.clipboard import copy_text
from tui.views.describe import raw_json
from tui.widgets.key_bar import KeyBar
from tui.workspace import Workspace


class RawJsonScreen(ModalScreen[None]):
    """The snapshot record as JSON; `C` copies it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,y", "dismiss", "Close", id="raw_json.close"),
        Binding("C", "copy", "Copy JSON", id="raw_json.copy"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="raw_json.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="raw_json.up"),
        Binding("g,home", "home", "First", show=False, id="raw_json.first"),
        Binding("G,end", "end", "Last", show=False, id="raw_json.last"),
    ]

    def __init__(self, workspace: Workspace, kind: str, key: str) -> None:
        super().__init__()
        self.text = raw_json(workspace.snapshot, kind, key)
        """The JSON shown and copied."""
        self.key = key
        """Which resource, for the copy notification."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="raw-json-body"):
            yield Static(Syntax(self.text, "json", word_wrap=True, theme="ansi_dark"))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#raw-json-body").focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#raw-json-body").scroll_relative(y=lines, animate=False)

    def action_home(self) -> None:
        self.query_one("#raw-json-body").scroll_home(animate=False)

    def action_end(self) -> None:
        self.query_one("#raw-json-body").scroll_end(animate=False)

    def action_copy(self) -> None:
        copy_text(self.app, self.text, f"JSON of {self.key}")

"""`d` on the Changes tab: a row or a cause in full, scrollable."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.key_bar import KeyBar
from tui.widgets.safe_text import safe_text


class ChangeDetailsScreen(ModalScreen[None]):
    """A row or a cause in full (the tree cuts long reasons)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,d", "dismiss", "Close", id="change.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="change.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="change.up"),
    ]

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text
        """The change (or cause) shown, in words."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="raw-json-body"):
            yield Static(safe_text(self.text))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#raw-json-body").focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#raw-json-body").scroll_relative(y=lines, animate=False)

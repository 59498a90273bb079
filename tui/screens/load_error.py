"""Shown when the account cannot be loaded: what went wrong, and a way out."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Label, Static

from graph.text import printable
from tui.widgets.header import AccountHeader
from tui.widgets.key_bar import KeyBar


class LoadErrorScreen(Screen[None]):
    """A failed load: the one-line reason, Retry and Quit (never a traceback)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "app.retry_load", "Retry", id="error.retry"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message
        """The error as the user should read it (names the file, profile or region)."""

    def compose(self) -> ComposeResult:
        yield AccountHeader("load failed")
        with Vertical(id="error-box"):
            yield Label("Could not load the account", id="error-title")
            yield Static(printable(self.message, multiline=True), id="error-message", markup=False)
            with Horizontal(id="error-buttons"):
                yield Button("Retry", id="retry", variant="primary")
                yield Button("Quit", id="quit", variant="error")
        yield KeyBar()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "retry":
            await self.app.run_action("retry_load")
        else:
            self.app.exit(return_code=2)  # the account could not be loaded

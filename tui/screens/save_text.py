"""Where a copy too large for the terminal's clipboard can go instead: a file the user names.

Terminals cap what they accept over OSC 52 (about 100 KB of encoded text: hterm's 100,000
bytes, xterm's and tmux's defaults are of that order); past it the sequence is dropped
without a word. So a larger view is not sent at all, and this dialog offers a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from graph.errors import RolemapError
from graph.safe_files import write_text
from graph.text import printable


class SaveTextScreen(ModalScreen[str | None]):
    """Offer to write `text` to a file; dismisses with the path written, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="save_text.cancel"),
    ]

    def __init__(self, text: str, what: str, reason: str, path: str) -> None:
        super().__init__()
        self.text = text
        """What the user asked to copy."""
        self.what = what
        """How the notification names it ("the view as JSON")."""
        self.reason = reason
        """Why it was not copied, shown above the path."""
        self.path = path
        """The file proposed (in the working folder)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="save-text-box"):
            yield Label(f"Save {self.what} to a file", id="save-text-title")
            yield Static(self.reason, id="save-text-reason", markup=False)
            yield Input(self.path, placeholder="file to write", id="save-text-path")
            yield Static("", id="save-text-error", markup=False)
            with Horizontal(id="save-text-buttons"):
                yield Button("Save", variant="primary", id="save-text-save")
                yield Button("Cancel", id="save-text-cancel")

    def on_mount(self) -> None:
        self.query_one("#save-text-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save-text-save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        raw = self.query_one("#save-text-path", Input).value.strip()
        error = self.query_one("#save-text-error", Static)
        if not raw:
            error.update("name a file to write")
            return
        path = Path(raw).expanduser()
        try:
            write_text(path, self.text)
        except RolemapError as exc:
            error.update(printable(str(exc)))
            return
        self.app.notify(f"Saved {self.what} to {path}", title="Saved", markup=False)
        self.dismiss(str(path))

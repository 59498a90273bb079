"""`d`/Enter: everything that decides access for the selected instance, role or bucket."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from graph.text import printable
from tui.screens.describe import describe, resource_of
from tui.screens.workspace import Workspace
from tui.widgets.key_bar import KeyBar


class DetailsScreen(ModalScreen[None]):
    """A scrollable description; `y` switches to the raw JSON of the same resource."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,d", "dismiss", "Close", id="details.close"),
        Binding("y", "raw_json", "JSON", id="details.raw_json"),
        Binding("c", "copy", "Copy ARN", id="details.copy"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="details.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="details.up"),
    ]

    def __init__(self, workspace: Workspace, kind: str, key: str) -> None:
        super().__init__()
        self.workspace = workspace
        """The account the resource belongs to."""
        self.kind = kind
        """Explorer tab id of the resource: instances, roles or buckets."""
        self.key = key
        """Instance id, role ARN or bucket name."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details-body"):
            # Account text: control characters escaped before Markdown sees them.
            yield Markdown(printable(describe(self.workspace.snapshot, self.kind, self.key),
                                     multiline=True))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#details-body").focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#details-body").scroll_relative(y=lines, animate=False)

    def action_raw_json(self) -> None:
        from tui.screens.raw_json import RawJsonScreen

        self.app.switch_screen(RawJsonScreen(self.workspace, self.kind, self.key))

    def action_copy(self) -> None:
        from tui.clipboard import copy_text

        resource = resource_of(self.workspace.snapshot, self.kind, self.key)
        copy_text(self.app, resource.arn, "ARN")

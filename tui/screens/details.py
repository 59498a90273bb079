"""`d`/Enter: everything that decides access for the selected instance, role or bucket."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from graph.text import printable
from tui.clipboard import copy_text
from tui.navigation import DecideFirst, OpenResource, OpenTrace, OpenWhoCan
from tui.views.describe import describe, resource_of
from tui.views.reach_summary import reach_summary
from tui.widgets.key_bar import KeyBar
from tui.workspace import Workspace


class DetailsScreen(ModalScreen[None]):
    """A scrollable description; `y` switches to the raw JSON of the same resource."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,d", "dismiss", "Close", id="details.close"),
        Binding("y", "raw_json", "JSON", id="details.raw_json"),
        Binding("t", "reach", "Trace", id="details.trace"),
        Binding("t", "reach_who_can", "Who can", id="details.who_can"),
        Binding("c", "copy", "Copy ARN", id="details.copy"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="details.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="details.up"),
        Binding("g,home", "home", "First", show=False, id="details.first"),
        Binding("G,end", "end", "Last", show=False, id="details.last"),
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
        text = describe(self.workspace.snapshot, self.kind, self.key)
        head, sep, rest = text.partition("\n## ")
        graph = self.workspace.graph
        # While the background analysis runs, `t` decides this one off the UI thread.
        reach = (reach_summary(graph, self.kind, self.key)
                 if graph is not None and self.workspace.analysed
                 else "## Reach\n\n_Access is still being decided: `t` decides this one now._\n")
        with VerticalScroll(id="details-body"):
            # Account text: control characters escaped before Markdown sees them.
            yield Markdown(printable(f"{head}\n{reach}{sep}{rest}", multiline=True))
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`t` is one key with two names: Trace on an instance or role, Who can on a bucket."""
        if action == "reach":
            return self.kind != "buckets"
        if action == "reach_who_can":
            return self.kind == "buckets"
        return True

    def action_reach_who_can(self) -> None:
        self.action_reach()

    def action_reach(self) -> None:
        """`t`: leave the card for the full view of what the resource reaches."""
        app, workspace, kind, key = self.app, self.workspace, self.kind, self.key
        self.dismiss()
        if not workspace.analysed:
            view = "bucket" if kind == "buckets" else kind.removesuffix("s")
            app.post_message(DecideFirst(view, key))
        elif kind == "buckets":
            app.post_message(OpenWhoCan(workspace, key))
        else:
            app.post_message(OpenTrace(workspace, kind.removesuffix("s"), key))

    def action_home(self) -> None:
        self.query_one("#details-body").scroll_home(animate=False)

    def action_end(self) -> None:
        self.query_one("#details-body").scroll_end(animate=False)

    def on_mount(self) -> None:
        self.query_one("#details-body").focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#details-body").scroll_relative(y=lines, animate=False)

    def action_raw_json(self) -> None:
        self.app.post_message(OpenResource(self.workspace, self.kind, self.key, raw=True,
                                           replace=True))

    def action_copy(self) -> None:
        resource = resource_of(self.workspace.snapshot, self.kind, self.key)
        copy_text(self.app, resource.arn, "ARN")

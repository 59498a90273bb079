"""The Changes tab: the tree of causes, and under it the highlighted line in full.

Tree lines cannot wrap, and a cause names a bucket, a policy and a statement's Sid: at 80
columns the end of a line is off screen. The line under the cursor is repeated below the
tree, wrapped, so no identifier is ever out of reach of the eye (`d` still shows everything).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree

from graph.diff import SnapshotDiff
from tui.screens.changes_tree import ChangesTree


class ChangesPane(Vertical):
    """ChangesTree (with the tab's id, as the explorer finds it) and its full-line footer."""

    def __init__(self, diff: SnapshotDiff | None, tree_id: str) -> None:
        super().__init__(classes="changes-pane")
        self.diff = diff
        """The diff the tree shows."""
        self.tree_id = tree_id
        """The id the explorer queries the tree by."""

    def compose(self) -> ComposeResult:
        yield ChangesTree(self.diff, id=self.tree_id)
        yield Static("", classes="changes-full", markup=False)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str | None]) -> None:
        label = event.node.label
        self.query_one(".changes-full", Static).update(label.plain)

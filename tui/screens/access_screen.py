"""The layout both access views share: a lazy access tree beside the evidence panel.

Trace (from an instance or role) and who-can (from a bucket) differ only in how they fill
the tree; the frame, the rebuild on a new workspace and the evidence on highlight live here.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Tree

from tui.screens.access_tree import AccessTree, NodeData
from tui.screens.messages import WorkspaceChanged
from tui.screens.workspace import Workspace
from tui.widgets.evidence import EvidencePanel, Selection
from tui.widgets.header import AccountHeader


class AccessTreeScreen(Screen[None]):
    """A tree of access answers and the evidence for the highlighted one."""

    #: Prefix of the widget ids ("trace" -> #trace-body, #trace-tree, #trace-evidence).
    ID_PREFIX = "access"

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        """The analysed account."""

    @property
    def heading(self) -> str:
        """The header line's text."""
        raise NotImplementedError

    @property
    def root_label(self) -> str:
        """The tree root: who or what the answers are about."""
        raise NotImplementedError

    def _build(self) -> None:
        """Fill the tree for the current workspace."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        prefix = self.ID_PREFIX
        yield AccountHeader(self.heading)
        with Horizontal(id=f"{prefix}-body"):
            yield AccessTree(Text(self.root_label, style="bold"), id=f"{prefix}-tree")
            yield EvidencePanel(id=f"{prefix}-evidence")
        yield Footer()

    def on_mount(self) -> None:
        self._build()
        self.query_one(AccessTree).focus()

    def on_workspace_changed(self, message: WorkspaceChanged) -> None:
        self.workspace = message.workspace
        self._build()

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        selection = event.node.data
        if isinstance(selection, Selection):
            access = selection.access
            own = self.workspace.graph.own_evidence(selection.bucket, access.evidence)
            if any(a is not b for a, b in zip(own, access.evidence, strict=True)):
                selection = replace(selection, access=replace(access, evidence=own))
            self.query_one(EvidencePanel).show(selection)

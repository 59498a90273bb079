"""The layout both access views share: a lazy access tree beside the evidence panel.

Trace (from an instance or role) and who-can (from a bucket) differ only in how they fill
the tree; the frame, the rebuild on a new workspace and the evidence on highlight live here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Tree

from graph.findings import Escalation, Finding
from graph.model import AccountSnapshot
from graph.model_compute import ComputeResource
from graph.policy.clock import time_notes
from tui.messages import WorkspaceChanged
from tui.navigation import OpenResource
from tui.views.answers import TreeFilter
from tui.views.describe import resource_of
from tui.widgets.access_tree import AccessTree, NodeData
from tui.widgets.change_mark import ChangeMark, reveal
from tui.widgets.evidence import EvidencePanel, Selection
from tui.widgets.finding import render_escalation, render_finding
from tui.widgets.header import AccountHeader
from tui.widgets.key_bar import KeyBar
from tui.workspace import Workspace

T = TypeVar("T")

#: Terminal width below which the evidence panel goes under the tree.
NARROW = 120


class AccessTreeScreen(Screen[None]):
    """A tree of access answers and the evidence for the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="access.back"),
        Binding("slash", "filter", "Filter", id="access.filter"),
        Binding("s", "sort_next", "Sort", id="access.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="access.sort_reverse"),
        Binding("d", "describe", "Details", id="access.describe"),
        Binding("y", "raw_json", "JSON", id="access.raw_json"),
    ]

    #: `s` cycles through these: by name, by how much access, riskiest first.
    SORTS: ClassVar[tuple[str, ...]] = ("name", "access", "risk")

    #: Prefix of the widget ids ("trace" -> #trace-body, #trace-tree, #trace-evidence).
    ID_PREFIX = "access"

    #: A change from the Changes tab to select and label once the tree is built.
    mark: ChangeMark | None = None

    def __init__(self, workspace: Workspace, focus: Finding | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        """The analysed account."""
        self.focus_finding = focus
        """The finding this view was opened for (its statements shown first), if any."""
        self.tree_filter = TreeFilter("")
        """What `/` typed: buckets, principals and answers not matching it are left out."""
        self.sort: str | None = None
        """One of SORTS, or None for the view's own order."""
        self.sort_reverse = False

    @property
    def header_title(self) -> str:
        """The header: the heading, then the filter and sort in force."""
        parts = [self.heading]
        if self.tree_filter:
            parts.append(f"filter: {self.tree_filter.text}")
        if self.sort is not None:
            parts.append(f"sorted by {self.sort}" + (", reversed" if self.sort_reverse else ""))
        return "  · ".join(parts)

    def sorted_by(self, items: list[T], name: Callable[[T], str],
                  access: Callable[[T], int], risk: Callable[[T], int]) -> list[T]:
        """`items` in the order `s` chose (unchanged when no sort is chosen)."""
        if self.sort is None:
            return list(reversed(items)) if self.sort_reverse else items
        keys: dict[str, Callable[[T], tuple[int | str, str]]] = {
            "name": lambda item: (0, name(item)),
            "access": lambda item: (-access(item), name(item)),
            "risk": lambda item: (risk(item), name(item)),
        }
        return sorted(items, key=keys[self.sort], reverse=self.sort_reverse)

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

    def subject_resource(self) -> tuple[str, str]:
        """(explorer tab id, key) of what the view is about: the tree root describes it."""
        raise NotImplementedError

    def resource_at_cursor(self) -> tuple[str, str] | None:
        """(tab id, key) of the instance, role or bucket under the cursor, if it is one.

        An action's leaf stands for its bucket; an instance profile for its role (the node
        below it); the public, other accounts and services have no record to describe.
        """
        node = self.query_one(AccessTree).cursor_node
        data = node.data if node is not None else None
        if node is None or node.is_root:
            return self.subject_resource()
        if isinstance(data, Selection):
            return "buckets", data.bucket
        snapshot = self.workspace.snapshot
        if not isinstance(data, str):
            return None
        if data in snapshot.role_by_arn:
            return "roles", data
        if data in snapshot.instance_by_id:
            return "instances", data
        if data in snapshot.bucket_by_name:
            return "buckets", data
        profile = snapshot.profile_by_arn.get(data)
        if profile is not None and profile.role_arns:
            return "roles", profile.role_arns[0]
        compute = _compute_at(snapshot, data)
        if compute is not None and compute.role_arn in snapshot.role_by_arn:
            return "roles", compute.role_arn  # a function, stack...: the role it runs as
        return None

    def copy_target(self) -> tuple[str, str] | None:
        """(text, what) for `c`: the ARN of what the cursor is on, whatever its kind; an
        action's leaf stands for its bucket. The public and services have no ARN: their
        principal is copied and the message says so."""
        node = self.query_one(AccessTree).cursor_node
        data = node.data if node is not None else None
        snapshot = self.workspace.snapshot
        partition = snapshot.account.partition
        if isinstance(data, str):
            if data in snapshot.profile_by_arn:
                return data, "instance profile ARN"
            if data == "*":
                return data, "principal * (the public has no ARN)"
            if data.endswith(".amazonaws.com"):
                return data, "service principal (services have no ARN)"
            if data.isdigit() and len(data) == 12:
                return f"arn:{partition}:iam::{data}:root", "account ARN"
            compute = _compute_at(snapshot, data)
            if compute is not None:
                return data, f"{compute.kind} ARN"
        found = self.resource_at_cursor()
        if found is not None:
            kind, key = found
            arn = resource_of(snapshot, kind, key).arn
            return arn, f"{kind.removesuffix('s')} ARN"
        if isinstance(data, str) and data.startswith("arn:"):
            return data, "ARN"
        return None

    def action_describe(self) -> None:
        """`d`: on an action, read its evidence (focus the panel); else describe the resource."""
        node = self.query_one(AccessTree).cursor_node
        if node is not None and isinstance(node.data, Selection):
            self.query_one(EvidencePanel).focus()
            return
        self._open_resource("details")

    def action_raw_json(self) -> None:
        self._open_resource("raw")

    def _open_resource(self, view: str) -> None:
        found = self.resource_at_cursor()
        if found is None:
            node = self.query_one(AccessTree).cursor_node
            if node is not None and isinstance(node.data, str):
                why = "the public, other accounts and services have no record in this account"
            else:
                why = "move to an instance, role, bucket or action first"
            self.notify(f"Nothing to describe here: {why}.", severity="warning", markup=False)
            return
        self.app.post_message(OpenResource(self.workspace, *found, raw=view == "raw"))

    def compose(self) -> ComposeResult:
        prefix = self.ID_PREFIX
        yield AccountHeader(self.header_title)
        with Horizontal(id=f"{prefix}-body", classes="access-body"):
            yield AccessTree(Text(self.root_label, style="bold"), id=f"{prefix}-tree")
            yield EvidencePanel(id=f"{prefix}-evidence")
        yield Input(placeholder="filter: bucket, principal, action, outcome, risk (Esc clears)",
                    id=f"{prefix}-filter", classes="tree-filter")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(".tree-filter", Input).display = False
        self._fit_layout()
        self._rebuild()
        self._reveal_mark()
        self.query_one(AccessTree).focus()
        self._show_focus()

    def focus_matches(self, data: NodeData) -> bool:
        """Whether a tree node is where the focused finding's path shows (see subclasses)."""
        return False

    def _show_focus(self) -> None:
        """The focused finding in the evidence panel, the cursor on its node when built."""
        finding = self.focus_finding
        if finding is None:
            return
        self.query_one(EvidencePanel).show_content(render_finding(finding))
        # Node lines exist once the tree has laid out the rebuilt nodes.
        self.call_after_refresh(self._cursor_to_focus)

    def _cursor_to_focus(self) -> None:
        tree = self.query_one(AccessTree)
        stack = list(tree.root.children)
        while stack:
            node = stack.pop(0)
            if self.focus_matches(node.data):
                tree.move_cursor(node)
                tree.scroll_to_node(node, animate=False)
                return
            stack.extend(node.children)

    def _reveal_mark(self) -> None:
        if self.mark is None:
            return
        tree = self.query_one(AccessTree)
        target = reveal(tree, self.mark)
        if target is not None:
            # Lines are laid out on the next refresh; the cursor can only go there after it.
            self.call_after_refresh(tree.move_cursor, target)
        else:
            self.notify(f"{self.mark.node}: not in this view of the new snapshot "
                        f"({self.mark.action} {self.mark.text.lstrip('◀ ')}).",
                        severity="warning", markup=False)

    def on_resize(self) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Below NARROW columns the evidence goes under the tree instead of beside it, so
        ARNs and statement JSON get the full width rather than being split mid-word."""
        self.query_one(".access-body").set_class(self.app.size.width < NARROW, "-narrow")

    def _rebuild(self, keep: bool = False) -> None:
        """Fill the tree again; with `keep`, the nodes the user opened stay open and the
        cursor stays on what it was on. The evidence panel follows the cursor either way."""
        tree = self.query_one(AccessTree)
        opened, cursor = tree.remember() if keep else (set(), None)
        with tree.batch():
            self._build()
            if keep:
                tree.restore(opened, cursor)
        self.query_one(AccountHeader).retitle(self.header_title)
        self.call_after_refresh(self._show_cursor_evidence)

    def _show_cursor_evidence(self) -> None:
        node = self.query_one(AccessTree).cursor_node
        self._show_evidence(node.data if node is not None else None)

    # -- filter and sort ------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one(".tree-filter", Input)
        field.display = True
        self.set_focus(field)  # now, not after a refresh: keys typed at once go in

    @on(Input.Changed, ".tree-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.tree_filter = TreeFilter(event.value)
        self._rebuild()

    @on(Input.Submitted, ".tree-filter")
    def _filter_done(self) -> None:
        self.query_one(AccessTree).focus()

    def action_back(self) -> None:
        """Esc: clear the filter first (as in the tables), then go back."""
        field = self.query_one(".tree-filter", Input)
        if field.display or self.tree_filter:
            with field.prevent(Input.Changed):
                field.value = ""
            field.display = False
            self.tree_filter = TreeFilter("")
            self._rebuild()
            self.query_one(AccessTree).focus()
            return
        self.app.pop_screen()

    def action_sort_next(self) -> None:
        index = -1 if self.sort is None else self.SORTS.index(self.sort)
        self.sort = self.SORTS[(index + 1) % len(self.SORTS)]
        self.sort_reverse = False
        self._rebuild(keep=True)

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._rebuild(keep=True)

    def _aimed(self, workspace: Workspace) -> None:
        """Show the subject just set, on a screen that was shown before (see `open_view`).

        Reusing the mounted screen skips composing, mounting and styling its widgets, which
        is most of what opening a fresh one costs; only the tree is rebuilt.
        """
        self.workspace = workspace
        self.tree_filter = TreeFilter("")
        self.sort, self.sort_reverse = None, False
        field = self.query_one(".tree-filter", Input)
        with field.prevent(Input.Changed):
            field.value = ""
        field.display = False
        tree = self.query_one(AccessTree)
        tree.root.set_label(Text(self.root_label, style="bold"))
        self.query_one(EvidencePanel).show(None)
        self._rebuild()
        tree.cursor_line = 0
        tree.scroll_home(animate=False)
        self._reveal_mark()
        tree.focus()
        self._show_focus()

    def on_workspace_changed(self, message: WorkspaceChanged) -> None:
        """A new assumed context (or a reload): same view, answers decided again; the nodes
        the user opened stay open and the panel shows the new answer under the cursor."""
        self.workspace = message.workspace
        self._rebuild(keep=True)
        self._reveal_mark()

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        self._show_evidence(event.node.data)

    def _show_evidence(self, data: NodeData) -> None:
        """What the cursor is on, explained: the focused finding on its node, an escalation
        path, an answer's evidence; elsewhere the panel says what to do (never the previous
        answer, which may no longer be what the tree shows)."""
        panel = self.query_one(EvidencePanel)
        if self.focus_finding is not None and self.focus_matches(data):
            # The node the finding is about: the finding (with its fix) explains it.
            panel.show_content(render_finding(self.focus_finding))
            return
        if isinstance(data, Escalation):
            panel.show_content(render_escalation(data))
            return
        if not isinstance(data, Selection):
            panel.show(None)
            return
        selection = data
        access = selection.access
        own = self.workspace.decided.own_evidence(selection.bucket, access.evidence)
        if any(a is not b for a, b in zip(own, access.evidence, strict=True)):
            selection = replace(selection, access=replace(access, evidence=own))
        g = self.workspace.decided
        notes = time_notes(access.evidence, g.decided_at, g.assumed)
        if notes:
            selection = replace(selection, time_notes=tuple(notes))
        panel.show(selection)


def _compute_at(snapshot: AccountSnapshot, arn: str) -> ComputeResource | None:
    """The function, stack, project, dev endpoint or notebook with this ARN, if any."""
    facts = snapshot.compute
    return next((r for r in facts.resources if r.arn == arn), None) if facts else None

"""The explorer's Changes tab (`rolemap --snapshot NEW --compare OLD`) and what Enter opens.

The tab is a tree of causes (tui.screens.changes_tree); its leaves are rows, one (subject,
bucket, action) whose answer differs from the old snapshot. Enter on a row opens the trace
of its instance (or who-can of the bucket, for the public, another account or a service) on
the new snapshot, with the changed action selected and marked; `d` shows a row or a cause in
full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.tree import TreeNode

from graph.diff import (
    Cause,
    ChangeRow,
    SnapshotDiff,
    analyse_pair,
    check_accounts,
    diff_graphs,
    side_of,
)
from graph.diff.model import ACCOUNT, PUBLIC
from graph.diff.render import cause_buckets, cause_marks
from graph.model import AccountSnapshot
from graph.sources import SourceSpec, open_source
from tui.screens.access_tree import AccessTree, NodeData
from tui.widgets.evidence import Selection
from tui.widgets.key_bar import KeyBar
from tui.widgets.safe_text import safe_text

Progress = Callable[[str, int, int], None]


def compare_with(old_path: str, new: AccountSnapshot, assumed: dict[str, str],
                 progress: Progress) -> tuple[object, SnapshotDiff]:
    """(new access graph, diff): OLD loaded and decided first, NEW decided reusing it."""
    spec = SourceSpec(snapshot=old_path)
    old = open_source(spec, progress=progress).snapshot
    check_accounts(old, new, allow_different=False)
    old_graph, new_graph = analyse_pair(old, new, assumed, progress)
    progress("changes", 0, 1)
    diff = diff_graphs(old_graph, new_graph, old_side=side_of(old, old_path, spec.kind))
    progress("changes", 1, 1)
    return new_graph, diff


@dataclass(frozen=True)
class ChangeMark:
    """What an access view marks: the node (bucket or principal id) and the action."""

    node: str
    action: str
    text: str


def mark_of(row: ChangeRow) -> ChangeMark:
    node = row.bucket if row.instance_id else principal_id(row)
    return ChangeMark(node, row.action,
                      f"◀ {row.kind}: {row.before.value} → {row.after.value}")


def principal_id(row: ChangeRow) -> str:
    """The id who-can gives the row's principal (an account's ARN names its account)."""
    if row.principal_kind == PUBLIC:
        return "public"
    if row.principal_kind == ACCOUNT:
        parts = row.principal.split(":")
        return parts[4] if row.principal.startswith("arn:") and len(parts) > 4 and parts[4] \
            else row.principal
    return row.principal


def open_change(app: App[object], workspace: object, row: ChangeRow) -> None:
    """Enter on a Changes row: the trace (or who-can) on the new snapshot, change marked."""
    from tui.screens.trace import open_trace
    from tui.screens.who_can import open_who_can

    snapshot = workspace.snapshot  # type: ignore[attr-defined]
    if row.instance_id:
        if row.instance_id not in snapshot.instance_by_id:
            app.notify(f"{row.subject} is not in the new snapshot: nothing to trace "
                       f"({row.kind}: {'; '.join(row.why)}).", severity="warning",
                       markup=False)
            return
        open_trace(app, workspace, "instance", row.instance_id, mark=mark_of(row))
        return
    if row.bucket not in snapshot.bucket_by_name:
        app.notify(f"bucket {row.bucket} is not in the new snapshot.", severity="warning",
                   markup=False)
        return
    open_who_can(app, workspace, row.bucket, mark=mark_of(row))


def _find(tree: AccessTree, key: str) -> TreeNode[NodeData] | None:
    """The node carrying `key`, opening only grouping and "… more" nodes on the way (not
    every bucket's or principal's answers)."""
    queue = list(tree.root.children)
    while queue:
        node = queue.pop(0)
        if node.data == key:
            return node
        if node.data is None:
            tree.ensure_built(node)
            queue.extend(node.children)
    return None


def _leaf(tree: AccessTree, under: TreeNode[NodeData], action: str
          ) -> TreeNode[NodeData] | None:
    tree.open(under)
    queue = list(under.children)
    while queue:
        node = queue.pop(0)
        data = node.data
        if isinstance(data, Selection) and data.access.action == action:
            return node
        if not isinstance(data, Selection):
            tree.ensure_built(node)
            queue.extend(node.children)
    return None


def reveal(tree: AccessTree, mark: ChangeMark) -> TreeNode[NodeData] | None:
    """Label the marked action (or its bucket/principal when the action has no answer any
    more) and open the way to it; the node to put the cursor on (once the tree has laid
    out its lines), or None when neither is in the tree."""
    found = _find(tree, mark.node)
    if found is None:
        return None
    target = _leaf(tree, found, mark.action) or found
    label = target.label.copy() if isinstance(target.label, Text) else Text(str(target.label))
    label.append(f"  {mark.text}" if target is not found else f"  {mark.action} {mark.text}",
                 style="bold reverse")
    target.set_label(label)
    node = target.parent
    while node is not None:
        node.expand()
        node = node.parent
    return target


def change_text(row: ChangeRow) -> Text:
    """A change in words: what, who, how, by which statements, and every differing fact."""
    text = Text()
    text.append(f"{row.kind}: {row.subject} → {row.bucket}  {row.action}\n", style="bold")
    text.append(f"{row.before.value} → {row.after.value}")
    if row.change and row.kind == "changed":
        text.append(f"  ({row.change})")
    text.append("\n\n")
    side = "before" if row.kind == "lost" else "now"
    text.append(f"Granted {side} by\n", style="bold")
    for label in row.granted_by or ("-",):
        text.append(f"• {label}\n")
    if row.via:
        text.append(f"via {' → '.join(r.rsplit('/', 1)[-1] for r in row.via)}\n")
    text.append("\nWhy: what differs along the path\n", style="bold")
    for reason in row.why or ("no fact along the path differs",):
        text.append(f"• {reason}\n")
    text.append("\nEnter (in the Changes tab) opens it in the new snapshot, marked.",
                style="dim")
    return text


def cause_text(diff: SnapshotDiff, cause: Cause) -> Text:
    """A cause in words: what changed, what it did, and the buckets it touched."""
    text = Text()
    marks = cause_marks(cause)
    text.append(f"{marks + ' ' if marks else ''}{cause.subject}\n", style="bold")
    text.append(f"{cause.kind}  ({cause.id})\n", style="dim")
    for detail in cause.fact.details:
        text.append(f"• {detail}\n")
    text.append("\nEffect\n", style="bold")
    text.append(f"{cause.summary}\n")
    if cause.rows:
        text.append("\nBuckets\n", style="bold")
        text.append(f"{cause_buckets(diff, cause, limit=20)}\n")
    text.append("\nOpen the cause (Enter) for its buckets, instances and actions.", style="dim")
    return text


class ChangeDetailsScreen(ModalScreen[None]):
    """`d` on the Changes tab: a row or a cause in full (the tree cuts long reasons)."""

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

"""A change from the Changes tab, marked in a trace or who-can tree once it is built.

Enter on a Changes row opens the access view of the new snapshot; the mark says which node
(bucket or principal) and action to select and label, so the user lands on what changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets.tree import TreeNode

from tui.widgets.access_tree import AccessTree, NodeData
from tui.widgets.evidence import Selection


@dataclass(frozen=True)
class ChangeMark:
    """What an access view marks: the node (bucket or principal id) and the action."""

    node: str
    action: str
    text: str


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

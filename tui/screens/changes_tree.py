"""The Changes tab's tree: cause → bucket → instances and actions, riskiest first.

Three edits to a large account can change a hundred thousand cells; a reviewer reads three
causes. Each cause (a statement, an attachment, a profile association, a bucket setting…)
opens onto the buckets whose answers it changed, public and other-account reach first; each
bucket onto who gained, lost or changed which actions, instances grouped by what happened to
them. Children are built when a node is first opened, and long lists a page at a time.

Node data is a key: "cause:<id>" for a cause, "row:<kind>:<index>" for a row of the diff
(what Enter traces and `d` details), None for grouping nodes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from graph.diff import Cause, ChangeRow, SnapshotDiff
from graph.diff.causes import row_rank
from graph.diff.model import ACCOUNT, PUBLIC
from graph.diff.render import cause_json, cause_marks, row_json
from graph.risk import Risk
from tui.views.changes import cause_text, change_text
from tui.widgets.risk import risk_text, with_risks
from tui.widgets.safe_text import label_text

#: Nodes built at a time under one parent; the rest wait behind a "… N more" node.
PAGE = 100

#: (kind, index into that kind's rows): one row of the diff.
RowRef = tuple[str, int]

_KIND_STYLE = {"gained": "bold green", "lost": "bold red", "changed": "bold yellow"}


def row_key(ref: RowRef) -> str:
    return f"row:{ref[0]}:{ref[1]}"


def parse_row_key(key: str | None) -> RowRef | None:
    """The row a node key names, or None for causes and grouping nodes."""
    if key is None or not key.startswith("row:"):
        return None
    _, kind, index = key.split(":", 2)
    return kind, int(index)


def row_haystack(row: ChangeRow) -> str:
    """What the filter reads of a row: every column the old table had."""
    return " ".join((row.kind, row.subject, row.bucket, row.action, row.change,
                     *row.granted_by, *row.why)).lower()


def _risks(rows: Iterable[ChangeRow]) -> list[Risk]:
    now = [r for r in rows if r.kind != "lost"]
    found = []
    if any(r.principal_kind == PUBLIC for r in now):
        found.append(Risk.PUBLIC)
    if any(r.principal_kind == ACCOUNT for r in now):
        found.append(Risk.OTHER_ACCOUNT)
    return found


def _kind(text: Text, kind: str) -> Text:
    text.append(f"{kind:<7}", style=_KIND_STYLE.get(kind, "bold"))
    text.append("  ")
    return text


def _actions(actions: Sequence[str]) -> str:
    return ", ".join(actions) if len(actions) <= 4 else \
        f"{', '.join(actions[:3])} and {len(actions) - 3} more"


class ChangesTree(Tree[str | None]):
    """The diff by cause, with vim keys and a filter (every word must appear)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="changes.down"),
        Binding("k", "cursor_up", "Up", show=False, id="changes.up"),
        Binding("g,home", "first", "First", show=False, id="changes.first"),
        Binding("G,end", "last", "Last", show=False, id="changes.last"),
    ]

    def __init__(self, diff: SnapshotDiff | None, **kwargs: Any) -> None:
        super().__init__(Text("Changes"), **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.diff = diff
        """The diff shown (None: nothing compared)."""
        self.filter_text = ""
        """The filter applied ("" shows everything)."""
        self._builders: dict[int, Callable[[TreeNode[str | None]], None]] = {}
        self._haystacks: dict[RowRef, str] = {}

    def process_label(self, label: str | Text) -> Text:
        """Labels hold account names: never markup, control characters escaped."""
        return super().process_label(label_text(label))

    def on_mount(self) -> None:
        self.rebuild()

    # -- the interface the explorer uses for its tables ------------------------------------

    @property
    def current_key(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def apply_filter(self, text: str) -> None:
        self.filter_text = text
        self.rebuild()

    def show(self, diff: SnapshotDiff | None) -> None:
        """A new diff (a reloaded workspace)."""
        self.diff = diff
        self._haystacks.clear()
        self.rebuild()

    def row(self, ref: RowRef) -> ChangeRow:
        assert self.diff is not None
        return self.diff.row(*ref)

    def selected_row(self) -> ChangeRow | None:
        """The row under the cursor (None on a cause or a grouping node)."""
        ref = parse_row_key(self.current_key)
        return self.row(ref) if ref is not None else None

    def details(self) -> Text | None:
        """`d`: the row, or the cause, under the cursor in full."""
        row = self.selected_row()
        if row is not None:
            return change_text(row)
        cause = self.cause(self.current_key)
        return cause_text(self.diff, cause) if cause is not None and self.diff else None

    def copy_target(self) -> tuple[str, str] | None:
        """`c`: the row, or the cause, under the cursor as JSON."""
        row = self.selected_row()
        if row is not None:
            return json.dumps(row_json(row), indent=2), "change as JSON"
        cause = self.cause(self.current_key)
        return (json.dumps(cause_json(cause), indent=2), "cause as JSON") if cause else None

    def view_json(self) -> tuple[str, str]:
        """`C`: the causes shown (through the filter) as JSON."""
        causes = [cause_json(c) for c, _ in self.visible()]
        return json.dumps(causes, indent=2), f"{len(causes)} causes as JSON"

    def cause(self, key: str | None) -> Cause | None:
        """The cause a "cause:" key names."""
        if self.diff is None or key is None or not key.startswith("cause:"):
            return None
        wanted = key.removeprefix("cause:")
        return next((c for c in self.diff.causes if c.id == wanted), None)

    # -- building ---------------------------------------------------------------------------

    def visible(self) -> list[tuple[Cause, list[RowRef]]]:
        """The causes the filter keeps, each with its rows the filter keeps (all of them when
        the cause itself matches)."""
        if self.diff is None:
            return []
        words = self.filter_text.lower().split()
        out = []
        for cause in self.diff.causes:
            refs = list(cause.rows)
            # The cause's own words, not its summary (which names every kind of subject).
            text = f"{cause.kind} {cause.subject} {cause_marks(cause)}".lower()
            if words and not all(w in text for w in words):
                refs = [r for r in refs if all(w in self._haystack(r) for w in words)]
                if not refs:
                    continue
            out.append((cause, refs))
        return out

    def _haystack(self, ref: RowRef) -> str:
        found = self._haystacks.get(ref)
        if found is None:
            found = self._haystacks[ref] = row_haystack(self.row(ref))
        return found

    def rebuild(self) -> None:
        self.clear()
        self._builders.clear()
        shown = self.visible()
        if not shown:
            self.root.add_leaf(Text("No cause matches the filter." if self.filter_text else
                                    "Nothing changed since the old snapshot.", style="dim"))
        for n, (cause, refs) in enumerate(shown):
            # Marks first: at 80 columns a long subject runs past the edge (scroll right).
            label = risk_text(_risks(self.row(r) for r in refs))
            label.append(" " if label else "")
            label.append(cause.subject, style="bold")
            node = self._lazy(self.root, label, f"cause:{cause.id}",
                              lambda parent, c=cause, refs=refs: self._cause(parent, c, refs))
            if n == 0:
                self._open(node)
        self.cursor_line = 0

    def _cause(self, parent: TreeNode[str | None], cause: Cause, refs: list[RowRef]) -> None:
        """What the cause did (its summary, its details), then its buckets."""
        effect = Text(f"{cause.kind}: ", style="bold")
        effect.append(cause.summary)
        if len(refs) != len(cause.rows):
            effect.append(f"  ({len(refs):,} of {len(cause.rows):,} rows match the filter)",
                          style="dim")
        parent.add_leaf(effect, data=f"cause:{cause.id}")
        for detail in cause.fact.details:
            parent.add_leaf(Text(detail, style="dim"), data=f"cause:{cause.id}")
        self._buckets(parent, refs)

    def _lazy(self, parent: TreeNode[str | None], label: Text, data: str | None,
              build: Callable[[TreeNode[str | None]], None]) -> TreeNode[str | None]:
        node = parent.add(label, data=data, expand=False, allow_expand=True)
        self._builders[node.id] = build
        return node

    def _open(self, node: TreeNode[str | None]) -> None:
        self.ensure_built(node)
        node.expand()

    def ensure_built(self, node: TreeNode[str | None]) -> None:
        build = self._builders.pop(node.id, None)
        if build is not None:
            build(node)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[str | None]) -> None:
        self.ensure_built(event.node)

    def _buckets(self, parent: TreeNode[str | None], refs: list[RowRef]) -> None:
        """One node per bucket, riskiest first (public, other account, then the worst row)."""
        by_bucket: dict[str, list[RowRef]] = {}
        for ref in refs:
            by_bucket.setdefault(self.row(ref).bucket, []).append(ref)
        ranked = sorted(by_bucket.items(), key=lambda item: (
            min(row_rank(self.row(r)) for r in item[1]), -len(item[1]), item[0]))

        def add(node: TreeNode[str | None], items: Sequence[tuple[str, list[RowRef]]]) -> None:
            for bucket, found in items:
                rows = [self.row(r) for r in found]
                label = Text(bucket, style="bold")
                with_risks(label, _risks(rows))
                label.append(f"  {self._bucket_summary(rows)}", style="dim")
                self._lazy(node, label, None, lambda n, found=found: self._who(n, found))

        self._paged(parent, ranked, add)

    @staticmethod
    def _bucket_summary(rows: Sequence[ChangeRow]) -> str:
        parts = []
        for kind in ("gained", "changed", "lost"):
            found = [r for r in rows if r.kind == kind]
            if found:
                subjects = len({r.subject for r in found})
                actions = len({r.action for r in found})
                parts.append(f"{kind}: {subjects:,} × {actions:,} action"
                             + ("" if actions == 1 else "s"))
        return "; ".join(parts)

    def _who(self, parent: TreeNode[str | None], refs: list[RowRef]) -> None:
        """Principals (public, accounts, services) one per line; instances grouped by what
        happened to them (kind, actions, how), each group listing its instances."""
        groups: dict[tuple[object, ...], dict[str, list[RowRef]]] = {}
        for ref in sorted(refs, key=lambda r: row_rank(self.row(r))):
            row = self.row(ref)
            subject = row.principal or row.instance_id
            groups.setdefault((row.kind, bool(row.instance_id), row.change), {}).setdefault(
                subject, []).append(ref)
        # Within a group, instances sharing the same actions go together.
        nodes: list[tuple[str, list[list[RowRef]]]] = []
        for (kind, is_instance, _), subjects in groups.items():
            if not is_instance:
                nodes.extend((kind, [found]) for found in subjects.values())
                continue
            by_actions: dict[tuple[str, ...], list[list[RowRef]]] = {}
            for found in subjects.values():
                actions = tuple(sorted(self.row(r).action for r in found))
                by_actions.setdefault(actions, []).append(found)
            nodes.extend((kind, members) for members in by_actions.values())
        self._paged(parent, nodes, self._add_groups)

    def _add_groups(self, parent: TreeNode[str | None],
                    items: Sequence[tuple[str, list[list[RowRef]]]]) -> None:
        for kind, members in items:
            if len(members) == 1:
                self._add_subject(parent, kind, members[0])
                continue
            first = self.row(members[0][0])
            actions = sorted({self.row(r).action for r in members[0]})
            label = _kind(Text(), kind)
            label.append(f"{len(members):,} instances", style="bold")
            label.append(f"  {_actions(actions)}  {first.change}")
            self._lazy(parent, label, None, partial(self._instances, kind, members))

    def _instances(self, kind: str, members: list[list[RowRef]],
                   parent: TreeNode[str | None]) -> None:
        self._paged(parent, members, lambda p, page: [self._add_subject(p, kind, m)
                                                      for m in page])

    def _add_subject(self, parent: TreeNode[str | None], kind: str, refs: list[RowRef]) -> None:
        row = self.row(refs[0])
        actions = sorted({self.row(r).action for r in refs})
        label = _kind(Text(), kind)
        label.append(row.subject, style="bold")
        with_risks(label, _risks([row]))
        label.append(f"  {_actions(actions)}  {row.change}")
        if row.via:
            label.append(f"  via {' → '.join(r.rsplit('/', 1)[-1] for r in row.via)}",
                         style="dim")
        parent.add_leaf(label, data=row_key(refs[0]))

    def _paged(self, parent: TreeNode[str | None], items: Sequence[Any],
               add: Callable[[TreeNode[str | None], Sequence[Any]], object]) -> None:
        """The first PAGE items, then a "… N more" node holding the next page."""
        add(parent, items[:PAGE])
        rest = items[PAGE:]
        if rest:
            self._lazy(parent, Text(f"… {len(rest):,} more", style="dim italic"), None,
                       lambda node: self._paged(node, rest, add))

    # -- keys -------------------------------------------------------------------------------

    def action_first(self) -> None:
        self.cursor_line = 0

    def action_last(self) -> None:
        self.cursor_line = self.last_line

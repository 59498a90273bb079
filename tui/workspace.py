"""What the app works on once loaded: the source, its access graph and the explorer's rows
(and with `--compare OLD`, what changed since OLD).

Built in a thread worker (everything here may take seconds on a large account) and handed to
screens as one immutable value, so a reload or a new assumed context swaps it atomically.

On the first open the app hands out workspaces before the analysis is done (`analysed`
False): first with the files read and no graph yet, then with a graph that decides on demand
while a background worker decides the rest. Their rows show the account without access counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from graph.access import AccessGraph, BucketAccess, PrincipalAccess
from graph.diff import SnapshotDiff, analyse_pair, check_accounts, diff_graphs, side_of
from graph.findings import Finding, find
from graph.model import AccountSnapshot
from graph.org.findings import membership_lines
from graph.sources import LoadedSource, SourceSpec, open_source
from tui.org_session import OrgSession
from tui.views.org_rows import stored_rows, with_accounts
from tui.views.rows import ExplorerRows, build_rows, pending_rows

if TYPE_CHECKING:  # pyarrow is the org extra's: loaded only when results are read
    from graph.org.results.account_view import AccountView

#: Progress callback shape shared with graph.sources and graph.access: (step, done, total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Workspace:
    """One loaded account, analysed (or being analysed) under one assumed context."""

    loaded: LoadedSource
    #: None until the analysis is set up (only while `analysed` is False).
    graph: AccessGraph | None
    rows: ExplorerRows
    #: False while the background analysis runs: the rows carry no access counts yet, and
    #: whatever a view shows is decided on demand.
    analysed: bool = True
    #: The assumed context while there is no graph yet (the graph's own otherwise).
    context: Mapping[str, str] = field(default_factory=dict)
    #: What changed since the snapshot given with --compare (None without one).
    diff: SnapshotDiff | None = None
    #: The organisation folder this account was opened from (None: an account alone); its
    #: tables then carry an Account column and the explorer an Accounts tab.
    org: OrgSession | None = None
    #: The account's figures from the organisation's stored results (its rows came from
    #: them; no graph until a view needs one): None when the rows were computed here.
    stored: AccountView | None = None

    @property
    def snapshot(self) -> AccountSnapshot:
        return self.graph.snapshot if self.graph is not None else self.loaded.snapshot

    @property
    def assumed(self) -> Mapping[str, str]:
        return (self.graph.assumed or {}) if self.graph is not None else self.context

    @property
    def decided(self) -> AccessGraph:
        """The graph, for views that only open once there is one."""
        if self.graph is None:
            raise RuntimeError("the analysis has not started yet")
        return self.graph

    def reachable(self, instance_id: str) -> list[BucketAccess]:
        return self.decided.reachable_from_instance(instance_id)

    def who_can(self, bucket: str) -> list[PrincipalAccess]:
        return self.decided.who_can(bucket)

    @cached_property
    def findings(self) -> Mapping[str, Finding]:
        """Findings by id, worst first (computed with the rows, in the load worker); none
        while the background analysis runs (they rank the whole account)."""
        if not self.analysed or self.graph is None:
            return {}
        found = find(self.graph)
        if self.org is not None:  # as `rolemap findings` on the folder: inside or outside
            own = self.graph.snapshot.account_id
            found = tuple(dataclasses.replace(
                f, detail=f.detail + membership_lines(self.org.index, own, f)) for f in found)
        return {f.id: f for f in found}


def make_workspace(loaded: LoadedSource, graph: AccessGraph, progress: Progress,
                   diff: SnapshotDiff | None = None, org: OrgSession | None = None
                   ) -> Workspace:
    rows = build_rows(graph, progress)
    if org is not None:
        rows = with_accounts(rows, graph, org.index, graph.snapshot.account_id)
    return Workspace(loaded, graph, rows, diff=diff, org=org)


def pending_workspace(loaded: LoadedSource, graph: AccessGraph | None,
                      assumed: Mapping[str, str], rows: ExplorerRows | None = None,
                      org: OrgSession | None = None) -> Workspace:
    """A workspace whose tables show the account before its access is decided."""
    if rows is None:
        rows = pending_rows(loaded.snapshot)
        if org is not None:
            rows = with_accounts(rows, graph, org.index, loaded.snapshot.account_id,
                                 decided=False)
    return Workspace(loaded, graph, rows, analysed=False, context=dict(assumed), org=org)


def stored_workspace(loaded: LoadedSource, view: AccountView, org: OrgSession,
                     assumed: Mapping[str, str], graph: AccessGraph | None = None
                     ) -> Workspace:
    """An organisation's account from its stored results: its tables without analysing it
    (a view that needs more sets `graph` up for this one account)."""
    return Workspace(loaded, graph, stored_rows(loaded.snapshot, view, org.index),
                     analysed=False, context=dict(assumed), org=org, stored=view)


def compare_with(old_path: str, new: AccountSnapshot, assumed: dict[str, str],
                 progress: Progress) -> tuple[AccessGraph, SnapshotDiff]:
    """(new access graph, diff) for `--compare OLD`: OLD loaded and decided first, NEW
    decided reusing it."""
    spec = SourceSpec(snapshot=old_path)
    old = open_source(spec, progress=progress).snapshot
    check_accounts(old, new, allow_different=False)
    old_graph, new_graph = analyse_pair(old, new, assumed, progress)
    progress("changes", 0, 1)
    diff = diff_graphs(old_graph, new_graph, old_side=side_of(old, old_path, spec.kind))
    progress("changes", 1, 1)
    return new_graph, diff

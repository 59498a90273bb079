"""What the app works on once loaded: the source, its access graph and the explorer's rows.

Built in a thread worker (everything here may take seconds on a large account) and handed to
screens as one immutable value, so a reload or a new assumed context swaps it atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from graph.access import AccessGraph, BucketAccess, PrincipalAccess
from graph.diff import SnapshotDiff
from graph.findings import Finding, find
from graph.model import AccountSnapshot
from graph.sources import LoadedSource
from tui.screens.rows import ExplorerRows, build_rows

#: Progress callback shape shared with graph.sources and graph.access: (step, done, total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class Workspace:
    """One loaded account, analysed under one assumed context."""

    loaded: LoadedSource
    graph: AccessGraph
    rows: ExplorerRows
    #: What changed since the snapshot given with --compare (None without one).
    diff: SnapshotDiff | None = None

    @property
    def snapshot(self) -> AccountSnapshot:
        return self.graph.snapshot

    @property
    def assumed(self) -> Mapping[str, str]:
        return self.graph.assumed or {}

    def reachable(self, instance_id: str) -> list[BucketAccess]:
        return self.graph.reachable_from_instance(instance_id)

    def who_can(self, bucket: str) -> list[PrincipalAccess]:
        return self.graph.who_can(bucket)

    @cached_property
    def findings(self) -> Mapping[str, Finding]:
        """Findings by id, worst first (computed with the rows, in the load worker)."""
        return {f.id: f for f in find(self.graph)}


def make_workspace(loaded: LoadedSource, graph: AccessGraph, progress: Progress,
                   diff: SnapshotDiff | None = None) -> Workspace:
    return Workspace(loaded, graph, build_rows(graph, progress), diff)

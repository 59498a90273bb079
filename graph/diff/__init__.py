"""What changed between two snapshots of an account: access gained, lost and changed.

    old_graph, new_graph = analyse_pair(old_snapshot, new_snapshot, assumed={})
    result = diff_graphs(old_graph, new_graph)
    result.gained, result.lost, result.changed     # ChangeRow tuples
    result.causes                                  # each change once, riskiest first
    diff_json(result)                              # the documented JSON shape

The second side is decided with the first side's compiled policies and decisions where they
are provably the same (graph.access.reach.reuse), and only answers that are not the same object on
both sides are compared, so a diff costs little more than analysing the changed parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graph.access import AccessGraph, build_access_graph
from graph.access.query.lookup import find_bucket, find_instance
from graph.diff.causes import build_causes
from graph.diff.compare import Comparer
from graph.diff.findings import compare_findings
from graph.diff.model import (
    CHANGED,
    GAINED,
    KINDS,
    LOST,
    Cause,
    ChangeRow,
    Fact,
    FindingChange,
    Side,
    SnapshotDiff,
)
from graph.diff.render import diff_json, row_json
from graph.errors import LookupFailed, RolemapError
from graph.model import AccountSnapshot

__all__ = [
    "CHANGED", "GAINED", "KINDS", "LOST", "Cause", "ChangeRow", "DifferentAccounts", "Fact",
    "FindingChange",
    "Side", "SnapshotDiff", "analyse_pair", "check_accounts", "diff_graphs", "diff_json",
    "row_json", "side_of",
]

Progress = Callable[[str, int, int], None]


class DifferentAccounts(RolemapError):
    """The two snapshots are of different accounts and that was not asked for."""


def side_of(snapshot: AccountSnapshot, source: str | None = None,
            opened_as: str | None = None) -> Side:
    """The header of one side: source, account, when it was taken and how that is known.

    `opened_as`: how it was opened now ("snapshot", "export-folder", "demo", "profile"); a
    snapshot file keeps the time its account was read, whatever the source was then."""
    kind = opened_as or snapshot.source.kind
    taken_from = {"export-folder": "file modification time",
                  "snapshot": "recorded in the snapshot file"}.get(kind, "loaded now")
    if not snapshot.taken_at:
        taken_from = "not recorded"
    return Side(source or snapshot.source.label or kind, snapshot.account_id,
                snapshot.taken_at, taken_from)


def check_accounts(old: AccountSnapshot, new: AccountSnapshot, allow_different: bool) -> None:
    """Refuse two different accounts unless asked: every row would be noise."""
    if old.account_id != new.account_id and not allow_different:
        raise DifferentAccounts(
            f"OLD is account {old.account_id} and NEW is account {new.account_id}: comparing "
            "two different accounts is refused (pass --allow-different-accounts to compare "
            "them anyway)")


def analyse_pair(old: AccountSnapshot, new: AccountSnapshot,
                 assumed: Mapping[str, str] | None = None,
                 progress: Progress | None = None) -> tuple[AccessGraph, AccessGraph]:
    """Decide both snapshots; the new one reuses what is identical in the old one."""
    old_graph = build_access_graph(old, assumed=assumed, progress=progress)
    new_graph = build_access_graph(new, assumed=assumed, progress=progress,
                                   reuse_from=old_graph)
    return old_graph, new_graph


def _resolve(old: AccountSnapshot, new: AccountSnapshot, instance: str | None,
             bucket: str | None) -> tuple[str | None, str | None]:
    """Filters name an instance or bucket of either side (one gone from NEW still counts)."""
    iid = name = None
    if instance is not None:
        try:
            iid = find_instance(new, instance).instance_id
        except LookupFailed:
            iid = find_instance(old, instance).instance_id
    if bucket is not None:
        try:
            name = find_bucket(new, bucket).name
        except LookupFailed:
            name = find_bucket(old, bucket).name
    return iid, name


def diff_graphs(old: AccessGraph, new: AccessGraph, *, old_side: Side | None = None,
                new_side: Side | None = None, instance: str | None = None,
                bucket: str | None = None,
                findings_from: tuple[AccessGraph, AccessGraph] | None = None,
                facts_from: tuple[AccountSnapshot, AccountSnapshot] | None = None
                ) -> SnapshotDiff:
    """Every gained, lost and changed row (optionally for one instance and/or bucket).

    `findings_from`: the graphs whose findings are compared, when not `old` and `new` (an
    organisation's: each account's findings are its own analysis's, as `findings` says);
    `facts_from`: the snapshots whose differing facts explain the rows, when more than the
    graphs' own (an organisation's: with the other accounts' roles and buckets reached)."""
    iid, name = _resolve(old.snapshot, new.snapshot, instance, bucket)
    comparer = Comparer(old, new, facts_from)
    rows = list(comparer.instance_rows(iid, name))
    if iid is None:
        rows.extend(comparer.principal_rows(name))
    rows.sort(key=lambda r: (r.instance_id == "", r.instance_name or r.principal,
                             r.instance_id, r.bucket, r.action))
    new_findings, resolved = compare_findings(*(findings_from or (old, new)))
    gained = tuple(r for r in rows if r.kind == GAINED)
    lost = tuple(r for r in rows if r.kind == LOST)
    changed = tuple(r for r in rows if r.kind == CHANGED)
    # Unfiltered, every change of the account is a cause (some change no access); filtered
    # to an instance or bucket, only those that explain its rows.
    everything = comparer.facts.everything() if iid is None and name is None else ()
    return SnapshotDiff(
        old=old_side or side_of(old.snapshot),
        new=new_side or side_of(new.snapshot),
        gained=gained,
        lost=lost,
        changed=changed,
        causes=build_causes(gained, lost, changed, everything, comparer.facts.named),
        new_findings=new_findings,
        resolved_findings=resolved,
        assumed=tuple(sorted(new.assumed.items())),
    )

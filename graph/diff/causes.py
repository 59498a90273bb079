"""The diff by cause: each change in the account once, with the rows it explains.

A reviewer reads "one statement added to role app: 230 instances × 1 bucket × 2 actions
gained", not 460 rows. Each row already names the facts along its path that differ
(graph.diff.why); grouping the rows by those facts gives, for every fact, the rows it
explains. Facts that explain no row (a tag, a statement about another service) are kept too:
they are changes in the account, with no effect on access.

Causes are ordered riskiest first: anyone (public) able to do something new, then another
account, then by the worst action gained (permissions, delete, write, read, list), then by
how much they change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from graph.catalog import find_action
from graph.diff.model import ACCOUNT, CHANGED, GAINED, KINDS, LOST, PUBLIC, Cause, ChangeRow, Fact

#: Rows explained by no differing fact (the analysis differs for a reason the snapshots do
#: not show, e.g. an --assume value): listed under one entry so no row goes unexplained.
UNEXPLAINED = "unexplained"

_KIND_RANK = {GAINED: 0, CHANGED: 1, LOST: 2}
_LEVEL_RANK = {"Permissions management": 0, "Write": 2, "Tagging": 2, "Read": 3, "List": 4}


def action_rank(action: str) -> int:
    """Lower is riskier: permissions, delete, write, read, list."""
    found = find_action(action)
    if found is None:
        return 3
    if found.level == "Write" and "Delete" in found.name:
        return 1
    return _LEVEL_RANK.get(found.level, 3)


def reaches_now(row: ChangeRow) -> bool:
    """The row gives (or changes) access the principal has now; lost rows do not."""
    return row.kind in (GAINED, CHANGED)


def row_rank(row: ChangeRow) -> tuple[int, int, int]:
    """Sort key of a row, riskiest first: public, other account, then gained before changed
    before lost, then the action."""
    who = {PUBLIC: 0, ACCOUNT: 1}.get(row.principal_kind, 2)
    return (who if reaches_now(row) else 3, _KIND_RANK[row.kind], action_rank(row.action))


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _actions(actions: Sequence[str]) -> str:
    return ", ".join(actions) if len(actions) <= 3 else _count(len(actions), "action")


def _on(buckets: Sequence[str]) -> str:
    return buckets[0] if len(buckets) == 1 else _count(len(buckets), "bucket")


def _explains(fact: Fact, kind: str, before: frozenset[str], after: frozenset[str]) -> bool:
    """Whether an Allow statement's change decides this row: the added (or new) statement
    grants it now, or the removed (or old) one granted it before."""
    if not fact.allows:
        return True
    return (kind != LOST and fact.after in after) or (kind != GAINED and fact.before in before)


def narrow(facts: tuple[Fact, ...], kind: str, before: frozenset[str],
           after: frozenset[str]) -> tuple[Fact, ...]:
    """The facts that explain a row: of several on its path, an Allow statement that
    decides neither side of the row does not (a bucket made public does not explain what an
    instance gained through a new profile on that bucket); never none when some were found."""
    if len(facts) < 2:
        return facts
    kept = tuple(f for f in facts if _explains(f, kind, before, after))
    return kept or facts


def summarise(rows: Sequence[ChangeRow]) -> str:
    """What the rows amount to: public and other-account effects first, then instances as
    instances × buckets × actions, per kind (gained, changed, lost)."""
    if not rows:
        return "no access changes"
    parts: list[str] = []
    for kind_of_principal, who in ((PUBLIC, "anyone (public)"), (ACCOUNT, "other account"),
                                   ("service", "service")):
        for kind in KINDS:
            found = [r for r in rows if r.principal_kind == kind_of_principal and r.kind == kind]
            if not found:
                continue
            names = sorted({r.principal for r in found})
            name = who if kind_of_principal == PUBLIC else (
                f"{who} {names[0]}" if len(names) == 1 else _count(len(names), who))
            actions = sorted({r.action for r in found})
            buckets = sorted({r.bucket for r in found})
            parts.append(f"{name} {kind} {_actions(actions)} on {_on(buckets)}")
    for kind in KINDS:
        found = [r for r in rows if r.instance_id and r.kind == kind]
        if not found:
            continue
        instances = len({r.instance_id for r in found})
        buckets = len({r.bucket for r in found})
        actions = sorted({r.action for r in found})
        parts.append(f"{_count(instances, 'instance')} × {_count(buckets, 'bucket')} × "
                     f"{_count(len(actions), 'action')} {kind}")
    return "; ".join(parts)


def _cause_rank(cause: Cause, rows: Sequence[ChangeRow]) -> tuple[object, ...]:
    now = [r for r in rows if reaches_now(r)]
    worst = min((action_rank(r.action) for r in now), default=9)
    return (not cause.public, not cause.other_account, not now, worst,
            -sum(r.kind == GAINED for r in rows), -len(rows), cause.subject)


def build_causes(gained: Sequence[ChangeRow], lost: Sequence[ChangeRow],
                 changed: Sequence[ChangeRow], facts: Iterable[Fact],
                 named: Mapping[str, Fact]) -> tuple[Cause, ...]:
    """One cause per fact in `facts` (every change of the account, or none for a filtered
    diff) and per fact the rows name (`named` resolves their ids), riskiest first, with
    (kind, index) references to the rows each one explains."""
    known: dict[str, Fact] = {f.id: f for f in facts}
    refs: dict[str, list[tuple[str, int]]] = {fid: [] for fid in known}
    found: dict[str, list[ChangeRow]] = {fid: [] for fid in known}
    unexplained = Fact(UNEXPLAINED, UNEXPLAINED, "no fact along the path differs (the answers "
                       "differ for a reason the snapshots do not record)")
    for kind, rows in ((GAINED, gained), (LOST, lost), (CHANGED, changed)):
        for index, row in enumerate(rows):
            ids = row.causes or (UNEXPLAINED,)
            for fid in ids:
                if fid not in known:
                    known[fid] = named[fid] if fid != UNEXPLAINED else unexplained
                    refs[fid], found[fid] = [], []
                refs[fid].append((kind, index))
                found[fid].append(row)
    causes = []
    for fid, fact in known.items():
        rows = found[fid]
        causes.append(Cause(
            fact, tuple(refs[fid]), summarise(rows),
            public=any(r.principal_kind == PUBLIC and reaches_now(r) for r in rows),
            other_account=any(r.principal_kind == ACCOUNT and reaches_now(r) for r in rows)))
    return tuple(sorted(causes, key=lambda c: _cause_rank(c, found[c.id])))

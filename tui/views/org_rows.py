"""The explorer's tables when the account was opened from an organisation: each instance,
role and bucket row says which account it belongs to, and the Buckets tab also lists the
other accounts' buckets this account's analysis reaches (foreign buckets, with their owner).
Opened from an organisation's current results, the rows come from them (`stored_rows`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from graph.access import AccessGraph
from graph.model import AccountSnapshot
from graph.org.index import OrgIndex
from graph.policy import Outcome
from graph.risk import Risk, bucket_risks
from tui.views.rows import (
    BUCKET_COLUMNS,
    INSTANCE_COLUMNS,
    PENDING,
    ROLE_COLUMNS,
    ExplorerRows,
    _risk_words,
    pending_rows,
)
from tui.widgets.table_model import Column, Row

if TYPE_CHECKING:  # pyarrow is the org extra's: loaded only when results are read
    from graph.org.results.account_view import AccountView

ACCOUNT_COLUMN = Column("account", "Account", 30)

#: The tables that carry the Account column, by explorer tab id.
ORG_COLUMNS: dict[str, tuple[Column, ...]] = {
    "instances": (ACCOUNT_COLUMN, *INSTANCE_COLUMNS),
    "roles": (ACCOUNT_COLUMN, *ROLE_COLUMNS),
    "buckets": (ACCOUNT_COLUMN, *BUCKET_COLUMNS),
}


def _prefixed(rows: tuple[Row, ...], label: str) -> tuple[Row, ...]:
    return tuple(Row.of(row.key, label, *row.values) for row in rows)


def with_accounts(rows: ExplorerRows, graph: AccessGraph | None, index: OrgIndex,
                  account: str, *, decided: bool = True) -> ExplorerRows:
    """`rows` with the Account column first, and the reached foreign buckets added (their
    "Who can" counts this account's principals; "…" until the analysis is done)."""
    label = index.account_label(account)
    foreign = graph.data.foreign if graph is not None else None
    extra: list[Row] = []
    for name, (bucket, owner) in sorted((foreign.buckets if foreign else {}).items()):
        who: int | str = PENDING
        if decided and graph is not None:
            who = sum(1 for p in graph.who_can(name)
                      if any(a.outcome is not Outcome.DENIED for a in p.actions.values()))
        extra.append(Row.of(name, index.account_label(owner), name, bucket.region,
                            "-", who, "other account"))
    return dataclasses.replace(
        rows, instances=_prefixed(rows.instances, label), roles=_prefixed(rows.roles, label),
        buckets=_prefixed(rows.buckets, label) + tuple(extra))


def _with(row: Row, column: int, value: int | str) -> Row:
    values = list(row.values)
    values[column] = value
    return Row.of(row.key, *values)


def stored_rows(snapshot: AccountSnapshot, view: AccountView, index: OrgIndex) -> ExplorerRows:
    """The account's tables from its stored results (graph/org/results/account_view.py):
    the tables read from its snapshot with the counts the analysis stored filled in, its
    stored findings, and the other accounts' buckets it reaches."""
    rows = pending_rows(snapshot)
    buckets_at = [c.key for c in BUCKET_COLUMNS]
    public_col, who_col = buckets_at.index("public"), buckets_at.index("who")
    instances = tuple(_with(r, [c.key for c in INSTANCE_COLUMNS].index("buckets"),
                            view.instance_buckets.get(r.key, 0)) for r in rows.instances)
    roles = tuple(_with(r, [c.key for c in ROLE_COLUMNS].index("buckets"),
                        view.role_buckets.get(r.key, 0)) for r in rows.roles)
    risk_col = buckets_at.index("risk")
    own: list[Row] = []
    for r, bucket in zip(rows.buckets, snapshot.buckets, strict=True):
        stored = view.buckets.get(r.key)
        if stored is not None:
            risks = bucket_risks(bucket, snapshot)
            risks += [Risk.PUBLIC] if stored.public == "yes" else []
            risks += [Risk.OTHER_ACCOUNT] if stored.outside else []
            r = _with(_with(_with(r, public_col, stored.public), who_col, stored.who),
                      risk_col, _risk_words(risks))
        own.append(r)
    findings = tuple(Row.of(f.id, f.severity, f.category, f.title) for f in view.findings)
    label = index.account_label(view.account)
    extra = tuple(Row.of(b.name, index.account_label(b.owner) if b.owner else "-", b.name,
                         b.region, "-", b.who, "other account") for b in view.foreign)
    return dataclasses.replace(
        rows, instances=_prefixed(instances, label), roles=_prefixed(roles, label),
        buckets=_prefixed(tuple(own), label) + extra, findings=findings)

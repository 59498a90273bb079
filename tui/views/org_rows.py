"""The explorer's tables when the account was opened from an organisation: each instance,
role and bucket row says which account it belongs to, and the Buckets tab also lists the
other accounts' buckets this account's analysis reaches (foreign buckets, with their owner).
"""

from __future__ import annotations

import dataclasses

from graph.access import AccessGraph
from graph.org.index import OrgIndex
from graph.policy import Outcome
from tui.views.rows import (
    BUCKET_COLUMNS,
    INSTANCE_COLUMNS,
    PENDING,
    ROLE_COLUMNS,
    ExplorerRows,
)
from tui.widgets.table_model import Column, Row

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

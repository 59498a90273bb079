"""What the Accounts view shows of each account before it is opened: its size and its worst
finding.

Sizes come from the account's own snapshot (read, counted, dropped: the accounts are never
all held at once). The worst finding needs the account's cross-account analysis, so it is
asked for one account at a time, after the sizes, by whoever shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graph.findings import find
from graph.findings.model import Severity
from graph.org.analysis import analyse_account
from graph.org.extracts import Extracts
from graph.org.index import OrgIndex, OrgSource


@dataclass(frozen=True)
class AccountSize:
    """How much of each kind one account holds."""

    instances: int
    roles: int
    buckets: int


def account_size(source: OrgSource, account: str) -> AccountSize:
    """The account's counts, from its snapshot alone (no analysis)."""
    snapshot = source.load(account)
    return AccountSize(len(snapshot.instances), len(snapshot.roles), len(snapshot.buckets))


@dataclass(frozen=True)
class AccountRank:
    """The worst finding of an account's organisation-wide analysis (None: no finding)."""

    worst: Severity | None
    findings: int


def account_rank(source: OrgSource, index: OrgIndex, account: str,
                 assumed: Mapping[str, str] | None = None,
                 cancelled: Callable[[], bool] = lambda: False,
                 extracts: Extracts | None = None) -> AccountRank | None:
    """The account's worst finding, from its cross-account analysis (the same one its view
    opens on); None when `cancelled` says to stop before the findings are ranked. A survey
    of every account passes one `extracts` for all of them (each other account read once)."""
    graph = analyse_account(source, index, account, assumed, decide=False, extracts=extracts)
    if cancelled() or not graph.decide_all(cancelled=cancelled):
        return None
    found = find(graph)
    worst = max((f.severity for f in found), key=lambda s: s.rank, default=None)
    return AccountRank(worst, len(found))

"""What the app's Accounts tab reads of each account (graph/org/overview.py)."""

from __future__ import annotations

from graph.findings import find
from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.org.overview import account_rank, account_size

from .scenario import DATA, MGMT, WORK, scenario


def test_size_counts_the_accounts_own_snapshot() -> None:
    org = scenario()
    size = account_size(org, DATA)
    assert (size.instances, size.roles, size.buckets) == (0, 1, 3)


def test_rank_is_the_worst_of_the_accounts_cross_account_findings() -> None:
    org = scenario()
    index = build_index(org)
    for account in (MGMT, WORK, DATA):
        found = find(analyse_account(org, index, account))
        rank = account_rank(org, index, account)
        assert rank is not None and rank.findings == len(found)
        assert rank.worst == max((f.severity for f in found), key=lambda s: s.rank,
                                 default=None)


def test_rank_stops_when_cancelled() -> None:
    org = scenario()
    assert account_rank(org, build_index(org), WORK, cancelled=lambda: True) is None

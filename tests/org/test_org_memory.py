"""Accounts analysed one after another hold one account at a time (issue 27, "Speed"): the
engine's process-wide memos are dropped between accounts, so memory follows the largest
account plus the index, not the number of accounts analysed; the answers do not change."""

from __future__ import annotations

from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.policy import forget_memos, memo_size

from .scenario import DATA, MGMT, WORK, scenario


def _answers(g):  # type: ignore[no-untyped-def]
    return sorted((b.bucket, b.via, sorted((k, a.outcome.value) for k, a in b.actions.items()))
                  for b in g.reachable_from_instance("i-0web", include_denied=True))


def test_an_accounts_analysis_keeps_nothing_of_the_accounts_before_it() -> None:
    source = scenario()
    index = build_index(source)
    forget_memos()
    alone = _answers(analyse_account(source, index, WORK))
    held_alone = memo_size()
    assert held_alone > 0  # the analysis did use the memos
    for account in (DATA, MGMT):
        analyse_account(source, index, account)
    after_others = _answers(analyse_account(source, index, WORK))
    # Without dropping them, the memos would hold the three accounts' decisions (72 entries
    # against 29 here): each account analysed would add its own.
    assert memo_size() <= held_alone
    assert after_others == alone


def test_a_second_analysis_of_the_same_account_may_keep_them() -> None:
    source = scenario()
    index = build_index(source)
    first = _answers(analyse_account(source, index, WORK))
    held = memo_size()
    again = _answers(analyse_account(source, index, WORK, fresh=False))
    assert again == first
    assert memo_size() > held  # kept, and added to: diff's new side reads the old side's

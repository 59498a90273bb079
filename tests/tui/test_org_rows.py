"""The explorer's tables on each account of a synthetic organisation: the Account column,
other accounts' buckets listed with their owner, and instance rows counted through their
routes (the network gates read another account's bucket facts from the view holding it:
they raised KeyError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.sources.org.folder import OrgFolder
from graph.sources.org.synth import write_synthetic_org
from tui.views.org_rows import ORG_COLUMNS, with_accounts
from tui.views.rows import build_rows


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> OrgFolder:
    return write_synthetic_org(Path(tmp_path_factory.mktemp("org")) / "org", 4, size="small")


def test_every_account_s_rows_name_their_account_and_agree_with_traces(
        synthetic: OrgFolder) -> None:
    index = build_index(synthetic)
    foreign_rows = 0
    for account in synthetic.loaded:
        g = analyse_account(synthetic, index, account)
        rows = with_accounts(build_rows(g, lambda *_: None), g, index, account)
        label = index.account_label(account)
        assert {r.values[0] for r in rows.instances + rows.roles} <= {label}
        assert len(rows.instances[0].values) == len(ORG_COLUMNS["instances"]) \
            if rows.instances else True
        own = {b.name for b in g.snapshot.buckets}
        for row in rows.buckets:
            owner = index.buckets[row.key].account
            assert row.values[0] == index.account_label(owner)
            assert (owner == account) == (row.key in own)
            foreign_rows += owner != account
        # Every instance has its row, counted through its routes (this raised KeyError on
        # another account's bucket behind a VPC endpoint).
        assert {r.key for r in rows.instances} == \
            {i.instance_id for i in g.snapshot.instances}
    assert foreign_rows > 0

"""The explorer's tables on each account of a synthetic organisation: the Account column,
other accounts' buckets listed with their owner, and instance rows counted through their
routes (the network gates read another account's bucket facts from the view holding it:
they raised KeyError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.policy import Outcome
from graph.sources.org.folder import OrgFolder
from graph.sources.org.synth import write_synthetic_org
from tui.views.org_rows import ORG_COLUMNS, with_accounts
from tui.views.rows import INSTANCE_COLUMNS, build_rows


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


def test_instance_bucket_counts_equal_their_traces_behind_an_org_endpoint_policy(
        synthetic: OrgFolder) -> None:
    """An S3 endpoint whose policy reads aws:ResourceOrgID, and another account's bucket of
    the organisation behind it: the count asked the endpoint as the analysed account's
    request (denied) while trace asked it without the organisation's keys (conditional).
    The bucket's account is in the organisation: aws:ResourceOrgID is known, decided."""
    index = build_index(synthetic)
    column = [c.key for c in INSTANCE_COLUMNS].index("buckets")
    seen_foreign = 0
    for account in synthetic.loaded:
        g = analyse_account(synthetic, index, account)
        counted = {r.key: r.values[column] for r in build_rows(g, lambda *_: None).instances}
        for inst in g.snapshot.instances:
            traced = {p.bucket for p in g.reachable_from_instance(inst.instance_id)
                      if any(a.outcome is not Outcome.DENIED for a in p.actions.values())}
            assert counted[inst.instance_id] == len(traced), (account, inst.instance_id)
            for name in traced - {b.name for b in g.snapshot.buckets}:
                path = g.network.path(inst, name)
                if path.endpoint is None or "aws:ResourceOrgID" not in str(path.endpoint.policy):
                    continue
                seen_foreign += 1
                x = g.explain(inst.instance_id, name, "s3:GetObject")
                assert x.access is not None
                assert not any("aws:ResourceOrgID" in r for r in x.access.reasons), x.access
    assert seen_foreign > 0

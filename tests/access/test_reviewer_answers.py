"""Answers a reviewer can defend (issue #11) on the demo account, through the real loader:
prefix-limited grants to other accounts, complete evidence, role chains in who-can."""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.policy import Outcome, PolicyKind
from graph.sources import SourceSpec, open_source

PARTNER = "210987654321"


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def test_partner_account_reads_exports_prefix(demo: AccessGraph) -> None:
    """The bucket policy grants the partner GetObject on exports/* only: who-can lists it,
    limited to that prefix, with the statement that grants it."""
    [partner] = [p for p in demo.who_can("acme-partner-exchange") if p.kind == "account"]
    assert partner.id == PARTNER
    get = partner.actions["s3:GetObject"]
    assert get.outcome is Outcome.ALLOWED
    assert get.prefixes == ("exports/",)
    assert [e.sid for e in get.evidence] == ["PartnerReadsExports"]
    assert partner.actions["s3:ListBucket"].outcome is Outcome.ALLOWED
    # The graph's edges carry the same answer.
    edge = demo.graph.get_edge_data(f"account:{PARTNER}", "bucket:acme-partner-exchange")
    [attrs] = edge.values()
    assert attrs["actions"]["s3:GetObject"].prefixes == ("exports/",)


def test_every_role_answer_quotes_only_its_own_or_the_buckets_statements(
        demo: AccessGraph) -> None:
    """Answers shared between roles must not quote another role's identity statement."""
    for role in demo.snapshot.roles:
        rp = demo.data.book.role(role)
        own = {cp.policy.name for cp in rp.identity}
        if rp.boundary is not None:
            own.add(rp.boundary.policy.name)
        for bucket in demo.snapshot.buckets:
            for access in demo.role_bucket(role.arn, bucket.name).values():
                for ref in access.evidence:
                    if ref.policy_kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY):
                        assert ref.policy_name in own, (role.name, bucket.name, access.action)

"""The demo account's headline answers (the story README tells), through the real loader."""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.catalog import s3_actions
from graph.policy import Outcome, PolicyKind
from graph.sources import SourceSpec, open_source


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def _reach(g: AccessGraph, name: str) -> dict[tuple[str, str], dict[str, Outcome]]:
    return {(b.bucket, b.role_arn.rsplit("/", 1)[-1]): {k: a.outcome for k, a in b.actions.items()}
            for b in g.reachable_from_instance(name)}


def test_over_privileged_box_reaches_every_bucket_with_every_action(demo: AccessGraph) -> None:
    reach = _reach(demo, "legacy-reports")
    assert {bucket for bucket, _ in reach} == {b.name for b in demo.snapshot.buckets}
    for (bucket, _), actions in reach.items():
        assert len(actions) == len(s3_actions())
        expected = Outcome.CONDITIONAL if bucket == "acme-customer-data" else Outcome.ALLOWED
        assert set(actions.values()) == {expected}


def test_least_privilege_web_server(demo: AccessGraph) -> None:
    web = demo.reachable_from_instance("web-1")
    logs = next(b for b in web if b.bucket == "acme-app-logs")
    assert list(logs.actions) == ["s3:PutObject"]
    assert logs.actions["s3:PutObject"].prefixes == ("web/",)


def test_boundary_cuts_etl_delete(demo: AccessGraph) -> None:
    etl = demo.reachable_from_instance("etl-worker-1", include_denied=True)
    shared = next(b for b in etl if b.bucket == "acme-partner-exchange")
    assert shared.actions["s3:PutObject"].outcome is Outcome.ALLOWED
    assert shared.actions["s3:DeleteObject"].blocked_by is PolicyKind.BOUNDARY


def test_ci_runner_publishes_the_site_through_the_deployer(demo: AccessGraph) -> None:
    reach = _reach(demo, "ci-runner-1")
    assert reach[("acme-public-website", "website-deployer")]["s3:PutObject"] is Outcome.ALLOWED
    assert "s3:PutObject" not in reach[("acme-public-website", "ci-runner")]


def test_public_site_and_bastion(demo: AccessGraph) -> None:
    assert demo.public_access("acme-public-website")["s3:GetObject"].outcome is Outcome.ALLOWED
    assert demo.public_access("acme-customer-data") == {}
    assert demo.reachable_from_instance("bastion") == []


def test_findings_headline(demo: AccessGraph) -> None:
    """What the Findings tab opens on: the planted escalation first, then the public site,
    the administrator role, the CI role chain and the exposed reporting box."""
    from graph.findings import Severity, find

    findings = find(demo)
    top = findings[0]
    assert (top.severity, top.category) == (Severity.CRITICAL, "privilege-escalation")
    assert "ci-runner-1" in top.title and "PassRole + RunInstances → role admin-box" in top.title
    by_category = {}
    for f in findings:
        by_category.setdefault(f.category, []).append(f)
    assert [f.bucket for f in by_category["public-bucket"]] == ["acme-public-website"]
    assert [f.role.rsplit("/", 1)[-1] for f in by_category["admin-role"]] == ["admin-box"]
    exposed = by_category["instance-exposure"]
    assert len(exposed) == 1 and "legacy-reports" in exposed[0].title
    partner = by_category["cross-account"][0]
    assert partner.bucket == "acme-partner-exchange" and "210987654321" in partner.title
    assert set(partner.actions) == {"s3:GetObject", "s3:ListBucket"}
    assert "broad-trust" not in by_category

"""Who-can counts a role's access through its chains, as the role's trace lists it (#22 item 6):
ci-runner was shown at 1 action on acme-public-website while its trace showed 4, through the
website-deployer role it can assume."""

from __future__ import annotations

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.access.model import chain_label
from graph.policy import Outcome
from graph.sources import SourceSpec, open_source


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def _traced(g: AccessGraph, role_arn: str, bucket: str) -> dict[str, Outcome]:
    """The role's trace on one bucket: each action's strongest answer over its chains."""
    rank = [Outcome.DENIED, Outcome.UNKNOWN, Outcome.CONDITIONAL, Outcome.ALLOWED]
    found: dict[str, Outcome] = {}
    for path in g.reachable_from_role(role_arn):
        if path.bucket == bucket:
            for name, access in path.actions.items():
                if name not in found or rank.index(access.outcome) > rank.index(found[name]):
                    found[name] = access.outcome
    return found


def test_ci_runner_counts_what_it_gains_through_website_deployer(demo: AccessGraph) -> None:
    [ci] = [p for p in demo.who_can("acme-public-website")
            if p.kind == "role" and p.name == "ci-runner"]
    allowed = {k for k, a in ci.actions.items() if a.outcome is Outcome.ALLOWED}
    assert len(allowed) == 4 and "s3:PutObject" in allowed
    assert chain_label(ci.via) == "ci-runner → website-deployer"
    assert [chain_label(c) for c in ci.paths] == ["ci-runner", "ci-runner → website-deployer"]


def test_every_role_on_every_bucket_agrees_with_its_trace(demo: AccessGraph) -> None:
    snapshot = demo.snapshot
    for bucket in snapshot.buckets:
        listed = {p.id: {k: a.outcome for k, a in p.actions.items()}
                  for p in demo.who_can(bucket.name) if p.kind == "role"}
        for role in snapshot.roles:
            assert listed.get(role.arn, {}) == _traced(demo, role.arn, bucket.name), (
                role.name, bucket.name)

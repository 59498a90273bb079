"""One finding per cause: what a reviewer would change, with everything it exposes."""

from __future__ import annotations

import dataclasses

from graph.access import build_access_graph
from graph.findings import find
from graph.model import AccountSnapshot


def _clones(snapshot: AccountSnapshot, name: str, count: int) -> AccountSnapshot:
    """`count` more running instances like `name` (same profile, IMDSv1, public IP)."""
    model = next(i for i in snapshot.instances if i.name == name)
    extra = tuple(dataclasses.replace(model, instance_id=f"i-{n:017x}", name=f"{name}-{n}",
                                      public_ip=f"203.0.113.{n}") for n in range(1, count + 1))
    return dataclasses.replace(snapshot, instances=(*snapshot.instances, *extra))


def test_instances_of_one_role_and_setting_are_one_finding(
    findings_snapshot: AccountSnapshot,
) -> None:
    graph = build_access_graph(_clones(findings_snapshot, "web-exposed", 14))
    exposed = [f for f in find(graph) if f.category == "instance-exposure"]
    assert len(exposed) == 1
    f = exposed[0]
    assert len(f.instances) == 15 and "15 instances" in f.title
    # The text names ten and counts the rest; the fix's commands name the same ten.
    assert sum(line.startswith("exposed: ") for line in f.detail) == 10
    assert "… and 5 more instance(s)" in f.detail
    assert f.fix.count("i-") == 10 and "the 5 more the JSON lists" in f.fix


def test_no_block_public_access_is_one_account_finding(
    findings_snapshot: AccountSnapshot,
) -> None:
    graph = build_access_graph(findings_snapshot)
    off = [f for f in find(graph) if f.category == "no-block-public-access"]
    assert len(off) == 1 and len(off[0].buckets) >= 2


def test_no_two_findings_share_a_cause(findings_snapshot: AccountSnapshot) -> None:
    graph = build_access_graph(_clones(findings_snapshot, "web-exposed", 3))
    found = find(graph)
    causes = [(f.category, f.role, f.principal, f.bucket if f.category in
               ("public-bucket", "cross-account") else None) for f in found
              if f.category in ("instance-exposure", "admin-role", "no-block-public-access")]
    assert len(causes) == len(set(causes))

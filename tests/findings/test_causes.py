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


def test_a_drawing_that_leaves_buckets_out_says_how_many(
    findings_snapshot: AccountSnapshot,
) -> None:
    from graph.exports.diagram import to_mermaid

    # web-exposed's role made to read every bucket: 8 more like "shared", 3 of them drawn.
    from graph.model import InlinePolicy

    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    shared = next(b for b in findings_snapshot.buckets if b.name == "shared")
    extra = tuple(dataclasses.replace(shared, name=f"shared-{n}") for n in range(8))
    roles = tuple(dataclasses.replace(r, inline_policies=(InlinePolicy("all", doc),),
                                      attached_policy_arns=()) if r.name == "web" else r
                  for r in findings_snapshot.roles)
    snap = dataclasses.replace(findings_snapshot, roles=roles,
                               buckets=(*findings_snapshot.buckets, *extra))
    graph = build_access_graph(snap)
    f = next(f for f in find(graph) if f.category == "instance-exposure")
    drawn = to_mermaid(f.path, graph)
    hidden = len(f.buckets) - 3
    assert hidden >= 8 and drawn.count('["bucket ') == 3
    assert f'["+{hidden} more bucket(s)"]' in drawn

"""Every fix names a change the user can make: the exact policy, statement and field.

AWS-managed policies cannot be edited (detach or replace them), trust policies have no
Resource (narrow the Principal or add a Condition), and an admin-role finding names the
instances that act as the role.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.findings import find
from graph.model import AccountSnapshot, ManagedPolicy
from graph.sources import SourceSpec, open_source

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _with_aws_admin(snapshot: AccountSnapshot, role_name: str) -> AccountSnapshot:
    """`role_name` holding AWS's AdministratorAccess and nothing else."""
    policy = ManagedPolicy(ADMIN_ARN, "AdministratorAccess", EVERYTHING, attachment_count=1)
    roles = tuple(
        dataclasses.replace(r, inline_policies=(), attached_policy_arns=(ADMIN_ARN,))
        if r.name == role_name else r for r in snapshot.roles)
    return dataclasses.replace(snapshot, roles=roles,
                               managed_policies=(*snapshot.managed_policies, policy))


def test_an_aws_managed_policy_is_detached_or_replaced_never_narrowed(
    findings_snapshot: AccountSnapshot,
) -> None:
    graph = build_access_graph(_with_aws_admin(findings_snapshot, "admin-ec2"))
    admin = next(f for f in find(graph) if f.category == "admin-role"
                 and f.role and f.role.endswith("/admin-ec2"))
    assert f"detach AWS-managed policy {ADMIN_ARN} from role admin-ec2" in admin.fix
    assert "replace it with a customer-managed policy" in admin.fix
    assert "narrow identity policy AdministratorAccess" not in admin.fix
    assert "in customer-managed policy AdministratorAccess" not in admin.fix


def test_an_own_policy_is_changed_at_its_statement(findings_graph: AccessGraph) -> None:
    for f in find(findings_graph):
        if f.category not in ("admin-role", "privilege-escalation", "cross-account"):
            continue
        # Never the vague "narrow identity policy X": a place (inline or customer-managed,
        # statement N) and a change, or a detach.
        assert not re.search(r"(^|; )narrow identity policy", f.fix), f.fix
        for place in re.findall(r"in (?:inline|customer-managed) policy [^,]+, statement (\d+)",
                                f.fix):
            assert int(place) >= 1


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def test_a_trust_policy_fix_names_the_principal_not_a_resource(demo: AccessGraph) -> None:
    # The demo's ci-runner can assume website-deployer, whose trust policy admits it.
    assumed = [f for f in find(demo) if f.category == "privilege-escalation"
               and any(a == "sts:AssumeRole" for a in f.actions)]
    assert assumed
    for f in assumed:
        assert "trust policy" in f.fix and "narrow the Principal" in f.fix, f.fix
        assert not re.search(r"trust policy [^;]*Resource", f.fix), f.fix


def test_the_admin_role_finding_names_its_instances(findings_graph: AccessGraph) -> None:
    admin = next(f for f in find(findings_graph) if f.category == "admin-role"
                 and f.instances)
    named = [line for line in admin.detail if line.startswith("acts as it: instance")]
    assert len(named) == min(len(admin.instances), 10)
    assert all(any(i in line for i in admin.instances) for line in named)

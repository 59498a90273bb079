"""The admin-role rule: what the engine allows, with carve-outs, and no escalation reported
again from a role that is an administrator already."""

from __future__ import annotations

import dataclasses
from typing import Any

from graph.access import build_access_graph
from graph.findings import Finding, Severity, find
from graph.model import AccountSnapshot, InlinePolicy

EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _role_with(snapshot: AccountSnapshot, name: str, *statements: dict[str, Any]
               ) -> AccountSnapshot:
    """Role `name` with one inline policy of `statements` and nothing else."""
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    roles = tuple(
        dataclasses.replace(r, inline_policies=(InlinePolicy("only", doc),),
                            attached_policy_arns=(), permissions_boundary_arn=None)
        if r.name == name else r for r in snapshot.roles)
    return dataclasses.replace(snapshot, roles=roles)


def _findings_of(snapshot: AccountSnapshot, name: str) -> list[Finding]:
    return [f for f in find(build_access_graph(snapshot))
            if f.role and f.role.endswith(f":role/{name}")]


def test_a_few_denied_actions_leave_an_administrator(findings_snapshot: AccountSnapshot) -> None:
    five = ["s3:DeleteBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
            "s3:PutBucketPolicy"]
    snap = _role_with(findings_snapshot, "escalator", EVERYTHING,
                      {"Effect": "Deny", "Action": five, "Resource": "*"})
    found = _findings_of(snap, "escalator")
    admin = [f for f in found if f.category == "admin-role"]
    assert len(admin) == 1 and "less 5 denied action(s)" in admin[0].title
    assert any(line.startswith("denied on every resource: ") for line in admin[0].detail)
    # An administrator has nothing left to gain: no escalation findings from it.
    assert not [f for f in found if f.category == "privilege-escalation"]


def test_a_deny_on_one_resource_leaves_an_administrator(
    findings_snapshot: AccountSnapshot,
) -> None:
    snap = _role_with(findings_snapshot, "escalator", EVERYTHING,
                      {"Effect": "Deny", "Action": "s3:*",
                       "Resource": ["arn:aws:s3:::private", "arn:aws:s3:::private/*"]})
    admin = [f for f in _findings_of(snap, "escalator") if f.category == "admin-role"]
    assert len(admin) == 1 and "administrator access" in admin[0].title


def test_denying_whole_services_is_not_a_carve_out(findings_snapshot: AccountSnapshot) -> None:
    snap = _role_with(findings_snapshot, "escalator", EVERYTHING,
                      {"Effect": "Deny", "Action": ["s3:*", "iam:*"], "Resource": "*"})
    assert not [f for f in _findings_of(snap, "escalator") if f.category == "admin-role"]


def test_every_iam_write_is_administrator(findings_snapshot: AccountSnapshot) -> None:
    snap = _role_with(findings_snapshot, "escalator",
                      {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    admin = [f for f in _findings_of(snap, "escalator") if f.category == "admin-role"]
    assert len(admin) == 1 and "through IAM" in admin[0].title
    assert admin[0].severity in (Severity.CRITICAL, Severity.HIGH)

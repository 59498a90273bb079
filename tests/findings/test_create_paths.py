"""Creating a role to become, and a new version of a customer-managed policy attached to a
role the caller can act as; with the near misses that must not be reported."""

from __future__ import annotations

from graph.findings import escalations, find
from graph.findings.model import Severity
from graph.model import ManagedPolicy

from .escalation_account import (
    ACCT,
    APP,
    DATA_ALL,
    allow,
    build,
    deny,
    doc,
    role,
    role_arn,
    trusts,
)

NEW_ROLE = f"arn:aws:iam::{ACCT}:role/<new role>"
HELPER_POLICY = f"arn:aws:iam::{ACCT}:policy/helper-policy"


def _paths(graph, kind: str):
    return [e for e in escalations(graph) if e.kind == kind and e.role == APP]


def test_create_role_write_its_policy_and_assume_it() -> None:
    # Limited to a prefix, so it cannot write its own role's policy: only a new role's.
    graph = build([allow(["iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"],
                         f"arn:aws:iam::{ACCT}:role/tmp-*")], [])
    [path] = _paths(graph, "create-role")
    assert path.via == "CreateRole + AttachRolePolicy + AssumeRole"
    new = f"arn:aws:iam::{ACCT}:role/tmp-x"
    assert [(s.action, s.resource) for s in path.steps] == [
        ("iam:CreateRole", new), ("iam:AttachRolePolicy", new), ("sts:AssumeRole", new)]
    assert not _paths(graph, "write-policy")
    assert path.everything and all(s.evidence for s in path.steps[:2])
    finding = next(f for f in find(graph) if f.category == "privilege-escalation"
                   and "CreateRole" in f.title)
    assert finding.severity is Severity.CRITICAL
    assert "any action it writes into the new role's policy" in finding.title


def test_create_role_without_a_policy_write_or_denied_assume_is_no_path() -> None:
    no_write = build([allow(["iam:CreateRole", "sts:AssumeRole"])], [])
    assert not _paths(no_write, "create-role")
    # No sts:AssumeRole of its own: the trust it writes names its role ARN, which within
    # the account grants the assumption by itself; only a Deny stops it.
    no_assume = build([allow(["iam:CreateRole", "iam:PutRolePolicy"],
                             f"arn:aws:iam::{ACCT}:role/tmp-*")], [])
    [path] = _paths(no_assume, "create-role")
    assert path.steps[-1].outcome.value == "allowed"
    scp_like = build([allow(["iam:CreateRole", "iam:PutRolePolicy"],
                            f"arn:aws:iam::{ACCT}:role/tmp-*"), deny("sts:AssumeRole")], [])
    assert not _paths(scp_like, "create-role")
    any_name = build([allow(["iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"])], [])
    [path] = _paths(any_name, "create-role")
    assert path.target == NEW_ROLE
    assert not _paths(no_write, "create-role")
    denied = build([allow(["iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"],
                          f"arn:aws:iam::{ACCT}:role/tmp-*"), deny("sts:AssumeRole")], [])
    assert not _paths(denied, "create-role")
    # It may create roles only where it may not write or assume them.
    elsewhere = build([allow("iam:CreateRole", f"arn:aws:iam::{ACCT}:role/ci/*"),
                       allow(["iam:PutRolePolicy", "sts:AssumeRole"],
                             f"arn:aws:iam::{ACCT}:role/tmp-*")], [])
    assert not _paths(elsewhere, "create-role")



def test_a_new_version_of_a_policy_on_a_role_it_can_assume() -> None:
    statements = [allow("sts:AssumeRole", role_arn("helper")),
                  allow("iam:CreatePolicyVersion", HELPER_POLICY)]
    helper = role("helper", trusts(roles=(APP,)), attached=(HELPER_POLICY,))
    policy = ManagedPolicy(HELPER_POLICY, "helper-policy", doc(DATA_ALL))
    graph = build(statements, [helper], policies=(policy,))
    [path] = [e for e in _paths(graph, "policy-version") if e.target == role_arn("helper")]
    assert [(s.action, s.resource) for s in path.steps] == [
        ("sts:AssumeRole", role_arn("helper")), ("iam:CreatePolicyVersion", HELPER_POLICY)]
    assert path.everything
    assert path.via == "CreatePolicyVersion on helper-policy"


def test_an_aws_managed_policy_or_a_denied_version_is_no_path() -> None:
    aws = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    helper = role("helper", trusts(roles=(APP,)), attached=(aws,))
    policy = ManagedPolicy(aws, "AmazonS3FullAccess", doc(DATA_ALL))
    graph = build([allow("sts:AssumeRole", role_arn("helper")),
                   allow("iam:CreatePolicyVersion")], [helper], policies=(policy,))
    assert not _paths(graph, "policy-version")
    helper = role("helper", trusts(roles=(APP,)), attached=(HELPER_POLICY,))
    policy = ManagedPolicy(HELPER_POLICY, "helper-policy", doc(DATA_ALL))
    denied = build([allow("sts:AssumeRole", role_arn("helper")),
                    allow("iam:CreatePolicyVersion"), deny("iam:CreatePolicyVersion")],
                   [helper], policies=(policy,))
    assert not _paths(denied, "policy-version")
    # It cannot act as the role: the trust policy does not admit it.
    stranger = role("helper", trusts("ec2.amazonaws.com"), attached=(HELPER_POLICY,))
    not_acting = build([allow("sts:AssumeRole", role_arn("helper")),
                        allow("iam:CreatePolicyVersion", HELPER_POLICY)],
                       [stranger], policies=(policy,))
    assert not _paths(not_acting, "policy-version")

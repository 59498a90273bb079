"""iam:SetDefaultPolicyVersion is a path only where another version of the policy gives the
role more than the version in force; a single version is no path; versions not read make the
path unknown (never dropped, never asserted)."""

from __future__ import annotations

from graph.findings import escalation_json, escalations, find
from graph.findings.version_paths import NOT_READ
from graph.model import ManagedPolicy, PolicyVersion
from graph.policy import Outcome

from .escalation_account import ACCT, APP, DATA_ALL, allow, build, doc, role, role_arn, trusts

POLICY = f"arn:aws:iam::{ACCT}:policy/helper-policy"
HELPER = role_arn("helper")
LOGS = allow("logs:PutLogEvents")
READ_DATA = allow("s3:GetObject", "arn:aws:s3:::data/*")


def _graph(versions: tuple[PolicyVersion, ...] | None, default: dict | None = None,
           extra: tuple[dict, ...] = ()):
    """`app` may assume `helper` and set the default version of helper's policy."""
    helper = role("helper", trusts(roles=(APP,)), attached=(POLICY,))
    policy = ManagedPolicy(POLICY, "helper-policy", default or doc(LOGS),
                           other_versions=versions)
    statements = [allow("sts:AssumeRole", HELPER),
                  allow("iam:SetDefaultPolicyVersion", POLICY), *extra]
    return build(statements, [helper], policies=(policy,))


def _paths(graph):
    return [e for e in escalations(graph)
            if e.kind == "policy-version" and e.role == role_arn("app")]


def test_a_version_that_grants_more_is_a_path_to_what_it_grants() -> None:
    graph = _graph((PolicyVersion("v1", doc(LOGS)), PolicyVersion("v3", doc(DATA_ALL))))
    [path] = _paths(graph)
    assert path.via == "SetDefaultPolicyVersion on helper-policy → v3"
    assert path.target == HELPER and not path.everything
    assert {"s3:GetObject", "s3:PutObject", "s3:PutBucketPolicy"} <= path.gains["data"]
    assert [(s.action, s.resource) for s in path.steps] == [
        ("sts:AssumeRole", HELPER), ("iam:SetDefaultPolicyVersion", POLICY)]
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"
                 and "SetDefaultPolicyVersion" in f.title]
    assert "→ v3" in finding.title and "changes permissions on 1 bucket" in finding.title


def test_a_single_version_policy_is_no_path() -> None:
    assert not _paths(_graph(()))


def test_versions_that_grant_nothing_more_are_no_path() -> None:
    # v2 grants less than the default; v3 what the default grants in other words.
    default = doc(LOGS, READ_DATA)
    graph = _graph((PolicyVersion("v2", doc(LOGS)),
                    PolicyVersion("v3", doc(allow("s3:GetObject", "arn:aws:s3:::data/*"),
                                            allow("logs:PutLogEvents")))), default=default)
    assert not _paths(graph)


def test_a_version_that_makes_the_role_an_administrator() -> None:
    [path] = _paths(_graph((PolicyVersion("v2", doc(allow("*"))),)))
    assert path.target_admin and path.gains_text == "administrator access"


def test_versions_not_read_make_the_path_unknown() -> None:
    graph = _graph(None)
    [path] = _paths(graph)
    assert path.outcome is Outcome.UNKNOWN and path.gains_text == NOT_READ
    assert NOT_READ in path.via
    assert escalation_json(path)["note"] == NOT_READ
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"
                 and "SetDefaultPolicyVersion" in f.title]
    assert finding.severity.value == "medium" and NOT_READ in finding.title


def test_a_deny_on_set_default_version_is_no_path() -> None:
    versions = (PolicyVersion("v2", doc(DATA_ALL)),)
    assert _paths(_graph(versions))
    assert not _paths(_graph(versions, extra=(
        {"Effect": "Deny", "Action": "iam:SetDefaultPolicyVersion", "Resource": "*"},)))


def test_a_deny_on_the_step_before_is_no_path() -> None:
    # The policy is helper's: without sts:AssumeRole into helper, a new default gives app
    # nothing it can use.
    versions = (PolicyVersion("v2", doc(DATA_ALL)),)
    assert not _paths(_graph(versions, extra=(
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": HELPER},)))

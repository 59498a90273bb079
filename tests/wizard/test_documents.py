"""The generated policies decide as intended when the engine evaluates them."""

from __future__ import annotations

import pytest

from graph.policy import (
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
    parse_policy,
)
from graph.wizard import BucketGrant, RolePlan, TrustCondition, inline_policy, trust_policy
from graph.wizard.actions import level_actions

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"


def decide(plan: RolePlan, action: str, resource: str, context: dict | None = None,
           partial: bool = False):
    policy = parse_policy(inline_policy(plan), name="generated", kind=PolicyKind.IDENTITY)
    request = Request(principal_arn=ROLE, action=action, resource_arn=resource,
                      resource_account=ACCOUNT, context=context or {}, partial=partial)
    return evaluate(request, PrincipalPolicies(identity=(policy,), boundary=None, scps=None))


def plan_with(*grants: BucketGrant) -> RolePlan:
    return RolePlan(name="app", trusted_services=("ec2.amazonaws.com",), grants=grants)


def test_read_on_a_allows_objects_of_a_and_nothing_on_b() -> None:
    p = plan_with(BucketGrant.parse("read:bucket-a"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::bucket-a/any/key.csv").verdict is Verdict.ALLOW
    assert decide(p, "s3:GetObjectVersion", "arn:aws:s3:::bucket-a/k").verdict is Verdict.ALLOW
    for action, resource in [("s3:GetObject", "arn:aws:s3:::bucket-b/key"),
                             ("s3:GetBucketLocation", "arn:aws:s3:::bucket-a"),
                             ("s3:GetBucketPolicy", "arn:aws:s3:::bucket-a"),
                             ("s3:GetObjectAcl", "arn:aws:s3:::bucket-a/key"),
                             ("s3:ListBucket", "arn:aws:s3:::bucket-b"),
                             ("s3:PutObject", "arn:aws:s3:::bucket-a/key"),
                             ("s3:DeleteObject", "arn:aws:s3:::bucket-a/key")]:
        assert decide(p, action, resource).verdict is Verdict.IMPLICIT_DENY, action


def test_object_actions_never_apply_to_the_bucket_arn_nor_bucket_actions_to_objects() -> None:
    p = plan_with(BucketGrant.parse("list,read,write:bucket-a"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::bucket-a").verdict is Verdict.IMPLICIT_DENY
    assert decide(p, "s3:ListBucket", "arn:aws:s3:::bucket-a/k").verdict is Verdict.IMPLICIT_DENY
    assert decide(p, "s3:ListBucket", "arn:aws:s3:::bucket-a").verdict is Verdict.ALLOW
    assert decide(p, "s3:PutObject", "arn:aws:s3:::bucket-a/k").verdict is Verdict.ALLOW


def test_prefix_limits_objects_and_listing() -> None:
    p = plan_with(BucketGrant.parse("list,read:bucket-a/reports/"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::bucket-a/reports/q1.csv").allowed
    assert not decide(p, "s3:GetObject", "arn:aws:s3:::bucket-a/secrets/key").allowed
    inside = decide(p, "s3:ListBucket", "arn:aws:s3:::bucket-a", {"s3:prefix": "reports/2024/"})
    outside = decide(p, "s3:ListBucket", "arn:aws:s3:::bucket-a", {"s3:prefix": "secrets/"})
    assert inside.verdict is Verdict.ALLOW
    assert outside.verdict is Verdict.IMPLICIT_DENY
    unknown = decide(p, "s3:ListBucket", "arn:aws:s3:::bucket-a", partial=True)
    assert unknown.outcome is Outcome.CONDITIONAL
    assert [c.key.lower() for c in unknown.conditions] == ["s3:prefix"]


def test_require_tls_makes_grants_hold_only_over_tls() -> None:
    p = plan_with(BucketGrant.parse("read:bucket-a", require_tls=True))
    obj = "arn:aws:s3:::bucket-a/k"
    assert decide(p, "s3:GetObject", obj, {"aws:SecureTransport": "true"}).allowed
    assert not decide(p, "s3:GetObject", obj, {"aws:SecureTransport": "false"}).allowed


def test_tasks_grant_their_minimum_actions_and_nothing_else() -> None:
    doc = inline_policy(plan_with(BucketGrant.parse("list,read,write,delete:bucket-a/r/")))
    granted = sorted(a for s in doc["Statement"] for a in s["Action"])
    assert granted == ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion",
                       "s3:ListBucket", "s3:PutObject"]


def test_single_actions_are_added_to_tasks_on_their_own_resource() -> None:
    p = plan_with(BucketGrant.parse("read,s3:GetObjectTagging,s3:getbucketversioning:bucket-a"))
    assert decide(p, "s3:GetObjectTagging", "arn:aws:s3:::bucket-a/k").allowed
    assert decide(p, "s3:GetBucketVersioning", "arn:aws:s3:::bucket-a").allowed
    assert not decide(p, "s3:GetObjectTagging", "arn:aws:s3:::bucket-a").allowed
    assert not decide(p, "s3:PutObjectTagging", "arn:aws:s3:::bucket-a/k").allowed


def test_an_aws_access_level_is_the_explicit_advanced_choice() -> None:
    p = plan_with(BucketGrant.parse("level-read:bucket-a"))
    read = level_actions("Read")
    assert decide(p, "s3:GetBucketPolicy", "arn:aws:s3:::bucket-a").allowed
    for action in read.object:
        assert decide(p, action, "arn:aws:s3:::bucket-a/k").allowed, action
    assert BucketGrant.parse("level-read:bucket-a").label == "level-read:bucket-a"


def test_levels_grant_exactly_the_catalogue_actions() -> None:
    p = plan_with(BucketGrant.parse("tagging:bucket-a"))
    tagging = level_actions("Tagging")
    assert "s3:PutObjectTagging" in tagging.object and "s3:PutBucketTagging" in tagging.bucket
    for action in tagging.object:
        assert decide(p, action, "arn:aws:s3:::bucket-a/k").allowed, action
    assert not decide(p, "s3:GetObject", "arn:aws:s3:::bucket-a/k").allowed
    # Write does not include rewriting the bucket policy (that is Permissions management).
    w = plan_with(BucketGrant.parse("write:bucket-a"))
    assert not decide(w, "s3:PutBucketPolicy", "arn:aws:s3:::bucket-a").allowed
    assert decide(w, "s3:PutObject", "arn:aws:s3:::bucket-a/k").allowed


def test_no_wildcard_actions_are_generated() -> None:
    doc = inline_policy(plan_with(BucketGrant.parse("list,read,write,tagging:bucket-a/x/")))
    actions = [a for s in doc["Statement"] for a in s["Action"]]
    assert actions and not any("*" in a for a in actions)


def test_grants_with_the_same_actions_share_a_statement() -> None:
    p = plan_with(BucketGrant.parse("read:bucket-a"), BucketGrant.parse("read:bucket-b"))
    statements = inline_policy(p)["Statement"]
    assert len(statements) == 1  # the object actions, naming both buckets
    assert statements[0]["Resource"] == ["arn:aws:s3:::bucket-a/*", "arn:aws:s3:::bucket-b/*"]


def test_no_grants_means_no_inline_policy() -> None:
    assert inline_policy(RolePlan(name="x", trusted_services=("ec2.amazonaws.com",))) is None


def trust_decision(plan: RolePlan, *, service: str | None = None, principal: str | None = None,
                   context: dict | None = None):
    trust = parse_policy(trust_policy(plan), name="trust", kind=PolicyKind.TRUST)
    # A caller in another account also needs its own permission to call sts:AssumeRole.
    own = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
        name="caller", kind=PolicyKind.IDENTITY)
    request = Request(principal_arn=principal, principal_service=service,
                      action="sts:AssumeRole", resource_arn=f"arn:aws:iam::{ACCOUNT}:role/x",
                      resource_account=ACCOUNT, context=context or {})
    identity = (own,) if principal else ()
    return evaluate(request, PrincipalPolicies(identity, None, None), resource_policy=trust)


@pytest.mark.parametrize("service, allowed", [("ec2.amazonaws.com", True),
                                              ("lambda.amazonaws.com", True),
                                              ("ecs-tasks.amazonaws.com", False)])
def test_trust_allows_exactly_the_chosen_services(service: str, allowed: bool) -> None:
    p = RolePlan(name="x", trusted_services=("ec2.amazonaws.com", "lambda.amazonaws.com"))
    assert trust_decision(p, service=service).allowed is allowed


def test_trust_conditions_apply_to_other_accounts() -> None:
    p = RolePlan(name="x", trusted_principals=("444455556666",),
                 trust_conditions=(TrustCondition("StringEquals", "sts:ExternalId", ("xyz-1",)),))
    caller = "arn:aws:iam::444455556666:role/partner"
    assert trust_decision(p, principal=caller, context={"sts:ExternalId": "xyz-1"}).allowed
    assert not trust_decision(p, principal=caller, context={"sts:ExternalId": "nope"}).allowed
    stranger = "arn:aws:iam::777788889999:role/other"
    assert not trust_decision(p, principal=stranger, context={"sts:ExternalId": "xyz-1"}).allowed

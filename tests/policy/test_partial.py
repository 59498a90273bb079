"""Partial evaluation: unknown is not "no".

DESIGN.md "Unknown is not 'no'" and issue #2: with Request(partial=True), a key neither given
nor derived may hold any value, so a condition on it makes the outcome conditional and names
what it depends on. Keys the engine derives from the request (aws:PrincipalArn,
aws:PrincipalAccount, aws:ResourceAccount, given tags) are never unknown. The truth of each
condition once known follows "IAM JSON policy elements: Condition operators".
"""

from __future__ import annotations

from graph.policy import Outcome, Verdict

from .helpers import ACCOUNT, BUCKET, ROLE, allow, decide, deny, doc

VPCE = "aws:SourceVpce"
READ = doc(allow("s3:GetObject", f"{BUCKET}/*"))


def test_allow_on_unknown_key_is_conditional_and_names_it() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {VPCE: "vpce-1a2b"}}))
    d = decide(identity=[policy], partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    [cond] = d.conditions
    assert cond.key.lower() == VPCE.lower()
    assert cond.operator == "StringEquals"
    assert cond.values == ("vpce-1a2b",)
    assert cond.must_hold is True
    assert cond.statement.effect == "Allow"


def test_same_request_without_partial_is_a_plain_no() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {VPCE: "vpce-1a2b"}}))
    d = decide(identity=[policy])
    assert d.outcome is Outcome.DENIED
    assert d.verdict is Verdict.IMPLICIT_DENY


def test_given_key_is_evaluated_even_when_partial() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {VPCE: "vpce-1a2b"}}))
    assert decide(identity=[policy], partial=True,
                  context={VPCE: "vpce-1a2b"}).outcome is Outcome.ALLOWED
    assert decide(identity=[policy], partial=True,
                  context={VPCE: "vpce-other"}).outcome is Outcome.DENIED


def test_deny_on_unknown_key_makes_allowed_request_conditional() -> None:
    policy = doc(deny("s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*", Condition={
        "StringNotEquals": {VPCE: "vpce-1a2b"}}))
    d = decide(identity=[READ], resource_policy=policy, partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    [cond] = d.conditions
    assert cond.key.lower() == VPCE.lower()
    assert cond.must_hold is False
    assert cond.statement.effect == "Deny"
    assert "the VPC endpoint must be vpce-1a2b" in str(cond)  # what must hold, in words
    assert "Deny if StringNotEquals aws:SourceVpce [vpce-1a2b]" in str(cond)  # as written


def test_deny_on_unknown_key_does_not_make_a_denied_request_conditional() -> None:
    # Nothing grants: whatever the key holds, the answer is no.
    policy = doc(deny("s3:*", "*", Principal="*", Condition={
        "StringNotEquals": {VPCE: "vpce-1a2b"}}))
    assert decide(resource_policy=policy, partial=True).outcome is Outcome.DENIED


def test_unconditional_grant_makes_unknown_allow_condition_irrelevant() -> None:
    conditional = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {VPCE: "vpce-1"}}))
    d = decide(identity=[conditional, READ], partial=True)
    assert d.outcome is Outcome.ALLOWED
    assert d.verdict is Verdict.ALLOW


def test_unconditional_deny_wins_over_unknowns() -> None:
    conditional = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {VPCE: "vpce-1"}}))
    d = decide(identity=[conditional, doc(deny("s3:GetObject"))], partial=True)
    assert d.outcome is Outcome.DENIED
    assert d.verdict is Verdict.EXPLICIT_DENY


def test_condition_false_on_known_key_beats_unknown_key() -> None:
    # Keys in one block are ANDed: a known-false key decides even with another unknown.
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {VPCE: "vpce-1", "aws:RequestedRegion": "eu-west-1"}}))
    d = decide(identity=[policy], partial=True, context={"aws:RequestedRegion": "us-east-1"})
    assert d.outcome is Outcome.DENIED


def test_derived_keys_are_never_unknown() -> None:
    for key, value in [("aws:PrincipalArn", ROLE), ("aws:PrincipalAccount", ACCOUNT),
                       ("aws:ResourceAccount", ACCOUNT)]:
        policy = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {key: value}}))
        d = decide(identity=[policy], partial=True)
        assert d.outcome is Outcome.ALLOWED, key
        assert d.conditions == (), key
        other = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {key: "nope"}}))
        assert decide(identity=[other], partial=True).outcome is Outcome.DENIED, key


def test_given_principal_tag_is_known() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {"aws:PrincipalTag/team": "alpha"}}))
    d = decide(identity=[policy], partial=True, principal_tags={"team": "alpha"})
    assert d.outcome is Outcome.ALLOWED


def test_unknown_key_under_null_is_conditional() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={"Null": {VPCE: "false"}}))
    d = decide(identity=[policy], partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    assert [c.key.lower() for c in d.conditions] == [VPCE.lower()]


def test_conditional_resource_grant_lists_the_bucket_condition() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal="*", Condition={
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
    d = decide(resource_policy=policy, partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    [cond] = d.conditions
    assert cond.key.lower() == "aws:sourceip"
    assert cond.values == ("203.0.113.0/24",)
    assert cond.must_hold is True


def test_unknown_key_in_resource_variable_is_not_a_plain_no() -> None:
    # The grant covers vpce/<the caller's endpoint>/*; with the endpoint unknown the object may
    # or may not be covered, so the answer depends on the request ("unknown is not no").
    policy = doc(allow("s3:GetObject", f"{BUCKET}/vpce/${{aws:SourceVpce}}/*"))
    d = decide("s3:GetObject", f"{BUCKET}/vpce/vpce-1a2b/x", identity=[policy], partial=True)
    assert d.outcome is Outcome.CONDITIONAL
    assert decide("s3:GetObject", f"{BUCKET}/vpce/vpce-1a2b/x", identity=[policy],
                  partial=True, context={VPCE: "vpce-1a2b"}).outcome is Outcome.ALLOWED


def test_anonymous_caller_has_no_principal_keys_even_when_partial() -> None:
    # An anonymous request carries no principal: aws:PrincipalAccount cannot hold a value.
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal="*", Condition={
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT}}))
    d = decide(principal=None, resource_policy=policy, partial=True)
    assert d.outcome is Outcome.DENIED


def test_unknown_resource_variable_names_the_key() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/vpce/${{aws:SourceVpce}}/*"))
    d = decide("s3:GetObject", f"{BUCKET}/vpce/vpce-1a2b/x", identity=[policy], partial=True)
    assert [c.key.lower() for c in d.conditions] == [VPCE.lower()]
    assert all(c.must_hold for c in d.conditions)


def test_unknown_resource_variable_cannot_reach_an_arn_outside_the_pattern() -> None:
    # Whatever the endpoint id is, bucket/vpce/<id>/* never covers bucket/reports/q1.csv.
    policy = doc(allow("s3:GetObject", f"{BUCKET}/vpce/${{aws:SourceVpce}}/*"))
    d = decide("s3:GetObject", f"{BUCKET}/reports/q1.csv", identity=[policy], partial=True)
    assert d.outcome is Outcome.DENIED


def test_deny_not_resource_with_unknown_variable() -> None:
    # Deny everything outside vpce/<caller's endpoint>/*: inside the pattern's reach the deny
    # depends on the endpoint; outside it the deny is certain.
    policy = doc(
        allow("s3:GetObject", f"{BUCKET}/*"),
        {"Effect": "Deny", "Action": "s3:GetObject",
         "NotResource": f"{BUCKET}/vpce/${{aws:SourceVpce}}/*"},
    )
    inside = decide("s3:GetObject", f"{BUCKET}/vpce/vpce-1a2b/x", identity=[policy],
                    partial=True)
    assert inside.outcome is Outcome.CONDITIONAL
    assert [c.must_hold for c in inside.conditions] == [False]
    outside = decide("s3:GetObject", f"{BUCKET}/reports/q1.csv", identity=[policy],
                     partial=True)
    assert outside.verdict is Verdict.EXPLICIT_DENY
    assert outside.outcome is Outcome.DENIED

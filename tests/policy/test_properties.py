"""Properties of the parser and the evaluator, checked on generated documents (hypothesis).

Issue #2: arbitrary JSON never crashes the parser (a PolicyParseError or a Policy, nothing
else, and a parsed policy always yields a Decision), and permuting statements never changes a
decision: AWS's "Policy evaluation logic" has no notion of statement order.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import PolicyParseError
from graph.policy import (
    Decision,
    Policy,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
    parse_policy,
)

from .helpers import ACCOUNT, BUCKET, OTHER_ACCOUNT, ROLE

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- arbitrary JSON, and JSON shaped like a policy ----------------------------------------

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20,
)

OPERATORS = [
    "StringEquals", "StringNotEquals", "StringLike", "StringEqualsIgnoreCase", "NumericLessThan",
    "DateGreaterThan", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnLike", "Null",
    "ForAnyValue:StringEquals", "ForAllValues:StringLike", "StringNotEqualsIfExists",
    "NumericEqualz", "ForSomeValues:StringEquals",
]
KEYS = ["aws:SourceVpce", "aws:PrincipalTag/team", "aws:SourceIp", "aws:CurrentTime",
        "aws:PrincipalArn", "aws:TagKeys", "s3:prefix", "aws:SecureTransport"]
STRINGS = st.sampled_from([
    "*", "s3:*", "s3:GetObject", "s3:Get*", "s3:?etObject", f"{BUCKET}/*", BUCKET, ROLE,
    ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:root", "10.0.0.0/8", "2001:db8::/32", "true",
    "2026-01-01T00:00:00Z", "1767225600", "${aws:PrincipalTag/team}", "${aws:username, 'x'}",
    "${*}", "${", "vpce-1", "ec2.amazonaws.com", "",
]) | st.text(max_size=12)
string_or_list = STRINGS | st.lists(STRINGS, max_size=3)
wild = json_values


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(value, wild)


condition_blocks = st.dictionaries(
    st.sampled_from(OPERATORS) | st.text(max_size=8),
    maybe(st.dictionaries(st.sampled_from(KEYS), maybe(string_or_list), max_size=2)),
    max_size=2,
)
principals = st.sampled_from(["*"]) | st.dictionaries(
    st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Robot"]),
    maybe(string_or_list), min_size=1, max_size=2)

statement_like = st.fixed_dictionaries(
    {},
    optional={
        "Sid": maybe(st.text(max_size=6)),
        "Effect": maybe(st.sampled_from(["Allow", "Deny", "allow", "Permit"])),
        "Action": maybe(string_or_list),
        "NotAction": maybe(string_or_list),
        "Resource": maybe(string_or_list),
        "NotResource": maybe(string_or_list),
        "Principal": maybe(principals),
        "NotPrincipal": maybe(principals),
        "Condition": maybe(condition_blocks),
    },
)
policy_like = st.fixed_dictionaries(
    {},
    optional={
        "Version": maybe(st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01"])),
        "Id": maybe(st.text(max_size=5)),
        "Statement": maybe(statement_like | st.lists(statement_like, max_size=4)),
    },
)

REQUESTS = [
    Request(ROLE, "s3:GetObject", f"{BUCKET}/a/b", ACCOUNT,
            context={"aws:SourceIp": "10.1.2.3", "aws:TagKeys": ["team"]},
            principal_tags={"team": "alpha"}),
    Request(ROLE, "s3:ListBucket", BUCKET, OTHER_ACCOUNT, partial=True),
    Request(None, "s3:GetObject", f"{BUCKET}/x", ACCOUNT),
    Request(None, "sts:AssumeRole", ROLE, ACCOUNT, principal_service="ec2.amazonaws.com"),
]


def parse_or_error(document: Any, kind: PolicyKind) -> Policy | None:
    try:
        policy = parse_policy(document, name="fuzz", kind=kind)
    except PolicyParseError as exc:
        assert exc.policy_name == "fuzz"
        return None
    assert isinstance(policy, Policy)
    return policy


def check_decides(policy: Policy) -> None:
    for request in REQUESTS:
        if policy.kind in (PolicyKind.RESOURCE, PolicyKind.TRUST):
            d = evaluate(request, PrincipalPolicies(), resource_policy=policy)
        elif policy.kind is PolicyKind.SCP:
            d = evaluate(request, PrincipalPolicies(scps=((policy,),)))
        elif policy.kind is PolicyKind.BOUNDARY:
            d = evaluate(request, PrincipalPolicies(boundary=policy))
        else:
            d = evaluate(request, PrincipalPolicies(identity=(policy,)))
        assert isinstance(d, Decision)
        assert isinstance(d.verdict, Verdict)


@SETTINGS
@given(json_values, st.sampled_from(list(PolicyKind)))
def test_arbitrary_json_parses_or_raises_parse_error(document: Any, kind: PolicyKind) -> None:
    policy = parse_or_error(document, kind)
    if policy is not None:
        check_decides(policy)


@SETTINGS
@given(policy_like, st.sampled_from(list(PolicyKind)))
def test_policy_shaped_json_parses_or_raises_parse_error(document: Any,
                                                         kind: PolicyKind) -> None:
    policy = parse_or_error(document, kind)
    if policy is not None:
        check_decides(policy)


@SETTINGS
@given(policy_like | json_values)
def test_json_text_parses_or_raises_parse_error(document: Any) -> None:
    text = json.dumps(document)
    for candidate in (text, text[: len(text) // 2], text.replace('"', "%22")):
        policy = parse_or_error(candidate, PolicyKind.IDENTITY)
        if policy is not None:
            check_decides(policy)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_parse_error(text: str) -> None:
    parse_or_error(text, PolicyKind.RESOURCE)


# --- statement order never matters --------------------------------------------------------

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]
valid_condition = st.sampled_from([
    None,
    {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"StringEquals": {"aws:PrincipalTag/team": "alpha"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}},
])


@st.composite
def valid_statements(draw: st.DrawFn, with_principal: bool) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        draw(st.sampled_from(["Action", "Action", "NotAction"])):
            draw(st.lists(st.sampled_from(ACTIONS + ["s3:*", "s3:Get*", "*"]), min_size=1,
                          max_size=2)),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])):
            draw(st.sampled_from([BUCKET, f"{BUCKET}/*", "*", f"{BUCKET}/a/*",
                                  f"{BUCKET}/${{aws:PrincipalTag/team}}/*"])),
    }
    if with_principal:
        stmt[draw(st.sampled_from(["Principal", "Principal", "NotPrincipal"]))] = draw(
            st.sampled_from(["*", {"AWS": ROLE}, {"AWS": ACCOUNT}, {"AWS": OTHER_ACCOUNT}]))
    condition = draw(valid_condition)
    if condition is not None:
        stmt["Condition"] = condition
    return stmt


def as_doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


contexts = st.fixed_dictionaries({}, optional={
    "aws:SourceVpce": st.sampled_from(["vpce-1", "vpce-2"]),
    "aws:SecureTransport": st.sampled_from(["true", "false"]),
    "aws:SourceIp": st.sampled_from(["10.1.1.1", "192.0.2.1"]),
})


@SETTINGS
@given(
    identity=st.lists(valid_statements(False), min_size=1, max_size=6),
    bucket=st.lists(valid_statements(True), min_size=1, max_size=6),
    data=st.data(),
    action=st.sampled_from(ACTIONS),
    key=st.sampled_from(["", "a/x", "alpha/x", "b/y"]),
    account=st.sampled_from([ACCOUNT, OTHER_ACCOUNT]),
    context=contexts,
    partial=st.booleans(),
    tagged=st.booleans(),
)
def test_permuting_statements_never_changes_the_decision(
    identity: list[dict[str, Any]], bucket: list[dict[str, Any]], data: st.DataObject,
    action: str, key: str, account: str, context: dict[str, str], partial: bool, tagged: bool,
) -> None:
    resource = f"{BUCKET}/{key}" if key else BUCKET
    request = Request(ROLE, action, resource, account, context=context, partial=partial,
                      principal_tags={"team": "alpha"} if tagged else {})

    def decide(ident: list[dict[str, Any]], res: list[dict[str, Any]]) -> Decision:
        return evaluate(
            request,
            PrincipalPolicies(identity=(parse_policy(as_doc(ident), "id", PolicyKind.IDENTITY),)),
            resource_policy=parse_policy(as_doc(res), "bucket", PolicyKind.RESOURCE),
        )

    before = decide(identity, bucket)
    shuffled_identity = data.draw(st.permutations(identity))
    shuffled_bucket = data.draw(st.permutations(bucket))
    after = decide(shuffled_identity, shuffled_bucket)
    assert (after.verdict, after.outcome, after.blocked_by) == (
        before.verdict, before.outcome, before.blocked_by)
    # The same statements decide, whatever their position.
    assert sorted(json.dumps(r.statement, sort_keys=True) for r in after.deciding) == sorted(
        json.dumps(r.statement, sort_keys=True) for r in before.deciding)


# --- compiled policies carry caches; answers must not depend on what was asked before ------

request_strategy = st.builds(
    lambda action, key, account, context, partial, tagged: Request(
        ROLE, action, f"{BUCKET}/{key}" if key else BUCKET, account, context=context,
        partial=partial, principal_tags={"team": "alpha"} if tagged else {}),
    st.sampled_from(ACTIONS), st.sampled_from(["", "a/x", "alpha/x", "b/y"]),
    st.sampled_from([ACCOUNT, OTHER_ACCOUNT]), contexts, st.booleans(), st.booleans(),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    identity=st.lists(valid_statements(False), min_size=1, max_size=6),
    bucket=st.lists(valid_statements(True), min_size=1, max_size=6),
    batch=st.lists(request_strategy, min_size=2, max_size=12),
)
def test_reused_policies_answer_like_fresh_ones(
    identity: list[dict[str, Any]], bucket: list[dict[str, Any]], batch: list[Request],
) -> None:
    def compile_pair() -> tuple[PrincipalPolicies, Policy]:
        return (
            PrincipalPolicies(identity=(parse_policy(as_doc(identity), "id",
                                                     PolicyKind.IDENTITY),)),
            parse_policy(as_doc(bucket), "bucket", PolicyKind.RESOURCE),
        )

    shared_principal, shared_bucket = compile_pair()
    for request in batch:
        reused = evaluate(request, shared_principal, shared_bucket)
        fresh_principal, fresh_bucket = compile_pair()
        fresh = evaluate(request, fresh_principal, fresh_bucket)
        assert (reused.verdict, reused.outcome, reused.conditions) == (
            fresh.verdict, fresh.outcome, fresh.conditions)


# --- IAM users and roles differ only where "Permissions boundaries" says (issue #11) -------

USER = f"arn:aws:iam::{ACCOUNT}:user/app"
CALLER = "CALLER"  # replaced by the user's or the role's ARN


def arn_blind(stmt: dict[str, Any]) -> dict[str, Any]:
    """The statement without a condition on aws:PrincipalArn (which differs by construction)."""
    if "aws:PrincipalArn" in json.dumps(stmt.get("Condition")):
        del stmt["Condition"]
    return stmt


blind_statements = valid_statements(False).map(arn_blind)


@st.composite
def caller_statements(draw: st.DrawFn) -> dict[str, Any]:
    """Bucket statements whose Principal may name the caller, its account, anyone or another
    account."""
    stmt = draw(blind_statements)
    stmt[draw(st.sampled_from(["Principal", "Principal", "NotPrincipal"]))] = draw(
        st.sampled_from(["*", {"AWS": CALLER}, {"AWS": ACCOUNT}, {"AWS": OTHER_ACCOUNT}]))
    return stmt


def named(statements: list[dict[str, Any]], arn: str) -> list[dict[str, Any]]:
    return json.loads(json.dumps(statements).replace(CALLER, arn))


@SETTINGS
@given(
    identity=st.lists(blind_statements, max_size=4),
    boundary=st.none() | st.lists(blind_statements, min_size=1, max_size=3),
    bucket=st.lists(caller_statements(), min_size=1, max_size=5),
    action=st.sampled_from(ACTIONS),
    key=st.sampled_from(["", "a/x", "alpha/x"]),
    account=st.sampled_from([ACCOUNT, OTHER_ACCOUNT]),
    context=contexts,
)
def test_user_and_role_differ_only_where_boundaries_say(
    identity: list[dict[str, Any]], boundary: list[dict[str, Any]] | None,
    bucket: list[dict[str, Any]], action: str, key: str, account: str,
    context: dict[str, str],
) -> None:
    """The same policies naming an IAM user or a role decide alike, except that in the same
    account a bucket-policy grant to the user's ARN is not cut by the boundary's implicit
    deny while the same grant to the role's ARN is."""
    resource = f"{BUCKET}/{key}" if key else BUCKET

    def decide(arn: str) -> Decision:
        principal = PrincipalPolicies(
            identity=(parse_policy(as_doc(identity), "id", PolicyKind.IDENTITY),)
            if identity else (),
            boundary=parse_policy(as_doc(boundary), "boundary", PolicyKind.BOUNDARY)
            if boundary is not None else None)
        return evaluate(Request(arn, action, resource, account, context=context), principal,
                        parse_policy(as_doc(named(bucket, arn)), "bucket",
                                     PolicyKind.RESOURCE))

    as_role, as_user = decide(ROLE), decide(USER)
    if as_role.verdict is as_user.verdict:
        return
    assert account == ACCOUNT and boundary is not None
    assert (as_role.verdict, as_role.blocked_by) == (Verdict.IMPLICIT_DENY,
                                                     PolicyKind.BOUNDARY)
    assert as_user.verdict is Verdict.ALLOW
    assert any(ref.policy_kind is PolicyKind.RESOURCE and ref.statement.get("Principal") ==
               {"AWS": USER} for ref in as_user.deciding)

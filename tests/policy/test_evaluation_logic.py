"""How identity, boundary, SCP and resource policies combine.

AWS IAM User Guide, "Policy evaluation logic" (explicit deny wins; SCPs and boundaries limit;
in the same account an identity or a resource policy may grant), "Cross-account policy
evaluation logic" (both sides must allow), "Permissions boundaries for IAM entities" (a
resource-policy grant to the role ARN is limited by the boundary, a grant to `*` is not),
"AWS JSON policy elements: Principal" (account principals delegate to the account; `*` and
{"AWS": "*"} are everyone, including anonymous callers), "NotPrincipal", and AWS Organizations
"SCP evaluation" (every level from the root to the account must allow).
"""

from __future__ import annotations

from graph.policy import (
    Outcome,
    Policy,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
    parse_policy,
)

from .helpers import (
    ACCOUNT,
    BUCKET,
    FOREIGN_ROLE,
    OBJECT,
    OTHER_ACCOUNT,
    OTHER_ROLE,
    ROLE,
    allow,
    decide,
    deny,
    doc,
    verdict,
)

READ = doc(allow("s3:GetObject", f"{BUCKET}/*"))
ALLOW_ALL = doc(allow("*", "*"))


def bucket_grant(principal: object, **extra: object) -> dict:
    return doc(allow("s3:GetObject", f"{BUCKET}/*", Principal=principal, **extra))


# --- identity policies and explicit deny -------------------------------------------------


def test_no_policy_is_implicit_deny() -> None:
    d = decide()
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.outcome is Outcome.DENIED


def test_identity_allow_alone_allows_and_names_the_statement() -> None:
    policy = doc({"Sid": "Other", **allow("s3:PutObject")},
                 {"Sid": "Read", **allow("s3:GetObject", f"{BUCKET}/*")})
    d = decide(identity=[policy])
    assert d.verdict is Verdict.ALLOW
    assert d.outcome is Outcome.ALLOWED
    assert d.reasons
    [ref] = [r for r in d.deciding if r.effect == "Allow"]
    assert (ref.policy_name, ref.policy_kind, ref.index, ref.sid) == (
        "identity0", PolicyKind.IDENTITY, 1, "Read")


def test_explicit_deny_in_one_identity_policy_beats_allow_in_another() -> None:
    d = decide(identity=[ALLOW_ALL, doc({"Sid": "NoReports", **deny("s3:GetObject", OBJECT)})])
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.IDENTITY
    assert [r.sid for r in d.deciding] == ["NoReports"]
    assert "NoReports" in d.reasons[0]


def test_identity_deny_beats_bucket_policy_grant() -> None:
    d = decide(identity=[doc(deny("s3:*", "*"))], resource_policy=bucket_grant({"AWS": ROLE}))
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.IDENTITY


def test_bucket_policy_deny_beats_identity_allow() -> None:
    policy = doc(deny("s3:GetObject", f"{BUCKET}/*", Principal="*"))
    d = decide(identity=[ALLOW_ALL], resource_policy=policy)
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.RESOURCE


def test_deny_for_another_action_does_not_apply() -> None:
    assert verdict(identity=[ALLOW_ALL, doc(deny("s3:DeleteObject"))]) is Verdict.ALLOW


# --- permissions boundaries ----------------------------------------------------------------


def test_boundary_and_identity_must_both_allow() -> None:
    assert verdict(identity=[READ], boundary=doc(allow("s3:*", "*"))) is Verdict.ALLOW
    d = decide(identity=[READ], boundary=doc(allow("ec2:*", "*")))
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.BOUNDARY


def test_boundary_alone_grants_nothing() -> None:
    assert verdict(boundary=ALLOW_ALL) is Verdict.IMPLICIT_DENY


def test_boundary_explicit_deny() -> None:
    d = decide(identity=[READ], boundary=doc(allow("*", "*"), deny("s3:GetObject")))
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.BOUNDARY


def test_boundary_cuts_bucket_grant_to_role_arn() -> None:
    # Same account, grant names the role ARN: the boundary's implicit deny limits it.
    d = decide(boundary=doc(allow("ec2:*", "*")), resource_policy=bucket_grant({"AWS": ROLE}))
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.BOUNDARY


def test_boundary_does_not_cut_bucket_grant_to_star() -> None:
    d = decide(boundary=doc(allow("ec2:*", "*")), resource_policy=bucket_grant("*"))
    assert d.verdict is Verdict.ALLOW


def test_boundary_does_not_cut_star_grant_scoped_by_principal_arn() -> None:
    policy = bucket_grant("*", Condition={"ArnEquals": {"aws:PrincipalArn": ROLE}})
    assert verdict(boundary=doc(allow("ec2:*", "*")), resource_policy=policy) is Verdict.ALLOW


def test_boundary_explicit_deny_still_blocks_star_grant() -> None:
    boundary = doc(allow("*", "*"), deny("s3:GetObject"))
    d = decide(boundary=boundary, resource_policy=bucket_grant("*"))
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.BOUNDARY


def test_boundary_allowing_lets_bucket_grant_to_role_through() -> None:
    assert verdict(boundary=doc(allow("s3:*", "*")),
                   resource_policy=bucket_grant({"AWS": ROLE})) is Verdict.ALLOW


# --- service control policies --------------------------------------------------------------


def test_scp_every_level_must_allow() -> None:
    full = doc(allow("*", "*"))
    only_ec2 = doc(allow("ec2:*", "*"))
    assert verdict(identity=[READ], scps=[full, full, full]) is Verdict.ALLOW
    d = decide(identity=[READ], scps=[full, only_ec2, full])
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.SCP


def test_scp_allow_at_one_level_cannot_make_up_for_another() -> None:
    s3_only = doc(allow("s3:*", "*"))
    ec2_only = doc(allow("ec2:*", "*"))
    assert verdict(identity=[ALLOW_ALL], scps=[s3_only, ec2_only]) is Verdict.IMPLICIT_DENY


def test_scp_deny_at_account_level() -> None:
    full = doc(allow("*", "*"))
    acct = doc(allow("*", "*"), deny("s3:GetObject"))
    d = decide(identity=[READ], scps=[full, full, acct])
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.SCP


def test_scp_grants_nothing_by_itself() -> None:
    assert verdict(scps=[doc(allow("*", "*"))]) is Verdict.IMPLICIT_DENY


def test_scp_limits_same_account_bucket_grant() -> None:
    d = decide(scps=[doc(allow("ec2:*", "*"))], resource_policy=bucket_grant("*"))
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.SCP


def test_scp_condition_on_principal_tag() -> None:
    scp = doc(allow("*", "*"), deny("s3:*", "*", Condition={
        "StringNotEquals": {"aws:PrincipalTag/clearance": "data"}}))
    assert verdict(identity=[READ], scps=[scp],
                   principal_tags={"clearance": "data"}) is Verdict.ALLOW
    assert verdict(identity=[READ], scps=[scp]) is Verdict.EXPLICIT_DENY


# --- resource policies, same account -------------------------------------------------------


def test_same_account_grant_to_role_arn_needs_no_identity_policy() -> None:
    d = decide(resource_policy=bucket_grant({"AWS": ROLE}))
    assert d.verdict is Verdict.ALLOW
    assert any(r.policy_kind is PolicyKind.RESOURCE for r in d.deciding)


def test_same_account_grant_to_star_needs_no_identity_policy() -> None:
    assert verdict(resource_policy=bucket_grant("*")) is Verdict.ALLOW
    assert verdict(resource_policy=bucket_grant({"AWS": "*"})) is Verdict.ALLOW


def test_same_account_grant_to_account_root_delegates() -> None:
    policy = bucket_grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.ALLOW


def test_same_account_grant_to_bare_account_id_delegates() -> None:
    policy = bucket_grant({"AWS": ACCOUNT})
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.ALLOW


def test_same_account_grant_to_other_role_grants_nothing_to_this_one() -> None:
    assert verdict(resource_policy=bucket_grant({"AWS": OTHER_ROLE})) is Verdict.IMPLICIT_DENY


def test_same_account_identity_allow_with_unrelated_bucket_policy() -> None:
    policy = doc(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": OTHER_ROLE}))
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.ALLOW


def test_bucket_grant_with_false_condition_grants_nothing() -> None:
    policy = bucket_grant("*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    assert verdict(resource_policy=policy,
                   context={"aws:SourceVpce": "vpce-other"}) is Verdict.IMPLICIT_DENY
    assert verdict(resource_policy=policy,
                   context={"aws:SourceVpce": "vpce-1a2b3c4d"}) is Verdict.ALLOW


def test_service_principal_grant_does_not_match_a_role() -> None:
    policy = bucket_grant({"Service": "ec2.amazonaws.com"})
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY


# --- resource policies, cross account ------------------------------------------------------


def foreign(**kwargs: object) -> Verdict:
    """The partner role in OTHER_ACCOUNT reads an object in our bucket."""
    return verdict(principal=FOREIGN_ROLE, resource_account=ACCOUNT, **kwargs)


def test_cross_account_needs_both_sides() -> None:
    grant = bucket_grant({"AWS": FOREIGN_ROLE})
    assert foreign(resource_policy=grant) is Verdict.IMPLICIT_DENY
    assert foreign(identity=[READ]) is Verdict.IMPLICIT_DENY
    assert foreign(identity=[READ], resource_policy=grant) is Verdict.ALLOW


def test_cross_account_without_bucket_grant_is_blocked_by_the_resource_side() -> None:
    d = decide(principal=FOREIGN_ROLE, resource_account=ACCOUNT, identity=[READ])
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.RESOURCE


def test_cross_account_grant_to_account_root_plus_identity() -> None:
    grant = bucket_grant({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"})
    assert foreign(identity=[READ], resource_policy=grant) is Verdict.ALLOW
    assert foreign(identity=[READ], resource_policy=bucket_grant({"AWS": OTHER_ACCOUNT})) \
        is Verdict.ALLOW


def test_cross_account_star_grant_still_needs_identity() -> None:
    assert foreign(resource_policy=bucket_grant("*")) is Verdict.IMPLICIT_DENY
    assert foreign(identity=[READ], resource_policy=bucket_grant("*")) is Verdict.ALLOW


def test_cross_account_grant_to_bucket_owner_account_does_not_reach_partner() -> None:
    grant = bucket_grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert foreign(identity=[READ], resource_policy=grant) is Verdict.IMPLICIT_DENY


def test_cross_account_boundary_limits_the_identity_side() -> None:
    grant = bucket_grant({"AWS": FOREIGN_ROLE})
    assert foreign(identity=[READ], boundary=doc(allow("ec2:*", "*")),
                   resource_policy=grant) is Verdict.IMPLICIT_DENY


def test_cross_account_principal_scp_deny() -> None:
    grant = bucket_grant({"AWS": FOREIGN_ROLE})
    scp = doc(allow("*", "*"), deny("s3:*", "*"))
    assert foreign(identity=[READ], scps=[scp], resource_policy=grant) is Verdict.EXPLICIT_DENY


def test_resource_account_perimeter_deny() -> None:
    perimeter = doc(allow("s3:*", "*"), deny("s3:*", "*", Condition={
        "StringNotEquals": {"aws:ResourceAccount": ACCOUNT}}))
    assert verdict(identity=[perimeter]) is Verdict.ALLOW
    grant = bucket_grant({"AWS": ROLE})
    assert verdict(identity=[perimeter], resource_account=OTHER_ACCOUNT,
                   resource_policy=grant) is Verdict.EXPLICIT_DENY


# --- anonymous callers and services --------------------------------------------------------


def test_anonymous_caller_only_through_star() -> None:
    assert verdict(principal=None, resource_policy=bucket_grant("*")) is Verdict.ALLOW
    assert verdict(principal=None, resource_policy=bucket_grant({"AWS": "*"})) is Verdict.ALLOW
    root = bucket_grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert verdict(principal=None, resource_policy=root) is Verdict.IMPLICIT_DENY
    assert verdict(principal=None) is Verdict.IMPLICIT_DENY


def test_trust_policy_for_service_principal() -> None:
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    kwargs = dict(principal=None, action="sts:AssumeRole", resource=ROLE,
                  resource_policy=trust, resource_kind=PolicyKind.TRUST)
    assert verdict(principal_service="ec2.amazonaws.com", **kwargs) is Verdict.ALLOW
    assert verdict(principal_service="lambda.amazonaws.com", **kwargs) is Verdict.IMPLICIT_DENY


def test_trust_policy_service_list() -> None:
    trust = doc({"Effect": "Allow",
                 "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
                 "Action": ["sts:AssumeRole", "sts:TagSession"]})
    assert verdict("sts:AssumeRole", ROLE, principal=None, principal_service="ec2.amazonaws.com",
                   resource_policy=trust, resource_kind=PolicyKind.TRUST) is Verdict.ALLOW


def test_trust_policy_naming_a_role_of_the_same_account() -> None:
    # A trust policy is a resource-based policy: naming the caller's role ARN in the same
    # account suffices without an identity policy; naming only the account delegates.
    trust = doc({"Effect": "Allow", "Principal": {"AWS": OTHER_ROLE}, "Action": "sts:AssumeRole"})
    kwargs = dict(resource_policy=trust, resource_kind=PolicyKind.TRUST)
    assert verdict("sts:AssumeRole", ROLE, principal=OTHER_ROLE, **kwargs) is Verdict.ALLOW
    root = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole"})
    assert verdict("sts:AssumeRole", ROLE, principal=OTHER_ROLE, resource_policy=root,
                   resource_kind=PolicyKind.TRUST) is Verdict.IMPLICIT_DENY


def test_trust_policy_naming_a_role_does_not_admit_a_service() -> None:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": OTHER_ROLE}, "Action": "sts:AssumeRole"})
    assert verdict("sts:AssumeRole", ROLE, principal=None, principal_service="ec2.amazonaws.com",
                   resource_policy=trust,
                   resource_kind=PolicyKind.TRUST) is Verdict.IMPLICIT_DENY


# --- NotPrincipal --------------------------------------------------------------------------


def not_principal_deny(listed: object) -> dict:
    return doc({"Effect": "Deny", "NotPrincipal": {"AWS": listed},
                "Action": "s3:*", "Resource": [BUCKET, f"{BUCKET}/*"]})


def test_not_principal_deny_exempts_the_listed_role() -> None:
    policy = not_principal_deny([ROLE, f"arn:aws:iam::{ACCOUNT}:root"])
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.ALLOW


def test_not_principal_deny_hits_everyone_not_listed() -> None:
    policy = not_principal_deny([OTHER_ROLE, f"arn:aws:iam::{ACCOUNT}:root"])
    d = decide(identity=[READ], resource_policy=policy)
    assert d.verdict is Verdict.EXPLICIT_DENY
    assert d.blocked_by is PolicyKind.RESOURCE


def test_not_principal_deny_listing_only_the_account_does_not_exempt_its_roles() -> None:
    policy = not_principal_deny(f"arn:aws:iam::{ACCOUNT}:root")
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.EXPLICIT_DENY


def test_not_principal_deny_always_hits_a_role_with_a_boundary() -> None:
    policy = not_principal_deny([ROLE, f"arn:aws:iam::{ACCOUNT}:root"])
    assert verdict(identity=[READ], boundary=doc(allow("s3:*", "*")),
                   resource_policy=policy) is Verdict.EXPLICIT_DENY


def test_not_principal_deny_grants_nothing() -> None:
    policy = not_principal_deny([ROLE, f"arn:aws:iam::{ACCOUNT}:root"])
    assert verdict(resource_policy=policy) is Verdict.IMPLICIT_DENY


def test_not_principal_deny_hits_anonymous_callers() -> None:
    policy = doc(allow("s3:GetObject", f"{BUCKET}/*", Principal="*"),
                 {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE},
                  "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})
    assert verdict(principal=None, resource_policy=policy) is Verdict.EXPLICIT_DENY


def test_not_principal_allow_grants_everyone_but_the_listed() -> None:
    policy = doc({"Effect": "Allow", "NotPrincipal": {"AWS": OTHER_ROLE},
                  "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})
    assert verdict(resource_policy=policy) is Verdict.ALLOW
    assert verdict(principal=OTHER_ROLE, resource_policy=policy) is Verdict.IMPLICIT_DENY


# --- derived context -----------------------------------------------------------------------


def test_principal_arn_is_the_role_arn() -> None:
    policy = bucket_grant("*", Condition={"StringEquals": {"aws:PrincipalArn": ROLE}})
    assert verdict(resource_policy=policy) is Verdict.ALLOW
    assert verdict(principal=OTHER_ROLE, resource_policy=policy) is Verdict.IMPLICIT_DENY


def test_principal_account_is_derived() -> None:
    policy = bucket_grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})
    assert verdict(resource_policy=policy) is Verdict.ALLOW
    assert foreign(identity=[READ], resource_policy=policy) is Verdict.IMPLICIT_DENY


def test_resource_tag_condition() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={
        "StringEquals": {"aws:ResourceTag/classification": "public"}}))
    assert verdict(identity=[policy],
                   resource_tags={"classification": "public"}) is Verdict.ALLOW
    assert verdict(identity=[policy]) is Verdict.IMPLICIT_DENY


def test_username_never_exists_for_a_role() -> None:
    policy = doc(allow("s3:GetObject", "*", Condition={"Null": {"aws:username": "true"}}))
    assert verdict(identity=[policy]) is Verdict.ALLOW


def test_deny_unless_vpc_endpoint_blocks_requests_without_one() -> None:
    # S3 "deny unless through this VPC endpoint": with no aws:SourceVpce the negated
    # operator is true, so the Deny applies.
    policy = doc(deny("s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*", Condition={
        "StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
    assert verdict(identity=[READ], resource_policy=policy) is Verdict.EXPLICIT_DENY
    assert verdict(identity=[READ], resource_policy=policy,
                   context={"aws:SourceVpce": "vpce-1a2b3c4d"}) is Verdict.ALLOW


def test_secure_transport_deny_pattern() -> None:
    policy = doc(deny("s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*", Condition={
        "Bool": {"aws:SecureTransport": "false"}}))
    assert verdict(identity=[READ], resource_policy=policy,
                   context={"aws:SecureTransport": "false"}) is Verdict.EXPLICIT_DENY
    assert verdict(identity=[READ], resource_policy=policy,
                   context={"aws:SecureTransport": "true"}) is Verdict.ALLOW


def test_scp_deny_not_action_allows_only_listed_services() -> None:
    # Organizations "SCP examples": deny everything except the listed services.
    scp = doc(allow("*", "*"), {"Effect": "Deny", "NotAction": ["s3:*", "ec2:*"],
                                 "Resource": "*"})
    assert verdict(identity=[ALLOW_ALL], scps=[scp]) is Verdict.ALLOW
    assert verdict("iam:CreateRole", "*", identity=[ALLOW_ALL],
                   scps=[scp]) is Verdict.EXPLICIT_DENY


def test_scp_region_deny() -> None:
    scp = doc(allow("*", "*"), deny("*", "*", Condition={
        "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}))
    assert verdict(identity=[READ], scps=[scp],
                   context={"aws:RequestedRegion": "eu-west-1"}) is Verdict.ALLOW
    assert verdict(identity=[READ], scps=[scp],
                   context={"aws:RequestedRegion": "us-east-1"}) is Verdict.EXPLICIT_DENY


def test_scp_any_policy_at_a_level_may_allow() -> None:
    # Several SCPs attached at one level: an Allow in any of them satisfies that level.
    def scp(d: dict, name: str) -> Policy:
        return parse_policy(d, name=name, kind=PolicyKind.SCP)

    full = scp(doc(allow("*", "*")), "FullAWSAccess")
    ec2 = scp(doc(allow("ec2:*", "*")), "Ec2Only")
    s3 = scp(doc(allow("s3:*", "*")), "S3Only")
    identity = (parse_policy(READ, name="read", kind=PolicyKind.IDENTITY),)
    request = Request(ROLE, "s3:GetObject", OBJECT, ACCOUNT)
    ok = PrincipalPolicies(identity=identity, scps=((full,), (ec2, s3)))
    assert evaluate(request, ok).verdict is Verdict.ALLOW
    blocked = PrincipalPolicies(identity=identity, scps=((full,), (ec2,), (full,)))
    assert evaluate(request, blocked).verdict is Verdict.IMPLICIT_DENY

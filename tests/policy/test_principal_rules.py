"""Rules that depend on who the caller is and what the resource is (issue #11, rules 1-4).

Each test is an example from the IAM User Guide page named in its docstring:
- "Permissions boundaries for IAM entities": how a same-account resource-based policy grant
  interacts with a boundary depends on whether it names an IAM user, a role or a role session;
- "Policy evaluation logic" / "Role trust policies" and the KMS Developer Guide's "Key
  policies": a trust policy or key policy must allow explicitly, an identity Allow alone is
  not enough, even in the same account;
- "IAM policy elements: Variables and tags": variables only in the resource part of an ARN;
- "Service control policies": SCPs do not affect service-linked roles.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graph.policy import PolicyKind, Verdict
from graph.policy.cases import load_cases, run_case

from .helpers import (
    ACCOUNT,
    BUCKET,
    ROLE,
    SESSION,
    USER,
    allow,
    decide,
    deny,
    doc,
    verdict,
)

#: A boundary that allows nothing on S3 objects: its implicit deny is what rule 1 is about.
BOUNDARY = doc(allow("ec2:DescribeInstances", "*"))


def grant_to(principal: object, action: str = "s3:GetObject",
             resource: str = f"{BUCKET}/*") -> dict[str, object]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action,
                "Resource": resource})


# --- rule 1: IAM users, roles and role sessions under a permissions boundary --------------

def test_grant_to_user_arn_is_not_limited_by_the_users_boundary() -> None:
    """Permissions boundaries page, resource-based policies: "Within the same account,
    resource-based policies that grant permissions to an IAM user ARN ... are not limited by
    an implicit deny in an identity-based policy or permissions boundary"."""
    d = decide(principal=USER, boundary=BOUNDARY, resource_policy=grant_to({"AWS": USER}))
    assert d.verdict is Verdict.ALLOW
    assert [r.policy_kind for r in d.deciding] == [PolicyKind.RESOURCE]


def test_grant_to_role_arn_is_limited_by_the_roles_boundary() -> None:
    """Same page: a grant to the role ARN is limited by an implicit deny in the boundary."""
    d = decide(principal=ROLE, boundary=BOUNDARY, resource_policy=grant_to({"AWS": ROLE}))
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.BOUNDARY


def test_grant_to_role_session_arn_is_not_limited_by_the_boundary() -> None:
    """Same page: a grant to the role session ARN is not limited (the session is granted
    directly), while the same grant to the role ARN is."""
    d = decide(principal=ROLE, session_arn=SESSION, boundary=BOUNDARY,
               resource_policy=grant_to({"AWS": SESSION}))
    assert d.verdict is Verdict.ALLOW
    assert decide(principal=ROLE, session_arn=SESSION, boundary=BOUNDARY,
                  resource_policy=grant_to({"AWS": ROLE})).verdict is Verdict.IMPLICIT_DENY


def test_user_boundary_still_limits_identity_policies_and_explicit_denies_win() -> None:
    """The exemption is for the resource-policy grant only: an identity Allow outside the
    boundary is still cut, and an explicit Deny in the boundary still wins."""
    assert verdict(principal=USER, boundary=BOUNDARY,
                   identity=[doc(allow())]) is Verdict.IMPLICIT_DENY
    boundary_deny = doc(allow("*", "*"), deny("s3:GetObject", "*"))
    assert verdict(principal=USER, boundary=boundary_deny,
                   resource_policy=grant_to({"AWS": USER})) is Verdict.EXPLICIT_DENY


def test_user_gets_aws_username_and_role_does_not() -> None:
    """Variables page: `aws:username` is the IAM user's friendly name; a role has none. The
    documented "home directory" example grants each user their own prefix."""
    policy = doc(allow("s3:GetObject", f"{BUCKET}/home/${{aws:username}}/*"))
    assert verdict(resource=f"{BUCKET}/home/alice/x", principal=USER,
                   identity=[policy]) is Verdict.ALLOW
    assert verdict(resource=f"{BUCKET}/home/bob/x", principal=USER,
                   identity=[policy]) is Verdict.IMPLICIT_DENY
    assert verdict(resource=f"{BUCKET}/home/app/x", identity=[policy]) is Verdict.IMPLICIT_DENY


# --- rule 2: trust policies and key policies must allow explicitly -------------------------

TARGET = f"arn:aws:iam::{ACCOUNT}:role/deployer"
ASSUME_ANY = doc(allow("sts:AssumeRole", "*"))


def trust(principal: object) -> dict[str, object]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def assume(**kwargs: object) -> Verdict:
    return verdict("sts:AssumeRole", TARGET, resource_kind=PolicyKind.TRUST, **kwargs)


def test_identity_allow_alone_cannot_assume_a_role_in_the_same_account() -> None:
    """A role whose trust policy trusts only EC2: an identity policy allowing
    sts:AssumeRole on it is not enough (the trust policy must name the caller)."""
    d = decide("sts:AssumeRole", TARGET, identity=[ASSUME_ANY],
               resource_policy=trust({"Service": "ec2.amazonaws.com"}),
               resource_kind=PolicyKind.TRUST)
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.TRUST
    assert assume(identity=[ASSUME_ANY]) is Verdict.IMPLICIT_DENY  # no trust policy given


def test_trust_naming_the_account_delegates_to_identity_policies() -> None:
    account_trust = trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert assume(identity=[ASSUME_ANY], resource_policy=account_trust) is Verdict.ALLOW
    assert assume(resource_policy=account_trust) is Verdict.IMPLICIT_DENY


def test_trust_naming_the_caller_allows_without_an_identity_policy() -> None:
    assert assume(resource_policy=trust({"AWS": ROLE})) is Verdict.ALLOW


KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DECRYPT = doc(allow("kms:Decrypt", "*"))


def key_policy(principal: object, action: str = "kms:*") -> dict[str, object]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action,
                "Resource": "*"})


def test_kms_identity_allow_needs_the_key_policy() -> None:
    """Key policies page: "Unless the key policy explicitly allows it, you cannot use IAM
    policies to allow access to a KMS key"; the default key policy's statement for the
    account root enables IAM policies."""
    admins = key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:role/KMSKeyAdmins"})
    d = decide("kms:Decrypt", KEY, identity=[DECRYPT], resource_policy=admins)
    assert d.verdict is Verdict.IMPLICIT_DENY
    assert d.blocked_by is PolicyKind.RESOURCE
    default = key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert verdict("kms:Decrypt", KEY, identity=[DECRYPT],
                   resource_policy=default) is Verdict.ALLOW
    assert verdict("kms:Decrypt", KEY, resource_policy=default) is Verdict.IMPLICIT_DENY
    assert verdict("kms:Decrypt", KEY,
                   resource_policy=key_policy({"AWS": ROLE})) is Verdict.ALLOW


def test_other_resources_still_take_an_identity_allow_alone() -> None:
    """The exception is for trust and key policies only: an S3 bucket policy that names
    someone else does not stop a same-account identity Allow."""
    assert verdict(identity=[doc(allow())],
                   resource_policy=grant_to({"AWS": USER})) is Verdict.ALLOW
    assert verdict("kms:CreateKey", "*", identity=[doc(allow("kms:CreateKey"))]) is (
        Verdict.ALLOW)


# --- rule 3: variables only in the resource part of an ARN ---------------------------------

def test_variable_in_account_part_is_literal_text() -> None:
    """Variables page: a variable can be used only in the resource part of the ARN (after
    the fifth colon); in the account part `${aws:PrincipalAccount}` is literal."""
    policy = doc(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q"))
    real = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    assert verdict("sqs:SendMessage", real, identity=[policy]) is Verdict.IMPLICIT_DENY
    literal = "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q"
    assert verdict("sqs:SendMessage", literal, identity=[policy]) is Verdict.ALLOW


def test_variable_in_region_or_service_part_is_literal_text() -> None:
    policy = doc(allow("sqs:SendMessage", "arn:aws:sqs:${aws:RequestedRegion}:*:q"))
    assert verdict("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", identity=[policy],
                   context={"aws:RequestedRegion": "us-east-1"}) is Verdict.IMPLICIT_DENY


def test_variable_in_resource_part_is_substituted_beside_a_literal_one() -> None:
    """The documented "manage your own credentials" example, with a literal variable in
    the account part next to a substituted one in the resource part."""
    own = doc(allow("iam:ChangePassword", "arn:aws:iam::*:user/${aws:username}"))
    assert verdict("iam:ChangePassword", f"arn:aws:iam::{ACCOUNT}:user/alice",
                   principal=USER, identity=[own]) is Verdict.ALLOW
    both = doc(allow("iam:ChangePassword",
                     "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"))
    assert verdict("iam:ChangePassword", f"arn:aws:iam::{ACCOUNT}:user/alice",
                   principal=USER, identity=[both]) is Verdict.IMPLICIT_DENY
    assert verdict("iam:ChangePassword", "arn:aws:iam::${aws:PrincipalAccount}:user/alice",
                   principal=USER, identity=[both]) is Verdict.ALLOW


# --- rule 4: SCPs do not restrict service-linked roles -------------------------------------

SLR = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSSLR"
DENY_S3 = doc(allow("*", "*"), deny("s3:*", "*"))


def test_scps_do_not_affect_service_linked_roles() -> None:
    """Service control policies page: "SCPs do not affect service-linked roles"."""
    identity = [doc(allow())]
    assert verdict(principal=SLR, identity=identity, scps=[DENY_S3]) is Verdict.ALLOW
    assert verdict(principal=SLR, identity=identity,
                   scps=[doc(allow("ec2:*", "*"))]) is Verdict.ALLOW
    assert verdict(principal=ROLE, identity=identity, scps=[DENY_S3]) is (
        Verdict.EXPLICIT_DENY)
    assert verdict(principal=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role-not/x",
                   identity=identity, scps=[DENY_S3]) is Verdict.EXPLICIT_DENY


# --- the shared case format names IAM users: simulate and the Python API apply their rules --

def user_case() -> dict[str, object]:
    return {
        "id": "user-grant-beyond-boundary", "expected": "allow",
        "principal": {"arn": USER, "identity_policies": [], "permissions_boundary": BOUNDARY},
        "resource": {"arn": f"{BUCKET}/x", "account": ACCOUNT,
                     "policy": grant_to({"AWS": USER})},
        "action": "s3:GetObject",
    }


def test_case_with_a_user_arn_is_decided_by_the_user_rules(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"schema": 1, "cases": [user_case()]}))
    [case] = load_cases(path)
    assert case.request.principal_type == "user"
    assert run_case(case).verdict is Verdict.ALLOW
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "simulate", str(path),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [row] = json.loads(proc.stdout)["results"]
    assert (row["decision"], row["principal_type"], row["agrees"]) == ("allow", "user", True)


DOCUMENTED = Path(__file__).resolve().parent / "data" / "documented_rules.json"


def test_documented_rules_corpus_agrees_through_the_api_and_simulate() -> None:
    """tests/policy/data/documented_rules.json: the rules above as shared-format cases
    (README, "Agreement"); every case agrees through the Python API and `rolemap simulate`."""
    cases = load_cases(DOCUMENTED)
    assert len(cases) == 16
    assert all(run_case(c).verdict.value == c.expected for c in cases)
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "simulate", str(DOCUMENTED),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["summary"] == {"total": 16, "agree": 16, "disagree": 0,
                                                  "unchecked": 0}

"""Instances whose role could not be read: the account's IAM details were refused or empty.

Without `iam:GetAccountAuthorizationDetails` the loader knows an instance's profile (from
DescribeInstances) but not the role in it nor its policies. "No credentials" would be a
silent no; instead each such profile gets a stand-in role whose answers are *unknown* on every
bucket (with the reason), unless something that was read denies explicitly (a bucket policy
Deny): the engine decides it with an allow-everything identity policy and the reason as
missing data, and the stand-in policy is never quoted as evidence.
"""

from __future__ import annotations

from graph.access.compile.policies import PolicyBook, RolePolicies
from graph.access.decide.trust import EC2, AssumeEdge
from graph.model import AccountSnapshot, InlinePolicy, Role
from graph.policy import Outcome, PolicyKind, PrincipalPolicies
from graph.sources.raw import UNKNOWN_IAM

#: The stand-in identity policy's name (filtered out of evidence: it is not the account's).
UNREAD_POLICY = "(not read)"
REASON = ("the account's IAM details could not be read (iam:GetAccountAuthorizationDetails): "
          "the instance's role and its policies are unknown")

_ALLOW_ALL = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def unread_roles(snapshot: AccountSnapshot) -> dict[str, Role]:
    """Instance profile ARN -> its stand-in role, when the IAM details were not read."""
    if UNKNOWN_IAM not in snapshot.account.unknown:
        return {}
    out: dict[str, Role] = {}
    for inst in snapshot.instances:
        arn = inst.instance_profile_arn
        if not arn or arn in out or arn in snapshot.profile_by_arn:
            continue
        name = f"unknown role of instance profile {arn.rsplit('/', 1)[-1]}"
        # Shaped like a role ARN of the account (the engine reads the account from it).
        out[arn] = Role(arn=f"{arn}#role", name=name, trust_policy=None,
                        inline_policies=(InlinePolicy(UNREAD_POLICY, _ALLOW_ALL),))
    return out


def seed(book: PolicyBook, role: Role) -> None:
    """The stand-in role's policies: allow everything, with the reason as missing data (so
    every answer the engine would grant reads unknown, and explicit denies still deny)."""
    compiled = book.compile(_ALLOW_ALL, f"{role.name}/{UNREAD_POLICY}", PolicyKind.IDENTITY)
    assert compiled is not None
    principal = PrincipalPolicies(identity=(compiled.policy,))
    book._roles[role.arn] = RolePolicies(role, (compiled,), None, principal, (REASON,))


def ec2_edge(role: Role) -> AssumeEdge:
    """Whether EC2 hands the stand-in role to the instance: unknown, for the same reason."""
    return AssumeEdge(f"service:{EC2}", role.arn, Outcome.UNKNOWN, (REASON,), (), ())


def is_stand_in(policy_name: str) -> bool:
    return policy_name.endswith(f"/{UNREAD_POLICY}")

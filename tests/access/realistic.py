"""Small realistic accounts built in memory, for the decision layer's oracle tests.

Seeded and deterministic. Each account carries the traits that make decisions hard (see
/work/shared/REALISTIC-ACCOUNTS.md): Zipf-shared managed policies, NotAction and NotResource,
object-key prefixes, conditions, policy variables, explicit denies, boundaries, tags, role
chains, per-bucket policies (role grants, public reads, cross-account, NotPrincipal denies,
VPC-endpoint denies), ACLs with public and cross-account grants, Block Public Access, an
unreadable bucket policy, an unread ACL and a missing managed policy (answers "unknown"),
and optionally SCPs.
"""

from __future__ import annotations

import random
from typing import Any

from graph.model import (
    ALL_USERS_URI,
    AUTHENTICATED_USERS_URI,
    UNKNOWN_ACL,
    UNKNOWN_POLICY,
    Account,
    AccountSnapshot,
    AclGrant,
    BlockPublicAccess,
    Bucket,
    InlinePolicy,
    Instance,
    InstanceProfile,
    ManagedPolicy,
    Role,
    Scp,
    SourceInfo,
)

ACCT = "222233334444"
OTHER = "999988887777"
TEAMS = ("web", "data", "ml", "pay")
PURPOSES = ("logs", "raw", "curated", "backups")
ENVS = ("dev", "prod")


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _bucket_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    for i in range(count):
        team, purpose, env = rng.choice(TEAMS), rng.choice(PURPOSES), rng.choice(ENVS)
        names.append(f"org-{team}-{purpose}-{env}-{i}")
    names[-1] = "org.secrets.vault"
    return names


def _s3_statement(rng: random.Random, buckets: list[str], team: str) -> dict[str, Any]:
    """One S3 statement of a customer policy, drawn from the hard shapes."""
    kind = rng.randrange(12)
    some = rng.choice(buckets)
    if kind == 0:
        return {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::org-{team}-*", f"arn:aws:s3:::org-{team}-*/*"]}
    if kind == 1:
        return {"Effect": "Allow", "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{some}/incoming/*"}
    if kind == 2:
        return {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    if kind == 3:
        return {"Effect": "Deny", "Action": "s3:Delete*",
                "Resource": f"arn:aws:s3:::org-{team}-backups-*/*"}
    if kind == 4:
        return {"Effect": "Allow", "NotAction": ["s3:Delete*", "s3:PutBucket*"],
                "Resource": [f"arn:aws:s3:::{some}", f"arn:aws:s3:::{some}/*"]}
    if kind == 5:
        return {"Effect": "Deny", "Action": "s3:*", "NotResource": [
            "arn:aws:s3:::org-*", "arn:aws:s3:::org-*/*"]}
    if kind == 6:
        return {"Effect": "Allow", "Action": "s3:*Object",
                "Resource": "arn:aws:s3:::org-${aws:PrincipalTag/team}-*/*"}
    if kind == 7:
        return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{some}",
                "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}}
    if kind == 8:
        return {"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{some}/reports/2024/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}}
    if kind == 9:
        return {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                "Resource": f"arn:aws:s3:::org-{team}-*/*",
                "Condition": {"StringLike": {"aws:PrincipalTag/team": team}}}
    if kind == 10:
        return {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}
    return {"Effect": "Allow", "Action": "s3:getobject",  # odd case: names are case-insensitive
            "Resource": f"arn:aws:s3:::{some}/*",
            "Condition": {"StringEquals": {"aws:EC2InstanceSourceVPC": "vpc-0001"}}}


def _aws_managed() -> list[ManagedPolicy]:
    head = "arn:aws:iam::aws:policy/"
    return [
        ManagedPolicy(head + "AmazonS3ReadOnlyAccess", "AmazonS3ReadOnlyAccess", _doc(
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*"],
             "Resource": "*"})),
        ManagedPolicy(head + "AmazonS3FullAccess", "AmazonS3FullAccess", _doc(
            {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"})),
        ManagedPolicy(head + "PowerUserAccess", "PowerUserAccess", _doc(
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
             "Resource": "*"})),
        ManagedPolicy(head + "AmazonEC2RoleforSSM", "AmazonEC2RoleforSSM", _doc(
            {"Effect": "Allow", "Action": ["ssm:*", "ec2messages:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"})),
    ]


def _bucket_policy(rng: random.Random, name: str, roles: list[str]) -> dict[str, Any]:
    arn = f"arn:aws:s3:::{name}"
    statements: list[dict[str, Any]] = [
        {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    kind = rng.randrange(6)
    if kind == 0:
        statements.append({"Effect": "Allow", "Principal": {"AWS": rng.choice(roles)},
                           "Action": ["s3:GetObject", "s3:PutObject"],
                           "Resource": f"{arn}/shared/*"})
    elif kind == 1:
        statements.append({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "Resource": f"{arn}/public/*"})
    elif kind == 2:
        statements.append({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                           "Action": "s3:ListBucket", "Resource": arn})
    elif kind == 3:
        statements.append({"Effect": "Deny", "NotPrincipal": {"AWS": rng.choice(roles)},
                           "Action": "s3:DeleteObject", "Resource": f"{arn}/*"})
    elif kind == 4:
        statements.append({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                           "Resource": f"{arn}/*",
                           "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b"}}})
    else:
        statements.append({"Effect": "Allow", "Principal": {"AWS": ACCT},
                           "Action": "s3:GetObject", "Resource": f"{arn}/*",
                           "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}})
    return _doc(*statements)


def _acl(rng: random.Random) -> tuple[AclGrant, ...]:
    owner = AclGrant("CanonicalUser", "owner-canonical", "FULL_CONTROL")
    roll = rng.random()
    if roll < 0.08:
        return owner, AclGrant("Group", ALL_USERS_URI, "READ")
    if roll < 0.12:
        return owner, AclGrant("Group", AUTHENTICATED_USERS_URI, "READ")
    if roll < 0.16:
        return owner, AclGrant("CanonicalUser", "other-canonical", "WRITE")
    return (owner,)


def realistic_account(seed: int, *, roles: int = 30, instances: int = 60, buckets: int = 24,
                      policies: int = 12, scps: bool = False) -> AccountSnapshot:
    """An account with the hard traits, the same for the same arguments."""
    rng = random.Random(seed)
    names = _bucket_names(rng, buckets)
    managed = _aws_managed()
    for i in range(policies):
        team = TEAMS[i % len(TEAMS)]
        stmts = [_s3_statement(rng, names, team) for _ in range(rng.randint(1, 3))]
        stmts.append({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"})
        managed.append(ManagedPolicy(f"arn:aws:iam::{ACCT}:policy/team-{i}", f"team-{i}",
                                     _doc(*stmts)))
    boundaries = [
        ManagedPolicy(f"arn:aws:iam::{ACCT}:policy/boundary-prefix", "boundary-prefix", _doc(
            {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::org-data-*", "arn:aws:s3:::org-data-*/*"]})),
        ManagedPolicy(f"arn:aws:iam::{ACCT}:policy/boundary-nodelete", "boundary-nodelete", _doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"],
             "Resource": "*"})),
    ]
    managed.extend(boundaries)
    weights = [1 / (k + 1) for k in range(len(managed) - len(boundaries))]
    role_arns = [f"arn:aws:iam::{ACCT}:role/app-{i}" for i in range(roles)]
    role_list: list[Role] = []
    for i, arn in enumerate(role_arns):
        team = rng.choice(TEAMS)
        trust: list[dict[str, Any]] = [{"Effect": "Allow",
                                        "Principal": {"Service": "ec2.amazonaws.com"},
                                        "Action": "sts:AssumeRole"}]
        if i % 7 == 3:
            trust.append({"Effect": "Allow", "Principal": {"AWS": role_arns[(i + 1) % roles]},
                          "Action": "sts:AssumeRole"})
        attached = sorted({rng.choices(managed[:len(weights)], weights)[0].arn
                           for _ in range(rng.randint(1, 3))})
        if i == 0:
            attached = [managed[1].arn]  # s3:* on *: touches every bucket
        if i % 11 == 5:
            attached.append(f"arn:aws:iam::{ACCT}:policy/deleted-policy")  # unreadable
        inline = []
        if rng.random() < 0.5:
            stmts = [_s3_statement(rng, names, team) for _ in range(rng.randint(1, 2))]
            if i % 7 == 2:
                stmts.append({"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Resource": role_arns[(i + 1) % roles]})
            inline.append(InlinePolicy("inline", _doc(*stmts)))
        boundary = rng.choice(boundaries).arn if rng.random() < 0.2 else None
        tags = {"team": team, "env": rng.choice(ENVS)} if rng.random() < 0.6 else {}
        role_list.append(Role(arn=arn, name=arn.rsplit("/", 1)[1], trust_policy=_doc(*trust),
                              inline_policies=tuple(inline), attached_policy_arns=tuple(attached),
                              permissions_boundary_arn=boundary, tags=tags))
    profiles = [InstanceProfile(f"arn:aws:iam::{ACCT}:instance-profile/p-{i}", f"p-{i}",
                                role_arns=(arn,))
                for i, arn in enumerate(role_arns) if i % 10 < 7]
    pweights = [1 / (k + 1) for k in range(len(profiles))]
    instance_list = []
    for n in range(instances):
        profile = rng.choices(profiles, pweights)[0].arn if rng.random() < 0.9 else None
        instance_list.append(Instance(
            instance_id=f"i-{n:017x}", region="eu-west-1", state="running", account_id=ACCT,
            name=f"host-{n}", vpc_id=f"vpc-000{n % 3}", private_ip=f"10.0.{n // 250}.{n % 250}",
            instance_profile_arn=profile))
    bucket_list = []
    for k, name in enumerate(names):
        policy = _bucket_policy(rng, name, role_arns) if rng.random() < 0.4 else None
        unknown: frozenset[str] = frozenset()
        if k == 3:
            policy, unknown = None, frozenset({UNKNOWN_POLICY})
        if k == 5:
            unknown = frozenset({UNKNOWN_ACL})
        if k == 7:
            policy, unknown = None, frozenset({UNKNOWN_POLICY, UNKNOWN_ACL})
        bpa = BlockPublicAccess(True, True, True, True) if rng.random() < 0.55 else None
        bucket_list.append(Bucket(name=name, region="eu-west-1", policy=policy,
                                  public_access_block=bpa, acl_grants=_acl(rng),
                                  owner_id="owner-canonical", unknown=unknown))
    scp_levels = None
    if scps:
        scp_levels = ((Scp("FullAWSAccess", _doc({"Effect": "Allow", "Action": "*",
                                                   "Resource": "*"})),),
                      (Scp("NoBucketDeletes", _doc(
                          {"Effect": "Allow", "Action": "*", "Resource": "*"},
                          {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
                           level=1),))
    return AccountSnapshot(
        account=Account(ACCT, public_access_block=BlockPublicAccess(False, True, False, False)),
        roles=tuple(role_list), managed_policies=tuple(managed),
        instance_profiles=tuple(profiles), instances=tuple(instance_list),
        buckets=tuple(bucket_list), scps=scp_levels, source=SourceInfo("synthetic"))

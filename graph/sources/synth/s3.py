"""Per-bucket responses of a synthetic account: policy, Block Public Access, ACL, location.

About 40% of buckets have a policy written for that bucket (TLS-only denies, grants to roles of
the account, partners, the public with or without conditions, VPC-endpoint-only denies, log
delivery and CloudFront), about 55% a bucket-level Block Public Access configuration, and every
bucket an ACL, a few of them public or shared with another account's canonical user.
"""

from __future__ import annotations

import json
import random
from typing import Any

from graph.sources.synth.world import (
    ORG_ID,
    OWNER,
    PARTNERS,
    VPCES,
    BucketPlan,
    World,
    odd_case,
    one_or_list,
    zipf_index,
)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
ALL_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

Statement = dict[str, Any]


def _both(b: BucketPlan) -> list[str]:
    return [b.arn, f"{b.arn}/*"]


def _deny_insecure(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": _both(b),
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _role_grant(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    roles = [world.roles[zipf_index(rng, len(world.roles))]
             for _ in range(rng.randint(*world.shape.bucket_grant_roles))]
    principals = sorted({r.arn for r in roles})
    if rng.random() < 0.1:
        # A deleted role: S3 shows its unique id where the ARN was.
        principals.append("AROA" + "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", k=17)))
    actions = rng.choice((["s3:GetObject"], ["s3:GetObject", "s3:PutObject"],
                          ["s3:GetObject", "s3:ListBucket"], ["s3:*"]))
    return {"Sid": "RoleAccess", "Effect": "Allow",
            "Principal": {"AWS": one_or_list(rng, principals)},
            "Action": one_or_list(rng, [odd_case(rng, a) for a in actions]),
            "Resource": _both(b)}


def _cross_account(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    partner = rng.choice(PARTNERS)
    who = f"arn:aws:iam::{partner}:root" if rng.random() < 0.6 else \
        f"arn:aws:iam::{partner}:role/{b.team}-reader"
    return {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": who},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [b.arn, f"{b.arn}/shared/*"]}


def _public_read(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    out: Statement = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                      "Action": "s3:GetObject", "Resource": f"{b.arn}/*"}
    kind = rng.randrange(4)
    if kind == 1:
        out["Condition"] = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.7/32"]}}
    elif kind == 2:
        out["Condition"] = {"StringEquals": {"aws:SourceVpce": rng.choice(VPCES)}}
    elif kind == 3:
        out["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": world.org_id or ORG_ID}}
    return out


def _deny_not_vpce(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    return {"Sid": "OnlyFromVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": _both(b),
            "Condition": {"StringNotEquals": {"aws:SourceVpce": rng.choice(VPCES)}}}


def _deny_unencrypted(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    return {"Sid": "DenyUnencryptedUploads", "Effect": "Deny", "Principal": "*",
            "Action": "s3:PutObject", "Resource": f"{b.arn}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}


def _log_delivery(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    return {"Sid": "S3ServerAccessLogs", "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": f"{b.arn}/access-logs/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": world.account}}}


def _cloudfront(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    dist = f"arn:aws:cloudfront::{world.account}:distribution/E{rng.randrange(36**6):010X}"
    return {"Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
            "Resource": f"{b.arn}/*", "Condition": {"StringEquals": {"AWS:SourceArn": dist}}}


def _deny_not_principal(rng: random.Random, world: World, b: BucketPlan) -> Statement:
    keep = world.roles[zipf_index(rng, len(world.roles))].arn
    return {"Sid": "OnlyTheOwnerRole", "Effect": "Deny",
            "NotPrincipal": {"AWS": [keep, f"arn:aws:iam::{world.account}:root"]},
            "Action": ["s3:DeleteObject", "s3:PutObject"], "Resource": f"{b.arn}/*"}


#: (builder, chance a policy has it); a policy with none gets a TLS-only deny.
PARTS = ((_deny_insecure, 0.6), (_role_grant, 0.35), (_cross_account, 0.12),
         (_deny_unencrypted, 0.15), (_deny_not_vpce, 0.06), (_cloudfront, 0.05),
         (_deny_not_principal, 0.02))


def _policy(rng: random.Random, world: World, b: BucketPlan, public: bool) -> dict[str, Any]:
    scale = world.shape.bucket_policy_parts
    parts = PARTS if scale == 1.0 else tuple((b, min(1.0, c * scale)) for b, c in PARTS)
    stmts = [builder(rng, world, b) for builder, chance in parts
             if rng.random() < chance and (world.roles or builder not in (_role_grant,
                                                                          _deny_not_principal))]
    if public:
        stmts.insert(0, _public_read(rng, world, b))
    if b.purpose == "logs" and rng.random() < 0.5:
        stmts.append(_log_delivery(rng, world, b))
    extra = world.shape.bucket_prefix_grants
    if extra and world.roles and rng.random() < extra:
        stmts += _prefix_grants(rng, world, b)
    if not stmts:
        stmts = [_deny_insecure(rng, world, b)]
    rng.shuffle(stmts)
    return {"Version": "2012-10-17", "Id": f"{b.name}-policy", "Statement": stmts}


def _prefix_grants(rng: random.Random, world: World, b: BucketPlan) -> list[Statement]:
    """Grants to roles of the account on key prefixes of this bucket, each listing only its
    prefix (shape `bucket-policies`)."""
    out: list[Statement] = []
    for k in range(rng.randint(1, 4)):
        role = world.roles[zipf_index(rng, len(world.roles))]
        prefix = rng.choice(("incoming/", "exports/", "reports/daily/", f"{b.team}/",
                             f"apps/{role.name.split('-')[1]}/", "tmp/"))
        actions = rng.choice((["s3:GetObject"], ["s3:PutObject"], ["s3:GetObject",
                                                                   "s3:PutObject"]))
        out += [{"Sid": f"Prefix{k}", "Effect": "Allow", "Principal": {"AWS": role.arn},
                 "Action": actions, "Resource": f"{b.arn}/{prefix}*"},
                {"Sid": f"PrefixList{k}", "Effect": "Allow", "Principal": {"AWS": role.arn},
                 "Action": "s3:ListBucket", "Resource": b.arn,
                 "Condition": {"StringLike": {"s3:prefix": f"{prefix}*"}}}]
    return out


def _pab(flags: tuple[bool, bool, bool, bool]) -> dict[str, Any]:
    return {"PublicAccessBlockConfiguration": dict(zip(ALL_FLAGS, flags, strict=True))}


#: The AWS CLI's stderr for a bucket without a policy / Block Public Access configuration (the
#: export folder keeps it as `<bucket>.error`: "none configured", see export_folder.py).
NOT_CONFIGURED_ERRORS = {
    "policy": "\nAn error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy "
              "operation: The bucket policy does not exist",
    "public_access_block": "\nAn error occurred (NoSuchPublicAccessBlockConfiguration) when "
                           "calling the GetPublicAccessBlock operation: The public access "
                           "block configuration was not found",
}
ACCOUNT_PAB_NONE = NOT_CONFIGURED_ERRORS["public_access_block"]


def bucket_files(rng: random.Random, world: World, b: BucketPlan) -> dict[str, Any]:
    """The per-bucket responses (absent key: nothing configured)."""
    public = rng.random() < 0.04
    acl_grants: list[dict[str, Any]] = [{"Grantee": {**OWNER, "Type": "CanonicalUser"},
                                         "Permission": "FULL_CONTROL"}]
    roll = rng.random()
    acl_public = roll < 0.02
    if acl_public:
        acl_grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"})
    elif roll < 0.03:
        acl_grants.append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED},
                           "Permission": "READ"})
    elif roll < 0.05:
        partner = {"DisplayName": "partner", "ID": f"{rng.randrange(16**64):064x}",
                   "Type": "CanonicalUser"}
        acl_grants.append({"Grantee": partner, "Permission": "READ"})
    if b.purpose == "logs" and rng.random() < 0.5:
        acl_grants += [{"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": p}
                       for p in ("WRITE", "READ_ACP")]
    constraint = None if b.region == "us-east-1" else b.region
    if b.region == "eu-west-1" and rng.random() < 0.05:
        constraint = "EU"
    files: dict[str, Any] = {"location": {"LocationConstraint": constraint},
                             "acl": {"Owner": OWNER, "Grants": acl_grants}}
    if public or rng.random() < world.shape.bucket_policy_share:
        files["policy"] = {"Policy": json.dumps(_policy(rng, world, b, public))}
    if public or acl_public:
        if rng.random() < 0.4:
            lets_through = (False, False, True, False) if public else (True, False, True, True)
            files["public_access_block"] = _pab(lets_through)
    elif rng.random() < 0.57:
        flags = (True,) * 4 if rng.random() < 0.85 else \
            tuple(rng.random() < 0.7 for _ in range(4))
        files["public_access_block"] = _pab(flags)  # type: ignore[arg-type]
    return files


def account_public_access_block(world: World) -> dict[str, Any] | None:
    """The account-level configuration: absent, all-true or partial."""
    rng = world.rng("account-pab")
    kind = rng.choices(("absent", "all", "partial"), (0.4, 0.3, 0.3))[0]
    if kind == "absent":
        return None
    if kind == "all":
        return _pab((True,) * 4)
    return _pab((True, True, False, False))

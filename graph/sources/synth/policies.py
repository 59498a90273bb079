"""Identity policy documents: customer managed policies, inline policies and boundaries.

Each statement builder writes one kind of statement real accounts carry (REALISTIC-ACCOUNTS.md):
specific buckets and key prefixes, action and bucket-name wildcards, NotAction guards,
NotResource perimeters, explicit denies, conditions and policy variables, and plenty of
statements for other services. A policy draws a few builders, so distinct documents abound.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from graph.sources.synth.world import (
    ENVS,
    ORG,
    PURPOSES,
    REGIONS,
    TEAMS,
    VPCES,
    BucketPlan,
    World,
    document,
    odd_case,
    one_or_list,
)

Statement = dict[str, Any]
Builder = Callable[[random.Random, World, str], list[Statement]]


def _actions(rng: random.Random, names: list[str]) -> Any:
    return one_or_list(rng, [odd_case(rng, a) for a in names])


def _stmt(rng: random.Random, effect: str, actions: list[str], resources: list[str],
          *, condition: dict[str, Any] | None = None, sid: str | None = None,
          not_action: bool = False, not_resource: bool = False) -> Statement:
    out: Statement = {}
    if sid is not None or rng.random() < 0.3:
        out["Sid"] = sid if sid is not None else f"S{rng.randrange(10**6):06d}"
    out["Effect"] = effect
    out["NotAction" if not_action else "Action"] = _actions(rng, actions)
    out["NotResource" if not_resource else "Resource"] = one_or_list(rng, resources)
    if condition:
        out["Condition"] = condition
    return out


def _some(rng: random.Random, world: World, team: str, k: int) -> list[BucketPlan]:
    pool = world.team_buckets(rng, team)
    return rng.sample(pool, min(k, len(pool))) if pool else []


def _prefix(rng: random.Random, team: str) -> str:
    return rng.choice((f"{team}/", "incoming/", "reports/", "exports/daily/", "tmp/",
                       f"apps/{team}/"))


def team_wildcard(rng: random.Random, world: World, team: str) -> list[Statement]:
    actions = rng.choice((["s3:Get*", "s3:List*"], ["s3:GetObject", "s3:ListBucket"],
                          ["s3:*Object"], ["s3:Get*"]))
    base = f"arn:aws:s3:::{world.org}-{team}-*"
    return [_stmt(rng, "Allow", actions, [base, f"{base}/*"])]


def specific_buckets(rng: random.Random, world: World, team: str) -> list[Statement]:
    buckets = _some(rng, world, team, rng.randint(1, 4))
    if not buckets:
        return []
    objects = rng.choice((["s3:GetObject"], ["s3:GetObject", "s3:PutObject"],
                          ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], ["s3:*Object"]))
    return [_stmt(rng, "Allow", objects, [f"{b.arn}/*" for b in buckets]),
            _stmt(rng, "Allow", ["s3:ListBucket", "s3:GetBucketLocation"],
                  [b.arn for b in buckets])]


def prefix_writer(rng: random.Random, world: World, team: str) -> list[Statement]:
    buckets = _some(rng, world, team, 1)
    if not buckets:
        return []
    bucket, prefix = buckets[0], _prefix(rng, team)
    put = _stmt(rng, "Allow", ["s3:PutObject", "s3:AbortMultipartUpload"],
                [f"{bucket.arn}/{prefix}*"])
    if rng.random() < 0.4:
        put["Condition"] = {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    listing = _stmt(rng, "Allow", ["s3:ListBucket"], [bucket.arn],
                    condition={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}})
    return [put, listing]


def secure_reader(rng: random.Random, world: World, team: str) -> list[Statement]:
    buckets = _some(rng, world, team, rng.randint(1, 3))
    if not buckets:
        return []
    return [_stmt(rng, "Allow", ["s3:GetObject", "s3:GetObjectVersion"],
                  [f"{b.arn}/*" for b in buckets],
                  condition={"Bool": {"aws:SecureTransport": "true"}})]


def vpce_only(rng: random.Random, world: World, team: str) -> list[Statement]:
    buckets = _some(rng, world, team, 1)
    if not buckets:
        return []
    b = buckets[0]
    return [_stmt(rng, "Allow", ["s3:*"], [b.arn, f"{b.arn}/*"],
                  condition={"StringEquals": {"aws:SourceVpce": rng.choice(VPCES)}})]


def tag_scoped(rng: random.Random, world: World, team: str) -> list[Statement]:
    """Policy variables in resources, and a condition on the principal's own tag."""
    shared = f"arn:aws:s3:::{world.org}-shared-*"
    stmts = [_stmt(rng, "Allow", ["s3:GetObject", "s3:PutObject"],
                   [f"{shared}/${{aws:PrincipalTag/team}}/*"])]
    if rng.random() < 0.6:
        tag = {"StringLike": {"aws:PrincipalTag/team": [team, f"{team}-*"]}}
        stmts.append(_stmt(rng, "Allow", ["s3:GetObject"], [f"arn:aws:s3:::{world.org}-{team}-*/*"],
                           condition=tag))
    return stmts


def deny_deletes(rng: random.Random, world: World, team: str) -> list[Statement]:
    backups = f"arn:aws:s3:::{world.org}-{team}-backups-*"
    return [_stmt(rng, "Deny", ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"],
                  [backups, f"{backups}/*"], sid="NoBackupDeletes")]


def read_only_guard(rng: random.Random, world: World, team: str) -> list[Statement]:
    """NotAction: on this bucket, everything but reads is denied."""
    buckets = _some(rng, world, team, 1)
    if not buckets:
        return []
    b = buckets[0]
    return [_stmt(rng, "Deny", ["s3:Get*", "s3:List*"], [b.arn, f"{b.arn}/*"],
                  not_action=True, sid="ReadOnlyGuard")]


def perimeter(rng: random.Random, world: World, team: str) -> list[Statement]:
    """NotResource: all buckets but the secrets bucket, or deny outside the org's buckets."""
    secrets = f"arn:aws:s3:::{world.org}-{team}-config-prod-*"
    if rng.random() < 0.5:
        return [_stmt(rng, "Allow", ["s3:GetObject", "s3:ListBucket"], [secrets, f"{secrets}/*"],
                      not_resource=True, sid="AllButSecrets")]
    org = world.org
    return [_stmt(rng, "Deny", ["s3:*"], [f"arn:aws:s3:::{org}-*", f"arn:aws:s3:::{org}.*",
                                          f"arn:aws:s3:::{org}-*/*", f"arn:aws:s3:::{org}.*/*"],
                  not_resource=True, sid="DataPerimeter")]


def non_s3(rng: random.Random, world: World, team: str) -> list[Statement]:
    region = rng.choice(REGIONS)
    kind = rng.randrange(7)
    if kind == 0:
        return [_stmt(rng, "Allow", ["logs:CreateLogStream", "logs:PutLogEvents"],
                      [f"arn:aws:logs:{region}:{world.account}:log-group:/app/{team}/*"])]
    if kind == 1:
        return [_stmt(rng, "Allow", ["ssm:GetParameter", "ssm:GetParameters",
                                     "ssm:GetParametersByPath"],
                      [f"arn:aws:ssm:{region}:{world.account}:parameter/{team}/*"])]
    if kind == 2:
        key = f"arn:aws:kms:{region}:{world.account}:key/{rng.randrange(16**8):08x}-aaaa-bbbb-cccc"
        return [_stmt(rng, "Allow", ["kms:Decrypt", "kms:GenerateDataKey*"], [key])]
    if kind == 3:
        return [_stmt(rng, "Allow", ["secretsmanager:GetSecretValue"],
                      [f"arn:aws:secretsmanager:{region}:{world.account}:secret:{team}/*"])]
    if kind == 4:
        return [_stmt(rng, "Allow", ["sqs:SendMessage", "sqs:ReceiveMessage",
                                     "sqs:DeleteMessage"],
                      [f"arn:aws:sqs:{region}:{world.account}:{team}-*"])]
    if kind == 5:
        return [_stmt(rng, "Allow", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                      [f"arn:aws:dynamodb:{region}:{world.account}:table/{team}-*"])]
    targets = [r.arn for r in rng.sample(world.roles, min(2, len(world.roles)))]
    return [_stmt(rng, "Allow", ["sts:AssumeRole"], targets or ["*"])]


#: Builders with their weights in a customer managed or inline policy.
S3_BUILDERS: tuple[tuple[Builder, float], ...] = (
    (team_wildcard, 3), (specific_buckets, 5), (prefix_writer, 3), (secure_reader, 2),
    (vpce_only, 1), (tag_scoped, 1), (deny_deletes, 1), (read_only_guard, 0.7),
    (perimeter, 0.5),
)


def name_pattern(rng: random.Random, world: World, team: str) -> list[Statement]:
    """Bucket-name patterns across teams (`acme-*-logs-*`): each matches buckets of many
    shapes, so the matching, not the naming, does the work (shape `wildcard-names`)."""
    purpose, env, other = rng.choice(PURPOSES), rng.choice(ENVS), rng.choice(TEAMS)
    org = world.org
    base = "arn:aws:s3:::" + rng.choice((
        f"{org}-*-{purpose}-*", f"{org}-{team}-*-{env}-*", f"{org}-*-*-{env}-*",
        f"{org}-{other}-{purpose}-*", f"{org}-?{team[1:]}-*", f"{org}*{purpose}*"))
    actions = rng.choice((["s3:GetObject"], ["s3:Get*", "s3:List*"], ["s3:*Object"],
                          ["s3:PutObject", "s3:GetObject"], ["s3:*"]))
    objects = f"{base}/{_prefix(rng, team)}*" if rng.random() < 0.3 else f"{base}/*"
    if rng.random() < 0.15:
        return [_stmt(rng, "Deny", ["s3:Delete*", "s3:PutBucket*"], [base, objects])]
    return [_stmt(rng, "Allow", actions, [base, objects])]


def prefix_grant(rng: random.Random, world: World, team: str) -> list[Statement]:
    """Several key prefixes of several buckets, listed under an `s3:prefix` condition
    (shape `prefixes-and-conditions`)."""
    buckets = _some(rng, world, team, rng.randint(1, 3))
    if not buckets:
        return []
    prefixes = sorted({_prefix(rng, team) for _ in range(rng.randint(1, 3))})
    actions = rng.choice((["s3:GetObject"], ["s3:GetObject", "s3:PutObject"], ["s3:*Object"],
                          ["s3:PutObject", "s3:AbortMultipartUpload"]))
    return [_stmt(rng, "Allow", actions, [f"{b.arn}/{p}*" for b in buckets for p in prefixes]),
            _stmt(rng, "Allow", ["s3:ListBucket"], [b.arn for b in buckets],
                  condition={"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}})]


#: Conditions real policies carry (keys of the request, the principal, the network, time).
CONDITIONS: tuple[dict[str, Any], ...] = (
    {"StringEquals": {"aws:SourceVpce": VPCES[0]}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/env": "prod"}},
    {"StringLike": {"s3:ExistingObjectTag/classification": ["internal", "public"]}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
    {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["team", "env"]}},
)


def conditioned(rng: random.Random, world: World, team: str) -> list[Statement]:
    """A grant (now and then a deny) under one to three conditions of different kinds
    (shape `prefixes-and-conditions`)."""
    buckets = _some(rng, world, team, rng.randint(1, 3))
    if not buckets:
        return []
    condition: dict[str, Any] = {}
    for picked in rng.sample(CONDITIONS, rng.randint(1, 3)):
        for operator, keys in picked.items():
            condition.setdefault(operator, {}).update(keys)
    resources = [r for b in buckets for r in (b.arn, f"{b.arn}/*")]
    if rng.random() < 0.2:
        return [_stmt(rng, "Deny", ["s3:PutObject", "s3:DeleteObject"], resources,
                      condition={"StringNotEquals": {"aws:SourceVpce": rng.choice(VPCES)}})]
    actions = rng.choice((["s3:GetObject", "s3:ListBucket"], ["s3:*"], ["s3:PutObject"],
                          ["s3:Get*", "s3:List*"]))
    return [_stmt(rng, "Allow", actions, resources, condition=condition)]


def _builders(world: World) -> tuple[list[Builder], list[float]]:
    """The S3 statement builders and weights of the world's shape (today's when default)."""
    shape = world.shape
    pairs = [*S3_BUILDERS, *((b, w) for b, w in ((name_pattern, shape.wildcard_names),
                                                   (prefix_grant, shape.prefix_grants),
                                                   (conditioned, shape.conditions)) if w)]
    return [b for b, _ in pairs], [w for _, w in pairs]


def _draw(rng: random.Random, world: World, team: str, s3: int, other: int) -> list[Statement]:
    builders, weights = _builders(world)
    stmts: list[Statement] = []
    for builder in rng.choices(builders, weights, k=s3):
        stmts.extend(builder(rng, world, team))
    for _ in range(other):
        stmts.extend(non_s3(rng, world, team))
    return stmts or non_s3(rng, world, team)


def customer_policy(rng: random.Random, world: World, team: str) -> dict[str, Any]:
    """One shared customer managed policy's document."""
    if rng.random() < 0.25:
        return document(rng, _draw(rng, world, team, 0, rng.randint(1, 3)))
    return document(rng, _draw(rng, world, team, rng.randint(1, 3), rng.randint(0, 2)))


def inline_policy(rng: random.Random, world: World, team: str) -> dict[str, Any]:
    """A role's own policy: mostly about specific buckets and prefixes."""
    s3 = rng.randint(*world.shape.inline_s3)
    return document(rng, _draw(rng, world, team, s3, int(rng.random() < 0.3)))


def broad_s3() -> dict[str, Any]:
    """The legacy `s3:*` on `*` policy a handful of roles still carry."""
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def assume_roles(targets: list[str]) -> dict[str, Any]:
    """A role's own policy allowing it to assume other roles of the account (a role chain)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Chain", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": targets[0] if len(targets) == 1 else targets}]}


def older_version(rng: random.Random, doc: dict[str, Any]) -> dict[str, Any]:
    """A previous version: one statement fewer, or a broader grant since narrowed."""
    stmts = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    if len(stmts) > 1 and rng.random() < 0.6:
        return {"Version": "2012-10-17", "Statement": stmts[:-1]}
    return {"Version": "2012-10-17",
            "Statement": [*stmts, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def boundary(rng: random.Random, team: str, kind: int, org: str = ORG) -> dict[str, Any]:
    """Permissions boundaries: broad allow with S3 denies; S3 limited to the team's buckets;
    NotAction-based."""
    if kind == 0:
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "Broad", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoBucketAdmin", "Effect": "Deny",
             "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                        "s3:PutBucketAcl", "s3:PutObjectAcl"], "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject*",
             "Resource": f"arn:aws:s3:::{org}-*-backups-*/*"}]}
    if kind == 1:
        base = f"arn:aws:s3:::{org}-{team}-*"
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "TeamBuckets", "Effect": "Allow", "Action": "s3:*",
             "Resource": [base, f"{base}/*"]},
            {"Sid": "Shared", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{org}-shared-*", f"arn:aws:s3:::{org}-shared-*/*"]},
            {"Sid": "Other", "Effect": "Allow",
             "Action": ["logs:*", "ssm:Get*", "kms:Decrypt", "cloudwatch:PutMetricData",
                        "ec2:Describe*", "ssmmessages:*", "ec2messages:*", "sqs:*",
                        "dynamodb:*", "secretsmanager:GetSecretValue", "sts:AssumeRole"],
             "Resource": "*"}]}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllButIam", "Effect": "Allow",
         "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Sid": "NoPublicBuckets", "Effect": "Deny",
         "Action": ["s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
                    "s3:PutBucketAcl"], "Resource": "*"}]}

"""The benchmark workload of issue #2: a role with 20 statements against a bucket policy with 10.

Shared by tests/policy/test_benchmark.py (pytest-benchmark) and tests/bench_engine.py (a plain
script), so the README figure can be regenerated either way. The statements mix exact actions,
wildcards, NotAction/NotResource and a few conditions, like real policies do; the requests vary
action, key, and context so no single cached answer serves them all.
"""

from __future__ import annotations

import time
from typing import Any

from graph.policy import (
    Decision,
    Policy,
    PolicyKind,
    PrincipalPolicies,
    Request,
    evaluate,
    parse_policy,
)

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-server"
BUCKET = "arn:aws:s3:::app-data"


def role_policy() -> dict[str, Any]:
    """20 statements."""
    s: list[dict[str, Any]] = [
        {"Sid": "ListData", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringLike": {"s3:prefix": ["reports/*", "uploads/*", ""]}}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": f"{BUCKET}/reports/*"},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"],
         "Resource": f"{BUCKET}/uploads/*"},
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::app-config/*"},
        {"Effect": "Allow", "Action": "s3:*Object", "Resource": "arn:aws:s3:::app-scratch/*"},
        {"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::app-*"},
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/teams/${{aws:PrincipalTag/team}}/*"},
        {"Effect": "Allow", "Action": ["s3:GetObjectTagging", "s3:GetObjectAcl"],
         "Resource": f"{BUCKET}/*"},
        {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/uploads/tmp/*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/app/*"},
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": f"arn:aws:ssm:*:{ACCOUNT}:parameter/app/*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:*", "Resource": f"arn:aws:sqs:*:{ACCOUNT}:app-*"},
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "s3:*"],
         "Resource": f"arn:aws:dynamodb:*:{ACCOUNT}:table/app-*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::app-logs/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*",
         "Resource": [f"{BUCKET}/secrets/*", "arn:aws:s3:::app-secrets*"]},
        {"Sid": "NoBucketAdmin", "Effect": "Deny",
         "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutBucketAcl"], "Resource": "*"},
        {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]
    assert len(s) == 20
    return {"Version": "2012-10-17", "Statement": s}


def bucket_policy() -> dict[str, Any]:
    """10 statements."""
    partner = "arn:aws:iam::444455556666:root"
    s: list[dict[str, Any]] = [
        {"Sid": "DenyHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [BUCKET, f"{BUCKET}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOutsideVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": f"{BUCKET}/uploads/*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-1a2b3c4d", "vpce-5e6f"]}}},
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/shared/*"},
        {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["s3:GetObject"],
         "Resource": f"{BUCKET}/exchange/*"},
        {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": "s3:ListBucket",
         "Resource": BUCKET, "Condition": {"StringLike": {"s3:prefix": "exchange/*"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/public/*"},
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{BUCKET}/access-logs/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject*",
         "Resource": f"{BUCKET}/reports/*",
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/admin-*"}}},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{BUCKET}/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE, f"arn:aws:iam::{ACCOUNT}:root"]},
         "Action": "s3:*", "Resource": f"{BUCKET}/private/*"},
    ]
    assert len(s) == 10
    return {"Version": "2012-10-17", "Statement": s}


def compiled() -> tuple[PrincipalPolicies, Policy]:
    role = parse_policy(role_policy(), name="app-server-policy", kind=PolicyKind.IDENTITY)
    bucket = parse_policy(bucket_policy(), name="app-data-policy", kind=PolicyKind.RESOURCE)
    return PrincipalPolicies(identity=(role,)), bucket


def requests(count: int = 5000) -> list[Request]:
    """Distinct requests: actions x object keys x contexts, cycling deterministically."""
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject",
               "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:GetObjectVersion",
               "s3:DeleteBucket"]
    prefixes = ["reports", "uploads", "uploads/tmp", "shared", "public", "private", "secrets",
                "teams/alpha", "teams/beta", "exchange"]
    contexts: list[dict[str, Any]] = [
        {"aws:SecureTransport": "true", "aws:SourceVpce": "vpce-1a2b3c4d"},
        {"aws:SecureTransport": "true"},
        {"aws:SecureTransport": "false", "aws:SourceIp": "203.0.113.9"},
        {"aws:SecureTransport": "true", "s3:prefix": "reports/2026/",
         "aws:MultiFactorAuthPresent": "true"},
    ]
    out: list[Request] = []
    for i in range(count):
        action = actions[i % len(actions)]
        prefix = prefixes[(i // len(actions)) % len(prefixes)]
        resource = BUCKET if action == "s3:ListBucket" else f"{BUCKET}/{prefix}/obj-{i}.csv"
        out.append(Request(
            principal_arn=ROLE, action=action, resource_arn=resource, resource_account=ACCOUNT,
            context=contexts[i % len(contexts)], principal_tags={"team": "alpha"},
        ))
    return out


def decide_all(principal: PrincipalPolicies, bucket: Policy,
               batch: list[Request]) -> list[Decision]:
    return [evaluate(r, principal, bucket) for r in batch]


def decisions_per_second(batch: list[Request], rounds: int = 5) -> float:
    """Best of `rounds` timed passes (the machine is shared; the best pass is the engine's)."""
    principal, bucket = compiled()
    decide_all(principal, bucket, batch[:200])  # warm the per-policy caches and regexes
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        decide_all(principal, bucket, batch)
        best = min(best, time.perf_counter() - start)
    return len(batch) / best

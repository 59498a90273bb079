"""The trust policy and the least-privilege permission policy a plan stands for.

Least privilege here means: bucket-level actions only on the bucket ARN, object-level actions
only on the object ARNs under the chosen prefix, listing narrowed with `s3:prefix` when a prefix
is given, and no wildcard actions. Grants that need the same actions under the same conditions
share one statement, which keeps the policy well under IAM's size limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from graph.wizard.actions import prefix_scoped_actions
from graph.wizard.kms import kms_statements
from graph.wizard.plan import BucketGrant, RolePlan

POLICY_VERSION = "2012-10-17"

_TLS_CONDITION = {"Bool": {"aws:SecureTransport": "true"}}


def trust_policy(plan: RolePlan) -> dict[str, Any]:
    """Who may assume the role: one statement per kind of principal, sharing the conditions."""
    statements: list[dict[str, Any]] = []
    conditions: dict[str, dict[str, Any]] = {}
    for cond in plan.trust_conditions:
        conditions.setdefault(cond.operator, {}).update(cond.as_policy()[cond.operator])
    for kind, principals in (("Service", plan.trusted_services), ("AWS", plan.trusted_principals)):
        if not principals:
            continue
        values: str | list[str] = principals[0] if len(principals) == 1 else list(principals)
        statement: dict[str, Any] = {
            "Sid": "TrustServices" if kind == "Service" else "TrustAccounts",
            "Effect": "Allow",
            "Principal": {kind: values},
            "Action": "sts:AssumeRole",
        }
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": POLICY_VERSION, "Statement": statements}


def bucket_arn(plan: RolePlan, bucket: str) -> str:
    return f"arn:{plan.partition}:s3:::{bucket}"


def object_arn(plan: RolePlan, grant: BucketGrant) -> str:
    return f"arn:{plan.partition}:s3:::{grant.bucket}/{grant.prefix}*"


def _grant_statements(plan: RolePlan, grant: BucketGrant) -> list[tuple[str, tuple, dict, str]]:
    """(scope, actions, condition, resource) pieces of one grant, before merging."""
    pieces: list[tuple[str, tuple, dict, str]] = []
    base: dict[str, Any] = dict(_TLS_CONDITION) if grant.require_tls else {}
    bucket_actions = grant.bucket_actions
    if grant.prefix:
        scoped = tuple(a for a in bucket_actions if a in prefix_scoped_actions())
        plain = tuple(a for a in bucket_actions if a not in prefix_scoped_actions())
        if scoped:
            cond = {**base, "StringLike": {"s3:prefix": [f"{grant.prefix}*"]}}
            pieces.append(("ListPrefix", scoped, cond, bucket_arn(plan, grant.bucket)))
    else:
        plain = bucket_actions
    if plain:
        pieces.append(("Bucket", plain, base, bucket_arn(plan, grant.bucket)))
    if grant.object_actions:
        pieces.append(("Objects", grant.object_actions, base, object_arn(plan, grant)))
    return pieces


def inline_policy(plan: RolePlan) -> dict[str, Any] | None:
    """The generated permission policy, or None when the plan grants no bucket access."""
    merged: dict[tuple[str, tuple, str], list[str]] = {}
    for grant in plan.grants:
        for scope, actions, cond, resource in _grant_statements(plan, grant):
            key = (scope, actions, json.dumps(cond, sort_keys=True))
            resources = merged.setdefault(key, [])
            if resource not in resources:
                resources.append(resource)
    if not merged:
        return None
    statements: list[dict[str, Any]] = []
    for number, ((scope, actions, cond_json), resources) in enumerate(merged.items(), start=1):
        statement: dict[str, Any] = {
            "Sid": f"{scope}{number}",
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": resources[0] if len(resources) == 1 else resources,
        }
        cond = json.loads(cond_json)
        if cond:
            statement["Condition"] = cond
        statements.append(statement)
    statements.extend(kms_statements(plan))
    return {"Version": POLICY_VERSION, "Statement": statements}


_WHITESPACE = re.compile(r"\s")


def policy_size(document: dict[str, Any]) -> int:
    """Characters IAM counts against its size quotas: the JSON text without white space."""
    return len(_WHITESPACE.sub("", json.dumps(document, separators=(",", ":"))))


def to_json(document: dict[str, Any] | None) -> str:
    """The document as people read and paste it."""
    return json.dumps(document, indent=2)

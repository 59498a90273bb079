"""Small builders so each engine test reads like the AWS documentation example it comes from.

Every test states its policies as the JSON documents AWS stores; these helpers only parse them
with the right kind and build the request, so a scenario fits in a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graph.policy import (
    Decision,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
    parse_policy,
)

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other"
USER = f"arn:aws:iam::{ACCOUNT}:user/division/alice"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/i-0123456789abcdef0"
FOREIGN_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/partner"
BUCKET = "arn:aws:s3:::data-bucket"
OBJECT = f"{BUCKET}/reports/q1.csv"

Doc = Mapping[str, Any]


def doc(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    """A policy document; `version=None` leaves the Version element out."""
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def allow(action: str | list[str] = "s3:GetObject", resource: str | list[str] = "*",
          **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str] = "s3:GetObject", resource: str | list[str] = "*",
         **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    action: str = "s3:GetObject",
    resource: str = OBJECT,
    *,
    identity: Sequence[Doc] = (),
    boundary: Doc | None = None,
    scps: Sequence[Doc] | None = None,
    resource_policy: Doc | None = None,
    principal: str | None = ROLE,
    resource_account: str | None = ACCOUNT,
    context: Mapping[str, Any] | None = None,
    principal_tags: Mapping[str, str] | None = None,
    resource_tags: Mapping[str, str] | None = None,
    partial: bool = False,
    principal_service: str | None = None,
    resource_kind: PolicyKind = PolicyKind.RESOURCE,
    session_arn: str | None = None,
) -> Decision:
    """Parse the documents with their kinds and decide one request."""
    principal_policies = PrincipalPolicies(
        identity=tuple(
            parse_policy(d, name=f"identity{i}", kind=PolicyKind.IDENTITY)
            for i, d in enumerate(identity)
        ),
        boundary=(
            parse_policy(boundary, name="boundary", kind=PolicyKind.BOUNDARY)
            if boundary is not None
            else None
        ),
        scps=(
            tuple(
                (parse_policy(d, name=f"scp-level{i}", kind=PolicyKind.SCP),)
                for i, d in enumerate(scps)
            )
            if scps is not None
            else None
        ),
    )
    res_pol = (
        parse_policy(resource_policy, name="bucket-policy", kind=resource_kind)
        if resource_policy is not None
        else None
    )
    request = Request(
        principal_arn=principal,
        action=action,
        resource_arn=resource,
        resource_account=resource_account,
        context=dict(context or {}),
        principal_tags=dict(principal_tags or {}),
        resource_tags=dict(resource_tags or {}),
        partial=partial,
        principal_service=principal_service,
        **({"session_arn": session_arn} if session_arn else {}),
    )
    return evaluate(request, principal_policies, resource_policy=res_pol)


def verdict(*args: Any, **kwargs: Any) -> Verdict:
    return decide(*args, **kwargs).verdict


def condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any] | None = None,
                    **kwargs: Any) -> bool:
    """Whether a Condition block is true: it guards the only Allow, so true <=> allowed."""
    policy = doc(allow("s3:GetObject", "*", Condition=condition))
    result = verdict(identity=[policy], context=context, **kwargs)
    assert result in (Verdict.ALLOW, Verdict.IMPLICIT_DENY), result
    return result is Verdict.ALLOW

"""What a reviewer hunts for, marked on answers: the public, other accounts, write / delete /
permissions management rather than read, buckets without Block Public Access, roles with s3:*
(and, from the engine, in `graph.glance`: administrator roles, open doors, could gain).

Marks are words (so they read without colour, in exports and over a plain terminal) with a
rank for sorting riskiest-first. They describe answers the engine already decided: a denied
action carries no mark, because it is not access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from graph.access.model import ActionAccess
from graph.model import AccountSnapshot, Bucket, Role
from graph.policy import Outcome


class Risk(Enum):
    """One mark; the value is the word shown. Declared riskiest first (that is the rank)."""

    PUBLIC = "PUBLIC"
    ADMIN = "ADMIN"
    PUBLIC_IMDSV1 = "PUBLIC IMDSv1"
    PERMISSIONS = "PERMISSIONS"
    NEAR_ADMIN = "NEAR ADMIN"
    S3_STAR = "s3:*"
    OTHER_ACCOUNT = "OTHER ACCOUNT"
    COULD_GAIN = "COULD GAIN"
    NO_BPA = "NO BPA"
    DELETE = "DELETE"
    WRITE = "WRITE"

    @property
    def rank(self) -> int:
        return list(Risk).index(self)

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    Risk.PUBLIC: "anyone on the internet, without credentials",
    Risk.ADMIN: "administrator-level: every sensitive action tested is allowed, IAM included",
    Risk.PUBLIC_IMDSV1: "running with a public IP and IMDSv1 allowed: an SSRF can steal "
                        "its role's credentials",
    Risk.NEAR_ADMIN: "nearly administrator: every sensitive action tested but IAM",
    Risk.PERMISSIONS: "can change who has access (bucket policy, ACLs)",
    Risk.S3_STAR: "the role is granted every S3 action (s3:* or *)",
    Risk.OTHER_ACCOUNT: "a principal of another AWS account (on a role: it may assume it)",
    Risk.COULD_GAIN: "an escalation path to more access (not allowed now)",
    Risk.NO_BPA: "Block Public Access is not fully on for this bucket",
    Risk.DELETE: "can delete objects or the bucket's configuration",
    Risk.WRITE: "can change data, not only read it",
}


def action_risk(access: ActionAccess) -> Risk | None:
    """PERMISSIONS, DELETE or WRITE for an action that is not plainly denied; None for reads."""
    if access.outcome is Outcome.DENIED:
        return None
    if access.level == "Permissions management":
        return Risk.PERMISSIONS
    if "Delete" in access.action:
        return Risk.DELETE
    if access.level in ("Write", "Tagging"):
        return Risk.WRITE
    return None


def actions_risks(actions: Mapping[str, ActionAccess] | Iterable[ActionAccess]) -> list[Risk]:
    """The marks any of these actions carries, riskiest first."""
    values = actions.values() if isinstance(actions, Mapping) else actions
    found = {r for r in (action_risk(a) for a in values) if r is not None}
    return sorted(found, key=lambda r: r.rank)


def principal_risks(kind: str) -> list[Risk]:
    """The public, and principals of other accounts (who-can's principal kinds)."""
    if kind == "public":
        return [Risk.PUBLIC]
    if kind == "account":
        return [Risk.OTHER_ACCOUNT]
    return []


def bucket_risks(bucket: Bucket, snapshot: AccountSnapshot) -> list[Risk]:
    """NO_BPA unless all four Block Public Access settings apply (bucket or account level)."""
    account = snapshot.account.public_access_block
    own = bucket.public_access_block
    effective = own.merged(account) if own is not None else account
    if effective is None or not all(effective.to_api().values()):
        return [Risk.NO_BPA]
    return []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants_every_s3_action(document: Any) -> bool:
    """An Allow statement whose Action is `*` or `s3:*` (any case)."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in _as_list(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = [a for a in _as_list(statement.get("Action", [])) if isinstance(a, str)]
        if any(a == "*" or a.lower() == "s3:*" for a in actions):
            return True
    return False


def role_risks(role: Role, snapshot: AccountSnapshot) -> list[Risk]:
    """S3_STAR when an inline or attached policy of the role grants every S3 action."""
    documents = [p.document for p in role.inline_policies]
    for arn in role.attached_policy_arns:
        policy = snapshot.policy_by_arn.get(arn)
        if policy is not None:
            documents.append(policy.document)
    return [Risk.S3_STAR] if any(grants_every_s3_action(d) for d in documents) else []


def rank(risks: Iterable[Risk]) -> int:
    """Sort key, riskiest first: the rank of the worst mark (len(Risk) when none)."""
    return min((r.rank for r in risks), default=len(Risk))

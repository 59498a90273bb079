"""Documents larger than AWS allows are refused where they enter, whatever the source.

Every source ends in an AccountSnapshot (build_snapshot for the live account, the demo and export
folders; snapshot_from_json for snapshot files), and each passes it through `refuse_oversized`.
A refused document is replaced by graph.policy.limits' stand-in (identity and trust policies:
the policy engine reads them as unreadable, so their answers are unknown) or, for a bucket
policy, by the bucket's existing "policy unknown" mark; each refusal is a load warning naming
the policy, its size and the limit. Nothing else is changed, and a snapshot without an
oversized document is returned as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from graph.model import (
    UNKNOWN_POLICY,
    AccountSnapshot,
    Bucket,
    LoadWarning,
    ManagedPolicy,
    Role,
)
from graph.policy.limits import (
    AWS_MANAGED_LIMIT,
    BUCKET_POLICY_LIMIT,
    MANAGED_LIMIT,
    ROLE_INLINE_LIMIT,
    TRUST_LIMIT,
    document_size,
    over_limit,
    refused,
)

T = TypeVar("T")


def refuse_oversized(snapshot: AccountSnapshot) -> AccountSnapshot:
    """`snapshot` with every document over AWS's size limit refused (see the module text)."""
    warnings: list[LoadWarning] = []
    roles = _each(snapshot.roles, lambda r: _role(r, warnings))
    managed = _each(snapshot.managed_policies, lambda p: _managed(p, warnings))
    buckets = _each(snapshot.buckets, lambda b: _bucket(b, warnings))
    if not warnings:
        return snapshot
    return dataclasses.replace(
        snapshot,
        roles=roles if roles is not None else snapshot.roles,
        managed_policies=managed if managed is not None else snapshot.managed_policies,
        buckets=buckets if buckets is not None else snapshot.buckets,
        warnings=(*snapshot.warnings, *warnings),
    )


def _each(items: Iterable[T], change: Callable[[T], T]) -> tuple[T, ...] | None:
    """Items with `change` applied; None when it changed none of them (nothing copied)."""
    out: list[T] = []
    changed = False
    for item in items:
        new = change(item)
        changed = changed or new is not item
        out.append(new)
    return tuple(out) if changed else None


def _warn(warnings: list[LoadWarning], target: str, message: str) -> None:
    warnings.append(LoadWarning("policy size", target, message))


def _role(role: Role, warnings: list[LoadWarning]) -> Role:
    changes: dict[str, Any] = {}
    trust = document_size(role.trust_policy) if role.trust_policy is not None else 0
    if trust > TRUST_LIMIT:
        message = over_limit(f"the trust policy of role {role.name}", trust, TRUST_LIMIT)
        _warn(warnings, role.name, message)
        changes["trust_policy"] = refused(message)
    # AWS's quota is on the role's inline policies together: when they are over it, none of
    # them is one AWS holds as shown, so all are refused.
    inline = sum(document_size(p.document) for p in role.inline_policies)
    if inline > ROLE_INLINE_LIMIT:
        names = ", ".join(p.name for p in role.inline_policies)
        message = over_limit(f"the inline policies of role {role.name} ({names})", inline,
                             ROLE_INLINE_LIMIT)
        _warn(warnings, role.name, message)
        changes["inline_policies"] = tuple(
            dataclasses.replace(p, document=refused(message)) for p in role.inline_policies)
    return dataclasses.replace(role, **changes) if changes else role


def _managed(policy: ManagedPolicy, warnings: list[LoadWarning]) -> ManagedPolicy:
    limit = AWS_MANAGED_LIMIT if policy.is_aws_managed else MANAGED_LIMIT
    size = document_size(policy.document)
    if size <= limit:
        return policy
    message = over_limit(f"managed policy {policy.name} ({policy.arn})", size, limit)
    _warn(warnings, policy.name, message)
    return dataclasses.replace(policy, document=refused(message))


def _bucket(bucket: Bucket, warnings: list[LoadWarning]) -> Bucket:
    if bucket.policy is None:
        return bucket
    size = document_size(bucket.policy)
    if size <= BUCKET_POLICY_LIMIT:
        return bucket
    _warn(warnings, bucket.name, over_limit(f"the bucket policy of {bucket.name}", size,
                                            BUCKET_POLICY_LIMIT))
    return dataclasses.replace(bucket, policy=None, unknown=bucket.unknown | {UNKNOWN_POLICY})

"""Per-role and per-bucket summaries that say which decisions are worth asking the engine.

A role's statements and a bucket's policy are reduced to: which buckets they concern (via the
bucket index), which S3 actions they could grant, which object-key prefixes they name, and
whether the answer depends on who asks or on the instance. Buckets whose policy and ACL read
the same once their own name is blanked out share a *shape*: for a role that names none of
them specifically, they all get the same answer, decided once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from graph.access.index import BucketIndex, PatternScope
from graph.access.policies import BucketPolicies, CompiledPolicy, PolicyBook, RolePolicies
from graph.access.statements import INSTANCE_KEYS, StatementFacts
from graph.model import Bucket


@dataclass
class RoleFacts:
    """What a role's identity policies, boundary and SCPs can touch among buckets."""

    policies: RolePolicies
    #: S3 actions some identity Allow statement grants on every bucket alike.
    universal_actions: frozenset[str] = frozenset()
    #: S3 actions identity Allow statements grant on specific buckets.
    specific_actions: dict[str, set[str]] = field(default_factory=dict)
    #: Buckets any statement (Allow or Deny, identity, boundary or SCP) names specifically.
    special: frozenset[str] = frozenset()
    universal_key_parts: frozenset[str] = frozenset()
    key_parts: dict[str, set[str]] = field(default_factory=dict)
    principal_sensitive: bool = False
    instance_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BucketFacts:
    """What a bucket's own policy and ACL can grant, and to whom."""

    bucket: Bucket
    policies: BucketPolicies
    #: Hashable summary of policy + ACL + unknowns with the bucket's name blanked; None = plain.
    shape: object
    #: Actions granted to anyone (Principal "*", NotPrincipal, public ACL groups).
    anyone_actions: frozenset[str]
    #: Actions granted to specific AWS principals (ARN or account), by principal string.
    named_actions: dict[str, frozenset[str]]
    key_parts: frozenset[str]
    #: True when the answer depends on which principal asks (names principals, reads their keys).
    principal_specific: bool
    instance_keys: frozenset[str]
    policy_unreadable: bool


def _scopes(index: BucketIndex, facts: StatementFacts) -> list[PatternScope]:
    return [index.scope(r) for r in facts.resources]


def role_facts(rp: RolePolicies, book: PolicyBook, index: BucketIndex) -> RoleFacts:
    out = RoleFacts(rp)
    universal: set[str] = set()
    special: set[str] = set()
    uni_keys: set[str] = set()
    keys_read: set[str] = set()
    sensitive = False
    groups: list[tuple[bool, CompiledPolicy]] = [(True, cp) for cp in rp.identity]
    if rp.boundary is not None:
        groups.append((False, rp.boundary))
    for level in book.scps or ():
        groups.extend((False, cp) for cp in level)
    for is_identity, cp in groups:
        for f in cp.facts:
            keys_read |= f.condition_keys
            sensitive = sensitive or f.principal_sensitive
            if not f.s3_actions:
                continue
            grants = is_identity and f.effect == "Allow"
            for scope in _scopes(index, f):
                if f.not_resource:
                    special |= scope.buckets
                    if grants and not scope.universal:
                        universal |= f.s3_actions
                    continue
                if scope.universal:
                    if grants:
                        universal |= f.s3_actions
                        if scope.key_part not in ("", "*"):
                            uni_keys.add(scope.key_part)
                    continue
                special |= scope.buckets
                if grants:
                    for name in scope.buckets:
                        out.specific_actions.setdefault(name, set()).update(f.s3_actions)
                        if scope.key_part not in ("", "*"):
                            out.key_parts.setdefault(name, set()).add(scope.key_part)
    out.universal_actions = frozenset(universal)
    out.special = frozenset(special)
    out.universal_key_parts = frozenset(uni_keys)
    out.principal_sensitive = sensitive
    out.instance_keys = frozenset(keys_read & INSTANCE_KEYS)
    return out


def _blank(document: object, bucket: Bucket) -> str:
    text = json.dumps(document, sort_keys=True)
    return re.sub(re.escape(bucket.arn) + r'(?=[/"])', "arn:aws:s3:::\x00", text)


def bucket_facts(bucket: Bucket, book: PolicyBook, index: BucketIndex) -> BucketFacts:
    bp = book.bucket(bucket)
    anyone: set[str] = set()
    named: dict[str, set[str]] = {}
    key_parts: set[str] = set()
    specific = False
    keys_read: set[str] = set()
    for cp in (bp.policy, bp.acl):
        if cp is None:
            continue
        for f in cp.facts:
            keys_read |= f.condition_keys
            specific = specific or f.principal_sensitive
            if f.effect != "Allow":
                continue
            for r in f.resources:
                scope = index.scope(r)
                concerns = bucket.name in scope.buckets or scope.universal
                if concerns and scope.key_part not in ("", "*"):
                    key_parts.add(scope.key_part)
            if f.not_principal or "*" in f.aws_principals:
                anyone |= f.s3_actions
                continue
            for p in f.aws_principals:
                specific = True
                named.setdefault(p, set()).update(f.s3_actions)
    unreadable = book.policy_unreadable(bucket)
    parts: list[object] = []
    if bucket.policy is not None:
        parts.append(_blank(bucket.policy, bucket))
    if bp.acl is not None:
        parts.append(_blank(bp.acl.policy.raw, bucket))
    if unreadable:
        parts.append("unreadable")
    shape = tuple(parts) if parts else None
    return BucketFacts(
        bucket=bucket,
        policies=bp,
        shape=shape,
        anyone_actions=frozenset(anyone),
        named_actions={k: frozenset(v) for k, v in named.items()},
        key_parts=frozenset(key_parts),
        principal_specific=specific,
        instance_keys=frozenset(keys_read & INSTANCE_KEYS),
        policy_unreadable=unreadable,
    )

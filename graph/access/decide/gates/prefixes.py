"""Limit gates on a grant that covers only some object-key prefixes.

A role granted `bucket/reports/*` only makes requests for objects under reports/: a limit
gate that reads the object's ARN (the KMS encryption context `aws:s3:arn`, an RCP's Resource)
must be asked about those objects, not `bucket/*`, or a key policy or RCP naming the prefix
is decided wrong either way. `per_prefix` asks a gate once per prefix the grant names and
keeps the prefixes that pass: a grant is as wide as the prefixes every gate lets through.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.access.model import OUTCOME_RANK, ActionAccess, unique_conditions, unique_refs

_ONLY = "only for objects under "


def object_resource(bucket_arn: str, label: str = "") -> str:
    """The object ARN pattern a grant's prefix label stands for ("" : every object).

    Labels drop the trailing `*` of `reports/*` (compile/index.py `key_prefix_label`); a
    label with no wildcard is read back as that prefix (a grant naming one literal key is
    asked as the keys that start with it)."""
    if not label:
        return f"{bucket_arn}/*"
    if "*" in label or "?" in label or "${" in label:
        return f"{bucket_arn}/{label}"
    return f"{bucket_arn}/{label}*"


def per_prefix(access: ActionAccess, bucket_arn: str,
               one: Callable[[ActionAccess, str], ActionAccess | None]
               ) -> ActionAccess | None:
    """`one(access, object ARN)` for the whole bucket, or for each prefix the grant is
    limited to, merged: None when every prefix passes unchanged; else the answer over the
    prefixes that pass (with why the others do not), or the first prefix's denial."""
    if access.scope == "bucket" or len(access.prefixes) <= 1:
        label = access.prefixes[0] if access.prefixes and access.scope != "bucket" else ""
        return one(access, object_resource(bucket_arn, label)
                   if access.scope != "bucket" else bucket_arn)
    results = [(p, one(_narrowed(access, (p,)), object_resource(bucket_arn, p)))
               for p in access.prefixes]
    if all(r is None for _, r in results):
        return None
    passing = [(p, r if r is not None else _narrowed(access, (p,))) for p, r in results
               if r is None or r.granted]
    if not passing:
        return results[0][1]
    kept = tuple(p for p, _ in passing)
    stopped = tuple(f"not for objects under {p}: {r.reasons[0]}" for p, r in results
                    if r is not None and not r.granted and r.reasons)
    # As the decider merges prefixes: the strongest answer over them stands.
    best = max((r.outcome for _, r in passing), key=OUTCOME_RANK.__getitem__)
    base = _narrowed(access, kept)
    extra = tuple(dict.fromkeys(x for _, r in passing for x in r.reasons
                                if x not in base.reasons and not x.startswith(_ONLY)))
    return ActionAccess(
        access.action, access.level, access.scope,
        best, base.reasons + extra + stopped,
        unique_refs(e for _, r in passing for e in r.evidence),
        unique_conditions(c for _, r in passing for c in r.conditions),
        access.blocked_by, kept)


def _narrowed(access: ActionAccess, prefixes: tuple[str, ...]) -> ActionAccess:
    """`access` limited to `prefixes` (its "only for objects under …" reason rewritten)."""
    if prefixes == access.prefixes:
        return access
    reasons = tuple(r for r in access.reasons if not r.startswith(_ONLY))
    return ActionAccess(access.action, access.level, access.scope, access.outcome,
                        (f"{_ONLY}{', '.join(prefixes)}",) + reasons, access.evidence,
                        access.conditions, access.blocked_by, prefixes)

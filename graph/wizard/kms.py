"""What a planned role needs from the KMS keys of the SSE-KMS buckets it is granted.

S3 reads of SSE-KMS objects need kms:Decrypt on the bucket's key, writes kms:GenerateDataKey
(and kms:Decrypt for multipart uploads). The plan's inline policy gets those on the key,
only through S3 (`kms:ViaService`); when the key policy does not delegate to IAM (no
statement lets the account's IAM policies count), that is not enough, and the plan shows
the key-policy statement to add. The AWS managed key aws/s3 lets every principal of the
account use it through S3 already: nothing to add. Decided on the bucket's default
encryption (objects written with another key need that key).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from graph.model import AccountSnapshot
from graph.policy import Outcome, PolicyKind, PrincipalPolicies, Request, evaluate, parse_policy
from graph.wizard.plan import KmsNeed, RolePlan

#: S3 actions whose data S3 decrypts, and those it encrypts (kms_facts.py has the same).
_READS = frozenset({"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectVersionForReplication"})
_WRITES = frozenset({"s3:PutObject"})
_ALL_KMS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*",
                                                   "Resource": "*"}]}


def _operations(actions: tuple[str, ...]) -> tuple[str, ...]:
    ops: list[str] = []
    if _WRITES & set(actions):
        ops += ["kms:GenerateDataKey", "kms:Decrypt"]  # Decrypt: multipart uploads
    elif _READS & set(actions):
        ops.append("kms:Decrypt")
    return tuple(ops)


def _delegates(policy: Any, key_arn: str, role_arn: str, region: str, account: str) -> bool:
    """Whether an identity policy allowing the use is enough: the key policy delegates to
    the account (or grants anyone) for use through S3."""
    try:
        parsed = parse_policy(policy, name="key policy", kind=PolicyKind.RESOURCE)
    except Exception:  # noqa: BLE001 - an unparseable policy delegates nothing we can prove
        return False
    identity = PrincipalPolicies(identity=(parse_policy(_ALL_KMS, name="planned"),))
    context = {"kms:ViaService": f"s3.{region}.amazonaws.com", "kms:CallerAccount": account,
               "aws:ViaAWSService": "true"}
    return all(evaluate(Request(role_arn, op, key_arn, key_arn.split(":")[4], context),
                        identity, parsed).outcome is Outcome.ALLOWED
               for op in ("kms:Decrypt", "kms:GenerateDataKey"))


def kms_needs(plan: RolePlan, snapshot: AccountSnapshot) -> tuple[KmsNeed, ...]:
    """What each granted SSE-KMS bucket (per its default encryption) needs of its key."""
    out: list[KmsNeed] = []
    account = snapshot.account_id
    role_arn = plan.role_arn(account)
    for grant in plan.grants:
        bucket = snapshot.bucket_by_name.get(grant.bucket)
        if bucket is None or bucket.encryption is None or bucket.encryption.key_ref is None:
            continue
        ops = _operations(grant.object_actions)
        if not ops:
            continue
        ref = bucket.encryption.key_ref
        kms = snapshot.kms_of(bucket.region)
        key = kms.resolve(ref) if kms is not None else None
        if key is None and ref.endswith("alias/aws/s3"):
            continue  # aws/s3 already serves the account's principals through S3
        if key is not None and key.aws_managed:
            continue
        arn = key.arn if key is not None else ref
        label = key.key_id + (f" ({key.aliases[0]})" if key is not None and key.aliases
                              else "") if key is not None else ref
        delegates = key is not None and key.policy is not None and _delegates(
            key.policy, arn, role_arn, bucket.region, account)
        out.append(KmsNeed(grant.bucket, arn, bucket.region, ops, delegates, label,
                           known=key is not None and key.policy is not None,
                           role_arn=role_arn))
    return tuple(out)


def with_kms(plan: RolePlan, snapshot: AccountSnapshot | None) -> RolePlan:
    """The plan with its SSE-KMS needs filled in from the account (unchanged without one)."""
    if snapshot is None:
        return plan
    return dataclasses.replace(plan, kms=kms_needs(plan, snapshot))


def kms_statements(plan: RolePlan) -> list[dict[str, Any]]:
    """The inline policy's statements for the keys: one per key and region."""
    merged: dict[tuple[str, str], list[str]] = {}
    for need in plan.kms:
        ops = merged.setdefault((need.key_arn, need.region), [])
        ops.extend(op for op in need.operations if op not in ops)
    return [{"Sid": f"SseKms{n}", "Effect": "Allow", "Action": sorted(ops), "Resource": arn,
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}}
            for n, ((arn, region), ops) in enumerate(merged.items(), start=1)]


def key_policy_additions(plan: RolePlan) -> list[tuple[KmsNeed, dict[str, Any]]]:
    """The statement each key policy needs for the role when it does not delegate to IAM."""
    out: list[tuple[KmsNeed, dict[str, Any]]] = []
    seen: set[str] = set()
    for need in plan.kms:
        if need.delegates or need.key_arn in seen:
            continue
        seen.add(need.key_arn)
        ops = sorted({op for n in plan.kms if n.key_arn == need.key_arn for op in n.operations})
        out.append((need, {
            "Sid": f"Allow{plan.name}ThroughS3", "Effect": "Allow",
            "Principal": {"AWS": need.role_arn}, "Action": ops, "Resource": "*",
            "Condition": {"StringEquals": {
                "kms:ViaService": f"s3.{need.region}.amazonaws.com"}}}))
    return out


def kms_notes(plan: RolePlan) -> list[str]:
    """Lines for the plan's readers (lint, preview): what the keys still need."""
    notes: list[str] = []
    for need, statement in key_policy_additions(plan):
        why = ("its policy could not be read" if not need.known
               else "its key policy does not delegate to IAM")
        notes.append(f"bucket {need.bucket} is SSE-KMS (per its default encryption) with key "
                     f"{need.key_label}: {why}, so the role's own policy is not enough; add "
                     f"this statement to the key policy: {json.dumps(statement)}")
    return notes

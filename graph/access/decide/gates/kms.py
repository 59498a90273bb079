"""SSE-KMS: the bucket's default-encryption key must let the caller use it through S3.

A limit gate. Reading an SSE-KMS object makes S3 call kms:Decrypt on the caller's behalf;
writing one, kms:GenerateDataKey (a multipart upload also kms:Decrypt, as AWS documents).
KMS allows when the key policy grants the caller (a key policy must grant explicitly: an
identity policy counts only where the key policy delegates to the account), or when a grant
names the caller for the operation; an explicit deny in either policy wins over a grant.
The request S3 makes carries `kms:ViaService = s3.<region>.amazonaws.com`,
`kms:CallerAccount`, and the encryption context `aws:s3:arn` (the object's ARN, or the
bucket's with a Bucket Key); the caller's network keys (aws:SourceVpce, aws:SourceVpc,
aws:VpcSourceIp) are not on it, nor any key S3 does not forward. The anonymous public cannot
use KMS at all. The AWS managed key aws/s3 serves only its own account.

Everything is said "per the bucket's default encryption": objects written with another key
(or before the default changed) can answer differently.
"""

from __future__ import annotations

from graph.access.classify.kms_facts import DECRYPT_ACTIONS, WRITE_ACTIONS, KmsFacts
from graph.access.decide.gate import ENCRYPTION, Documents, Question, Stage, Unread
from graph.access.decide.gates.prefixes import per_prefix
from graph.access.model import ActionAccess
from graph.model_kms import KmsGrant
from graph.policy import Decision, Outcome, PolicyKind, Request, StatementRef, Verdict, evaluate

PER_DEFAULT = "per the bucket's default encryption"
#: KMS operations S3 asks for, per S3 action (the first is required, the rest for multipart).
_OPS: dict[str, tuple[str, ...]] = {
    **{a: ("Decrypt",) for a in DECRYPT_ACTIONS},
    **{a: ("GenerateDataKey", "Decrypt") for a in WRITE_ACTIONS},
}


def kms_operations(action: str) -> tuple[str, ...]:
    """The KMS operations an S3 action needs on an SSE-KMS bucket (empty: none)."""
    return _OPS.get(action, ())


def request_context(kf: KmsFacts, bucket_arn: str, caller_account: str,
                    object_arn: str = "") -> dict[str, str]:
    """The context of the call S3 makes to KMS on the caller's behalf (`object_arn`: the
    objects asked about, `bucket/*` unless the grant is limited to a prefix)."""
    return {"kms:ViaService": f"s3.{kf.region}.amazonaws.com",
            "kms:CallerAccount": caller_account,
            "kms:EncryptionContext:aws:s3:arn": bucket_arn if kf.bucket_key
            else object_arn or f"{bucket_arn}/*",
            "aws:ViaAWSService": "true"}


def grant_allows(grant: KmsGrant, principal_arn: str, operation: str,
                 context: dict[str, str]) -> bool:
    """Whether a KMS grant lets the principal do the operation in this encryption context."""
    if grant.grantee_principal != principal_arn or operation not in grant.operations:
        return False
    wanted = {k[len("kms:EncryptionContext:"):]: v for k, v in context.items()
              if k.startswith("kms:EncryptionContext:")}
    constraints = grant.constraints if isinstance(grant.constraints, dict) else {}
    subset = constraints.get("EncryptionContextSubset")
    equals = constraints.get("EncryptionContextEquals")
    if isinstance(subset, dict) and any(wanted.get(k) != v for k, v in subset.items()):
        return False
    return not (isinstance(equals, dict) and equals != wanted)


def key_decision(kf: KmsFacts, q: Question, operation: str, object_arn: str = ""
                 ) -> tuple[bool, Decision | None, str]:
    """Whether the caller may do `operation` on the key through S3 for the objects
    `object_arn` (default `bucket/*`), the engine's decision, and what says so ("key policy
    ..." or "grant ...")."""
    assert q.caller is not None
    role = q.caller.role
    account = role.account_id
    label = kf.key_label
    key_account = kf.key_arn.split(":")[4] if kf.key_arn.count(":") >= 5 else account
    if kf.aws_managed and key_account != account:
        return False, None, (f"the AWS managed key {label} serves only its own account "
                             f"({key_account})")
    # S3 calls KMS on the caller's behalf: the caller's organisation keys travel with it.
    context = {**{k: v for k, v in q.context.items()
                  if k.lower().startswith("aws:principalorg")},
               **request_context(kf, q.bucket.bucket.arn, account, object_arn)}
    if kf.key is not None and not kf.key.enabled:
        return False, None, f"key {label} is {kf.key.key_state or 'disabled'}"
    d = evaluate(Request(principal_arn=role.arn, action=f"kms:{operation}",
                         resource_arn=kf.key_arn, resource_account=key_account,
                         context=context, principal_tags=role.tags), q.caller.principal,
                 kf.policy)
    if d.outcome is Outcome.ALLOWED:
        return True, d, ""
    if d.verdict is not Verdict.EXPLICIT_DENY and kf.key is not None:
        for g in kf.key.grants:
            if grant_allows(g, role.arn, operation, context):
                return True, d, f"grant {g.name or g.grant_id} on key {label}"
    why = d.reasons[0] if d.reasons else f"nothing allows kms:{operation}"
    return False, d, why


class KmsGate:
    """The bucket's default-encryption KMS key, for the actions that make S3 use it."""

    name = "SSE-KMS key"
    stage = Stage.LIMIT
    asks = frozenset({ENCRYPTION})
    reads = ("the bucket's default encryption (GetBucketEncryption)",
             "the key (kms:DescribeKey)", "the key policy (kms:GetKeyPolicy)",
             "the key's grants (kms:ListGrants)")

    def applies(self, q: Question) -> bool:
        return q.bucket.kms is not None and q.action.name in _OPS

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        kf = q.bucket.kms
        if kf is None or not access.granted or not kf.key_arn:
            return None
        if q.public:
            why = (f"SSE-KMS ({PER_DEFAULT}): objects are encrypted with KMS key "
                   f"{kf.key_label}, and an anonymous request cannot use a KMS key (S3 "
                   "decrypts and encrypts only for a signed request a key policy allows)")
            return _denied(access, (why,), ())
        if kf.unread:
            return None  # `unread` says why the answer is unknown
        # The encryption context names the objects the grant covers (aws:s3:arn): a key
        # policy naming a prefix is asked about the prefixes the role may use.
        return per_prefix(access, q.bucket.bucket.arn,
                          lambda a, objects: self._limit(q, kf, a, objects))

    def _limit(self, q: Question, kf: KmsFacts, access: ActionAccess, objects: str
               ) -> ActionAccess:
        needed = _OPS[q.action.name]
        evidence: list[StatementRef] = []
        notes: list[str] = []
        for n, op in enumerate(needed):
            ok, d, via = key_decision(kf, q, op, objects)
            if not ok and n == 0:
                why = (f"SSE-KMS ({PER_DEFAULT}): key {kf.key_label} does not let this role "
                       f"use kms:{op} through S3: {via}")
                deny = tuple(e for e in (d.deciding if d is not None else ())
                             if e.effect == "Deny")
                return _denied(access, (why,), deny)
            if not ok:
                notes.append(f"multipart uploads also need kms:{op}, which key {kf.key_label} "
                             f"does not allow ({via}): only single-part uploads work")
                continue
            if via:
                notes.append(f"kms:{op} on key {kf.key_label} allowed by {via} ({PER_DEFAULT})")
            elif d is not None:
                evidence.extend(e for e in d.deciding if e not in evidence)
                notes.append(f"kms:{op} on key {kf.key_label} allowed ({PER_DEFAULT})")
        return ActionAccess(access.action, access.level, access.scope, access.outcome,
                            access.reasons + tuple(notes), access.evidence + tuple(evidence),
                            access.conditions, access.blocked_by, access.prefixes)

    def unread(self, q: Question) -> Unread | None:
        kf = q.bucket.kms
        if kf is None or not kf.unread or q.action.name not in _OPS:
            return None
        if q.public and kf.key_arn:
            return None  # the public cannot use any key: denied, read or not
        said = tuple(f"{why} (SSE-KMS {PER_DEFAULT}: the key may deny)" for why in kf.unread)
        return Unread(said=said, may_deny=True)


def _denied(access: ActionAccess, why: tuple[str, ...], deny: tuple[StatementRef, ...]
            ) -> ActionAccess:
    return ActionAccess(access.action, access.level, access.scope, Outcome.DENIED,
                        why + access.reasons, access.evidence + deny,
                        (), PolicyKind.RESOURCE, access.prefixes)

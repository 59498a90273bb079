"""The KMS key a bucket's default encryption names, as the SSE-KMS gate needs it.

Resolved once per bucket when buckets are classified: the key (or why it cannot be
checked), its policy parsed once per key, and `key`, the values the gate's answers depend
on. Buckets with the same `key` share the gate's answers, so it holds the key's ARN (its
policy and grants are the snapshot's, one per key), whether a Bucket Key is on (it changes
the encryption context) and, only when the key policy or a grant reads the encryption
context, the bucket itself (the context names it).
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass

from graph.access.compile.actions import mask_of
from graph.access.compile.policies import PolicyBook, RolePolicies
from graph.errors import PolicyParseError
from graph.model import UNKNOWN_ENCRYPTION, Bucket
from graph.model_kms import KmsKey
from graph.policy import Policy, PolicyKind, parse_policy

#: S3 actions that read an object's data: S3 asks KMS to decrypt its data key.
DECRYPT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectVersionForReplication")
#: S3 actions that write an object's data: S3 asks KMS for a new data key (a multipart
#: upload also decrypts it again to finish the upload, as AWS documents).
WRITE_ACTIONS = ("s3:PutObject",)
#: The alias of the AWS managed key S3 uses when SSE-KMS names no key.
AWS_S3_ALIAS = "alias/aws/s3"


def kms_masks() -> tuple[int, int]:
    """The two action classes the gate needs apart (they ask KMS for different things)."""
    return mask_of(DECRYPT_ACTIONS), mask_of(WRITE_ACTIONS)


def aws_managed_s3_policy(account: str, region: str) -> dict[str, object]:
    """The key policy AWS gives every aws/s3 key (it cannot be changed): any principal of
    the account, through S3 in the key's region only."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Allow access through S3 for all principals in the account that are "
               "authorized to use S3",
        "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                   "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                       "kms:ViaService": f"s3.{region}.amazonaws.com"}}}]}


@dataclass(frozen=True, eq=False)
class KmsFacts:
    """A bucket's SSE-KMS key as read (see the module docstring)."""

    #: The key reference as configured (KMSMasterKeyID, or alias/aws/s3).
    ref: str
    region: str
    bucket_key: bool
    #: The key's ARN (as configured when it is another account's and was not read).
    key_arn: str
    key: KmsKey | None
    #: The key policy, parsed (None: not read or not parseable, see `unread`).
    policy: Policy | None
    #: The AWS managed key aws/s3 (usable by its own account only).
    aws_managed: bool
    #: Why the key cannot be checked (empty: it can).
    unread: tuple[str, ...]
    #: What the gate's answers depend on (see the module docstring).
    value: object = None
    #: The key policy's JSON text, lower-cased, and the grants' grantees: whether the key
    #: names a role or reads who asks (`role_signature`).
    text: str = ""
    grantees: frozenset[str] = frozenset()
    #: The bucket whose default encryption this is (the encryption context names it).
    bucket_arn: str = ""

    def role_signature(self, rp: RolePolicies) -> object:
        """What of the calling role the key's answer depends on: its policies (the key
        may let IAM count, and an IAM deny always counts), and the role itself only where
        the key policy or a grant names it, or a policy reads who asks."""
        role = rp.role
        text = self.text
        personal = (role.arn.lower() in text or role.arn in self.grantees
                    or _reads_principal(text) or _role_reads_principal(rp))
        # The encryption context names the bucket (or its objects): a caller-side policy
        # that reads it decides this bucket's answer alone, whatever the key says.
        bucket = self.bucket_arn if caller_reads_context(rp) else None
        return (_kms_statements(rp), rp.boundary.key if rp.boundary else None,
                rp.missing, (role.arn, tuple(sorted(role.tags.items()))) if personal else None,
                bucket)

    @property
    def key_label(self) -> str:
        alias = next(iter(self.key.aliases), "") if self.key is not None else ""
        if self.key is None and self.ref.startswith("alias/"):
            alias = self.ref
        name = self.key.key_id if self.key is not None else self.key_arn
        return f"{name} ({alias})" if alias else name


#: Condition keys and variables that read who asks.
_PRINCIPAL_WORDS = ("aws:principal", "aws:userid", "aws:username", "aws:sourceidentity",
                    "${", "aws:federatedprovider")


def _reads_principal(text: str) -> bool:
    return any(w in text for w in _PRINCIPAL_WORDS)


_ROLE_READS: weakref.WeakKeyDictionary[RolePolicies, bool] = weakref.WeakKeyDictionary()
_READS_CONTEXT: weakref.WeakKeyDictionary[RolePolicies, bool] = weakref.WeakKeyDictionary()


def caller_reads_context(rp: RolePolicies) -> bool:
    """Whether the role's identity policies, boundary or SCPs read the KMS encryption
    context (`kms:EncryptionContext:aws:s3:arn` names the bucket or object asked about)."""
    found = _READS_CONTEXT.get(rp)
    if found is None:
        pp = rp.principal
        docs = [p.raw for p in pp.identity]
        if pp.boundary is not None:
            docs.append(pp.boundary.raw)
        docs.extend(p.raw for level in pp.scps or () for p in level)
        text = json.dumps(docs, default=str).lower()
        found = _READS_CONTEXT[rp] = ("kms:encryptioncontext" in text
                                      or "kms:encryptioncontextkeys" in text)
    return found


_ROLE_KMS: weakref.WeakKeyDictionary[RolePolicies, tuple[tuple[object, int], ...]] = (
    weakref.WeakKeyDictionary())

#: The KMS operations S3 asks for on a caller's behalf (gates/kms.py).
KMS_OPERATIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def _kms_statements(rp: RolePolicies) -> tuple[tuple[object, int], ...]:
    """The role's identity statements whose Action (or NotAction) speaks of an operation S3
    asks KMS for: the engine's answer on the key, its reasons and its evidence read no other
    statement of the role's own policies, so roles whose policies differ only in S3 (or any
    other service's) statements share the key's answers."""
    found = _ROLE_KMS.get(rp)
    if found is None:
        found = _ROLE_KMS[rp] = tuple(
            (cp.key, st.index) for cp in rp.identity for st in cp.policy.statements
            if any(st.matches_action(op) for op in KMS_OPERATIONS))
    return found


def _role_reads_principal(rp: RolePolicies) -> bool:
    found = _ROLE_READS.get(rp)
    if found is None:
        docs = [cp.policy.raw for cp in rp.identity]
        if rp.boundary is not None:
            docs.append(rp.boundary.policy.raw)
        found = _ROLE_READS[rp] = _reads_principal(json.dumps(docs, default=str).lower())
    return found


#: Parsed key policies per book and key ARN (a key serves many buckets).
_PARSED: weakref.WeakKeyDictionary[PolicyBook, dict[str, Policy | None]] = (
    weakref.WeakKeyDictionary())


def _parsed(book: PolicyBook, arn: str, document: object, label: str) -> Policy | None:
    cache = _PARSED.setdefault(book, {})
    if arn not in cache:
        try:
            cache[arn] = parse_policy(document, name=f"key policy of key {label}",
                                      kind=PolicyKind.RESOURCE)
        except PolicyParseError:
            cache[arn] = None
    return cache[arn]


def _reads_context(key: KmsKey | None, policy: object) -> bool:
    text = json.dumps(policy).lower() if policy is not None else ""
    grants = any(g.constraints for g in key.grants) if key is not None else False
    return grants or "encryptioncontext" in text


def kms_facts(bucket: Bucket, book: PolicyBook) -> KmsFacts | None:
    """The bucket's SSE-KMS key, or None when its default encryption is not SSE-KMS (or
    was not read at all: an older snapshot, named in the load warnings)."""
    enc = bucket.encryption
    snapshot = book.owner  # the bucket's account (another's in an organisation's analysis)
    account = snapshot.account_id
    region = bucket.region
    if enc is None:
        if UNKNOWN_ENCRYPTION not in bucket.unknown:
            return None
        why = "the bucket's default encryption could not be read (GetBucketEncryption)"
        return KmsFacts("", region, False, "", None, None, False, (why,),
                        ("unread encryption",))
    ref = enc.key_ref
    if ref is None:
        return None
    kms = snapshot.kms_of(region)
    key = kms.resolve(ref) if kms is not None else None
    arn_account = ref.split(":")[4] if ref.startswith("arn:") else account
    if key is not None:
        label = key.key_id + (f" ({key.aliases[0]})" if key.aliases else "")
        if key.policy is None and key.aws_managed:
            policy = _parsed(book, key.arn, aws_managed_s3_policy(key.account_id, region),
                             label)
        else:
            policy = (_parsed(book, key.arn, key.policy, label)
                      if key.policy is not None else None)
        unread = tuple(str(u) for u in key.unread if not (key.aws_managed
                                                          and "grant" not in u.fact))
        if key.policy is not None and policy is None:
            unread += (f"the key policy of key {label} could not be parsed",)
        context = _reads_context(key, key.policy)
        value = (key.arn, enc.bucket_key_enabled, bucket.arn if context else None, unread)
        text = json.dumps(policy.raw if policy is not None else None).lower()
        return KmsFacts(ref, region, enc.bucket_key_enabled, key.arn, key, policy,
                        key.aws_managed or ref.endswith(AWS_S3_ALIAS), unread, value, text,
                        frozenset(g.grantee_principal for g in key.grants), bucket.arn)
    if ref == AWS_S3_ALIAS or ref.endswith(":" + AWS_S3_ALIAS):
        # AWS creates aws/s3 on first use, with a policy no one can change: known unread.
        arn = f"arn:{snapshot.account.partition}:kms:{region}:{account}:{AWS_S3_ALIAS}"
        policy = _parsed(book, arn, aws_managed_s3_policy(account, region), AWS_S3_ALIAS)
        return KmsFacts(ref, region, enc.bucket_key_enabled, arn, None, policy, True, (),
                        (arn, enc.bucket_key_enabled, None, ()),
                        json.dumps(policy.raw if policy is not None else None).lower(),
                        bucket_arn=bucket.arn)
    if arn_account != account:
        why = (f"the key {ref} is in account {arn_account}: its key policy and grants were "
               "not read")
    elif kms is None:
        why = f"the KMS keys of {region} were not read"
        if snapshot.kms is not None:
            why = f"the KMS keys of {region} were not read ({region} was not loaded)"
    else:
        why = f"the key {ref} was not found among the KMS keys read in {region}"
        if kms.unread:
            why = f"the key {ref} could not be read: {'; '.join(str(u) for u in kms.unread)}"
    return KmsFacts(ref, region, enc.bucket_key_enabled, ref, None, None, False, (why,),
                    (ref, enc.bucket_key_enabled, None, (why,)))

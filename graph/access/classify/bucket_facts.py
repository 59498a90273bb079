"""What a bucket's own policy and ACL can grant, and to whom.

Buckets whose policy and ACL read the same once their own name is blanked out share a
*shape*: for a role that names none of them specifically, they all get the same answer,
decided once.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from graph.access.classify.kms_facts import KmsFacts, kms_facts, kms_masks
from graph.access.compile.acl import effective_block
from graph.access.compile.actions import action_mask
from graph.access.compile.index import BucketIndex
from graph.access.compile.policies import BucketPolicies, PolicyBook, RolePolicies
from graph.access.compile.statements import (
    INSTANCE_KEYS,
    NETWORK_KEYS,
    StatementFacts,
    raw_statements,
)
from graph.model import UNKNOWN_ACL, UNKNOWN_OWNERSHIP, Bucket
from graph.model_s3 import OWNERSHIP_ENFORCED


@dataclass(frozen=True)
class BucketFacts:
    """What a bucket's own policy and ACL can grant, and to whom."""

    bucket: Bucket
    policies: BucketPolicies
    #: What every role not named in the bucket's policy sees of it, with the bucket's name
    #: blanked: the statements that apply to all of them (Principal "*", the account,
    #: NotPrincipal) at their positions, the ACL, an unreadable policy. None = plain (no
    #: statement applies to such a role): buckets of one shape share those roles' answers.
    shape: object
    #: The whole policy + ACL + unknowns, name blanked: what a role the policy names sees.
    full_shape: object
    #: ARNs of this account the policy names (Principal or NotPrincipal): for these roles
    #: the bucket is one of a kind (decided on its own, under `full_shape` and the role).
    named_roles: frozenset[str]
    #: Actions granted to anyone (Principal "*", NotPrincipal, public ACL groups).
    anyone_actions: frozenset[str]
    #: Actions granted to specific AWS principals (ARN or account), by principal string.
    named_actions: dict[str, frozenset[str]]
    key_parts: frozenset[str]
    #: True when a statement applying to every role reads who asks (principal keys,
    #: policy variables): the answer then depends on the role.
    principal_specific: bool
    instance_keys: frozenset[str]
    policy_unreadable: bool
    #: Network-path keys its policy reads (aws:SourceVpce...): see decide/network.py.
    network_keys: frozenset[str] = frozenset()
    #: Actions named by statements that apply to every role of the account (Allow or Deny);
    #: for other actions the bucket's policy and ACL cannot change the answer of a role the
    #: policy does not name.
    role_actions: frozenset[str] = frozenset()
    #: `role_actions` as a bitmask (compile/actions.py).
    role_mask: int = 0
    #: The action bitmask of each statement of the bucket's policy and ACL.
    statement_masks: tuple[int, ...] = ()
    #: (actions, object-key part) of each Allow statement's pattern naming a part of this
    #: bucket's keys: the prefixes probed for those actions.
    allow_parts: tuple[tuple[int, str], ...] = ()

    #: The statements applying to every role, each as (actions, position, blanked text),
    #: and the rest of `shape` (policy version, ACL, unreadable): see `class_shape`.
    general_statements: tuple[tuple[int, int, str], ...] = ()
    shape_rest: tuple[object, ...] = ()
    #: The ACL's grants with the bucket's name blanked (None without an ACL of grants).
    acl_text: str | None = None
    #: The SSE-KMS key of the bucket's default encryption (None: not SSE-KMS).
    kms: KmsFacts | None = None
    #: Action masks the gates need apart (the KMS gate's: reads and writes use the key
    #: differently): classify/classes.py splits action classes by them too.
    gate_masks: tuple[int, ...] = ()

    def gate_key(self, bit: int, rp: RolePolicies) -> object:
        """What the gates beyond the policies make an action class's answer depend on (the
        class's bit) for a role: None when no gate does. For the KMS gate's actions, the
        key's value and what of the role the key reads (kms_facts.py)."""
        needs = tuple(bool(m & bit) for m in self.gate_masks)
        if self.kms is None or not any(needs):
            return None
        return self.kms.value, self.kms.role_signature(rp), needs

    def gate_who(self, rp: RolePolicies) -> object:
        """`gate_key` for every class of a bucket at once (None: no gate depends on the
        role)."""
        return None if self.kms is None else self.kms.role_signature(rp)

    @property
    def acl_masks(self) -> tuple[int, ...]:
        """`statement_masks` of the ACL's statements (they follow the policy's)."""
        acl = self.policies.acl
        if acl is None:
            return ()
        return self.statement_masks[len(self.statement_masks) - len(acl.facts):]

    def class_shape(self, bit: int) -> object:
        """`shape` as one action class sees it (its bit): only the statements naming it can
        decide it, so buckets whose policies differ elsewhere share its answer."""
        # The ACL counts only for the actions its grants name: for the others the engine's
        # answer on it is an implicit deny, which never changes the policy's answer.
        acl = self.acl_text if any(m & bit for m in self.acl_masks) else None
        return self.shape_rest, acl, tuple((n, text) for mask, n, text
                                           in self.general_statements if mask & bit)

    def shape_for(self, role_arn: str) -> object:
        """The bucket as the role sees it (see `shape` and `full_shape`)."""
        return self.full_shape if role_arn in self.named_roles else self.shape

    #: `allow_parts` of the statements that apply to every role of the account, and of
    #: those naming a role (by its ARN).
    general_parts: tuple[tuple[int, str], ...] = ()
    named_parts: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    def parts_for(self, bit: int) -> frozenset[str]:
        """The object-key parts the bucket's Allow statements name for an action (its bit)."""
        return frozenset(part for mask, part in self.allow_parts if mask & bit)

    def role_parts_for(self, bit: int, role_arn: str) -> frozenset[str]:
        """The parts named for an action by the Allow statements that apply to the role."""
        found = [part for mask, part in self.general_parts if mask & bit]
        for mask, part in self.named_parts.get(role_arn, ()):
            if mask & bit:
                found.append(part)
        return frozenset(found) if found else _NO_PARTS


#: The empty part set, shared (most classes have no parts; their keys hold this one).
_NO_PARTS: frozenset[str] = frozenset()


#: Stands for the account's role and user ARNs a general statement lists (see below).
_OTHER_PRINCIPALS = "\x00other principals of the account"


def _others_blanked(statement: object, acct: str) -> object:
    """A general statement as every role it does not name sees it: the role and user ARNs
    of the account in its Principal or NotPrincipal replaced by one placeholder.

    A role those ARNs name is one of the bucket's `named_roles` and sees the whole policy
    (`full_shape`); any other role is matched by none of them (the engine compares
    principal ARNs exactly), so which ones are listed cannot change its answer. Blanked,
    "deny writes except by role X" is one shape for all the buckets that say it of their own
    X. Session ARNs, the root and other accounts stay as written.
    """
    if not isinstance(statement, dict):
        return statement
    out = dict(statement)
    for key in ("Principal", "NotPrincipal"):
        value = out.get(key)
        if not isinstance(value, dict) or "AWS" not in value:
            continue
        aws = value["AWS"]
        listed = [aws] if isinstance(aws, str) else aws
        if not isinstance(listed, list):
            continue
        local = (f"arn:aws:iam::{acct}:role/", f"arn:aws:iam::{acct}:user/")
        kept = [p for p in listed if not (isinstance(p, str) and p.startswith(local))]
        if len(kept) < len(listed):
            out[key] = {**value, "AWS": [*kept, _OTHER_PRINCIPALS]}
    return out


def _blank(document: object, bucket: Bucket) -> str:
    """The document's JSON with the bucket's own ARN (before a `/` or the closing quote)
    blanked. String replaces, not a regex per bucket: compiling one each took half of the
    bucket facts' time on 5,000 buckets."""
    text = json.dumps(document, sort_keys=True)
    arn = bucket.arn
    if arn not in text:
        return text
    blank = "arn:aws:s3:::\x00"
    return text.replace(arn + "/", blank + "/").replace(arn + '"', blank + '"')


def _applies(f: StatementFacts, acct: str) -> tuple[bool, set[str]]:
    """Whether a bucket-policy statement can apply to every role of the account (Principal
    "*", the account, or NotPrincipal), and the role-like ARNs of the account it names.

    The engine matches a Principal ARN exactly, so a statement naming other ARNs never
    applies to a role not named; one naming the account applies to all of them.
    """
    named = {p for p in f.aws_principals if p != "*" and f":{acct}:" in p
             and not p.endswith(":root")}
    general = f.not_principal or any(p == "*" or p == acct or p == f"arn:aws:iam::{acct}:root"
                                     or (p.endswith(":root") and f":{acct}:" in p)
                                     for p in f.aws_principals)
    return general, named


def bucket_facts(bucket: Bucket, book: PolicyBook, index: BucketIndex) -> BucketFacts:
    bp = book.bucket(bucket)
    enforced = bucket.object_ownership == OWNERSHIP_ENFORCED
    if enforced and (bp.acl is not None or bp.public_acl is not None):
        # Object Ownership BucketOwnerEnforced disables ACLs: no ACL grant counts.
        bp = dataclasses.replace(bp, acl=None, public_acl=None)
    kms = kms_facts(bucket, book)
    anyone: set[str] = set()
    named: dict[str, set[str]] = {}
    key_parts: set[str] = set()
    specific = False
    keys_read: set[str] = set()
    role_actions: set[str] = set()
    masks: list[int] = []
    allow_parts: list[tuple[int, str]] = []
    general_part: list[tuple[int, str]] = []
    general_statements: list[tuple[int, int, str]] = []
    general_parts: list[tuple[int, str]] = []
    named_parts: dict[str, list[tuple[int, str]]] = {}
    named_roles: set[str] = set()
    acct = book.snapshot.account_id
    for cp in (bp.policy, bp.acl):
        if cp is None:
            continue
        raw = list(raw_statements(cp.policy.raw)) if cp is bp.policy else []
        for n, f in enumerate(cp.facts):
            masks.append(action_mask(f.s3_actions))
            keys_read |= f.condition_keys
            general, names = _applies(f, acct)
            named_roles |= names
            if general:
                role_actions |= f.s3_actions
                specific = specific or f.principal_sensitive
                if raw:
                    general_part.append((n, _blank(_others_blanked(raw[n], acct), bucket)))
                    general_statements.append((masks[-1], n, general_part[-1][1]))
            if f.effect != "Allow":
                continue
            for r in f.resources:
                scope = index.scope(r)
                concerns = bucket.name in scope.buckets or scope.universal
                if concerns and scope.key_part not in ("", "*") and not f.not_resource:
                    key_parts.add(scope.key_part)
                    allow_parts.append((masks[-1], scope.key_part))
                    if general:
                        general_parts.append((masks[-1], scope.key_part))
                    for arn in names:
                        named_parts.setdefault(arn, []).append((masks[-1], scope.key_part))
            if f.not_principal or "*" in f.aws_principals:
                anyone |= f.s3_actions
                continue
            for p in f.aws_principals:
                named.setdefault(p, set()).update(f.s3_actions)
    unreadable = book.policy_unreadable(bucket)
    if unreadable and enforced and not (bucket.policy_unknown or (
            bucket.policy is not None and bp.policy is None)):
        unreadable = False  # only the ACL is unread, and ACLs are disabled
    parts: list[object] = []
    general_shape: list[object] = []
    rest: list[object] = []
    acl_text: str | None = None
    if bucket.policy is not None:
        parts.append(_blank(bucket.policy, bucket))
        if general_part:
            version = bucket.policy.get("Version") if isinstance(bucket.policy, dict) else None
            general_shape.append((version, tuple(general_part)))
            rest.append(version)
    if bp.acl is not None:
        parts.append(_blank(bp.acl.policy.raw, bucket))
        general_shape.append(parts[-1])
        acl_text = parts[-1]
    if unreadable:
        # Which document could not be read changes the answers (the gates' `unread`, decide/gates/).
        unread = ("unreadable",
                  bucket.policy_unknown or (bucket.policy is not None and bp.policy is None),
                  UNKNOWN_ACL in bucket.unknown and not enforced)
        parts.append(unread)
        general_shape.append(unread)
        rest.append(unread)
    # The gates beyond the policies: buckets alike share answers only with the same key (and
    # an ACL counts only under the same Object Ownership, gates/ownership.py).
    gates: list[object] = []
    if kms is not None:
        gates.append(("kms", kms.value))
    if bp.acl is not None and UNKNOWN_OWNERSHIP in bucket.unknown:
        gates.append(("ownership unread",))
    if book.owner.account_id != acct:
        # Another account's roles ask (an organisation's view): RestrictPublicBuckets binds
        # them too (gates/block_public.py).
        bpa, bpa_unknown = effective_block(bucket, book.owner.account)
        gates.append(("restrict public", bpa.restrict_public_buckets, bpa_unknown))
    for gate in gates:
        parts.append(gate)
        general_shape.append(gate)
        rest.append(gate)
    return BucketFacts(
        bucket=bucket,
        policies=bp,
        shape=tuple(general_shape) if general_shape else None,
        full_shape=tuple(parts) if parts else None,
        named_roles=frozenset(named_roles),
        anyone_actions=frozenset(anyone),
        named_actions={k: frozenset(v) for k, v in named.items()},
        key_parts=frozenset(key_parts),
        principal_specific=specific,
        instance_keys=frozenset(keys_read & INSTANCE_KEYS),
        network_keys=frozenset(keys_read & NETWORK_KEYS),
        policy_unreadable=unreadable,
        role_actions=frozenset(role_actions),
        role_mask=action_mask(frozenset(role_actions)),
        statement_masks=tuple(masks),
        allow_parts=tuple(allow_parts),
        general_parts=tuple(general_parts),
        general_statements=tuple(general_statements),
        shape_rest=tuple(rest),
        acl_text=acl_text,
        kms=kms,
        gate_masks=kms_masks() if kms is not None else (),
        named_parts={k: tuple(v) for k, v in named_parts.items()},
    )

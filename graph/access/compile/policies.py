"""Every policy of a snapshot parsed once, and what each principal and bucket is governed by.

A managed policy attached to a thousand roles is parsed once and shared, so the engine's
per-action statement cache is shared too. A policy that fails to parse is left out with a
warning naming it (the rest of the account is still analysed); a policy that is referenced
but was not loaded makes the affected answers "unknown", never "no".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.access.compile.acl import acl_document, effective_block
from graph.access.compile.statements import StatementFacts, document_facts
from graph.errors import PolicyParseError
from graph.model import UNKNOWN_ACL, AccountSnapshot, Bucket, ForeignAccount, LoadWarning, Role
from graph.model_org import IN_ORGANIZATION, ORGANIZATION_UNREAD, RCP
from graph.model_users import inline_name
from graph.policy import Policy, PolicyKind, PrincipalPolicies, parse_policy
from graph.policy.limits import refusal

#: What makes two compiled policies interchangeable: name (quoted in evidence), kind, JSON text.
InternKey = tuple[str, PolicyKind, str]


def document_key(document: Any, name: str, kind: PolicyKind) -> InternKey | None:
    """A compiled policy's identity by value; None for documents that are not plain JSON."""
    try:
        text = document if isinstance(document, str) else json.dumps(document)
    except (TypeError, ValueError):
        return None
    return (name, kind, text)


_RCPS_UNREAD = ("the organisation's resource control policies could not be read (they may "
                "deny this; give them with --org-policies)")

#: Names of a bucket's own policies in evidence ("bucket policy, statement 0").
BUCKET_POLICY = "bucket policy"
BUCKET_ACL = "bucket ACL"
BUCKET_PUBLIC_ACL = "bucket ACL (public grants)"

@dataclass(frozen=True, eq=False)
class CompiledPolicy:
    """A parsed policy with its pre-selection facts (statement order matches)."""

    policy: Policy
    facts: tuple[StatementFacts, ...]
    #: Its number in the PolicyBook: what caches of decisions use to name it (a value that
    #: stays unique for the book's life, unlike an object id).
    key: int = 0

    @property
    def name(self) -> str:
        return self.policy.name


@dataclass(frozen=True, eq=False)
class RolePolicies:
    """One role's identity policies, boundary and SCPs, ready for the engine."""

    role: Role
    identity: tuple[CompiledPolicy, ...]
    boundary: CompiledPolicy | None
    principal: PrincipalPolicies
    #: Why answers for this role can only be "unknown" when they would grant (missing data).
    missing: tuple[str, ...]
    #: An identity policy (inline or attached) could not be read: it may grant any action, so
    #: what the readable ones leave ungranted is unknown too, not "denied".
    identity_unread: bool = False


@dataclass(frozen=True, eq=False)
class BucketPolicies:
    """A bucket's policy and its ACL (as a resource policy the engine can decide)."""

    bucket: Bucket
    policy: CompiledPolicy | None
    #: ACL grants that reach principals other than the owner, public groups included.
    acl: CompiledPolicy | None
    #: Only the public-group grants (AllUsers/AuthenticatedUsers), for the anonymous caller.
    public_acl: CompiledPolicy | None
    #: The bucket account's resource control policies per organisation level, root first
    #: (PolicyBook.rcps); None when none apply.
    rcps: tuple[tuple[CompiledPolicy, ...], ...] | None = None
    #: Why the RCPs that may apply could not be read (None: read, or none apply).
    rcps_unread: str | None = None


class PolicyBook:
    """Parses on first use and remembers; collects warnings for documents that fail."""

    def __init__(self, snapshot: AccountSnapshot, earlier: PolicyBook | None = None,
                 owner: ForeignAccount | None = None) -> None:
        self.snapshot = snapshot
        #: The buckets' account: the snapshot's own, or another's (see ForeignAccount).
        self.owner = owner if owner is not None else snapshot.as_owner
        #: Another snapshot's book (reach/reuse.py) whose compiled policies are taken as they
        #: are where the document is the same.
        self.earlier = earlier
        self._interned: dict[InternKey, CompiledPolicy] | None = None
        self.warnings: list[LoadWarning] = []
        #: Keys of this book's compiled policies continue the book it reuses policies from:
        #: caches shared with it name policies by key, and two policies must never share one.
        self._count = earlier._count if earlier is not None else 0
        self._managed: dict[tuple[str, PolicyKind], CompiledPolicy | None] = {}
        self._roles: dict[str, RolePolicies] = {}
        self._group_inline: dict[InternKey, CompiledPolicy | None] = {}
        self._buckets: dict[str, BucketPolicies] = {}
        #: Statement facts by (CompiledPolicy.key, position), filled as roles are studied.
        self.statement_facts: dict[tuple[int, int], StatementFacts] = {}
        #: The same statements' S3 actions as bitmasks (actions.py).
        self.statement_masks: dict[tuple[int, int], int] = {}
        #: Per (CompiledPolicy.key, grants?) the facts.PolicyPart (shared between roles).
        self.parts: dict[tuple[int, bool], Any] = {}
        self.scps = self._compile_scps()
        #: The account's RCP levels as the bucket's side of every request (see `_compile_rcps`).
        self.rcps, self.rcps_unread = self._compile_rcps()

    def compile(self, document: Any, name: str, kind: PolicyKind,
                subject: str | None = None) -> CompiledPolicy | None:
        """Parse once; a malformed document becomes a warning about `subject` (default: the
        policy's name)."""
        if self.earlier is not None:
            key = document_key(document, name, kind)
            found = self.earlier.interned.get(key) if key is not None else None
            if found is not None:
                return found
        try:
            policy = parse_policy(document, name=name, kind=kind)
        except PolicyParseError as exc:
            if refusal(document) is None:  # a refusal was a load warning where it entered
                self.warnings.append(LoadWarning("policy", subject or name, str(exc)))
            return None
        self._count += 1
        return CompiledPolicy(policy, document_facts(policy.raw), self._count)

    @property
    def interned(self) -> Mapping[InternKey, CompiledPolicy]:
        """This book's compiled policies by document (built on first use), for a later book
        of the same account to take instead of compiling again."""
        if self._interned is None:
            found: dict[InternKey, CompiledPolicy] = {}
            compiled: list[CompiledPolicy | None] = list(self._managed.values())
            for rp in self._roles.values():
                compiled.extend(rp.identity)
                compiled.append(rp.boundary)
            for bp in self._buckets.values():
                compiled.extend((bp.policy, bp.acl, bp.public_acl))
            for level in (*(self.scps or ()), *(self.rcps or ())):
                compiled.extend(level)
            for cp in compiled:
                if cp is not None:
                    key = document_key(cp.policy.raw, cp.policy.name, cp.policy.kind)
                    if key is not None:
                        found.setdefault(key, cp)
            self._interned = found
        return self._interned

    def _inline(self, document: Any, name: str) -> CompiledPolicy | None:
        """An inline policy compiled; a group's (named "group NAME/POLICY", shared by every
        member) once per book, as a managed policy is: one compiled object, so a second book
        that reuses this one's (reuse.py) finds the same key for every member."""
        if not name.startswith("group "):
            return self.compile(document, name, PolicyKind.IDENTITY)
        key = document_key(document, name, PolicyKind.IDENTITY)
        if key is None:
            return self.compile(document, name, PolicyKind.IDENTITY)
        if key not in self._group_inline:
            self._group_inline[key] = self.compile(document, name, PolicyKind.IDENTITY)
        return self._group_inline[key]

    def managed(self, arn: str, kind: PolicyKind) -> CompiledPolicy | None:
        key = (arn, kind)
        if key not in self._managed:
            mp = self.snapshot.policy_by_arn.get(arn)
            self._managed[key] = (
                None if mp is None else self.compile(mp.document, mp.name, kind)
            )
        return self._managed[key]

    def _compile_rcps(self) -> tuple[tuple[tuple[CompiledPolicy, ...], ...] | None, str | None]:
        """The resource control policies on the account's organisation path, root first.

        None when none apply: the account is in no organisation, is its management account
        (RCPs do not apply to its resources), or no level has an RCP (the policy type is not
        enabled). When the account is a member and the path's policies could not all be read,
        the reason: granted answers are then unknown, never a silent "allowed".
        """
        org = self.owner.organization
        acct = self.owner.account_id
        if org is None or org.status != IN_ORGANIZATION or org.is_management_account(acct):
            if org is not None and org.status == ORGANIZATION_UNREAD:
                return None, _RCPS_UNREAD
            return None, None
        if not org.path or org.unread or any(
                t.unread or any(p.unread or p.document is None for p in t.rcps)
                for t in org.path):
            return None, _RCPS_UNREAD
        levels: list[tuple[CompiledPolicy, ...]] = []
        for level in org.levels(RCP):
            compiled = [self.compile(p.document, p.name, PolicyKind.RCP, subject=f"RCP {p.name}")
                        for p in level]
            if any(c is None for c in compiled):
                return None, _RCPS_UNREAD
            levels.append(tuple(c for c in compiled if c is not None))
        if not any(levels):
            return None, None
        return tuple(levels), None

    def _compile_scps(self) -> tuple[tuple[CompiledPolicy, ...], ...] | None:
        if self.snapshot.scps is None:
            return None
        levels: list[tuple[CompiledPolicy, ...]] = []
        for level in self.snapshot.scps:
            compiled = (self.compile(s.document, s.name, PolicyKind.SCP,
                                         subject=f"SCP {s.name}") for s in level)
            levels.append(tuple(c for c in compiled if c is not None))
        return tuple(levels)

    def role(self, role: Role) -> RolePolicies:
        found = self._roles.get(role.arn)
        if found is not None:
            return found
        missing: list[str] = []
        identity: list[CompiledPolicy] = []
        for inline in role.inline_policies:
            compiled = self._inline(inline.document, inline_name(role.name, inline.name))
            if compiled is not None:
                identity.append(compiled)
            else:  # its grants are unknown, not absent
                missing.append(unread(f"inline policy {inline.name}", inline.document))
        for arn in role.attached_policy_arns:
            compiled = self.managed(arn, PolicyKind.IDENTITY)
            if compiled is None:
                mp = self.snapshot.policy_by_arn.get(arn)
                missing.append(unread(f"attached policy {arn}", mp.document if mp else None))
            else:
                identity.append(compiled)
        identity_unread = bool(missing)
        boundary = None
        if role.permissions_boundary_arn:
            boundary = self.managed(role.permissions_boundary_arn, PolicyKind.BOUNDARY)
            if boundary is None:
                mp = self.snapshot.policy_by_arn.get(role.permissions_boundary_arn)
                missing.append(unread(f"permissions boundary {role.permissions_boundary_arn}",
                                      mp.document if mp else None))
        scps = None
        if self.scps is not None:
            scps = tuple(tuple(c.policy for c in level) for level in self.scps)
        principal = PrincipalPolicies(
            identity=tuple(c.policy for c in identity),
            boundary=boundary.policy if boundary else None,
            scps=scps,
        )
        result = RolePolicies(role, tuple(identity), boundary, principal, tuple(missing),
                              identity_unread)
        self._roles[role.arn] = result
        return result

    def bucket(self, bucket: Bucket) -> BucketPolicies:
        found = self._buckets.get(bucket.name)
        if found is not None:
            return found
        policy = None
        if bucket.policy is not None:
            # Named without the bucket: buckets of one shape share answers, and the evidence
            # must read true for each of them (AccessGraph.own_evidence finds each bucket's
            # own statement by this name and index).
            policy = self.compile(bucket.policy, BUCKET_POLICY, PolicyKind.RESOURCE,
                                  subject=bucket.name)
            if policy is None:
                self.warnings.append(LoadWarning(
                    "policy", bucket.name, "bucket policy unreadable: its answers are unknown"))
        bpa, _ = effective_block(bucket, self.owner.account)
        ignore = bpa.ignore_public_acls
        acl_doc = acl_document(bucket, public_only=False, ignore_public=ignore)
        public_doc = acl_document(bucket, public_only=True, ignore_public=ignore)
        acl = self.compile(acl_doc, BUCKET_ACL, PolicyKind.RESOURCE, subject=bucket.name) \
            if acl_doc else None
        public_acl = self.compile(public_doc, BUCKET_PUBLIC_ACL, PolicyKind.RESOURCE,
                                  subject=bucket.name) if public_doc else None
        result = BucketPolicies(bucket, policy, acl, public_acl, self.rcps, self.rcps_unread)
        self._buckets[bucket.name] = result
        return result

    def policy_unreadable(self, bucket: Bucket) -> bool:
        """True when the bucket's policy is unknown or present but unparseable, or its ACL
        is unknown: either may grant what no other statement does (the gates in
        decide/gates/ say which)."""
        return bucket.policy_unknown or UNKNOWN_ACL in bucket.unknown or (
            bucket.policy is not None and self.bucket(bucket).policy is None
        )


def unread(what: str, document: Any) -> str:
    """Why a policy's answers are unknown: refused for its size where it entered, or unread."""
    if refusal(document) is not None:
        return f"{what} is over AWS's size limit (not analysed)"
    return f"{what} could not be read"

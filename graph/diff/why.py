"""Why an answer changed: the facts along its path that differ between the two snapshots.

A row's path is instance → instance profile → role (→ roles it assumes) → bucket, under the
account's settings. Each fact on it is compared: the profile association, the profile's
roles, each role's trust policy, inline and attached policies (a managed policy's default
version, and which statements differ), permissions boundary and tags, the bucket's policy,
Block Public Access, ACL and what could not be read, the account's Block Public Access and
SCPs. Each part is compared once and reused by every row that passes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from graph.diff.documents import StatementChange, document_changes, statement_text
from graph.diff.model import Fact
from graph.model import AccountSnapshot, BlockPublicAccess, ManagedPolicy, Role

_BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

# Kinds of fact (the `kind` of a cause in the diff's JSON).
STATEMENT_ADDED = "statement-added"
STATEMENT_CHANGED = "statement-changed"
STATEMENT_REMOVED = "statement-removed"
POLICY_ATTACHED = "policy-attached"
POLICY_DETACHED = "policy-detached"
DEFAULT_VERSION = "default-version"
DOCUMENT = "document-changed"
BOUNDARY = "boundary-changed"
ROLE_TAGS = "role-tags"
ROLE_CREATED = "role-created"
ROLE_DELETED = "role-deleted"
PROFILE_ASSOCIATION = "profile-association"
PROFILE_ROLES = "profile-roles"
PROFILE_CREATED = "profile-created"
PROFILE_DELETED = "profile-deleted"
INSTANCE_LAUNCHED = "instance-launched"
INSTANCE_TERMINATED = "instance-terminated"
INSTANCE_STATE = "instance-state"
BUCKET_CREATED = "bucket-created"
BUCKET_DELETED = "bucket-deleted"
BUCKET_POLICY_ADDED = "bucket-policy-added"
BUCKET_POLICY_REMOVED = "bucket-policy-removed"
ACL_GRANT_ADDED = "acl-grant-added"
ACL_GRANT_REMOVED = "acl-grant-removed"
BLOCK_PUBLIC_ACCESS = "block-public-access"
SCP = "scp-changed"
UNREADABLE = "unreadable"

_STATEMENT_KINDS = {"added": STATEMENT_ADDED, "changed": STATEMENT_CHANGED,
                    "removed": STATEMENT_REMOVED, "document": DOCUMENT}

Facts = list[Fact]


def _short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "none"


def _document(what: str, scope: str, old: Any, new: Any, bucket: str | None = None) -> Facts:
    """One fact per statement that differs (and can concern the bucket, when one is named)."""
    if old == new:
        return []
    return [_statement_fact(what, scope, c) for c in document_changes(old, new)
            if c.change == "document" or c.concerns(bucket)]


def _statement_fact(what: str, scope: str, change: StatementChange) -> Fact:
    kind = _STATEMENT_KINDS[change.change]
    texts = [statement_text(s) for s in change.statements]
    before = texts[0] if change.change in ("removed", "changed") else ""
    after = texts[-1] if change.change in ("added", "changed") else ""
    allows = any(isinstance(s, dict) and s.get("Effect") == "Allow" for s in change.statements)
    return Fact(f"{kind}:{scope}:{change.key}", kind, f"{what}: {change.label}",
                before=before, after=after, allows=allows)


def bpa_change(what: str, old: BlockPublicAccess | None, new: BlockPublicAccess | None
               ) -> list[str]:
    """"bucket b: Block Public Access turned off (BlockPublicPolicy, ...)" and the like."""
    before = old.to_api() if old else dict.fromkeys(_BPA_FLAGS, False)
    after = new.to_api() if new else dict.fromkeys(_BPA_FLAGS, False)
    off = [k for k in _BPA_FLAGS if before[k] and not after[k]]
    on = [k for k in _BPA_FLAGS if after[k] and not before[k]]
    out = []
    if off:
        gone = " (configuration removed)" if new is None else ""
        out.append(f"{what}: Block Public Access turned off ({', '.join(off)}){gone}")
    if on:
        out.append(f"{what}: Block Public Access turned on ({', '.join(on)})")
    return out


def _bpa_fact(what: str, scope: str, old: BlockPublicAccess | None,
              new: BlockPublicAccess | None) -> Facts:
    """One fact for a Block Public Access configuration, whichever flags moved."""
    lines = bpa_change(what, old, new)
    if not lines:
        return []
    return [Fact(f"{BLOCK_PUBLIC_ACCESS}:{scope}", BLOCK_PUBLIC_ACCESS, lines[0],
                 tuple(lines[1:]))]


class PathFacts:
    """Compares the two snapshots' facts part by part (each part once)."""

    def __init__(self, old: AccountSnapshot, new: AccountSnapshot) -> None:
        self.old = old
        self.new = new
        self.instance = cache(self._instance)
        self.profile = cache(self._profile)
        self.role = cache(self._role)
        self.managed = cache(self._managed)
        self.bucket = cache(self._bucket)
        self.account = cache(self._account)
        self._rest = cache(self._path)
        self._head = cache(self._subject)
        #: Every fact `why` has named, by id.
        self.named: dict[str, Fact] = {}

    def why(self, instance_id: str, roles: Iterable[str], bucket: str) -> tuple[Fact, ...]:
        """Every differing fact on the path of one row (instance "" for principal rows).

        Statements of the roles' policies count only when they can concern the bucket; when
        nothing that does differs, every differing statement is listed instead. An instance
        or bucket that exists on one side only explains the row alone."""
        roles = tuple(roles)
        found = tuple(f for f in (*self._head(instance_id), *self.bucket(bucket))
                      if f.kind in _ALONE)
        if not found:
            found = self._why(instance_id, roles, bucket, bucket) or self._why(
                instance_id, roles, bucket, None)
        for fact in found:
            self.named.setdefault(fact.id, fact)
        return found

    def everything(self) -> tuple[Fact, ...]:
        """Every fact that differs in the account, whether or not it changes any access."""
        old, new = self.old, self.new
        out: list[Fact] = []
        for iid in dict.fromkeys([*new.instance_by_id, *old.instance_by_id]):
            out.extend(self.instance(iid))
        for arn in dict.fromkeys([*new.profile_by_arn, *old.profile_by_arn]):
            out.extend(self.profile(arn))
        for arn in dict.fromkeys([*new.role_by_arn, *old.role_by_arn]):
            out.extend(self.role(arn, None))
        for arn in dict.fromkeys([*new.policy_by_arn, *old.policy_by_arn]):
            out.extend(self.managed(arn, None))
        for name in dict.fromkeys([*new.bucket_by_name, *old.bucket_by_name]):
            out.extend(self.bucket(name))
        out.extend(self.account())
        return tuple(dict.fromkeys(out))

    def _why(self, instance_id: str, roles: tuple[str, ...], bucket: str,
             concerning: str | None) -> tuple[Fact, ...]:
        head = self._head(instance_id)
        rest = self._rest(roles, bucket, concerning)
        return tuple(dict.fromkeys(head + rest)) if head and rest else head or rest

    def _subject(self, instance_id: str) -> tuple[Fact, ...]:
        """The instance's part: itself and its profiles on both sides."""
        if not instance_id:
            return ()
        out = list(self.instance(instance_id))
        for side in (self.old, self.new):
            inst = side.instance_by_id.get(instance_id)
            if inst is not None and inst.instance_profile_arn:
                out.extend(self.profile(inst.instance_profile_arn))
        return tuple(dict.fromkeys(out))

    def _path(self, roles: tuple[str, ...], bucket: str, concerning: str | None
              ) -> tuple[Fact, ...]:
        """The rest of the path: roles, bucket, account (shared by every instance on it)."""
        out: Facts = []
        for arn in roles:
            out.extend(self.role(arn, concerning))
        out.extend(self.bucket(bucket))
        out.extend(self.account())
        return tuple(dict.fromkeys(out))

    # -- parts ----------------------------------------------------------------------------

    def _instance(self, instance_id: str) -> Facts:
        old = self.old.instance_by_id.get(instance_id)
        new = self.new.instance_by_id.get(instance_id)
        if old is None or new is None:
            which = new or old
            label = which.label if which else instance_id
            if old is None:
                return [Fact(f"{INSTANCE_LAUNCHED}:{instance_id}", INSTANCE_LAUNCHED,
                             f"instance {label} launched since the old snapshot")]
            return [Fact(f"{INSTANCE_TERMINATED}:{instance_id}", INSTANCE_TERMINATED,
                         f"instance {label} is gone from the new snapshot")]
        out = []
        if old.instance_profile_arn != new.instance_profile_arn:
            out.append(Fact(
                f"{PROFILE_ASSOCIATION}:{instance_id}", PROFILE_ASSOCIATION,
                f"instance {new.label}: instance profile association "
                f"{_short(old.instance_profile_arn)} → {_short(new.instance_profile_arn)}"))
        if old.state != new.state:
            out.append(Fact(f"{INSTANCE_STATE}:{instance_id}", INSTANCE_STATE,
                            f"instance {new.label}: state {old.state} → {new.state}"))
        return out

    def _profile(self, arn: str) -> Facts:
        old = self.old.profile_by_arn.get(arn)
        new = self.new.profile_by_arn.get(arn)
        name = _short(arn)
        if old is None and new is None:
            return []
        if old is None:
            return [Fact(f"{PROFILE_CREATED}:{arn}", PROFILE_CREATED,
                         f"instance profile {name} created since the old snapshot")]
        if new is None:
            return [Fact(f"{PROFILE_DELETED}:{arn}", PROFILE_DELETED,
                         f"instance profile {name} is gone from the new snapshot")]
        if old.role_arns == new.role_arns:
            return []
        before = ", ".join(map(_short, old.role_arns)) or "no role"
        after = ", ".join(map(_short, new.role_arns)) or "no role"
        return [Fact(f"{PROFILE_ROLES}:{arn}", PROFILE_ROLES,
                     f"instance profile {name}: role {before} → {after}")]

    def _role(self, arn: str, bucket: str | None) -> Facts:
        old = self.old.role_by_arn.get(arn)
        new = self.new.role_by_arn.get(arn)
        if old is None and new is None:
            return []
        if old == new and not any(self.managed(p, None) for p in new.attached_policy_arns) \
                and not (new.permissions_boundary_arn
                         and self.managed(new.permissions_boundary_arn, None)):
            return []
        if old is None:
            return [Fact(f"{ROLE_CREATED}:{arn}", ROLE_CREATED,
                         f"role {_short(arn)} created since the old snapshot")]
        if new is None:
            return [Fact(f"{ROLE_DELETED}:{arn}", ROLE_DELETED,
                         f"role {_short(arn)} is gone from the new snapshot")]
        what = f"role {new.name}"
        out = _document(f"{what}: trust policy", f"role/{new.name}/trust", old.trust_policy,
                        new.trust_policy)
        out.extend(self._inline(what, old, new, bucket))
        for policy in sorted(set(old.attached_policy_arns) - set(new.attached_policy_arns)):
            out.append(Fact(f"{POLICY_DETACHED}:role/{new.name}:{policy}", POLICY_DETACHED,
                            f"{what}: managed policy {_short(policy)} detached"))
        for policy in sorted(set(new.attached_policy_arns) - set(old.attached_policy_arns)):
            out.append(Fact(f"{POLICY_ATTACHED}:role/{new.name}:{policy}", POLICY_ATTACHED,
                            f"{what}: managed policy {_short(policy)} attached"))
        for policy in new.attached_policy_arns:
            if policy in old.attached_policy_arns:
                out.extend(self.managed(policy, bucket))
        if old.permissions_boundary_arn != new.permissions_boundary_arn:
            out.append(Fact(f"{BOUNDARY}:role/{new.name}", BOUNDARY,
                            f"{what}: permissions boundary "
                            f"{_short(old.permissions_boundary_arn)} → "
                            f"{_short(new.permissions_boundary_arn)}"))
        elif new.permissions_boundary_arn:
            out.extend(self.managed(new.permissions_boundary_arn, bucket))
        if dict(old.tags) != dict(new.tags):
            keys = sorted(k for k in {*old.tags, *new.tags} if old.tags.get(k) != new.tags.get(k))
            out.append(Fact(f"{ROLE_TAGS}:role/{new.name}", ROLE_TAGS,
                            f"{what}: tags changed ({', '.join(keys)})"))
        return out

    @staticmethod
    def _inline(what: str, old: Role, new: Role, bucket: str | None) -> Facts:
        before = {p.name: p.document for p in old.inline_policies}
        after = {p.name: p.document for p in new.inline_policies}
        scope = f"role/{new.name}/inline"
        out = [Fact(f"{POLICY_DETACHED}:{scope}/{n}", POLICY_DETACHED,
                    f"{what}: inline policy {n} removed") for n in before if n not in after]
        for name, document in after.items():
            if name not in before:
                out.append(Fact(f"{POLICY_ATTACHED}:{scope}/{name}", POLICY_ATTACHED,
                                f"{what}: inline policy {name} added"))
            else:
                out.extend(_document(f"{what}: inline policy {name}", f"{scope}/{name}",
                                     before[name], document, bucket))
        return out

    def _managed(self, arn: str, bucket: str | None) -> Facts:
        old: ManagedPolicy | None = self.old.policy_by_arn.get(arn)
        new: ManagedPolicy | None = self.new.policy_by_arn.get(arn)
        name = f"managed policy {_short(arn)}"
        if old == new:
            return []
        if old is None or new is None:
            if old is new:
                return []
            side = "old" if old is None else "new"
            return [Fact(f"{UNREADABLE}:{arn}:{side}", UNREADABLE,
                         f"{name} could not be read in the {side} snapshot")]
        statements = _document(name, arn, old.document, new.document, bucket)
        if old.default_version_id == new.default_version_id:
            return statements
        if not (statements or bucket is None):
            return []
        # One cause: the version made default; its statements are what it changed.
        return [Fact(f"{DEFAULT_VERSION}:{arn}:{new.default_version_id}", DEFAULT_VERSION,
                     f"{name}: default version {old.default_version_id} → "
                     f"{new.default_version_id}", tuple(f.subject for f in statements))]

    def _bucket(self, name: str) -> Facts:
        old = self.old.bucket_by_name.get(name)
        new = self.new.bucket_by_name.get(name)
        if old is None or new is None:
            if old is new:
                return []
            if old is None:
                return [Fact(f"{BUCKET_CREATED}:{name}", BUCKET_CREATED,
                             f"bucket {name} created since the old snapshot")]
            return [Fact(f"{BUCKET_DELETED}:{name}", BUCKET_DELETED,
                         f"bucket {name} is gone from the new snapshot")]
        what = f"bucket {name}"
        out: Facts = []
        if old.policy is None and new.policy is not None and not old.policy_unknown:
            out.append(Fact(f"{BUCKET_POLICY_ADDED}:{name}", BUCKET_POLICY_ADDED,
                            f"{what}: bucket policy added"))
        elif new.policy is None and old.policy is not None and not new.policy_unknown:
            out.append(Fact(f"{BUCKET_POLICY_REMOVED}:{name}", BUCKET_POLICY_REMOVED,
                            f"{what}: bucket policy removed"))
        elif old.policy is not None and new.policy is not None:
            out.extend(_document(f"{what}: bucket policy", f"bucket/{name}/policy",
                                 old.policy, new.policy))
        out.extend(_bpa_fact(what, f"bucket/{name}", old.public_access_block,
                             new.public_access_block))
        grants = {(g.grantee_type, g.grantee, g.permission) for g in old.acl_grants}
        now = {(g.grantee_type, g.grantee, g.permission) for g in new.acl_grants}
        for label, kind, found in (("added", ACL_GRANT_ADDED, now - grants),
                                   ("removed", ACL_GRANT_REMOVED, grants - now)):
            for grantee_type, grantee, permission in sorted(found):
                out.append(Fact(f"{kind}:{name}:{grantee}:{permission}", kind,
                                f"{what}: ACL grant {label}: {permission} to "
                                f"{_short(grantee)} ({grantee_type})"))
        for side, items in (("new", new.unknown - old.unknown), ("old", old.unknown - new.unknown)):
            for item in sorted(items):
                out.append(Fact(f"{UNREADABLE}:bucket/{name}:{item}:{side}", UNREADABLE,
                                f"{what}: {item.replace('_', ' ')} could not be read in the "
                                f"{side} snapshot"))
        return out

    def _account(self) -> Facts:
        old, new = self.old.account, self.new.account
        out = _bpa_fact("account", "account", old.public_access_block, new.public_access_block)
        if self.old.scps != self.new.scps:
            out.append(Fact(SCP, SCP, "service control policies differ"))
        for item in sorted(new.unknown - old.unknown):
            out.append(Fact(f"{UNREADABLE}:account:{item}", UNREADABLE,
                            f"account: {item} could not be read in the new snapshot"))
        return out


#: Facts that explain every row about their instance or bucket on their own (the other side
#: had nothing to compare with).
_ALONE = frozenset({INSTANCE_LAUNCHED, INSTANCE_TERMINATED, BUCKET_CREATED, BUCKET_DELETED})

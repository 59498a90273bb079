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

from graph.diff.documents import statement_changes
from graph.model import AccountSnapshot, BlockPublicAccess, ManagedPolicy, Role

_BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "none"


def _document(what: str, old: Any, new: Any, bucket: str | None = None) -> list[str]:
    if old == new:
        return []
    return [f"{what}: {change}" for change in statement_changes(old, new, bucket)]


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

    def why(self, instance_id: str, roles: Iterable[str], bucket: str) -> tuple[str, ...]:
        """Every differing fact on the path of one row (instance "" for principal rows).

        Statements of the roles' policies count only when they can concern the bucket; when
        nothing that does differs, every differing statement is listed instead."""
        roles = tuple(roles)
        found = self._why(instance_id, roles, bucket, bucket)
        return found or self._why(instance_id, roles, bucket, None)

    def _why(self, instance_id: str, roles: tuple[str, ...], bucket: str,
             concerning: str | None) -> tuple[str, ...]:
        head = self._head(instance_id)
        rest = self._rest(roles, bucket, concerning)
        return tuple(dict.fromkeys(head + rest)) if head and rest else head or rest

    def _subject(self, instance_id: str) -> tuple[str, ...]:
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
              ) -> tuple[str, ...]:
        """The rest of the path: roles, bucket, account (shared by every instance on it)."""
        out: list[str] = []
        for arn in roles:
            out.extend(self.role(arn, concerning))
        out.extend(self.bucket(bucket))
        out.extend(self.account())
        return tuple(dict.fromkeys(out))

    # -- parts ----------------------------------------------------------------------------

    def _instance(self, instance_id: str) -> list[str]:
        old = self.old.instance_by_id.get(instance_id)
        new = self.new.instance_by_id.get(instance_id)
        if old is None or new is None:
            which = new or old
            label = which.label if which else instance_id
            return [f"instance {label} launched since the old snapshot" if old is None
                    else f"instance {label} is gone from the new snapshot"]
        out = []
        if old.instance_profile_arn != new.instance_profile_arn:
            out.append(f"instance {new.label}: instance profile association "
                       f"{_short(old.instance_profile_arn)} → {_short(new.instance_profile_arn)}")
        if old.state != new.state:
            out.append(f"instance {new.label}: state {old.state} → {new.state}")
        return out

    def _profile(self, arn: str) -> list[str]:
        old = self.old.profile_by_arn.get(arn)
        new = self.new.profile_by_arn.get(arn)
        name = _short(arn)
        if old is None and new is None:
            return []
        if old is None or new is None:
            return [f"instance profile {name} created since the old snapshot" if old is None
                    else f"instance profile {name} is gone from the new snapshot"]
        if old.role_arns == new.role_arns:
            return []
        before = ", ".join(map(_short, old.role_arns)) or "no role"
        after = ", ".join(map(_short, new.role_arns)) or "no role"
        return [f"instance profile {name}: role {before} → {after}"]

    def _role(self, arn: str, bucket: str | None) -> list[str]:
        old = self.old.role_by_arn.get(arn)
        new = self.new.role_by_arn.get(arn)
        if old is None and new is None:
            return []
        if old == new and not any(self.managed(p, None) for p in new.attached_policy_arns) \
                and not (new.permissions_boundary_arn
                         and self.managed(new.permissions_boundary_arn, None)):
            return []
        if old is None or new is None:
            return [f"role {_short(arn)} created since the old snapshot" if old is None
                    else f"role {_short(arn)} is gone from the new snapshot"]
        what = f"role {new.name}"
        out = _document(f"{what}: trust policy", old.trust_policy, new.trust_policy)
        out.extend(self._inline(what, old, new, bucket))
        for policy in sorted(set(old.attached_policy_arns) - set(new.attached_policy_arns)):
            out.append(f"{what}: managed policy {_short(policy)} detached")
        for policy in sorted(set(new.attached_policy_arns) - set(old.attached_policy_arns)):
            out.append(f"{what}: managed policy {_short(policy)} attached")
        for policy in new.attached_policy_arns:
            if policy in old.attached_policy_arns:
                out.extend(self.managed(policy, bucket))
        if old.permissions_boundary_arn != new.permissions_boundary_arn:
            out.append(f"{what}: permissions boundary {_short(old.permissions_boundary_arn)}"
                       f" → {_short(new.permissions_boundary_arn)}")
        elif new.permissions_boundary_arn:
            out.extend(self.managed(new.permissions_boundary_arn, bucket))
        if dict(old.tags) != dict(new.tags):
            keys = sorted(k for k in {*old.tags, *new.tags} if old.tags.get(k) != new.tags.get(k))
            out.append(f"{what}: tags changed ({', '.join(keys)})")
        return out

    @staticmethod
    def _inline(what: str, old: Role, new: Role, bucket: str | None) -> list[str]:
        before = {p.name: p.document for p in old.inline_policies}
        after = {p.name: p.document for p in new.inline_policies}
        out = [f"{what}: inline policy {n} removed" for n in before if n not in after]
        for name, document in after.items():
            if name not in before:
                out.append(f"{what}: inline policy {name} added")
            else:
                out.extend(_document(f"{what}: inline policy {name}", before[name], document,
                                     bucket))
        return out

    def _managed(self, arn: str, bucket: str | None) -> list[str]:
        old: ManagedPolicy | None = self.old.policy_by_arn.get(arn)
        new: ManagedPolicy | None = self.new.policy_by_arn.get(arn)
        name = f"managed policy {_short(arn)}"
        if old == new:
            return []
        if old is None or new is None:
            if old is new:
                return []
            return [f"{name} could not be read in the {'old' if old is None else 'new'} "
                    "snapshot"]
        statements = _document(name, old.document, new.document, bucket)
        out = []
        if old.default_version_id != new.default_version_id and (
                statements or bucket is None):
            out.append(f"{name}: default version {old.default_version_id} → "
                       f"{new.default_version_id}")
        return out + statements

    def _bucket(self, name: str) -> list[str]:
        old = self.old.bucket_by_name.get(name)
        new = self.new.bucket_by_name.get(name)
        if old is None or new is None:
            if old is new:
                return []
            return [f"bucket {name} created since the old snapshot" if old is None
                    else f"bucket {name} is gone from the new snapshot"]
        what = f"bucket {name}"
        out = []
        if old.policy is None and new.policy is not None and not old.policy_unknown:
            out.append(f"{what}: bucket policy added")
        elif new.policy is None and old.policy is not None and not new.policy_unknown:
            out.append(f"{what}: bucket policy removed")
        elif old.policy is not None and new.policy is not None:
            out.extend(_document(f"{what}: bucket policy", old.policy, new.policy))
        out.extend(bpa_change(what, old.public_access_block, new.public_access_block))
        grants = {(g.grantee_type, g.grantee, g.permission) for g in old.acl_grants}
        now = {(g.grantee_type, g.grantee, g.permission) for g in new.acl_grants}
        for label, found in (("added", now - grants), ("removed", grants - now)):
            for kind, grantee, permission in sorted(found):
                out.append(f"{what}: ACL grant {label}: {permission} to {_short(grantee)}"
                           f" ({kind})")
        for item in sorted(new.unknown - old.unknown):
            out.append(f"{what}: {item.replace('_', ' ')} could not be read in the new snapshot")
        for item in sorted(old.unknown - new.unknown):
            out.append(f"{what}: {item.replace('_', ' ')} could not be read in the old snapshot")
        return out

    def _account(self) -> list[str]:
        old, new = self.old.account, self.new.account
        out = bpa_change("account", old.public_access_block, new.public_access_block)
        if self.old.scps != self.new.scps:
            out.append("service control policies differ")
        for item in sorted(new.unknown - old.unknown):
            out.append(f"account: {item} could not be read in the new snapshot")
        return out

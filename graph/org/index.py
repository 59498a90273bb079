"""Who names whom across an organisation: the small index built once, before any analysis.

Accounts are analysed one by one, and each reads only what its paths can touch of the
others. What those are is decided here from the documents alone, without the engine: a
bucket's policy statements that grant S3 actions and whom they name (accounts, ARNs, "*",
which an `aws:PrincipalOrgID` condition narrows only in the engine); a role's trust (whom it
names) and the resource patterns of its own Allow statements for `sts:AssumeRole` and for S3.
The index over-approximates (a statement it keeps may still be denied by the engine) and never
under-approximates: an unreadable document names "*".

It holds names and patterns only (a few hundred bytes per role or bucket), is picklable, and
is built reading one account's snapshot at a time (`build_index`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.access.compile.statements import StatementFacts, document_facts, pattern_matches
from graph.model import AccountSnapshot, Role
from graph.model_org import OrgTree
from graph.policy.principals import account_of_root

ASSUME = "sts:AssumeRole"
#: What an unreadable document is taken to name: anyone, any resource.
ANY = ("*",)


class OrgSource(Protocol):
    """What the analysis reads of an organisation: the tree, which accounts were loaded and
    which failed (and why), and one account's snapshot at a time. `OrgFolder` is one."""

    @property
    def tree(self) -> OrgTree: ...

    @property
    def loaded(self) -> tuple[str, ...]: ...

    @property
    def failed(self) -> Mapping[str, str]: ...

    def load(self, account_id: str) -> AccountSnapshot: ...


@dataclass(frozen=True)
class Grant:
    """One Allow statement of a bucket's policy that names S3 actions: to whom."""

    principals: tuple[str, ...]
    actions: frozenset[str]


@dataclass(frozen=True)
class BucketEntry:
    name: str
    account: str
    grants: tuple[Grant, ...] = ()

    def admits(self, account: str, arns: Iterable[str] = ()) -> bool:
        """Whether a statement may grant something to `account` or one of `arns`."""
        return bool(self.actions_for(account, arns))

    def actions_for(self, account: str, arns: Iterable[str] = ()) -> frozenset[str]:
        """The S3 actions the statements that may apply to `account` (or `arns`) name."""
        names = set(arns)
        out: set[str] = set()
        for g in self.grants:
            if any(_names(p, account, names) for p in g.principals):
                out |= g.actions
        return frozenset(out)


@dataclass(frozen=True)
class RoleEntry:
    arn: str
    #: The AWS principals its trust policy's Allow statements name ("*" for anyone).
    trusts: tuple[str, ...] = ()
    #: Resource patterns of its Allow statements for sts:AssumeRole, and for S3 actions.
    assumes: tuple[str, ...] = ()
    s3: tuple[str, ...] = ()

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    def trusts_caller(self, caller_arn: str) -> bool:
        """Whether the trust may let the caller in (its ARN, its account, or anyone)."""
        acct = caller_arn.split(":")[4]
        return any(_names(p, acct, {caller_arn}) for p in self.trusts)

    def may_assume(self, target_arn: str) -> bool:
        return any(pattern_matches(p, target_arn) for p in self.assumes)

    def may_touch(self, bucket: str) -> bool:
        arn = f"arn:aws:s3:::{bucket}"
        return any(pattern_matches(p, arn) or pattern_matches(p, f"{arn}/x")
                   for p in self.s3)


@dataclass(frozen=True)
class OrgIndex:
    """The organisation's names: accounts, buckets, roles and instances (see the docstring)."""

    tree: OrgTree
    loaded: tuple[str, ...]
    failed: Mapping[str, str]
    buckets: Mapping[str, BucketEntry] = field(default_factory=dict)
    roles: Mapping[str, RoleEntry] = field(default_factory=dict)
    #: Per account, its instances as (id, Name tag).
    instances: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def in_organization(self, account: str) -> bool:
        return self.tree.account(account) is not None

    def account_label(self, account: str) -> str:
        found = self.tree.account(account)
        return f"{account} ({found.name})" if found is not None and found.name else account

    def roles_of(self, account: str) -> Iterator[RoleEntry]:
        return (r for r in self.roles.values() if r.account == account)

    def buckets_of(self, account: str) -> Iterator[BucketEntry]:
        return (b for b in self.buckets.values() if b.account == account)


def _names(principal: str, account: str, arns: set[str]) -> bool:
    if principal == "*" or principal == account or principal in arns:
        return True
    root = account_of_root(principal)
    if root is not None:
        return root == account
    # A role or user ARN of the account: kept (the engine decides which of them it names).
    parts = principal.split(":")
    return len(parts) == 6 and parts[2] in ("iam", "sts") and parts[4] == account


def _bucket_entry(snapshot: AccountSnapshot, name: str, policy: Any, unknown: bool
                  ) -> BucketEntry:
    if unknown:
        return BucketEntry(name, snapshot.account_id, (Grant(ANY, frozenset({"*"})),))
    if policy is None:
        return BucketEntry(name, snapshot.account_id)
    grants = []
    for f in _facts(policy):
        if f is None:
            return BucketEntry(name, snapshot.account_id, (Grant(ANY, frozenset({"*"})),))
        if f.effect != "Allow" or not f.s3_actions:
            continue
        who = ANY if f.not_principal else f.aws_principals
        if who:
            grants.append(Grant(tuple(who), f.s3_actions))
    return BucketEntry(name, snapshot.account_id, tuple(grants))


def _facts(document: Any) -> Iterator[StatementFacts | None]:
    """The statements' facts; one None for a document that cannot be read."""
    try:
        yield from document_facts(document)
    except Exception:  # noqa: BLE001 - any malformed document: it may grant anything
        yield None


def _role_entry(snapshot: AccountSnapshot, role: Role) -> RoleEntry:
    trusts: list[str] = []
    for f in _facts(role.trust_policy):
        if f is None:
            trusts = list(ANY)
            break
        if f.effect == "Allow" and f.names_action(ASSUME):
            trusts.extend(ANY if f.not_principal else f.aws_principals)
    assumes: list[str] = []
    s3: list[str] = []
    documents = [p.document for p in role.inline_policies]
    for arn in role.attached_policy_arns:
        mp = snapshot.policy_by_arn.get(arn)
        documents.append(mp.document if mp is not None else None)
    for document in documents:
        for f in _facts(document) if document is not None else iter((None,)):
            if f is None:  # unread or unreadable: it may allow anything
                assumes.append("*")
                s3.append("*")
                continue
            if f.effect != "Allow":
                continue
            patterns = ["*"] if f.not_resource else list(f.resources)
            if f.names_action(ASSUME):
                assumes.extend(patterns)
            if f.s3_actions:
                s3.extend(patterns)
    return RoleEntry(role.arn, tuple(dict.fromkeys(trusts)), tuple(dict.fromkeys(assumes)),
                     tuple(dict.fromkeys(s3)))


def account_entries(snapshot: AccountSnapshot
                    ) -> tuple[list[BucketEntry], list[RoleEntry], tuple[tuple[str, str], ...]]:
    """One account's part of the index."""
    buckets = [_bucket_entry(snapshot, b.name, b.policy, b.policy_unknown)
               for b in snapshot.buckets]
    roles = [_role_entry(snapshot, r) for r in snapshot.roles]
    instances = tuple((i.instance_id, i.name) for i in snapshot.instances)
    return buckets, roles, instances


def build_index(source: OrgSource) -> OrgIndex:
    """The index of every loaded account, reading one snapshot at a time."""
    buckets: dict[str, BucketEntry] = {}
    roles: dict[str, RoleEntry] = {}
    instances: dict[str, tuple[tuple[str, str], ...]] = {}
    for account in source.loaded:
        b, r, i = account_entries(source.load(account))
        buckets.update((e.name, e) for e in b)
        roles.update((e.arn, e) for e in r)
        instances[account] = i
    return OrgIndex(source.tree, tuple(source.loaded), dict(source.failed), buckets, roles,
                    instances)

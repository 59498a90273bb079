"""The organisation policies on an account's path: SCPs (the caller's) and RCPs (the bucket's).

SCPs and RCPs attach to the root, to OUs and to accounts; a request must be allowed at every
level of the path root -> OUs -> account. They come from `organizations` read calls when the
credentials can make them (the management account or a delegated administrator), else from
the files `collect-script` writes (`--org-policies`). RCPs do not apply to the management
account's resources; neither kind to service-linked roles; RCPs not to AWS managed KMS keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from graph.model_common import GATE_ORGANIZATION, JsonDoc, Unread

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
#: Organization.status values.
IN_ORGANIZATION = "member"
NOT_IN_ORGANIZATION = "not-in-organization"
#: Organization.status when whether the account is in one could not be read.
ORGANIZATION_UNREAD = "unread"


@dataclass(frozen=True)
class OrgPolicy:
    policy_id: str
    name: str
    #: The policy's content; None only when it could not be read (see `unread`).
    document: JsonDoc | None = None
    arn: str = ""
    aws_managed: bool = False
    unread: tuple[Unread, ...] = ()


@dataclass(frozen=True)
class OrgTarget:
    """One level of the account's path: the root, an OU or the account itself."""

    target_id: str
    #: "ROOT", "ORGANIZATIONAL_UNIT" or "ACCOUNT".
    kind: str
    scps: tuple[OrgPolicy, ...] = ()
    rcps: tuple[OrgPolicy, ...] = ()
    #: The policy lists at this level that could not be read.
    unread: tuple[Unread, ...] = ()


@dataclass(frozen=True)
class Organization:
    """Whether the account is in an organisation, and the policies on its path."""

    #: IN_ORGANIZATION, NOT_IN_ORGANIZATION or ORGANIZATION_UNREAD.
    status: str
    organization_id: str = ""
    management_account_id: str = ""
    #: The account's path, root first, the account last.
    path: tuple[OrgTarget, ...] = ()
    #: Where the policies came from: "organizations" (its read calls, live or collected).
    source: str = "organizations"
    #: What could not be read (the path, a level's lists, a policy): unknown, never "none".
    unread: tuple[Unread, ...] = ()

    def is_management_account(self, account_id: str) -> bool:
        return bool(self.management_account_id) and self.management_account_id == account_id

    def levels(self, kind: str) -> tuple[tuple[OrgPolicy, ...], ...]:
        """Policies of `kind` (SCP or RCP) per level, root first."""
        return tuple(t.scps if kind == SCP else t.rcps for t in self.path)

    @property
    def org_path(self) -> str:
        """The `aws:PrincipalOrgPaths` / `aws:ResourceOrgPaths` value of the account
        (o-id/r-id/ou-id/.../, the account itself not part of it); "" when not known."""
        if self.status != IN_ORGANIZATION or not self.organization_id or len(self.path) < 2:
            return ""
        return "/".join((self.organization_id, *(t.target_id for t in self.path[:-1]))) + "/"

    @property
    def fully_read(self) -> bool:
        """Everything on the path was read (no unread level or policy anywhere)."""
        return not self.unread and all(
            not t.unread and all(not p.unread for p in (*t.scps, *t.rcps)) for t in self.path)


#: OrgUnit.kind values (the organizations API's target types).
ROOT = "ROOT"
UNIT = "ORGANIZATIONAL_UNIT"
ACCOUNT = "ACCOUNT"
#: OrgAccount.status values that are loaded; the others (SUSPENDED, PENDING_CLOSURE) are skipped.
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class OrgUnit:
    """The root or an OU: a node of the tree that policies attach to."""

    unit_id: str
    name: str
    #: ROOT or UNIT.
    kind: str
    #: The parent's unit_id; "" for the root.
    parent_id: str = ""


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str = ""
    email: str = ""
    #: As organizations:ListAccounts says (ACTIVE, SUSPENDED, PENDING_CLOSURE).
    status: str = ACTIVE
    #: The unit_id of the root or OU the account sits in.
    parent_id: str = ""


@dataclass(frozen=True)
class OrgAttachment:
    """A policy attached to a target (the root, an OU or an account)."""

    policy_id: str
    target_id: str
    #: SCP or RCP.
    kind: str


@dataclass(frozen=True)
class OrgTree:
    """The whole organisation as the management account (or a delegated administrator) sees it:
    the tree, every SCP and RCP and where each is attached. Each account's `Organization` (the
    path the gates apply) is derived from it, so all accounts of one load agree on it."""

    organization_id: str
    management_account_id: str
    units: tuple[OrgUnit, ...] = ()
    accounts: tuple[OrgAccount, ...] = ()
    policies: tuple[OrgPolicy, ...] = ()
    attachments: tuple[OrgAttachment, ...] = ()
    #: What could not be read (a unit's children, a policy list, a policy): the paths through
    #: it are unknown, never "no policy".
    unread: tuple[Unread, ...] = ()

    def account(self, account_id: str) -> OrgAccount | None:
        return self._by_id.get(account_id)

    @cached_property
    def _by_id(self) -> dict[str, OrgAccount]:
        """The accounts by id: asked per exported row (is the bucket's account a member?),
        so a lookup, not a scan of hundreds of accounts."""
        return {a.account_id: a for a in self.accounts}

    def unit(self, unit_id: str) -> OrgUnit | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    def path_ids(self, account_id: str) -> tuple[str, ...]:
        """Target ids from the root down to the account (the account last); () when the
        account is not in the tree."""
        account = self.account(account_id)
        if account is None:
            return ()
        chain = [account_id]
        parent = account.parent_id
        for _ in range(16):  # AWS allows five OU levels; more is a loop in the input
            unit = self.unit(parent)
            if unit is None:
                break
            chain.append(unit.unit_id)
            if unit.kind == ROOT:
                break
            parent = unit.parent_id
        return tuple(reversed(chain))

    def org_path(self, account_id: str) -> str:
        """`aws:PrincipalOrgPaths` / `aws:ResourceOrgPaths` form: o-id/r-id/ou-id/.../ (the
        account itself is not part of it)."""
        ids = self.path_ids(account_id)[:-1]
        return "/".join((self.organization_id, *ids)) + "/" if ids else ""

    def organization_for(self, account_id: str) -> Organization:
        """The account's `Organization`: the SCPs and RCPs on its path, root first."""
        ids = self.path_ids(account_id)
        if not ids:
            return Organization(NOT_IN_ORGANIZATION)
        by_id = {p.policy_id: p for p in self.policies}
        targets = []
        for target_id in ids:
            unit = self.unit(target_id)
            kind = unit.kind if unit is not None else ACCOUNT
            attached = [a for a in self.attachments if a.target_id == target_id]
            missing = tuple(a.policy_id for a in attached if a.policy_id not in by_id)
            unread = tuple(Unread(GATE_ORGANIZATION, f"policy {p}", "not in the organisation's "
                                  "policy list") for p in missing)
            scps = tuple(by_id[a.policy_id] for a in attached
                         if a.kind == SCP and a.policy_id in by_id)
            rcps = tuple(by_id[a.policy_id] for a in attached
                         if a.kind == RCP and a.policy_id in by_id)
            targets.append(OrgTarget(target_id, kind, scps, rcps, unread))
        return Organization(IN_ORGANIZATION, self.organization_id, self.management_account_id,
                            tuple(targets), "organizations", self.unread)

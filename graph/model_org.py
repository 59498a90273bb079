"""The organisation policies on an account's path: SCPs (the caller's) and RCPs (the bucket's).

SCPs and RCPs attach to the root, to OUs and to accounts; a request must be allowed at every
level of the path root -> OUs -> account. They come from `organizations` read calls when the
credentials can make them (the management account or a delegated administrator), else from
the files `collect-script` writes (`--org-policies`). RCPs do not apply to the management
account's resources; neither kind to service-linked roles; RCPs not to AWS managed KMS keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model_common import JsonDoc, Unread

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
    def fully_read(self) -> bool:
        """Everything on the path was read (no unread level or policy anywhere)."""
        return not self.unread and all(
            not t.unread and all(not p.unread for p in (*t.scps, *t.rcps)) for t in self.path)

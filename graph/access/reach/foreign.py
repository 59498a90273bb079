"""What an account's analysis reaches in the rest of its organisation: foreign roles and buckets.

An organisation is analysed account by account. For account A, the analysis of A alone is
extended with *views*: each an analysis whose callers are one account's roles (A's, or the
roles of another account that A's roles can assume) and whose buckets are one account's
(`ForeignAccount`: the bucket side reads that account's facts: resource account, Block
Public Access, RCPs, KMS keys). The caller side of each view is its own account's (identity
policies, boundary, SCPs). Role chains cross accounts through `edges` (trust and the
caller's permission, both decided by the engine). A role in an account that could not be
loaded stands in with *unknown* answers on the buckets that admit its account (`failed`).

graph/org/ builds these sides from the organisation's index; this module only routes the
questions of one account's queries to the view that holds the (role, bucket) pair.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.access.decide.trust import AssumeEdge
from graph.access.model import ActionAccess
from graph.model import Bucket, Role

#: A view: an `AccessData` (reach/build.py, which imports this module, so not named here).
AccessData = Any
Answers = Mapping[str, ActionAccess]


def account_of(arn: str) -> str:
    """The account id of an IAM ARN ("" when it has none)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


@dataclass
class ForeignSides:
    """The parts of an organisation one account's analysis uses (see the module docstring)."""

    #: The analysed account's id.
    own_account: str
    #: Foreign roles by ARN (stand-ins for the roles of accounts that could not be loaded).
    roles: dict[str, Role] = field(default_factory=dict)
    #: "can assume" edges that cross accounts, or lie inside a foreign account, by caller ARN.
    edges: dict[str, list[AssumeEdge]] = field(default_factory=dict)
    #: The views, by their callers' account.
    views: dict[str, list[AccessData]] = field(default_factory=dict)
    #: (callers' account, bucket name) -> the view deciding that pair.
    sides: dict[tuple[str, str], AccessData] = field(default_factory=dict)
    #: Foreign buckets known to this analysis (in some view), and their account.
    buckets: dict[str, tuple[Bucket, str]] = field(default_factory=dict)
    #: A stand-in role's answers on the buckets admitting its (unloaded) account.
    failed_reach: dict[str, dict[str, Answers]] = field(default_factory=dict)
    #: Accounts that could not be loaded, and why.
    failed: Mapping[str, str] = field(default_factory=dict)

    def role(self, arn: str) -> Role | None:
        return self.roles.get(arn)

    def edges_from(self, role_arn: str, own: Sequence[AssumeEdge]) -> Sequence[AssumeEdge]:
        """`own` (the account's edges from the role) and the foreign ones."""
        more = self.edges.get(role_arn)
        return [*own, *more] if more else own

    def side(self, role_arn: str, bucket: str) -> AccessData | None:
        """The view where the role's account asks about the bucket (None: no view holds
        the pair: nothing of the bucket's policy admits the role's account)."""
        return self.sides.get((account_of(role_arn), bucket))

    def role_views(self, role_arn: str) -> Sequence[AccessData]:
        return self.views.get(account_of(role_arn), ())

    def failed_answers(self, role_arn: str) -> Iterator[tuple[str, Answers]]:
        yield from self.failed_reach.get(role_arn, {}).items()

    def bucket_account(self, bucket: str) -> str | None:
        found = self.buckets.get(bucket)
        return found[1] if found is not None else None

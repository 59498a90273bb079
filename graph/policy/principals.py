"""The Principal / NotPrincipal element, and which kind of grant it makes to a caller.

The kind matters to evaluation: in the same account a grant to the caller's ARN, its role
session ARN or `*` allows on its own (a role's permissions boundary still limits a grant to
the role ARN), while a grant to the account (`123…` or `arn:…:root`) only delegates to the
account's identity policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from graph.policy.request import Request


class GrantKind(StrEnum):
    ANY = "any"  # "*" / {"AWS": "*"}
    ARN = "arn"  # the caller's own ARN (role or IAM user)
    SESSION = "session"  # the caller's role session ARN (sts assumed-role)
    ACCOUNT = "account"  # the caller's account (delegation)
    SERVICE = "service"  # a service principal


@dataclass(frozen=True, slots=True)
class PrincipalSet:
    """A parsed Principal element."""

    any: bool = False
    accounts: frozenset[str] = frozenset()
    arns: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()
    canonical_users: frozenset[str] = frozenset()

    def match(self, request: Request) -> GrantKind | None:
        """How this element names the caller, or None when it does not."""
        if self.any:
            return GrantKind.ANY
        if request.principal_service is not None:
            return GrantKind.SERVICE if request.principal_service.lower() in self.services else None
        arn = request.principal_arn
        if arn is None:
            return None
        if request.session_arn is not None and request.session_arn in self.arns:
            return GrantKind.SESSION
        if arn in self.arns:
            return GrantKind.ARN
        account = request.principal_account
        if account and account in self.accounts:
            return GrantKind.ACCOUNT
        return None

    def exempts(self, request: Request) -> bool:
        """For NotPrincipal: is the caller itself listed? Listing its account is not enough."""
        if self.any:
            return True
        if request.principal_service is not None:
            return request.principal_service.lower() in self.services
        if request.session_arn is not None and request.session_arn in self.arns:
            return True
        return request.principal_arn is not None and request.principal_arn in self.arns


def account_of_root(value: str) -> str | None:
    """`123456789012` or `arn:aws:iam::123456789012:root` -> the account id."""
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":")
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return None


def build_principal_set(entries: dict[str, list[str]] | str) -> PrincipalSet:
    """From `"*"` or `{"AWS": [...], "Service": [...], ...}` with values already listed."""
    if entries == "*":
        return PrincipalSet(any=True)
    assert isinstance(entries, dict)
    any_ = False
    accounts: set[str] = set()
    arns: set[str] = set()
    services: set[str] = set()
    federated: set[str] = set()
    canonical: set[str] = set()
    for kind, values in entries.items():
        for value in values:
            if kind == "AWS":
                if value == "*":
                    any_ = True
                elif (acct := account_of_root(value)) is not None:
                    accounts.add(acct)
                else:
                    arns.add(value)
            elif kind == "Service":
                if value == "*":
                    any_ = True
                services.add(value.lower())
            elif kind == "Federated":
                federated.add(value)
            elif kind == "CanonicalUser":
                canonical.add(value)
    return PrincipalSet(
        any=any_,
        accounts=frozenset(accounts),
        arns=frozenset(arns),
        services=frozenset(services),
        federated=frozenset(federated),
        canonical_users=frozenset(canonical),
    )

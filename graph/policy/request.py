"""One request to decide: who asks, for which action, on which resource, in which context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: A context value: a string, or a list of strings for a multivalued key ([] = empty set).
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """A single API request as the engine sees it.

    `principal_arn` is the role ARN (not a session ARN); None means an anonymous caller (the
    public), which only resource-policy grants to `*` can allow.
    """

    principal_arn: str | None
    action: str
    resource_arn: str
    #: The account that owns the resource; None when unknown (treated as the principal's).
    resource_account: str | None = None
    #: Request context keys (case-insensitive names) given by the caller or assumed by the user.
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    resource_tags: Mapping[str, str] = field(default_factory=dict)
    #: Partial evaluation: keys neither given nor derived are *unknown* (could hold any value)
    #: rather than absent, so conditions on them make the outcome "conditional", not a "no".
    partial: bool = False
    #: When set (e.g. "ec2.amazonaws.com"), the caller is this AWS service principal, not a role:
    #: only resource-policy grants naming the service (or `*`) can allow it.
    principal_service: str | None = None

    #: Derived once in __post_init__ (read on every statement of every decision).
    principal_account: str | None = field(init=False, repr=False, compare=False)
    #: True when principal and resource live in different accounts (or the caller is anonymous).
    cross_account: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        account: str | None = None
        if self.principal_arn:
            parts = self.principal_arn.split(":")
            account = parts[4] if len(parts) > 4 else None
        object.__setattr__(self, "principal_account", account)
        owner = self.resource_account
        cross = self.principal_arn is None or (owner is not None and owner != account)
        object.__setattr__(self, "cross_account", cross)

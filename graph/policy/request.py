"""One request to decide: who asks, for which action, on which resource, in which context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: A context value: a string, or a list of strings for a multivalued key ([] = empty set).
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """A single API request as the engine sees it.

    `principal_arn` is the role or IAM user ARN (not a session ARN); None means an anonymous
    caller (the public), which only resource-policy grants to `*` can allow. A role caller
    acting through a session may also give `session_arn`: a resource policy naming the session
    ARN grants differently from one naming the role (see `evaluate`).
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
    #: The role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`) when known.
    session_arn: str | None = None

    #: Derived once in __post_init__ (read on every statement of every decision).
    principal_account: str | None = field(init=False, repr=False, compare=False)
    #: True when principal and resource live in different accounts (or the caller is anonymous).
    cross_account: bool = field(init=False, repr=False, compare=False)
    #: "user", "role", "service" or "anonymous": AWS applies different rules to each.
    principal_type: str = field(init=False, repr=False, compare=False)
    #: A service-linked role (path /aws-service-role/): SCPs do not restrict it.
    service_linked: bool = field(init=False, repr=False, compare=False)
    #: "trust" (sts:AssumeRole* on a role) or "key" (a KMS key): the resource policy must
    #: grant explicitly, even in the same account; None for every other request.
    explicit_grant: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        account: str | None = None
        if self.principal_arn:
            parts = self.principal_arn.split(":")
            account = parts[4] if len(parts) > 4 else None
        object.__setattr__(self, "principal_account", account)
        owner = self.resource_account
        cross = self.principal_arn is None or (owner is not None and owner != account)
        object.__setattr__(self, "cross_account", cross)
        object.__setattr__(self, "principal_type", _principal_type(self))
        role_part = _resource_part(self.principal_arn) if self.principal_arn else ""
        object.__setattr__(self, "service_linked",
                           role_part.startswith("role/aws-service-role/"))
        object.__setattr__(self, "explicit_grant",
                           _explicit_grant(self.action, self.resource_arn))


    def on(self, resource_arn: str) -> Request:
        """The same request on another resource: what the decider asks of a bucket, its
        objects and each key prefix. Copies the derived fields instead of deriving them again
        (only `explicit_grant` reads the resource), which costs a fraction of a new one."""
        other = object.__new__(Request)
        fields = other.__dict__
        fields.update(self.__dict__)
        fields["resource_arn"] = resource_arn
        fields["explicit_grant"] = _explicit_grant(self.action, resource_arn)
        return other


def _resource_part(arn: str) -> str:
    """What follows the fifth colon of an ARN ("" when it has fewer)."""
    parts = arn.split(":", 5)
    return parts[5] if len(parts) == 6 else ""


def _principal_type(request: Request) -> str:
    if request.principal_service is not None:
        return "service"
    arn = request.principal_arn
    if arn is None:
        return "anonymous"
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("user/"):
        return "user"
    return "role"


def _explicit_grant(action: str, resource_arn: str) -> str | None:
    """AWS's two documented exceptions to "an identity Allow suffices in the same account":
    a role's trust policy and a KMS key's key policy must allow the caller themselves."""
    lowered = action.lower()
    parts = resource_arn.split(":", 5)
    if len(parts) < 6:
        return None
    if lowered.startswith("sts:assumerole") and parts[2] == "iam" and parts[5].startswith(
            "role/"):
        return "trust"
    if lowered.startswith("kms:") and parts[2] == "kms" and parts[5].startswith("key/"):
        return "key"
    return None

"""What the engine answers: a verdict, how sure it is, and the statements that decided it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from graph.policy.plain_words import plain, raw, requirement


class Verdict(StrEnum):
    """AWS's three answers for a concrete request."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


class Outcome(StrEnum):
    """What analysis without a concrete request can say (the access graph's words)."""

    ALLOWED = "allowed"
    #: Allowed only if the listed conditions hold (or the listed deny conditions do not).
    CONDITIONAL = "conditional"
    DENIED = "denied"
    #: A fact is missing (e.g. a bucket policy that could not be read).
    UNKNOWN = "unknown"


class PolicyKind(StrEnum):
    """Where a policy sits in AWS's evaluation logic; also names the layer that blocked."""

    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SCP = "scp"
    #: A resource control policy of the organisation (the bucket account's path).
    RCP = "rcp"
    RESOURCE = "resource"
    TRUST = "trust"


#: Policy names that say what they are: "bucket policy", "route table rtb-… → vpce-…
#: (endpoint policy)" (a VPC endpoint's policy, named by the path that meets it).
_SELF_NAMED = ("bucket ", "route table ", "key policy ", "access point ")


@dataclass(frozen=True)
class StatementRef:
    """Evidence: one statement of one policy, with enough to show it to a person."""

    policy_name: str
    policy_kind: PolicyKind
    index: int
    sid: str | None
    effect: str
    #: The statement as written in the policy (JSON-decoded), for highlighting in the UI.
    statement: Any = field(compare=False)
    #: "identity policy X, statement 2 (Sid)": built once, quoted in every decision's reasons.
    #: Statements are numbered from 1 in the order of the policy's Statement list, as a person
    #: counts them (`index` is the 0-based position in that list).
    label: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sid = f" ({self.sid})" if self.sid else ""
        # "bucket policy" / "bucket ACL" / "key policy of key ..." / "route table ..." already
        # say what they are.
        kind = "" if self.policy_name.startswith(_SELF_NAMED) else \
            f"{self.policy_kind.value} policy "
        label = f"{kind}{self.policy_name}, statement {self.number}{sid}"
        object.__setattr__(self, "label", label)

    @property
    def number(self) -> int:
        """The statement's position as shown everywhere: 1 for the first statement."""
        return self.index + 1

    @cached_property
    def content(self) -> str:
        """The statement's canonical text (equal texts, equal statements). Equality of refs
        leaves the statement out (a ref names a place in a policy), so whatever depends on
        what a statement says, such as a diff or a memo, keys on this; made once per ref."""
        return json.dumps(self.statement, sort_keys=True, default=str)


@dataclass(frozen=True)
class ConditionRef:
    """A condition whose key is unknown at analysis time, and what must be true of it."""

    statement: StatementRef
    operator: str
    key: str
    values: tuple[str, ...]
    #: True: must hold for the access (an Allow's condition); False: must not hold (a Deny's).
    must_hold: bool
    @cached_property
    def text(self) -> str:
        """Quoted in every conditional answer shown: the plain words, then the raw form and
        the statement it comes from — "only over TLS — aws:SecureTransport must be true (Deny
        if Bool aws:SecureTransport [false]: bucket policy, statement 1
        (DenyInsecureTransport))". Made when first shown, not per decision: the analysis
        makes hundreds of thousands of these and shows few."""
        return f"{self.plain} ({self.raw}: {self.statement.label})"

    @property
    def plain(self) -> str:
        """"only over TLS — aws:SecureTransport must be true" (graph.policy.plain_words)."""
        return plain(self.operator, self.key, self.values, self.must_hold)

    @property
    def requirement(self) -> str:
        """"aws:SecureTransport must be true": what must hold of the key, stated positively."""
        return requirement(self.operator, self.key, self.values, self.must_hold)

    @property
    def raw(self) -> str:
        """"Deny if Bool aws:SecureTransport [false]": the condition as written."""
        return raw(self.operator, self.key, self.values, self.must_hold)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one request, with the reasons a person can check."""

    verdict: Verdict
    outcome: Outcome
    #: Human-readable reasons, most decisive first.
    reasons: tuple[str, ...] = ()
    #: Statements that decided: the matching Deny(s) for explicit_deny, the grants for allow.
    deciding: tuple[StatementRef, ...] = ()
    #: For a denial, the layer that blocked it (scp, boundary, identity, resource).
    blocked_by: PolicyKind | None = None
    #: For a conditional outcome, the unknown-key conditions it depends on.
    conditions: tuple[ConditionRef, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

"""The access graph's answers: frozen records the app, the CLI and the exports read.

Each answer carries its evidence (the statements that decided it) so that every "yes",
"only if" and "no" can be shown with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graph.policy.decision import ConditionRef, Outcome, PolicyKind, StatementRef

#: Outcomes from best to worst, for "the strongest answer wins" when merging.
OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.ALLOWED: 3,
    Outcome.CONDITIONAL: 2,
    Outcome.UNKNOWN: 1,
    Outcome.DENIED: 0,
}


def unique_refs(refs: Iterable[StatementRef]) -> tuple[StatementRef, ...]:
    """Statements without repeats (refs hold dicts, so they are not hashable)."""
    seen: dict[tuple[str, str, int], StatementRef] = {}
    for r in refs:
        seen.setdefault((r.policy_name, r.policy_kind.value, r.index), r)
    return tuple(seen.values())


def unique_conditions(conds: Iterable[ConditionRef]) -> tuple[ConditionRef, ...]:
    seen: dict[tuple[str, int, str, str, tuple[str, ...], bool], ConditionRef] = {}
    for c in conds:
        key = (c.statement.policy_name, c.statement.index, c.operator, c.key, c.values,
               c.must_hold)
        seen.setdefault(key, c)
    return tuple(seen.values())


@dataclass(frozen=True)
class ActionAccess:
    """The answer for one S3 action on one bucket, with why."""

    action: str
    level: str
    scope: str
    outcome: Outcome
    reasons: tuple[str, ...] = ()
    evidence: tuple[StatementRef, ...] = ()
    conditions: tuple[ConditionRef, ...] = ()
    blocked_by: PolicyKind | None = None
    #: Object-key prefixes the grant is limited to; () means the whole bucket.
    prefixes: tuple[str, ...] = ()

    @property
    def granted(self) -> bool:
        """True when the action is possible (allowed, or allowed under conditions)."""
        return self.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)


@dataclass(frozen=True)
class BucketAccess:
    """What one role (reached from an instance via `via`) can do on one bucket."""

    bucket: str
    role_arn: str
    #: The chain of role ARNs from the instance's own role to `role_arn` (inclusive).
    via: tuple[str, ...]
    actions: Mapping[str, ActionAccess] = field(default_factory=dict)

    def outcomes(self) -> set[Outcome]:
        return {a.outcome for a in self.actions.values()}

    @property
    def best(self) -> Outcome:
        """The strongest outcome over all actions (what the bucket's row colour shows)."""
        if not self.actions:
            return Outcome.DENIED
        return max((a.outcome for a in self.actions.values()), key=OUTCOME_RANK.__getitem__)


@dataclass(frozen=True)
class PrincipalAccess:
    """Who can reach a bucket: an instance, a role, the public, an account or a service."""

    kind: str
    id: str
    name: str
    actions: Mapping[str, ActionAccess] = field(default_factory=dict)
    #: The chain of role ARNs through which most of `actions` are granted (an instance's own
    #: role first, then each role assumed in turn).
    via: tuple[str, ...] = ()
    #: Every chain of roles that grants something here (`via` among them), for a principal
    #: that reaches the bucket several ways; () when there is only `via`.
    chains: tuple[tuple[str, ...], ...] = ()

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """Every chain of roles through which this principal reaches the bucket."""
        return self.chains or ((self.via,) if self.via else ())


def chain_label(arns: tuple[str, ...]) -> str:
    """A chain of roles as a person reads it: "ci-runner → website-deployer"."""
    return " → ".join(a.rsplit("/", 1)[-1] for a in arns)


@dataclass(frozen=True)
class Hop:
    """One edge of an explained path, with the statements that let it happen."""

    source_id: str
    target_id: str
    relation: str
    reasons: tuple[str, ...] = ()
    evidence: tuple[StatementRef, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Instance → profile → role (→ assumed roles) → bucket, and the action's answer."""

    hops: tuple[Hop, ...]
    access: ActionAccess | None


@dataclass(frozen=True)
class PointPath:
    """What a principal can do on a bucket through one of its access points, and why."""

    #: The access point's ARN and name.
    point_arn: str
    point_name: str
    #: "instance", "role" or "public", and its id (instance id, role ARN, "public").
    kind: str
    id: str
    name: str
    #: The chain of role ARNs the requests are made as (() for the public).
    via: tuple[str, ...]
    actions: Mapping[str, ActionAccess] = field(default_factory=dict)
    #: The instance's network step ("route table rtb-… → vpce-… (gateway endpoint)"); "" for
    #: a role or the public.
    network: str = ""

    @property
    def granted(self) -> tuple[ActionAccess, ...]:
        return tuple(a for a in self.actions.values() if a.granted)

    @property
    def reaching(self) -> tuple[ActionAccess, ...]:
        """The answers who-can lists: all but the denied (unknown ones among them)."""
        return tuple(a for a in self.actions.values() if a.outcome is not Outcome.DENIED)

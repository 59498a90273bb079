"""What reaching a bucket through assumed roles does to an answer.

Each "can assume" hop must itself be possible: a conditional hop makes every answer beyond it
conditional on the hop's conditions too; an unknown hop makes it unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.access.answers.class_answers import ClassAnswer, ClassAnswers
from graph.access.decide.trust import AssumeEdge
from graph.access.model import ActionAccess
from graph.policy import Outcome


def through(access: ActionAccess, hops: tuple[AssumeEdge, ...]) -> ActionAccess:
    if not hops or not access.granted:
        return access
    outcome = access.outcome
    conditions = access.conditions
    reasons = access.reasons
    for hop in hops:
        # An instance's own role is handed over by EC2 (its trust policy); others are assumed.
        step = (f"EC2 handing over {hop.target_arn}" if hop.source.startswith("service:")
                else f"assuming {hop.target_arn}")
        if hop.outcome is Outcome.CONDITIONAL:
            if outcome is Outcome.ALLOWED:
                outcome = Outcome.CONDITIONAL
            conditions = conditions + hop.conditions
            reasons = reasons + tuple(f"{step}: {r}" for r in hop.reasons
                                      if r.startswith("only "))
        elif hop.outcome is Outcome.UNKNOWN:
            outcome = Outcome.UNKNOWN
            reasons = reasons + tuple(f"{step}: {r}" for r in hop.reasons)
    if outcome is access.outcome and conditions is access.conditions:
        return access
    return ActionAccess(access.action, access.level, access.scope, outcome, reasons,
                        access.evidence, conditions, access.blocked_by, access.prefixes)


def actions_through(actions: Mapping[str, ActionAccess], hops: tuple[AssumeEdge, ...]
                    ) -> Mapping[str, ActionAccess]:
    """Every answer through `hops`; the answers themselves when every hop is certain or
    denied (`through` changes none of them then), not a copy of ~180 entries per bucket."""
    if not any(h.outcome in _CHANGING for h in hops):
        return actions
    if isinstance(actions, ClassAnswers):
        # `through` reads an answer's outcome, conditions and reasons, never its action: a
        # class's members stay one entry (an implicit denial's named reason is untouched).
        return ClassAnswers(tuple(ClassAnswer(e.mask, through(e.answer, hops), e.named_reason)
                                  for e in actions.entries))
    return {name: through(a, hops) for name, a in actions.items()}


#: The hop outcomes that change an answer beyond them (see `through`).
_CHANGING = (Outcome.CONDITIONAL, Outcome.UNKNOWN)

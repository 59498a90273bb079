"""One decided answer for bucket policies that say the same at different positions.

Most accounts put the same guardrails in every bucket policy ("deny unless TLS", "deny
unless from our endpoint") after statements of the bucket's own that name particular roles.
For a role those statements do not name, only the guardrails count, so the answer is the
same on every such bucket but for the guardrails' numbers: "bucket policy, statement 3"
here, "statement 1" there. The computer keys such answers by the guardrails' texts in
order, not by their positions (`positioned`), and an answer decided on one bucket is handed
to another with its bucket-policy evidence, conditions and reasons renumbered to that
bucket's own statements (`renumbered`), so every bucket still quotes its own policy.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from graph.access.answers.class_answers import ClassAnswer
from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.policies import BUCKET_POLICY
from graph.access.model import ActionAccess
from graph.policy import PolicyKind
from graph.policy.decision import ConditionRef, StatementRef

#: A class shape's positions: those of the bucket-policy statements it holds, in order.
Positions = tuple[int, ...]


def positioned(class_shape: object) -> tuple[object, Positions]:
    """A class shape (BucketFacts.class_shape) without its statements' positions, and the
    positions. Equal texts in the same order make equal keys wherever they stand."""
    rest, acl, general = class_shape  # type: ignore[misc]
    return (rest, acl, tuple(text for _, text in general)), tuple(n for n, _ in general)


def renumbered(found: tuple[ClassAnswer, ...], old: Positions, new: Positions,
               bf: BucketFacts) -> tuple[ClassAnswer, ...] | None:
    """`found` (decided where the statements stood at `old`) as `bf`'s own answers, its
    statements standing at `new`. None when an answer quotes a bucket-policy statement
    that is not one of them (the caller then decides the class afresh)."""
    policy = bf.policies.policy
    if policy is None or len(old) != len(new):
        return None
    statements = policy.policy.statements
    moved: dict[int, StatementRef] = {}
    out: list[ClassAnswer] = []
    for entry in found:
        answer = _moved(entry.answer, dict(zip(old, new, strict=True)), statements, moved)
        if answer is None:
            return None
        named = entry.named_reason
        if named is not None:
            named = _relabel((named,), moved)[0]
        out.append(ClassAnswer(entry.mask, answer, named))
    return tuple(out)


def _moved(a: ActionAccess, at: dict[int, int], statements: tuple[object, ...],
           moved: dict[int, StatementRef]) -> ActionAccess | None:
    refs = [*a.evidence, *(c.statement for c in a.conditions)]
    for ref in refs:
        if not _ours(ref) or ref.index in moved:
            continue
        index = at.get(ref.index)
        if index is None or index >= len(statements):
            return None
        own: StatementRef = statements[index].ref  # type: ignore[attr-defined]
        if (own.policy_name, own.sid, own.effect) != (ref.policy_name, ref.sid, ref.effect):
            return None
        moved[ref.index] = own
    if not any(_ours(r) for r in refs):
        return a
    evidence = tuple(moved[r.index] if _ours(r) else r for r in a.evidence)
    conditions = tuple(
        ConditionRef(moved[c.statement.index], c.operator, c.key, c.values, c.must_hold)
        if _ours(c.statement) else c for c in a.conditions)
    return ActionAccess(a.action, a.level, a.scope, a.outcome, _relabel(a.reasons, moved),
                        evidence, conditions, a.blocked_by, a.prefixes)


def _ours(ref: StatementRef) -> bool:
    return ref.policy_kind is PolicyKind.RESOURCE and ref.policy_name == BUCKET_POLICY


def _relabel(reasons: tuple[str, ...], moved: dict[int, StatementRef]) -> tuple[str, ...]:
    """Reasons with each moved statement's label replaced by its new one, all at once (a
    label never read as the start of a longer one: "statement 1" is not "statement 12")."""
    swaps = {ref_label: own.label for ref_label, own in _labels(moved) if ref_label != own.label}
    if not swaps or not any(_MARK in r for r in reasons):
        return reasons
    pattern = _pattern(frozenset(swaps))
    return tuple(pattern.sub(lambda m: swaps[m.group(0)], r) if _MARK in r else r
                 for r in reasons)


#: Every bucket-policy label holds this (reasons without it quote no bucket statement).
_MARK = f"{BUCKET_POLICY}, statement "


@lru_cache(maxsize=4096)
def _pattern(labels: frozenset[str]) -> re.Pattern[str]:
    """One pattern for the labels to swap, longest first (a few sets recur everywhere)."""
    return re.compile("|".join(re.escape(k) + r"(?!\d)" for k in
                               sorted(labels, key=len, reverse=True)))


def _labels(moved: dict[int, StatementRef]) -> list[tuple[str, StatementRef]]:
    """(the old label, the new ref) of every moved statement: the old label is the new ref's
    at the old position (same policy, Sid and effect: `_moved` checked)."""
    return [(replace(own, index=index).label, own) for index, own in moved.items()]

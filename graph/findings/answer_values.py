"""The value of a shared answer set, as a memo key: what every reading of the set depends on.

Answer sets are shared by thousands of buckets and roles, so what is read from one (granted
actions, a finding's grant, a diff's groups) is kept per set. Keyed by identity, such a memo
would answer for whatever object later reuses a freed one's address, and would read two equal
sets twice; keyed by value it does neither. A `StatementRef` compares by its place in its
policy, not by what the statement says (a statement rewritten in place keeps its place), so
the key adds the text of every statement an answer quotes.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from graph.access.model import ActionAccess


def quoted(answer: ActionAccess) -> tuple[str, ...]:
    """The texts of the statements an answer quotes: its evidence, then its conditions'."""
    return (*(r.content for r in answer.evidence),
            *(c.statement.content for c in answer.conditions))


def answers_key(answers: Mapping[str, ActionAccess]) -> Hashable:
    """Equal for equal answer sets, different otherwise: per action class (sets kept as
    class entries: the class's actions as a mask, its answer, the reason renamed per
    member) or per action."""
    entries = getattr(answers, "entries", None)
    if entries is not None:
        return ("classes", tuple((e.mask, e.named_reason, e.answer, quoted(e.answer))
                                 for e in entries))
    return ("actions", tuple((name, a, quoted(a)) for name, a in answers.items()))

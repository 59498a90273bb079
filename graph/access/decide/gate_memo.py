"""The gates' plan and unread facts for one caller on one bucket, made once per key.

The computer asks about one role on one bucket many times in a row: a question per action
class, then each member's finished answer. The gates' plan (what the engine is asked) and
their unread facts depend on the caller and the bucket, and on the action or the context
only where a gate says it reads them (`Gate.asks`, gate.py): so they are made once per
value of what the gates read, not once per question. A gate that declares nothing is taken
to read the whole question (the memo then keys by action and context: still exact).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.policies import RolePolicies
from graph.access.decide.combine import Plan, plan, unread
from graph.access.decide.gate import (
    ACTION,
    CONTEXT,
    ENCRYPTION,
    EVERYTHING,
    Gate,
    Question,
    Stage,
    Unread,
)
from graph.access.decide.gates.kms import kms_operations
from graph.catalog import S3Action
from graph.model import Account

#: A question's parts the gates read beyond caller and bucket, as a key.
Key = tuple[object, ...]


def asks(gate: Gate) -> frozenset[str]:
    """What of a question beyond its caller and bucket `gate` reads (all, undeclared)."""
    return getattr(gate, "asks", EVERYTHING)


def key_of(read: frozenset[str]) -> Callable[[Question], Key]:
    """The key of a question for gates that together read `read`."""
    by_action = ACTION in read
    by_kms = ENCRYPTION in read and not by_action
    by_context = CONTEXT in read

    def key(q: Question) -> Key:
        return (q.action.name if by_action else None,
                kms_operations(q.action.name) if by_kms else None,
                tuple(sorted(q.context.items())) if by_context else None)

    return key


class GateMemo:
    """Questions, plans and unread facts of the caller and bucket asked about last."""

    def __init__(self, gates: Sequence[Gate], account: Account) -> None:
        self.gates = gates
        self.account = account
        planning = [g for g in gates if g.stage is not Stage.LIMIT]
        self._plan_key = key_of(frozenset().union(*(asks(g) for g in planning)))
        self._unread_key = key_of(frozenset().union(*(asks(g) for g in gates)))
        #: Whom the memo is about: (caller, bucket, context); kept, so `is` stays exact.
        self._about: tuple[RolePolicies, BucketFacts, Mapping[str, str]] | None = None
        self._questions: dict[str, Question] = {}
        self._plans: dict[Key, Plan] = {}
        self._unreads: dict[Key, tuple[Unread, ...]] = {}
        #: Values kept for the caller and bucket by the decider (its side keys).
        self.extra: dict[str, object] = {}
        #: How the caller key's probe statements match each ARN asked (decider.py `_sided`).
        self.matched: dict[tuple[object, str], tuple[bool, ...]] = {}
        self.matched_each: dict[tuple[object, str], bool] = {}

    def question(self, rp: RolePolicies, bf: BucketFacts, action: S3Action,
                 context: Mapping[str, str]) -> Question:
        """The question of `rp` on `bf` for `action` (`context`: the whole request's)."""
        about = self._about
        if about is None or about[0] is not rp or about[1] is not bf or about[2] != context:
            self._about = (rp, bf, context)
            self._questions = {}
            self._plans = {}
            self._unreads = {}
            self.extra = {}
            self.matched = {}
            self.matched_each = {}
        found = self._questions.get(action.name)
        if found is None:
            found = self._questions[action.name] = Question(bf, action, rp, self.account,
                                                            self._about[2])
        return found

    def plan(self, q: Question) -> Plan:
        """`combine.plan` of a question `question` made."""
        key = self._plan_key(q)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = plan(self.gates, q)
        return found

    def unread(self, q: Question) -> tuple[Unread, ...]:
        """`combine.unread` of a question `question` made."""
        key = self._unread_key(q)
        found = self._unreads.get(key)
        if found is None:
            found = self._unreads[key] = unread(self.gates, q)
        return found

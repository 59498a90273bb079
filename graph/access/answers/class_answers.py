"""Decided answers kept per action class, not per action: compact and shared.

An action class's members get the same answer but for their own name (see classify/classes.py and
decide/decider.py), so one `ClassAnswer` stands for all of them, and a role's answers on a bucket
class are a tuple of such entries, shared by every bucket of the class and every role in the
same situation. `ClassAnswers` reads as the `Mapping[str, ActionAccess]` the queries, the app
and the exports have always used; each action's `ActionAccess` is made when it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.access.compile.actions import actions_in, position
from graph.access.model import ActionAccess
from graph.catalog import S3Action, s3_actions
from graph.policy.decision import Outcome

_T = TypeVar("_T")


@dataclass(frozen=True, eq=False, slots=True)
class ClassAnswer:
    """The answer for every action of `mask`: the representative's, renamed per member."""

    mask: int
    #: The answer of the class's first action.
    answer: ActionAccess
    #: The one reason that names the asked action (an implicit denial's), if any: it is
    #: rewritten with each member's name.
    named_reason: str | None = None

    def member(self, action: S3Action) -> ActionAccess:
        a = self.answer
        if action.name == a.action:
            return a
        reasons = a.reasons
        if self.named_reason is not None:
            own = self.named_reason.replace(a.action, action.name, 1)
            reasons = tuple(own if r == self.named_reason else r for r in reasons)
        return ActionAccess(action.name, action.level, action.scope, a.outcome, reasons,
                            a.evidence, a.conditions, a.blocked_by, a.prefixes)

    def members(self) -> Iterator[ActionAccess]:
        for action in actions_in(self.mask):
            yield self.member(action)


def single(answer: ActionAccess) -> ClassAnswer:
    """A class of one action (asked on its own)."""
    return ClassAnswer(1 << position(answer.action), answer)


def _bit(name: object) -> int:
    """The action's bit by its exact catalogue name (0 for anything else)."""
    try:
        return 1 << position(name)  # type: ignore[arg-type]
    except (KeyError, TypeError):
        return 0


class ValueKey:
    """A memo key standing for a set of answers by value: equal answers, equal keys.

    Its hash is computed once: answer sets are looked up thousands of times (one per bucket
    that shares them), and hashing every answer's reasons and evidence each time would cost
    more than the memo saves. Two keys of the same answer set are usually the same object,
    so equality is then decided by identity before any field is compared.
    """

    __slots__ = ("_hash", "value")

    def __init__(self, value: tuple[Hashable, ...]) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, ValueKey) and self._hash == other._hash
                                 and self.value == other.value)

    def __repr__(self) -> str:
        return f"ValueKey({self.value!r})"


class ClassAnswers(Mapping[str, ActionAccess]):
    """A role's answers on one bucket class, as class entries (read-only)."""

    __slots__ = ("_decided", "_key", "_view", "entries", "mask")

    def __init__(self, entries: tuple[ClassAnswer, ...], decided: Hashable = None) -> None:
        """`decided`: the values these answers were decided from (reach/computer.py's class
        cache keys, with its numbering), which determine them; None: key them by content."""
        self.entries = entries
        self._decided = decided
        mask = 0
        for e in entries:
            mask |= e.mask
        self.mask = mask
        self._view: tuple[Hashable, Any] | None = None
        self._key: ValueKey | None = None

    @property
    def key(self) -> ValueKey:
        """These answers by value (made on first use, then kept with them)."""
        found = self._key
        if found is None:
            if self._decided is not None:
                found = ValueKey(("decided", self._decided))
            else:
                found = ValueKey(("value", *(
                    (e.mask, _access_value(e.answer), e.named_reason) for e in self.entries)))
            self._key = found
        return found

    def view(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """A view made from these answers alone (an export's row groups), kept with them
        under a key of the values that make it: shared answers are read for thousands of
        buckets. One view is kept, the last asked (an export asks one kind)."""
        found = self._view
        if found is not None and found[0] == key:
            return found[1]  # type: ignore[no-any-return]
        value = make()
        self._view = (key, value)
        return value

    def _entry(self, bit: int) -> ClassAnswer | None:
        for e in self.entries:
            if e.mask & bit:
                return e
        return None

    def __getitem__(self, name: str) -> ActionAccess:
        bit = _bit(name)
        e = self._entry(bit) if bit else None
        if e is None:
            raise KeyError(name)
        return e.member(s3_actions()[bit.bit_length() - 1])

    def __contains__(self, name: object) -> bool:
        return bool(self.mask & _bit(name))

    def __iter__(self) -> Iterator[str]:
        """Action names in catalogue order (as the per-action maps always were)."""
        return (a.name for a in actions_in(self.mask))

    def __len__(self) -> int:
        return self.mask.bit_count()

    def __bool__(self) -> bool:
        return self.mask != 0

    def outcomes(self) -> set[Outcome]:
        """The outcomes among the answers, without making each member's answer (a member
        has its class answer's outcome)."""
        return {e.answer.outcome for e in self.entries}

    def values(self) -> list[ActionAccess]:  # type: ignore[override]
        """Every action's answer, in catalogue order."""
        pairs = [(a, e) for e in self.entries for a in actions_in(e.mask)]
        if len(self.entries) > 1:
            pairs.sort(key=lambda p: position(p[0].name))
        return [e.member(a) for a, e in pairs]

    def items(self) -> list[tuple[str, ActionAccess]]:  # type: ignore[override]
        return [(a.action, a) for a in self.values()]

    def __repr__(self) -> str:
        return f"ClassAnswers({dict(self.items())!r})"




def outcomes(res: Mapping[str, ActionAccess]) -> set[Outcome]:
    """The outcomes among `res`'s answers (class answers read without expanding them)."""
    if isinstance(res, ClassAnswers):
        return res.outcomes()
    return {a.outcome for a in res.values()}


def answers_key(res: Mapping[str, ActionAccess]) -> ValueKey:
    """A memo key for a role's (or the public's) answers on a bucket, by value: views and
    summaries made from equal answers are equal, whichever object holds them."""
    if isinstance(res, ClassAnswers):
        return res.key
    return ValueKey(("value", *((name, _access_value(a)) for name, a in res.items())))


def _access_value(a: ActionAccess) -> tuple[Hashable, ...]:
    """An answer by value, the quoted statements' text included: `StatementRef` compares by
    policy name and position only, and two buckets' policies share those ("bucket policy,
    statement 1") while saying different things."""
    return (a, tuple(r.content for r in a.evidence),
            tuple(c.statement.content for c in a.conditions))

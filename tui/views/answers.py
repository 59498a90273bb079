"""Answer maps (one principal's or role's answers on one bucket) as the access views read them.

Thousands of principals share a few answer maps, so the views remember what they worked out
from one (the filtered map, the summary) and reuse it for the others. Such a memo is keyed by
the values its answer depends on, never by `id()`: an id is reused once its object is freed,
and a memo that outlives a workspace (the filter is kept across a new assumed context) would
then hand one map's answer to another.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import partial
from typing import Any, Generic, TypeVar

from graph.access import ActionAccess
from graph.access.answers.class_answers import ClassAnswers
from graph.policy import Outcome
from graph.risk import action_risk

#: One action's answers on one bucket, by action name.
Answers = Mapping[str, ActionAccess]

T = TypeVar("T")


def answers_key(actions: Answers) -> Hashable | None:
    """What an answer map is known by in a memo, when that is cheap: the access graph's value
    key of its class answers (made once, kept with them), or the map itself when its type
    hashes and compares by value; None for any other map.

    Equal answers then share a key and different answers never do. A map known by neither
    (a plain dict, or a read-only view that hides the class answers behind it) could only be
    known by making and hashing every one of its answers, which costs as much as what the
    views work out from it: such maps are not memoised at all.
    """
    if isinstance(actions, ClassAnswers):
        return actions.key
    kind = type(actions)
    if kind.__hash__ is not None and kind.__eq__ is not object.__eq__:
        return actions
    return None


class AnswerMemo(Generic[T]):
    """`make(actions)`, made once per distinct answer map (by value) among those that hash by
    value (see `answers_key`), made each time for the others."""

    def __init__(self, make: Callable[[Answers], T]) -> None:
        self.make = make
        self._made: dict[Hashable, T] = {}

    def __call__(self, actions: Answers) -> T:
        key = answers_key(actions)
        if key is None:
            return self.make(actions)
        if key not in self._made:
            self._made[key] = self.make(actions)
        return self._made[key]


def reaches(actions: Answers) -> bool:
    """Any action not plainly denied: conditional and unknown are shown, never hidden.

    Reads answers one at a time and stops at the first that reaches (answers may be made as
    they are read)."""
    return any(actions[name].outcome is not Outcome.DENIED for name in actions)


def outcomes_of(actions: Answers) -> list[Outcome]:
    return [a.outcome for a in actions.values()]


def access_json(actions: Answers) -> dict[str, Any]:
    """An action map as JSON-ready data (for `C`, copy the current view)."""
    return {
        name: {
            "level": a.level,
            "scope": a.scope,
            "outcome": a.outcome.value,
            "reasons": list(a.reasons),
            "conditions": [str(c) for c in a.conditions],
            "evidence": [ref.label for ref in a.evidence],
            "blocked_by": a.blocked_by.value if a.blocked_by else None,
            "prefixes": list(a.prefixes),
        }
        for name, a in sorted(actions.items())
    }


def action_haystack(access: ActionAccess) -> str:
    """What the filter matches in one answer: action, outcome, level and its risk mark."""
    risk = action_risk(access)
    mark = risk.value if risk else ""
    return f"{access.action} {access.outcome.value} {access.level} {mark}".lower()


class TreeFilter:
    """The words typed after `/` in a trace or who-can: each must match the node's context
    (bucket, principal, role names) or the answer (action, outcome, level, risk mark).

    Thousands of principals may share a few answer maps: the filtered map is computed once
    per (answer map, words the context did not match) when the map is known by its value
    (see `answers_key`). The filter outlives a workspace (a new assumed context keeps it), so
    it must never take one map's answer for another's.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = tuple(text.lower().split())
        self._by_words: dict[tuple[str, ...], AnswerMemo[Answers | None]] = {}

    def __bool__(self) -> bool:
        return bool(self.words)

    def actions(self, actions: Answers, context: str) -> Answers | None:
        """`actions` whole when the context matches every word, the matching answers when
        some words are left for them, None when nothing matches."""
        lowered = context.lower()
        left = tuple(w for w in self.words if w not in lowered)
        if not left:
            return actions
        memo = self._by_words.get(left)
        if memo is None:
            memo = self._by_words[left] = AnswerMemo(partial(_matching, left))
        return memo(actions)


def _matching(words: tuple[str, ...], actions: Answers) -> Answers | None:
    """The answers matching every word, or None."""
    kept = {name: a for name, a in actions.items()
            if all(w in action_haystack(a) for w in words)}
    return kept or None

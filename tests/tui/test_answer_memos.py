"""The access views' memos are keyed by the answers' values, never by `id()`.

An id is reused as soon as its object is freed: a memo keyed by it hands a freed map's answer
to the next map allocated at the same address. The trace's filter lives across a new assumed
context (its answers are new maps), so that was a wrong answer on screen, not a slow one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping

from graph.access import ActionAccess, PrincipalAccess
from graph.access.answers.class_answers import ClassAnswers, single
from graph.policy import Outcome
from tui.views.answers import AnswerMemo, TreeFilter, answers_key, reaches
from tui.views.who_can_groups import strongest


def answer(action: str, outcome: Outcome, level: str = "Read") -> ActionAccess:
    return ActionAccess(action, level, "object", outcome, reasons=(f"{outcome.value} here",))


class FrozenAnswers(Mapping[str, ActionAccess]):
    """An answer map that hashes and compares by value, counting how often it is read."""

    def __init__(self, *answers: ActionAccess) -> None:
        self._by_name = {a.action: a for a in answers}
        self._hash = hash(frozenset(self._by_name.items()))
        self.reads = 0

    def __getitem__(self, name: str) -> ActionAccess:
        self.reads += 1
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenAnswers) and self._by_name == other._by_name


def test_a_filter_never_answers_for_a_freed_map() -> None:
    """The filter is kept while the maps it saw are replaced (a new assumed context): each
    new map, even at a freed map's address, gets its own answers."""
    kept = TreeFilter("getobject")
    for n in range(50):
        outcome = (Outcome.ALLOWED, Outcome.DENIED, Outcome.CONDITIONAL)[n % 3]
        actions = {"s3:GetObject": answer("s3:GetObject", outcome),
                   "s3:PutObject": answer("s3:PutObject", outcome, "Write")}
        shown = kept.actions(actions, "acme-app-logs via web-role")
        assert shown is not None
        assert list(shown) == ["s3:GetObject"]
        assert shown["s3:GetObject"].outcome is outcome, f"map {n} shows a freed map's answer"
        del actions, shown
        gc.collect()


def test_equal_answers_share_one_memo_entry_and_different_ones_never_collide() -> None:
    made: list[Mapping[str, ActionAccess]] = []

    def allowed(actions: Mapping[str, ActionAccess]) -> int:
        made.append(actions)
        return sum(a.outcome is Outcome.ALLOWED for a in actions.values())

    memo = AnswerMemo(allowed)
    one = FrozenAnswers(answer("s3:GetObject", Outcome.ALLOWED))
    same = FrozenAnswers(answer("s3:GetObject", Outcome.ALLOWED))
    other = FrozenAnswers(answer("s3:GetObject", Outcome.DENIED))
    assert one is not same and answers_key(one) == answers_key(same)
    assert [memo(one), memo(same), memo(other), memo(one)] == [1, 1, 0, 1]
    assert made == [one, other]  # equal values decided once; the different one on its own


def test_the_graphs_class_answers_are_known_by_their_value_key() -> None:
    """Two class-answer objects holding equal answers share a memo entry; different answers
    (here: another outcome) do not."""
    def made(outcome: Outcome) -> ClassAnswers:
        return ClassAnswers((single(answer("s3:GetObject", outcome)),))

    one, same, other = made(Outcome.ALLOWED), made(Outcome.ALLOWED), made(Outcome.DENIED)
    assert one is not same and answers_key(one) == answers_key(same) != answers_key(other)
    decided: list[Mapping[str, ActionAccess]] = []

    def reached(actions: Mapping[str, ActionAccess]) -> bool:
        decided.append(actions)
        return reaches(actions)

    memo = AnswerMemo(reached)
    assert [memo(one), memo(same), memo(other)] == [True, True, False]
    assert decided == [one, other]


def test_maps_that_do_not_hash_by_value_are_decided_each_time() -> None:
    """A plain dict is not known by its address: every map gets its own answer."""
    memo = AnswerMemo(reaches)
    assert answers_key({}) is None
    assert memo({"s3:GetObject": answer("s3:GetObject", Outcome.DENIED)}) is False
    assert memo({"s3:GetObject": answer("s3:GetObject", Outcome.UNKNOWN)}) is True


def test_a_role_line_reads_each_distinct_answer_map_once() -> None:
    """Instances of one role share their answers by value: the role's line merges them once,
    and an instance with answers of its own still counts."""
    members = [PrincipalAccess("instance", f"i-{n}", f"web-{n}",
                               FrozenAnswers(answer("s3:GetObject", Outcome.CONDITIONAL),
                                             answer("s3:PutObject", Outcome.DENIED, "Write")))
               for n in range(20)]
    members.append(PrincipalAccess("instance", "i-own", "own", {
        "s3:PutObject": answer("s3:PutObject", Outcome.ALLOWED, "Write")}))
    merged = strongest(members)
    assert {name: a.outcome for name, a in merged.items()} == {
        "s3:GetObject": Outcome.CONDITIONAL, "s3:PutObject": Outcome.ALLOWED}
    reads = [m.actions.reads for m in members[:20]]  # type: ignore[attr-defined]
    assert reads == [2] + [0] * 19

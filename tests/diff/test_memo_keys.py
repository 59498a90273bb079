"""The diff's memos are keyed by value: answer maps equal in value group together on both
sides, however many objects hold them, and a statement rewritten in place (same policy, same
place, same Sid, so its refs compare equal) still differs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from graph.access import AccessGraph, ActionAccess, build_access_graph
from graph.access.answers.class_answers import ClassAnswer, ClassAnswers
from graph.access.compile.actions import position
from graph.diff import analyse_pair, diff_graphs
from graph.diff.answers import SideAnswers, group_difference
from graph.diff.compare import Comparer
from graph.model import InlinePolicy
from graph.policy import Outcome, PolicyKind, StatementRef

from .accounts import APP, allow, base, doc, with_role

PUT = "s3:PutObject"
LOGS = "arn:aws:s3:::data/logs/*"


def _access(*resources: str) -> ActionAccess:
    """A fresh answer (new objects every call): PutObject allowed by app-inline's Logs."""
    ref = StatementRef("app/app-inline", PolicyKind.IDENTITY, 0, "Logs", "Allow",
                       allow("Logs", PUT, list(resources)))
    return ActionAccess(PUT, "Write", "object", Outcome.ALLOWED, (ref.label,), (ref,))


def _answers(*resources: str) -> ClassAnswers:
    return ClassAnswers((ClassAnswer(1 << position(PUT), _access(*resources)),))


def _side(graph: AccessGraph, classes: list[tuple[Mapping[str, ActionAccess], list[str]]],
          monkeypatch: pytest.MonkeyPatch) -> SideAnswers:
    """One side whose role answers are `classes` (each a fresh object)."""
    def role_classes(role_arn: str, instance: object = None
                     ) -> Iterator[tuple[Mapping[str, ActionAccess], list[str]]]:
        return iter(classes)

    monkeypatch.setattr(graph, "role_classes", role_classes)
    return SideAnswers(graph)


@pytest.fixture
def graphs() -> tuple[AccessGraph, AccessGraph]:
    return build_access_graph(base()), build_access_graph(base())


def test_equal_answer_maps_are_one_group(graphs: tuple[AccessGraph, AccessGraph],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    side = _side(graphs[0], [(_answers(LOGS), ["a"]), (_answers(LOGS), ["b"])], monkeypatch)
    assert [names for _, names in side.groups(APP, None).values()] == [["a", "b"]]


def test_buckets_with_equal_answers_on_both_sides_are_no_candidates(
        graphs: tuple[AccessGraph, AccessGraph], monkeypatch: pytest.MonkeyPatch) -> None:
    old = _side(graphs[0], [(_answers(LOGS), ["a", "b"])], monkeypatch)
    new = _side(graphs[1], [(_answers(LOGS), ["a"]), (_answers(LOGS, "arn:aws:s3:::x/*"),
                                                      ["b"])], monkeypatch)
    # a: equal answers made twice (distinct objects); b: its statement says more now.
    assert group_difference(old.groups(APP, None), new.groups(APP, None)) == {"b"}


def test_evidence_keys_follow_values(graphs: tuple[AccessGraph, AccessGraph],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    comparer = Comparer(*graphs)
    calls: list[str] = []
    real = graphs[0].own_evidence

    def own_evidence(bucket: str, refs: tuple[StatementRef, ...]) -> tuple[StatementRef, ...]:
        calls.append(bucket)
        return real(bucket, refs)

    monkeypatch.setattr(graphs[0], "own_evidence", own_evidence)
    first = comparer._evidence_key(comparer.old, "data", _access(LOGS))
    assert comparer._evidence_key(comparer.old, "data", _access(LOGS)) == first
    assert calls == ["data"]  # an equal answer, another object: read once
    wider = comparer._evidence_key(comparer.old, "data", _access(LOGS, "arn:aws:s3:::x/*"))
    assert wider != first and calls == ["data", "data"]


def test_a_statement_rewritten_in_place_is_a_change() -> None:
    old = base()
    rewritten = doc(allow("Logs", PUT, [LOGS, "arn:aws:s3:::elsewhere/*"]))
    new = with_role(old, APP, inline_policies=(InlinePolicy("app-inline", rewritten),))
    rows = diff_graphs(*analyse_pair(old, new)).rows
    assert [(r.kind, r.bucket, r.action, r.why) for r in rows] == [
        ("changed", "data", PUT,
         ("role app: inline policy app-inline: statement 1 (Logs) changed (Resource)",))]

"""The findings' memos of shared answer sets are keyed by value: equal sets are read once,
however many objects hold them, and sets that differ (even only in what a quoted statement
says) are never answered for each other."""

from __future__ import annotations

import pytest

from graph.access import ActionAccess, build_access_graph
from graph.access.answers.class_answers import ClassAnswer, ClassAnswers
from graph.access.compile.actions import position
from graph.findings import context as context_module
from graph.findings import trusted
from graph.findings.answer_values import answers_key
from graph.findings.context import FindingContext
from graph.model import Account, AccountSnapshot
from graph.policy import Outcome, PolicyKind, StatementRef

GET = "s3:GetObject"


def _statement(resource: str) -> dict[str, object]:
    return {"Sid": "Read", "Effect": "Allow", "Action": GET, "Resource": resource}


def _answers(resource: str = "arn:aws:s3:::data/*") -> ClassAnswers:
    """A fresh answer set (new objects every call): GetObject allowed by one statement."""
    ref = StatementRef("app/app-inline", PolicyKind.IDENTITY, 0, "Read", "Allow",
                       _statement(resource))
    access = ActionAccess(GET, "Read", "object", Outcome.ALLOWED, (ref.label,), (ref,))
    return ClassAnswers((ClassAnswer(1 << position(GET), access),))


@pytest.fixture
def ctx() -> FindingContext:
    """A context over an empty account: the memos are what is under test, not the account."""
    return FindingContext(build_access_graph(AccountSnapshot(account=Account("111111111111"))))


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    calls: list[object] = []
    real = getattr(module, name)

    def counted(*args: object) -> object:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_answers_key_is_equal_for_equal_sets_and_differs_by_statement_text() -> None:
    one, two = _answers(), _answers()
    assert one.entries[0] is not two.entries[0]
    assert answers_key(one) == answers_key(two)
    other = _answers("arn:aws:s3:::data/reports/*")
    # The refs compare equal (same policy, place, Sid, effect): only the text differs.
    assert other.entries[0].answer == one.entries[0].answer
    assert answers_key(other) != answers_key(one)


def test_granted_view_reads_equal_sets_once(ctx: FindingContext,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, context_module, "_granted_view")
    first = ctx.granted_view(_answers())
    again = ctx.granted_view(_answers())  # distinct objects, equal values
    assert again == first == (frozenset({GET}), first[1])
    assert len(calls) == 1


def test_granted_view_never_answers_for_a_set_that_quotes_another_statement(
        ctx: FindingContext) -> None:
    ctx.granted_view(_answers())
    narrower = _answers("arn:aws:s3:::data/reports/*")
    refs = ctx.granted_view(narrower)[1]
    assert [r.statement["Resource"] for r in refs] == ["arn:aws:s3:::data/reports/*"]


def test_trusted_grant_reads_equal_sets_once_and_keeps_statements_apart(
        ctx: FindingContext, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, trusted, "unique_refs")
    first = trusted._grant(ctx, _answers())
    assert trusted._grant(ctx, _answers()) == first
    assert len(calls) == 1
    narrower = trusted._grant(ctx, _answers("arn:aws:s3:::data/reports/*"))
    assert len(calls) == 2
    assert [r.statement["Resource"] for r in narrower.evidence] == [
        "arn:aws:s3:::data/reports/*"]

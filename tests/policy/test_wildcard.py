"""IAM wildcards (`*`, `?`) against a reference matcher, and patterns that used to stall.

Issue #13: wildcards compiled to backtracking regexes, so one crafted Resource
(`arn:aws:s3:::***************X`) or Action stopped the whole audit. The matcher must agree with
the textbook definition on every input and finish the pathological ones at once. The hostile
cases run with a wall-clock alarm (not a timing assertion): before the fix each one ran for
minutes, so the alarm, not a threshold, is what fails.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.access.compile.statements import StatementFacts, pattern_matches
from graph.catalog import expand_action_pattern
from graph.policy import PolicyKind, PrincipalPolicies, Request, evaluate, parse_policy
from graph.policy.conditions import make_condition
from graph.policy.context import EvalContext
from graph.policy.wildcard import LITERAL_QMARK, LITERAL_STAR, compile_globs, glob_match


def reference(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Dynamic programming over (pattern position, value position): obviously right, slow."""
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    literal = {LITERAL_STAR: "*", LITERAL_QMARK: "?"}
    row = [True] + [False] * len(value)  # pattern[:0] matches value[:j] only for j == 0
    for p in pattern:
        new = [row[0] and p == "*"] + [False] * len(value)
        for j, v in enumerate(value, start=1):
            if p == "*":
                new[j] = row[j] or new[j - 1]
            elif p == "?":
                new[j] = row[j - 1]
            else:
                new[j] = row[j - 1] and literal.get(p, p) == v
        row = new
    return row[-1]


ALPHABET = "ab:/*?" + LITERAL_STAR + LITERAL_QMARK
patterns = st.text(alphabet=ALPHABET + "A", max_size=14)
values = st.text(alphabet="abAB:/*?\n", max_size=18)


@settings(max_examples=1500, deadline=None)
@given(patterns, values, st.booleans())
def test_glob_agrees_with_the_reference(pattern: str, value: str, ignore_case: bool) -> None:
    assert glob_match(pattern, value, ignore_case) == reference(pattern, value, ignore_case)


@settings(max_examples=400, deadline=None)
@given(st.lists(patterns, min_size=2, max_size=4).map(tuple), values)
def test_an_alternation_matches_when_any_pattern_does(pattern_set: tuple[str, ...],
                                                      value: str) -> None:
    hit = compile_globs(pattern_set).fullmatch(value) is not None
    assert hit == any(reference(p, value) for p in pattern_set)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab*?", max_size=10), st.text(alphabet="ab", max_size=12))
def test_resource_and_action_prefilters_agree_with_the_reference(pattern: str,
                                                                 value: str) -> None:
    assert pattern_matches(pattern, value) == reference(pattern, value)
    facts = StatementFacts("Allow", frozenset(), (pattern,), False, (), False, frozenset(), False)
    assert facts.names_action(value) == reference(pattern, value)


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a stall is the bug these tests exist for."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still matching after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


ARN = "arn:aws:s3:::" + "a" * 47  # 60 characters
#: (pattern, value): each took from 1.7 s to hours with the backtracking translation.
HOSTILE = [
    ("arn:aws:s3:::" + "*" * 15 + "X", ARN),
    ("*a" * 8 + "b", ARN),
    ("*a" * 40 + "b", "a" * 4000),
    ("*?" * 30 + "b", "a" * 4000),
    ("a*" * 60 + "?b", "a" * 4000),
    ("*" + "a" * 200 + "b*", "a" * 20000),
]


@pytest.mark.parametrize(("pattern", "value"), HOSTILE,
                         ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_pathological_patterns_finish(pattern: str, value: str) -> None:
    with alarm(5):
        assert glob_match(pattern, value) is False
        assert pattern_matches(pattern, value) is False
        assert expand_action_pattern("s3:" + pattern) == frozenset()


def test_a_hostile_resource_decides_at_once_in_the_engine() -> None:
    pattern = "arn:aws:s3:::" + "*a" * 30 + "X"
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:" + "*a" * 30 + "*", "Resource": pattern},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringLike": {"aws:PrincipalTag/team": "*a" * 30 + "X"},
                       "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:" + "*a" * 30 + "X"}}},
    ]}, "hostile", PolicyKind.IDENTITY)
    role = "arn:aws:iam::123456789012:role/" + "a" * 60
    request = Request(principal_arn=role, action="s3:GetObject",
                      resource_arn="arn:aws:s3:::" + "a" * 60 + "/" + "a" * 900,
                      context={"aws:PrincipalTag/team": "a" * 900,
                               "aws:PrincipalArn": role})
    with alarm(5):
        decision = evaluate(request, PrincipalPolicies(identity=(policy,)))
    assert not decision.allowed


def test_string_like_and_arn_like_use_the_same_matcher() -> None:
    like = make_condition("StringLike", "aws:PrincipalTag/team", ("*a" * 30 + "X",), True)
    arn_like = make_condition("ArnLike", "aws:SourceArn",
                              ("arn:aws:s3:::" + "*a" * 30 + "X",), True)
    ctx = EvalContext(Request(principal_arn=None, action="s3:GetObject",
                              resource_arn="arn:aws:s3:::b",
                              context={"aws:PrincipalTag/team": "a" * 5000,
                                       "aws:SourceArn": "arn:aws:s3:::" + "a" * 5000}))
    with alarm(5):
        assert like.evaluate(ctx) is False
        assert arn_like.evaluate(ctx) is False


def test_literal_markers_from_variables_are_not_wildcards() -> None:
    assert glob_match("file" + LITERAL_STAR, "file*")
    assert not glob_match("file" + LITERAL_STAR, "fileX")
    assert glob_match("a" + LITERAL_QMARK + "*", "a?bc")
    assert not glob_match("a" + LITERAL_QMARK + "*", "abc")

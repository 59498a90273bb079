"""The gates' plan and unread facts are made once per value of what each gate reads
(`Gate.asks`, decide/gate_memo.py), not once per question, and a gate that declares nothing
is still asked per action and context (exact by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.access import build_access_graph
from graph.access.decide import decider
from graph.access.decide import gates as registry
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.decide.gate_memo import GateMemo
from graph.access.model import ActionAccess
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.policy import Outcome, hits
from graph.policy.document import Statement
from graph.sources import SourceSpec, open_source
from graph.sources.synth import SHAPES, write_synthetic

ACCT = "111111111111"
ROLE = f"arn:aws:iam::{ACCT}:role/r"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}
#: Four action classes on one bucket (bucket and object scope, with and without a condition).
GRANTS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketTagging"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}


def _snapshot() -> AccountSnapshot:
    role = Role(ROLE, "r", TRUST, inline_policies=(InlinePolicy("grants", GRANTS),))
    return AccountSnapshot(Account(ACCT), roles=(role,), buckets=(Bucket("data"),))


class _Counted:
    """A limit gate that reads only the caller and bucket, and counts the role's questions."""

    name = "counted switch"
    stage = Stage.LIMIT
    reads = ("a test fact",)
    asks = frozenset[str]()

    def __init__(self) -> None:
        self.unread_asked = 0

    def applies(self, q: Question) -> bool:
        return True

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        if q.caller is not None:
            self.unread_asked += 1
        return None


class _PerAction:
    """Declares nothing (`asks`), and its unread facts concern one action only."""

    name = "per-action switch"
    stage = Stage.LIMIT
    reads = ("a test fact",)

    def __init__(self) -> None:
        self.unread_asked = 0

    def applies(self, q: Question) -> bool:
        return True

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        if q.caller is not None:
            self.unread_asked += 1
        if q.action.name != "s3:ListBucket":
            return None
        return Unread(said=("the switch could not be read (it may block listing)",),
                      may_deny=True)


def test_a_gate_reading_only_caller_and_bucket_is_asked_once_per_role_and_bucket(
        monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _Counted()
    # Without the KMS gate, which reads which KMS operations each action needs.
    others = tuple(g for g in registry.GATES if g.name != "SSE-KMS key")
    monkeypatch.setattr(registry, "GATES", (*others, gate))
    g = build_access_graph(_snapshot())
    answers = g.role_bucket(ROLE, "data")
    assert answers["s3:GetObject"].outcome is Outcome.ALLOWED
    assert answers["s3:PutObject"].outcome is Outcome.CONDITIONAL
    # Four classes of questions, one unread read: the memo, not one per question.
    assert gate.unread_asked == 1


def test_a_gate_that_declares_nothing_is_asked_per_action(
        monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _PerAction()
    monkeypatch.setattr(registry, "GATES", (*registry.GATES, gate))
    answers = build_access_graph(_snapshot()).role_bucket(ROLE, "data")
    assert answers["s3:ListBucket"].outcome is Outcome.UNKNOWN
    assert answers["s3:ListBucket"].reasons[0] == ("the switch could not be read (it may "
                                                   "block listing)")
    assert answers["s3:GetObject"].outcome is Outcome.ALLOWED
    assert gate.unread_asked >= 3


def test_probe_statements_are_matched_once_per_arn_for_a_role_on_a_bucket(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Wildcard bucket-name patterns make probes (reach/caller_keys.py): every class of
    questions of a role on a bucket asks the same ARNs, and each is matched once."""
    write_synthetic(tmp_path, roles=20, instances=40, buckets=20, policies=8, seed=3,
                    shape=SHAPES["wildcard-names"])
    snap = open_source(SourceSpec(snapshot=str(tmp_path))).snapshot
    slot: list[object] = [None]
    asked: list[tuple[object, Statement, str]] = []
    question = GateMemo.question

    def watched(self: GateMemo, *args: Any) -> Question:
        q = question(self, *args)
        slot[0] = self._about
        return q

    def matches(stmt: Statement, arn: str) -> bool:
        asked.append((slot[0], stmt, arn))
        return hits.matches_arn(stmt, arn)

    monkeypatch.setattr(GateMemo, "question", watched)
    monkeypatch.setattr(decider, "matches_arn", matches)
    build_access_graph(snap)
    assert asked, "the shape has no probed statements: the test tests nothing"
    marks = [(id(about), id(stmt), arn) for about, stmt, arn in asked]
    assert len(marks) == len(set(marks)), "an ARN matched twice for one role on one bucket"

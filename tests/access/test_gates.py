"""The gates: one protocol for every layer, combined by AWS's rules, and a new layer added by
registering a module (graph/access/decide/gate.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.access import build_access_graph
from graph.access.decide import gates as registry
from graph.access.decide.combine import _together, may_deny, may_grant
from graph.access.decide.gate import Documents, Gate, Question, Stage, Unread
from graph.access.model import ActionAccess
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.policy import Decision, Outcome, PolicyKind, Verdict

ACCT = "111111111111"
ROLE = f"arn:aws:iam::{ACCT}:role/r"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}
READ = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}
PUBLIC = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::open/*"}]}


def _snapshot() -> AccountSnapshot:
    role = Role(ROLE, "r", TRUST, inline_policies=(InlinePolicy("read", READ),))
    return AccountSnapshot(Account(ACCT), roles=(role,),
                           buckets=(Bucket("data"), Bucket("open", policy=PUBLIC)))


def test_every_layer_of_today_is_a_registered_gate_in_the_order_a_request_meets_it() -> None:
    gates = registry.GATES
    assert [g.name for g in gates] == ["identity policies", "bucket policy", "bucket ACL",
                                       "Object Ownership", "Block Public Access",
                                       "resource control policies", "SSE-KMS key"]
    assert [g.stage for g in gates] == [Stage.POLICY, Stage.POLICY, Stage.GRANT, Stage.LIMIT,
                                        Stage.LIMIT, Stage.LIMIT, Stage.LIMIT]
    assert all(g.reads for g in gates)


class _Closed:
    """A limit gate that lets nothing through (an account-wide switch: uniform, so the class
    cache needs no key of its own)."""

    name = "maintenance switch"
    stage = Stage.LIMIT
    reads = ("a test fact",)

    def applies(self, q: Question) -> bool:
        return True

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return replace(access, outcome=Outcome.DENIED, blocked_by=PolicyKind.RESOURCE,
                       reasons=("closed by the maintenance switch",) + access.reasons)

    def unread(self, q: Question) -> Unread | None:
        return None


class _Unreadable(_Closed):
    """A limit gate whose facts could not be read: it may deny what is granted."""

    name = "unread switch"

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        return None

    def unread(self, q: Question) -> Unread | None:
        return Unread(said=("the switch could not be read (it may block this)",),
                      may_deny=True)


@pytest.mark.parametrize("gate", [_Closed(), _Unreadable()], ids=["denies", "unread"])
def test_a_gate_added_by_registering_it_changes_every_answer_it_concerns(
        monkeypatch: pytest.MonkeyPatch, gate: Gate) -> None:
    before = build_access_graph(_snapshot())
    assert before.role_bucket(ROLE, "data")["s3:GetObject"].outcome is Outcome.ALLOWED
    assert before.public_access("open")["s3:GetObject"].outcome is Outcome.ALLOWED

    monkeypatch.setattr(registry, "GATES", (*registry.GATES, gate))
    g = build_access_graph(_snapshot())
    role = g.role_bucket(ROLE, "data")["s3:GetObject"]
    public = g.public_access("open")["s3:GetObject"]
    if isinstance(gate, _Unreadable):
        assert role.outcome is Outcome.UNKNOWN and public.outcome is Outcome.UNKNOWN
        assert role.reasons[0] == "the switch could not be read (it may block this)"
    else:
        assert role.outcome is Outcome.DENIED and public.outcome is Outcome.DENIED
        assert role.reasons[0] == "closed by the maintenance switch"
    # The statements that granted stay the evidence: the reviewer sees what the gate stopped.
    assert [e.policy_name for e in role.evidence] == ["r/read"]
    # Who can reach the bucket reads the same answers.
    rows = {p.id: p for p in g.who_can("data", include_denied=True)}
    assert rows[ROLE].actions["s3:GetObject"].outcome is role.outcome


def _decision(verdict: Verdict, blocked: PolicyKind | None) -> Decision:
    return Decision(verdict, Outcome.DENIED, ("no",), (), blocked)


def test_unread_facts_that_could_grant_make_a_denial_unknown_unless_a_layer_they_cannot_pass_denies(
) -> None:
    policy = Unread(what="the bucket policy", may_grant=True, may_deny=True)
    acl = Unread(what="the bucket ACL", may_grant=True)
    implicit = _decision(Verdict.IMPLICIT_DENY, PolicyKind.IDENTITY)
    assert may_grant((policy, acl), implicit, "s3:GetObject", "this role") == (
        "the bucket policy and ACL could not be read (it may grant s3:GetObject to this role)",)
    assert may_grant((policy,), _decision(Verdict.EXPLICIT_DENY, PolicyKind.RESOURCE),
                     "s3:GetObject", "this role") == ()
    assert may_grant((policy,), _decision(Verdict.IMPLICIT_DENY, PolicyKind.SCP),
                     "s3:GetObject", "this role") == ()
    # An unread identity policy cannot pass the boundary; an unread bucket policy can (a
    # grant to the role's session is not limited by it).
    identity = Unread(said=("inline policy p could not be read",), may_grant=True,
                      may_deny=True,
                      cannot_pass=frozenset({PolicyKind.SCP, PolicyKind.BOUNDARY}))
    boundary = _decision(Verdict.IMPLICIT_DENY, PolicyKind.BOUNDARY)
    assert may_grant((identity,), boundary, "s3:GetObject", "this role") == ()
    assert may_grant((identity, policy), boundary, "s3:GetObject", "this role") == (
        "the bucket policy could not be read (it may grant s3:GetObject to this role)",)
    # Facts that can only grant never make a grant unknown.
    assert may_deny((acl,)) == ()
    assert may_deny((identity, policy)) == ("inline policy p could not be read",
                                            "the bucket policy could not be read (it may deny)")


def test_documents_are_named_together_as_a_person_says_them() -> None:
    assert _together(["the bucket policy"]) == "the bucket policy"
    assert _together(["the bucket policy", "the bucket ACL"]) == "the bucket policy and ACL"
    assert _together(["the key policy", "the endpoint policy", "the bucket ACL"]) == (
        "the key policy, endpoint policy and bucket ACL")

"""IAM users as escalation targets: credentials for a user (CreateAccessKey, login profiles),
then changes to what the user may do (its policies, its groups', a group it joins, a new
policy version), and a new user of its own; with the near misses that must not be reported."""

from __future__ import annotations

from dataclasses import replace

from graph.exports.diagram import to_mermaid, trace_steps
from graph.findings import escalations, escalations_to_bucket, find
from graph.findings.model import Severity
from graph.model import ManagedPolicy

from .escalation_account import DATA_ALL, allow, deny, doc
from .user_account import ACCT, APP, build_users, group, group_arn, user, user_arn

ALICE = user_arn("alice")
DATA_READ = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}


def _paths(graph, kind: str | None = None):
    return [e for e in escalations(graph) if e.role == APP and (kind is None or e.kind == kind)]


def test_create_access_key_acts_as_the_user_and_gains_its_reach() -> None:
    graph = build_users([allow("iam:CreateAccessKey", ALICE)],
                        [user("alice", DATA_READ), user("bob", DATA_ALL, path="/ops/")])
    [path] = _paths(graph)
    assert path.kind == "user-credentials" and path.target == ALICE
    assert path.label == "could gain via iam:CreateAccessKey → user alice"
    assert path.gains == {"data": frozenset({"s3:GetObject", "s3:ListBucket"})}
    assert [(s.action, s.resource) for s in path.steps] == [("iam:CreateAccessKey", ALICE)]
    assert path.steps[0].evidence[0].policy_name == "app/app-policy"
    assert path in escalations_to_bucket(graph, "data")
    finding = next(f for f in find(graph) if f.category == "privilege-escalation")
    assert "could gain via iam:CreateAccessKey → user alice" in finding.title
    assert "remove iam:CreateAccessKey" in finding.fix and "app-policy" in finding.fix
    assert ("user:" + ALICE, "bucket:data") in {(s.source, s.target) for s in finding.path}
    # The trace's drawing shows the user as a node of its own.
    drawn = to_mermaid(trace_steps(graph, "i-app1", "data"), graph)
    assert '"IAM user alice"' in drawn and "iam:CreateAccessKey" in drawn


def test_one_finding_per_cause_lists_every_user_it_reaches() -> None:
    graph = build_users([allow(["iam:CreateAccessKey", "iam:CreateLoginProfile"],
                               f"arn:aws:iam::{ACCT}:user/*")],
                        [user("alice", DATA_READ), user("carol", DATA_ALL)])
    ways = {(e.via, e.target) for e in _paths(graph, "user-credentials")}
    # An access key or a console password (CreateLoginProfile): two ways into each user.
    assert ways == {(a, u) for a in ("iam:CreateAccessKey", "iam:CreateLoginProfile")
                    for u in (ALICE, user_arn("carol"))}
    # One cause (the statement granting both), one finding naming every user.
    found = [f for f in find(graph) if f.category == "privilege-escalation"]
    assert len(found) == 1
    assert "user carol" in found[0].title  # the strongest first
    assert "1 more user(s)" in found[0].title
    assert any(line.startswith("user alice:") for line in found[0].detail)


def test_near_misses_give_no_path() -> None:
    targets = [user("alice", DATA_ALL), user("bob")]
    # Scoped to another user path: alice is at "/", the grant names /ops/*.
    other_path = build_users([allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/ops/*")],
                             targets)
    assert not _paths(other_path)
    # A Deny on iam:CreateAccessKey wins over the Allow.
    denied = build_users([allow("iam:CreateAccessKey"), deny("iam:CreateAccessKey")], targets)
    assert not _paths(denied)
    # bob reaches nothing on S3: acting as him gains nothing.
    nothing = build_users([allow("iam:CreateAccessKey", user_arn("bob"))], targets)
    assert not _paths(nothing)
    # A condition on the user's tags: the engine reads the user's tags (a tag it does not
    # carry is left to the request, so the path is only conditional, never allowed).
    tagged = build_users([allow("iam:CreateAccessKey", "*", Condition={
        "StringEquals": {"aws:ResourceTag/team": "ci"}})], targets)
    assert [e.outcome.value for e in _paths(tagged)] == ["conditional"]
    wrong = build_users([allow("iam:CreateAccessKey", "*", Condition={
        "StringEquals": {"aws:ResourceTag/team": "ci"}})],
        [user("alice", DATA_ALL, tags={"team": "web"})])
    assert not _paths(wrong)
    carrying = build_users([allow("iam:CreateAccessKey", "*", Condition={
        "StringEquals": {"aws:ResourceTag/team": "ci"}})],
        [user("alice", DATA_ALL, tags={"team": "ci"})])
    assert [(e.target, e.outcome.value) for e in _paths(carrying)] == [(ALICE, "allowed")]


def test_policy_changes_on_a_user_it_can_act_as_gain_anything() -> None:
    # bob reaches nothing, but it may write bob's policy after making bob a key.
    graph = build_users([allow(["iam:CreateAccessKey", "iam:PutUserPolicy"], user_arn("bob"))],
                        [user("bob")])
    [path] = _paths(graph)
    assert path.kind == "user-policy-write" and path.everything
    assert [s.action for s in path.steps] == ["iam:CreateAccessKey", "iam:PutUserPolicy"]
    finding = next(f for f in find(graph) if f.category == "privilege-escalation")
    assert finding.severity is Severity.CRITICAL
    assert "any action it writes into the user's (or its group's) policy" in finding.title
    # The write alone, without a way to act as bob, is no path.
    alone = build_users([allow("iam:PutUserPolicy", user_arn("bob"))], [user("bob")])
    assert not _paths(alone)


def test_group_policy_of_a_group_the_user_is_in() -> None:
    graph = build_users([allow("iam:CreateLoginProfile", user_arn("bob")),
                         allow("iam:AttachGroupPolicy", group_arn("devs"))],
                        [user("bob", groups=("devs",))], [group("devs")])
    [path] = _paths(graph)
    assert path.kind == "group-policy-write" and path.everything
    assert path.via == "iam:CreateLoginProfile + iam:AttachGroupPolicy on group devs"
    # A group bob is not in gives nothing.
    other = build_users([allow("iam:CreateLoginProfile", user_arn("bob")),
                         allow("iam:AttachGroupPolicy", group_arn("ops"))],
                        [user("bob", groups=("devs",))], [group("devs"), group("ops")])
    assert not _paths(other)


def test_a_users_reach_includes_its_groups_policies() -> None:
    graph = build_users([allow("iam:UpdateLoginProfile", ALICE)],
                        [user("alice", groups=("readers",))], [group("readers", DATA_READ)])
    [path] = _paths(graph)
    assert path.kind == "user-credentials"
    assert path.gains == {"data": frozenset({"s3:GetObject", "s3:ListBucket"})}
    [who] = [p for p in graph.who_can("data") if p.kind == "user"]
    assert who.name == "alice"
    assert any(r.policy_name == "group readers/readers-policy"
               for a in who.actions.values() for r in a.evidence)


def test_the_users_boundary_limits_its_reach_and_so_the_gain() -> None:
    arn = f"arn:aws:iam::{ACCT}:policy/read-only"
    boundary = ManagedPolicy(arn, "read-only", doc(DATA_READ))
    capped = replace(user("alice", DATA_ALL), permissions_boundary_arn=arn)
    graph = build_users([allow("iam:CreateAccessKey", ALICE)], [capped], policies=(boundary,))
    [path] = _paths(graph)
    assert path.gains == {"data": frozenset({"s3:GetObject", "s3:ListBucket"})}


def test_add_user_to_a_stronger_group() -> None:
    targets = [user("bob")]
    groups = [group("readers", DATA_READ), group("empty")]
    graph = build_users([allow("iam:CreateAccessKey", user_arn("bob")),
                         allow("iam:AddUserToGroup", group_arn("readers"))], targets, groups)
    [path] = _paths(graph)
    assert path.kind == "user-add-to-group"
    assert path.via == "iam:CreateAccessKey + AddUserToGroup readers"
    assert path.gains == {"data": frozenset({"s3:GetObject", "s3:ListBucket"})}
    # Only a group that grants nothing: no gain.
    weak = build_users([allow("iam:CreateAccessKey", user_arn("bob")),
                        allow("iam:AddUserToGroup", group_arn("empty"))], targets, groups)
    assert not _paths(weak)


def test_a_new_version_of_a_policy_attached_to_the_user() -> None:
    arn = f"arn:aws:iam::{ACCT}:policy/bob-tools"
    policy = ManagedPolicy(arn, "bob-tools", doc(allow("ec2:DescribeInstances")))
    graph = build_users([allow("iam:CreateAccessKey", user_arn("bob")),
                         allow("iam:CreatePolicyVersion", arn)],
                        [user("bob", attached=(arn,))], policies=(policy,))
    [path] = _paths(graph)
    assert path.kind == "user-policy-version" and path.everything
    assert path.steps[-1].resource == arn
    # Another policy than bob's: nothing.
    elsewhere = build_users([allow("iam:CreateAccessKey", user_arn("bob")),
                             allow("iam:CreatePolicyVersion",
                                   f"arn:aws:iam::{ACCT}:policy/other")],
                            [user("bob", attached=(arn,))], policies=(policy,))
    assert not _paths(elsewhere)


def test_create_user_with_a_key_and_a_policy() -> None:
    graph = build_users([allow(["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachUserPolicy"],
                               f"arn:aws:iam::{ACCT}:user/tmp-*")], [])
    [path] = _paths(graph)
    new = f"arn:aws:iam::{ACCT}:user/tmp-x"
    assert path.kind == "create-user" and path.target == new and path.everything
    assert [s.action for s in path.steps] == ["iam:CreateUser", "iam:CreateAccessKey",
                                              "iam:AttachUserPolicy"]
    assert "any action it writes into the new user's policy" in path.gains_text
    # No policy write: a new user can do nothing.
    no_write = build_users([allow(["iam:CreateUser", "iam:CreateAccessKey"])], [])
    assert not _paths(no_write)
    # No key for it: it cannot act as the user.
    no_key = build_users([allow(["iam:CreateUser", "iam:PutUserPolicy"]),
                          deny("iam:CreateAccessKey")], [])
    assert not _paths(no_key)

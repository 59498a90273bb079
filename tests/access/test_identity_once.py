"""A role's identity side is matched once, whatever number of bucket shapes it meets (issue 24).

Buckets named by a pattern that matches each bucket differently (`acme-*-logs-*`) and each
carrying a policy of its own make every (role, bucket) answer one of a kind; the engine's
evaluation of the role's own policies must still be shared, and every answer stay equal to
the cell-by-cell oracle.
"""

from __future__ import annotations

import pytest

from graph.access import build_access_graph
from graph.catalog import s3_actions
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, ManagedPolicy, Role
from graph.policy import Outcome

from .oracle import Oracle, same

ACCT = "111111111111"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}
SHARED_ARN = f"arn:aws:iam::{ACCT}:policy/logs"
SHARED = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::acme-*-logs-*", "arn:aws:s3:::acme-*-logs-*/*"]}]}


def _bucket(n: int) -> Bucket:
    """A bucket of its own shape: its policy denies one address range of its own."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::acme-t{n}-logs-{n}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": f"10.{n}.0.0/16"}}}]}
    return Bucket(f"acme-t{n}-logs-{n}", policy=policy)


def _snapshot(roles: int, buckets: int) -> AccountSnapshot:
    made = []
    for r in range(roles):
        # Each role also has a statement of its own on every such bucket (its own key
        # prefix): no two roles share the statements deciding a bucket.
        own = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::acme-*-logs-*/r{r}/*"}]}
        made.append(Role(f"arn:aws:iam::{ACCT}:role/r{r}", f"r{r}", TRUST,
                         inline_policies=(InlinePolicy("own", own),),
                         attached_policy_arns=(SHARED_ARN,)))
    return AccountSnapshot(Account(ACCT), roles=tuple(made),
                           buckets=tuple(_bucket(n) for n in range(buckets)),
                           managed_policies=(ManagedPolicy(SHARED_ARN, "logs", SHARED),))


def _identity_calls(roles: int, buckets: int) -> int:
    g = build_access_graph(_snapshot(roles, buckets))
    return g.data.decider.identity_calls


def test_identity_side_is_matched_once_per_statement_set_not_per_bucket_shape() -> None:
    # Four times the bucket shapes: not one more evaluation of the roles' own policies.
    assert _identity_calls(3, 4) == _identity_calls(3, 16)
    g = build_access_graph(_snapshot(3, 16))
    decider = g.data.decider
    # Each bucket's GetObject answer is its own (its policy denies a range of its own); the
    # roles' other classes are shared by every bucket the patterns match alike, so twelve
    # more buckets make twelve more combined answers, not one per role and action class.
    fewer = build_access_graph(_snapshot(3, 4)).data.decider
    assert decider.combined - fewer.combined == 16 - 4
    # Now each role's side once per action class and key prefix asked, whatever the bucket;
    # each bucket's side once per action and ARN asked, whichever role asks.
    assert decider.identity_calls <= 3 * 3
    assert decider.calls - decider.identity_calls <= 16 * 6
    assert decider.identity_calls < decider.combined


def test_answers_combined_from_matched_sides_equal_the_oracle() -> None:
    snap = _snapshot(3, 6)
    g = build_access_graph(snap)
    oracle = Oracle(snap)
    checked = 0
    for role in snap.roles:
        for bucket in snap.buckets:
            listed = g.role_bucket(role.arn, bucket.name)
            for action in s3_actions():
                want = oracle.role_cell(role, bucket, action, None)
                got = listed.get(action.name)
                if got is None:
                    assert want.outcome is Outcome.DENIED
                    continue
                assert same(got, want), (role.name, bucket.name, action.name)
                checked += 1
    # GetObject is conditional on the bucket's address deny, ListBucket allowed: both seen.
    assert checked >= 3 * 6 * 2


def test_memos_started_afresh_give_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.access.reach import computer

    snap = _snapshot(4, 6)
    kept = build_access_graph(snap)
    monkeypatch.setattr(computer, "MEMO_LIMIT", 3)
    trimmed = build_access_graph(snap)
    reach = trimmed.data.reach
    # Each role starts with the memos of at most one role before it (more than the limit).
    assert len(reach._class_cache) < len(kept.data.reach._class_cache)
    assert trimmed.data.decider.calls > kept.data.decider.calls
    for role in snap.roles:
        for bucket in snap.buckets:
            want = kept.role_bucket(role.arn, bucket.name)
            got = trimmed.role_bucket(role.arn, bucket.name)
            assert {a: (x.outcome, x.reasons, x.evidence, x.conditions, x.prefixes)
                    for a, x in got.items()} == {
                a: (x.outcome, x.reasons, x.evidence, x.conditions, x.prefixes)
                for a, x in want.items()}

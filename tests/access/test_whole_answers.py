"""A role's whole answer on a bucket is shared by the buckets its statements match alike
(issue 24, item 3).

A pattern that matches each bucket its own way (`acme-*-logs-*`) tags every bucket it names
with the bucket's name, so each (role, bucket) pair used to be decided class by class on its
own. Buckets of one shape on which the role's statements match every ARN asked alike now
share the role's whole answer, and every answer stays equal to the cell-by-cell oracle,
including on buckets the same pattern matches differently.
"""

from __future__ import annotations

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
     "Resource": ["arn:aws:s3:::acme-*-logs-*", "arn:aws:s3:::acme-*-logs-*/*"]},
    {"Effect": "Deny", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::acme-*-logs-*/secret/*"}]}

#: Buckets the pattern names but matches otherwise: only some of their keys, or not at all
#: as a bucket (`acme-x` holds `acme-x/y-logs-z/...`).
ODD = ("acme-x", "acme-q-logs", "acme-a-logs-b-logs-c")


def _snapshot(roles: int, alike: int) -> AccountSnapshot:
    made = []
    for r in range(roles):
        own = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::acme-*-logs-*/r{r}/*"}]}
        made.append(Role(f"arn:aws:iam::{ACCT}:role/r{r}", f"r{r}", TRUST,
                         inline_policies=(InlinePolicy("own", own),),
                         attached_policy_arns=(SHARED_ARN,)))
    buckets = [Bucket(f"acme-t{n}-logs-{n}") for n in range(alike)]
    buckets += [Bucket(name) for name in ODD]
    return AccountSnapshot(Account(ACCT), roles=tuple(made), buckets=tuple(buckets),
                           managed_policies=(ManagedPolicy(SHARED_ARN, "logs", SHARED),))


def test_buckets_matched_alike_share_the_whole_answer() -> None:
    small = build_access_graph(_snapshot(3, 4))
    large = build_access_graph(_snapshot(3, 16))
    for g in (small, large):
        for n in range(3):
            g.role_bucket(f"arn:aws:iam::{ACCT}:role/r{n}", "acme-t0-logs-0")
    # Four times the buckets matched alike: not one more request combined or class decided.
    assert large.data.decider.combined == small.data.decider.combined
    assert len(large.data.reach._class_cache) == len(small.data.reach._class_cache)


def test_shared_whole_answers_equal_the_oracle() -> None:
    snap = _snapshot(3, 5)
    g = build_access_graph(snap)
    oracle = Oracle(snap)
    seen: set[Outcome] = set()
    prefixed = 0
    for role in snap.roles:
        for bucket in snap.buckets:
            listed = g.role_bucket(role.arn, bucket.name)
            for action in s3_actions():
                want = oracle.role_cell(role, bucket, action, None)
                got = listed.get(action.name)
                if got is None:
                    assert want.outcome is Outcome.DENIED, (role.name, bucket.name, action.name)
                    continue
                assert same(got, want), (role.name, bucket.name, action.name)
                seen.add(got.outcome)
                prefixed += bool(got.prefixes)
    # Granted on the buckets matched alike, and only under a role's own prefix elsewhere.
    assert Outcome.ALLOWED in seen
    assert prefixed


def test_answers_through_certain_hops_are_handed_out_as_they_are() -> None:
    from graph.access.decide.trust import AssumeEdge
    from graph.access.reach.chain import actions_through

    g = build_access_graph(_snapshot(1, 2))
    answers = g.role_bucket(f"arn:aws:iam::{ACCT}:role/r0", "acme-t0-logs-0")
    certain = AssumeEdge("service:ec2.amazonaws.com", f"arn:aws:iam::{ACCT}:role/r0",
                         Outcome.ALLOWED, (), (), ())
    # Not a copy of every answer per bucket: the answers themselves.
    assert actions_through(answers, (certain,)) is answers
    unsure = AssumeEdge("service:ec2.amazonaws.com", f"arn:aws:iam::{ACCT}:role/r0",
                        Outcome.UNKNOWN, ("the trust policy could not be read",), (), ())
    through = actions_through(answers, (certain, unsure))
    granted = [name for name, a in answers.items() if a.granted]
    assert granted
    # An unsure hop still makes every granted answer beyond it unknown.
    assert all(through[name].outcome is Outcome.UNKNOWN for name in granted)

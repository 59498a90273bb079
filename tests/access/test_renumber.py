"""Guardrails at different positions in bucket policies: decided once, quoted per bucket.

Every bucket policy here ends with the same "deny unless TLS" and "deny uploads without
KMS" guardrails, after a different number of statements naming another account's roles. For a role
those statements do not name, each bucket's answer is the same but for the guardrails'
numbers, so it must be decided once (issue 24), and every bucket must still quote its own
statement numbers in evidence, conditions and reasons, as the cell-by-cell oracle does.
"""

from __future__ import annotations

from graph.access import build_access_graph
from graph.catalog import s3_actions
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.policy import Outcome

from .oracle import Oracle, same

ACCT = "111111111111"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}


def _bucket(n: int, before: int) -> Bucket:
    arn = f"arn:aws:s3:::data-{n}"
    own = [{"Sid": f"Other{k}", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::222222222222:role/other{k}"},
            "Action": "s3:GetObject", "Resource": f"{arn}/team{k}/*"} for k in range(before)]
    guards = [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{arn}/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    ]
    return Bucket(f"data-{n}", policy={"Version": "2012-10-17", "Statement": own + guards})


def _snapshot(buckets: int, spread: int = 12) -> AccountSnapshot:
    reader = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::data-*", "arn:aws:s3:::data-*/*"]}]}
    roles = [Role(f"arn:aws:iam::{ACCT}:role/app", "app", TRUST,
                  inline_policies=(InlinePolicy("rw", reader),))]
    return AccountSnapshot(Account(ACCT), roles=tuple(roles),
                           buckets=tuple(_bucket(n, n % spread) for n in range(buckets)))


def test_guardrails_at_other_positions_are_decided_once() -> None:
    alike = build_access_graph(_snapshot(12, spread=1)).data.decider.combined
    spread = build_access_graph(_snapshot(12)).data.decider.combined
    # The guardrails at twelve positions ask nothing more than at one.
    assert spread == alike


def test_each_bucket_quotes_its_own_statement_numbers() -> None:
    snap = _snapshot(12)
    g = build_access_graph(snap)
    oracle = Oracle(snap)
    app = snap.roles[0]
    quoted = set()
    for bucket in snap.buckets:
        listed = g.role_bucket(app.arn, bucket.name)
        before = int(bucket.name.split("-")[1]) % 12
        for action in s3_actions():
            want = oracle.role_cell(app, bucket, action, None)
            got = listed.get(action.name)
            if got is None:
                assert want.outcome is Outcome.DENIED
                continue
            assert same(got, want), (bucket.name, action.name)
            for c in got.conditions:
                # Its own guardrail's number: after `before` statements of its own.
                assert c.statement.index in (before, before + 1), (bucket.name, c.text)
                assert f"statement {c.statement.index + 1}" in c.text
                quoted.add((bucket.name, c.statement.index))
        put = listed["s3:PutObject"]
        assert put.outcome is Outcome.CONDITIONAL
        assert f"bucket policy, statement {before + 2}" in " ".join(c.text for c in put.conditions)
    assert len(quoted) >= 24

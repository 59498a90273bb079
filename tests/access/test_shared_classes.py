"""Buckets sharing one decided answer must not borrow a statement that names another bucket."""

from __future__ import annotations

from graph.access import AccessGraph, build_access_graph
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.policy import Outcome

ACCT = "111111111111"
ROLE = f"arn:aws:iam::{ACCT}:role/r"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}


def _graph(*statements: dict[str, object], buckets: tuple[Bucket, ...]) -> AccessGraph:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    role = Role(ROLE, "r", TRUST, inline_policies=(InlinePolicy("p", policy),))
    return build_access_graph(AccountSnapshot(Account(ACCT), roles=(role,), buckets=buckets))


def test_a_bucket_named_first_does_not_lend_its_grant_to_plain_buckets() -> None:
    g = _graph(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::web-a/*"},
        buckets=(Bucket("web-a"), Bucket("other-b")))
    assert g.role_bucket(ROLE, "web-a")["s3:GetObject"].outcome is Outcome.ALLOWED
    other = g.role_bucket(ROLE, "other-b")["s3:GetObject"]
    assert other.outcome is Outcome.CONDITIONAL
    assert [e.index for e in other.evidence] == [0]


def test_a_bucket_named_first_does_not_lend_its_deny_to_look_alikes() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::x"}]}
    g = _graph(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::a-denied"},
        buckets=(Bucket("a-denied", policy=policy), Bucket("b-open", policy=policy)))
    assert g.role_bucket(ROLE, "a-denied")["s3:ListBucket"].outcome is Outcome.DENIED
    assert g.role_bucket(ROLE, "b-open")["s3:ListBucket"].outcome is Outcome.ALLOWED

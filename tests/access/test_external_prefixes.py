"""Other accounts and services granted only part of a bucket still get an answer."""

from __future__ import annotations

from graph.access import build_access_graph
from graph.model import Account, AccountSnapshot, Bucket
from graph.policy import Outcome

ACCT = "111111111111"


def _account(statements: list[dict[str, object]]) -> AccountSnapshot:
    policy = {"Version": "2012-10-17", "Statement": statements}
    return AccountSnapshot(Account(ACCT), buckets=(Bucket("data", policy=policy),))


def test_a_partner_granted_a_prefix_reads_under_it() -> None:
    g = build_access_graph(_account([
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/exports/*"]},
    ]))
    (partner,) = g.external("data")
    get = partner.actions["s3:GetObject"]
    assert get.outcome is Outcome.ALLOWED and get.prefixes == ("exports/",)
    assert partner.actions["s3:ListBucket"].prefixes == ()


def test_a_service_granted_a_prefix_writes_under_it_unless_denied() -> None:
    g = build_access_graph(_account([
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/logs/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::data/logs/secret/*"},
    ]))
    (service,) = g.external("data")
    put = service.actions["s3:PutObject"]
    assert put.outcome is Outcome.ALLOWED and put.prefixes == ("logs/",)

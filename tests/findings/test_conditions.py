"""Guards written as a Deny count like conditions on the Allow: a trust to "*" that denies
callers outside the organization is not broad; a public grant that denies all but one VPC
endpoint is reported as conditioned, lower."""

from __future__ import annotations

import dataclasses

from graph.access import build_access_graph
from graph.findings import Severity, find
from graph.model import AccountSnapshot, Bucket, Role

ORG_GUARD = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
     "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}


def _with(snapshot: AccountSnapshot, role: Role | None = None,
          bucket: Bucket | None = None) -> AccountSnapshot:
    return dataclasses.replace(
        snapshot, roles=snapshot.roles + ((role,) if role else ()),
        buckets=snapshot.buckets + ((bucket,) if bucket else ()))


def test_trust_to_anyone_guarded_by_an_org_deny_is_not_broad(
        findings_snapshot: AccountSnapshot) -> None:
    acct = findings_snapshot.account_id
    guarded = Role(f"arn:aws:iam::{acct}:role/org-only", "org-only", ORG_GUARD)
    open_role = Role(f"arn:aws:iam::{acct}:role/open", "open",
                     {"Version": "2012-10-17", "Statement": [ORG_GUARD["Statement"][0]]})
    g = build_access_graph(_with(_with(findings_snapshot, guarded), open_role))
    broad = {f.role.rsplit("/", 1)[-1] for f in find(g) if f.category == "broad-trust"}
    assert "open" in broad and "org-only" not in broad


def test_public_grant_limited_by_a_vpce_deny_is_conditioned(
        findings_snapshot: AccountSnapshot) -> None:
    arn = "arn:aws:s3:::vpce-only"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"{arn}/*"},
        {"Sid": "OnlyVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"],
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}}]}
    g = build_access_graph(_with(findings_snapshot, bucket=Bucket("vpce-only", policy=policy)))
    f = next(f for f in find(g) if f.category == "public-bucket" and f.bucket == "vpce-only")
    assert f.severity is Severity.MEDIUM and "aws:SourceVpce" in f.title

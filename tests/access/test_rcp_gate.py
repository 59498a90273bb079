"""Resource control policies: the bucket account's organisation path must allow every request
to its buckets, whoever asks; the management account's buckets and service-linked roles are
not bound; RCPs that could not be read make granted answers unknown."""

from __future__ import annotations

from graph.access import build_access_graph
from graph.catalog import s3_actions
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.model_common import Unread
from graph.model_org import IN_ORGANIZATION, Organization, OrgPolicy, OrgTarget
from graph.policy import Outcome, PolicyKind

from .oracle import Oracle, same

ACCT = "111111111111"
ORG = "o-abc123"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}
S3_ALL = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
PUBLIC_READ = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::site/*"}]}
FULL = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
#: The documented data-perimeter RCP: only the organisation's principals reach its buckets.
PERIMETER = {"Version": "2012-10-17", "Statement": [{
    "Sid": "OnlyOurOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                  "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
#: No one writes to the archive buckets.
NO_WRITES = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ArchiveIsReadOnly", "Effect": "Deny", "Principal": "*",
    "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::archive-*/*"}]}


def _org(*, management: str = "999999999999", unread: bool = False) -> Organization:
    full = OrgPolicy("p-full", "RCPFullAWSAccess", FULL, aws_managed=True)
    root = OrgTarget("r-root", "ROOT", rcps=(full,))
    account = OrgTarget(ACCT, "ACCOUNT", rcps=(
        full, OrgPolicy("p-1", "perimeter", PERIMETER), OrgPolicy("p-2", "archive", NO_WRITES)),
        unread=(Unread("organisation policies", "RCPs", "AccessDenied"),) if unread else ())
    return Organization(IN_ORGANIZATION, ORG, management, (root, account))


def _snapshot(org: Organization | None) -> AccountSnapshot:
    role = Role(ROLE, "app", TRUST, inline_policies=(InlinePolicy("s3", S3_ALL),))
    linked = Role(f"arn:aws:iam::{ACCT}:role/aws-service-role/s3.amazonaws.com/AWSSLR",
                  "AWSSLR", TRUST, path="/aws-service-role/s3.amazonaws.com/",
                  inline_policies=(InlinePolicy("s3", S3_ALL),))
    buckets = (Bucket("data"), Bucket("archive-2024"), Bucket("site", policy=PUBLIC_READ))
    return AccountSnapshot(Account(ACCT), roles=(role, linked), buckets=buckets,
                           organization=org)


def test_an_rcp_deny_on_some_buckets_and_actions_binds_exactly_those() -> None:
    g = build_access_graph(_snapshot(_org()))
    archive = g.role_bucket(ROLE, "archive-2024")
    # The organisation's own role passes the perimeter (aws:PrincipalOrgID is known).
    assert archive["s3:GetObject"].outcome is Outcome.ALLOWED
    put = archive["s3:PutObject"]
    assert put.outcome is Outcome.DENIED and put.blocked_by is PolicyKind.RCP
    assert put.reasons[0] == (
        "explicitly denied by rcp policy archive, statement 1 (ArchiveIsReadOnly)")
    # Another bucket of the same shape is not bound by the archive RCP.
    assert g.role_bucket(ROLE, "data")["s3:PutObject"].outcome is Outcome.ALLOWED


def test_the_perimeter_rcp_denies_the_public_what_a_bucket_policy_grants() -> None:
    public = build_access_graph(_snapshot(_org())).public_access("site")["s3:GetObject"]
    assert public.outcome is Outcome.DENIED
    assert "rcp policy perimeter, statement 1 (OnlyOurOrg)" in public.reasons[0]
    alone = build_access_graph(_snapshot(None)).public_access("site")["s3:GetObject"]
    assert alone.outcome is Outcome.ALLOWED


def test_rcps_bind_neither_the_management_accounts_buckets_nor_service_linked_roles() -> None:
    managed = build_access_graph(_snapshot(_org(management=ACCT)))
    assert managed.role_bucket(ROLE, "archive-2024")["s3:PutObject"].outcome is Outcome.ALLOWED
    g = build_access_graph(_snapshot(_org()))
    slr = f"arn:aws:iam::{ACCT}:role/aws-service-role/s3.amazonaws.com/AWSSLR"
    assert g.role_bucket(slr, "archive-2024")["s3:PutObject"].outcome is Outcome.ALLOWED


def test_rcps_that_could_not_be_read_leave_grants_unknown() -> None:
    got = build_access_graph(_snapshot(_org(unread=True))).role_bucket(ROLE, "data")
    assert got["s3:GetObject"].outcome is Outcome.UNKNOWN
    assert "resource control policies could not be read" in got["s3:GetObject"].reasons[0]


def test_every_answer_equals_the_cell_by_cell_oracle() -> None:
    snapshot = _snapshot(_org())
    g = build_access_graph(snapshot)
    oracle = Oracle(snapshot)
    actions = s3_actions()
    for role in snapshot.roles:
        for bucket in snapshot.buckets:
            got = g.role_bucket(role.arn, bucket.name)
            for action in actions:
                want = oracle.role_cell(role, bucket, action)
                have = got.get(action.name)
                if have is None:
                    assert want.outcome is Outcome.DENIED, (role.name, bucket.name, action.name)
                else:
                    assert same(have, want), (role.name, bucket.name, action.name)

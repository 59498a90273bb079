"""A grant limited to object-key prefixes meets the KMS key and the RCPs as those objects.

The KMS encryption context (`aws:s3:arn`) and an RCP's Resource name the objects a request is
for: a role granted only `bucket/reports/*` asks about objects under reports/, never
`bucket/*`. Planted: a key policy letting the role use the key only for objects under
reports/ (a role granted reports/ and private/ keeps reports/ only; one granted private/
alone is denied; with a Bucket Key the context is the bucket and the prefix condition never
holds), and an RCP denying every bucket's confidential/ objects. Every cell equals the
cell-by-cell oracle's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from graph.access import AccessGraph, build_access_graph
from graph.catalog import s3_actions
from graph.model import Account, AccountSnapshot, Bucket, InlinePolicy, Role
from graph.model_org import IN_ORGANIZATION, Organization, OrgPolicy, OrgTarget
from graph.policy import Outcome, PolicyKind
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live

from .oracle import Oracle, same
from .test_oracle import _mismatches

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
ROLES = {"both": ("reports/*", "private/*"), "private": ("private/*",),
         "reports": ("reports/*",)}


def _arn(role: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{role}"


def _grant(bucket: str, parts: tuple[str, ...]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/{p}" for p in parts]}]}


@pytest.fixture(scope="module")
def kms_account() -> Iterator[AccountSnapshot]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        conn = AwsConnection(session, retry_mode="standard", max_attempts=1)
        iam, kms, s3 = (conn.client(s, REGION) for s in ("iam", "kms", "s3"))
        for role, parts in ROLES.items():
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
            iam.put_role_policy(RoleName=role, PolicyName="s3", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    *_grant("prefixed", parts)["Statement"],  # type: ignore[list-item]
                    *_grant("bucketkey", parts)["Statement"]]}))  # type: ignore[list-item]
        for bucket, bucket_key in (("prefixed", False), ("bucketkey", True)):
            policy = {"Version": "2012-10-17", "Statement": [
                {"Sid": "Admin", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                 "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*"],
                 "Resource": "*"},
                {"Sid": "ReportsOnly", "Effect": "Allow",
                 "Principal": {"AWS": [_arn(r) for r in ROLES]},
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
                 "Condition": {"StringLike": {
                     "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}/reports/*"}}}]}
            key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    "BucketKeyEnabled": bucket_key}]})
        yield load_live(conn, (REGION,))


@pytest.fixture(scope="module")
def kms_graph(kms_account: AccountSnapshot) -> AccessGraph:
    return build_access_graph(kms_account)


def test_the_encryption_context_names_the_granted_prefix(kms_graph: AccessGraph) -> None:
    got = kms_graph.role_bucket(_arn("reports"), "prefixed")["s3:GetObject"]
    assert got.outcome is Outcome.ALLOWED and got.prefixes == ("reports/",)
    # reports/ and private/: the key serves reports/ only, and says why not private/.
    both = kms_graph.role_bucket(_arn("both"), "prefixed")["s3:PutObject"]
    assert both.outcome is Outcome.ALLOWED and both.prefixes == ("reports/",)
    assert both.reasons[0] == "only for objects under reports/"
    assert any(r.startswith("not for objects under private/: SSE-KMS") for r in both.reasons)
    private = kms_graph.role_bucket(_arn("private"), "prefixed")["s3:GetObject"]
    assert private.outcome is Outcome.DENIED and "kms:Decrypt" in private.reasons[0]


def test_with_a_bucket_key_the_context_is_the_bucket(kms_graph: AccessGraph) -> None:
    got = kms_graph.role_bucket(_arn("reports"), "bucketkey").get("s3:GetObject")
    assert got is not None and got.outcome is Outcome.DENIED


def test_kms_prefix_cells_equal_the_oracle(kms_account: AccountSnapshot,
                                           kms_graph: AccessGraph) -> None:
    bad = _mismatches(kms_graph, Oracle(kms_account), kms_account)
    assert not bad, f"{len(bad)} cells differ, first: " + "\n".join(bad[:5])


#: Every bucket's confidential/ objects are out of bounds, whoever asks.
NO_CONFIDENTIAL = {"Version": "2012-10-17", "Statement": [{
    "Sid": "NoConfidential", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::*/confidential/*"}]}
FULL = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def _rcp_snapshot() -> AccountSnapshot:
    full = OrgPolicy("p-full", "RCPFullAWSAccess", FULL, aws_managed=True)
    org = Organization(IN_ORGANIZATION, "o-abc123", "999999999999", (
        OrgTarget("r-root", "ROOT", rcps=(full,)),
        OrgTarget(ACCOUNT, "ACCOUNT", rcps=(full, OrgPolicy("p-1", "fence", NO_CONFIDENTIAL)))))
    roles = tuple(Role(_arn(name), name, TRUST, inline_policies=(
        InlinePolicy("s3", _grant("data", parts)),)) for name, parts in (
        ("confidential", ("confidential/*",)), ("public", ("public/*",)),
        ("mixed", ("confidential/*", "public/*"))))
    return AccountSnapshot(Account(ACCOUNT), roles=roles, buckets=(Bucket("data"),),
                           organization=org)


def test_an_rcp_on_a_prefix_binds_the_grants_under_it() -> None:
    g = build_access_graph(_rcp_snapshot())
    fenced = g.role_bucket(_arn("confidential"), "data")["s3:GetObject"]
    assert fenced.outcome is Outcome.DENIED and fenced.blocked_by is PolicyKind.RCP
    assert "rcp policy fence, statement 1 (NoConfidential)" in fenced.reasons[0]
    assert g.role_bucket(_arn("public"), "data")["s3:GetObject"].outcome is Outcome.ALLOWED
    mixed = g.role_bucket(_arn("mixed"), "data")["s3:GetObject"]
    assert mixed.outcome is Outcome.ALLOWED and mixed.prefixes == ("public/",)


def test_rcp_prefix_cells_equal_the_oracle() -> None:
    snapshot = _rcp_snapshot()
    g = build_access_graph(snapshot)
    oracle = Oracle(snapshot)
    for role in snapshot.roles:
        got = g.role_bucket(role.arn, "data")
        for action in s3_actions():
            want = oracle.role_cell(role, snapshot.buckets[0], action)
            have = got.get(action.name)
            assert (want.outcome is Outcome.DENIED) if have is None else same(have, want), \
                (role.name, action.name)

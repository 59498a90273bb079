"""The live boto3 loader over the demo emulator: read-only, denials, throttling, opt-in regions."""

from __future__ import annotations

import itertools
import re
from typing import Any

import boto3
import pytest
from botocore.retries.standard import ExponentialBackoff
from moto.core.authorization import enable_iam_authentication
from sources_faults import auditor_connection, fresh_connection, inject_error

from graph.errors import SourceError
from graph.model import (
    UNKNOWN_ACL,
    UNKNOWN_LOCATION,
    UNKNOWN_POLICY,
    UNKNOWN_PUBLIC_ACCESS_BLOCK,
    LoadWarning,
)
from graph.sources import connection
from graph.sources.connection import AwsConnection
from graph.sources.demo import demo_endpoint
from graph.sources.demo_cast import PRIVATE_BUCKET, REGIONS
from graph.sources.live import load_live

READ_ONLY = re.compile(r"^(Get|List|Describe)[A-Z]")
_users = itertools.count()


def test_loader_calls_only_read_operations(demo_conn: AwsConnection) -> None:
    conn = fresh_connection()
    called: set[tuple[str, str]] = set()

    def record(model: Any, **_: Any) -> None:
        called.add((model.service_model.service_name, model.name))

    conn.session.events.register("before-call", record)
    snapshot = load_live(conn, REGIONS)
    writes = {c for c in called if not READ_ONLY.match(c[1])}
    assert not writes, f"loader called non-read operations: {sorted(writes)}"
    assert {
        ("sts", "GetCallerIdentity"), ("iam", "GetAccountAuthorizationDetails"),
        ("ec2", "DescribeInstances"), ("s3", "ListBuckets"), ("s3", "GetBucketLocation"),
        ("s3", "GetBucketPolicy"), ("s3", "GetPublicAccessBlock"), ("s3", "GetBucketAcl"),
        ("s3control", "GetPublicAccessBlock"),
    } <= called
    assert snapshot.warnings == ()


def _signed(warnings: tuple[LoadWarning, ...]) -> list[LoadWarning]:
    """The warnings but moto's own under enable_iam_authentication: its server answers
    lambda:ListFunctions with SignatureDoesNotMatch there (real AWS and moto without IAM
    authentication answer it; the loader rightly reports the refusal as unknown)."""
    return [w for w in warnings if not (w.operation == "lambda:ListFunctions"
                                        and "SignatureDoesNotMatch" in w.message)]


def _deny(demo_conn: AwsConnection, action: str) -> AwsConnection:
    return auditor_connection(demo_conn, f"auditor-{next(_users)}", action)


@pytest.mark.parametrize("kind, action", [
    (UNKNOWN_POLICY, "s3:GetBucketPolicy"),
    (UNKNOWN_ACL, "s3:GetBucketAcl"),
    (UNKNOWN_LOCATION, "s3:GetBucketLocation"),
])
def test_denied_bucket_reads_are_unknown_not_absent(
    demo_conn: AwsConnection, kind: str, action: str
) -> None:
    conn = _deny(demo_conn, action)
    with enable_iam_authentication():
        snapshot = load_live(conn, REGIONS)
    assert all(kind in b.unknown for b in snapshot.buckets)
    denied = [w for w in snapshot.warnings if w.operation == action]
    assert {w.target for w in denied} == {b.name for b in snapshot.buckets}
    assert {w.code for w in denied} == {"AccessDenied"}
    if kind == UNKNOWN_POLICY:
        # The private bucket has a policy; denied, it must not read as "no policy".
        private = snapshot.bucket_by_name[PRIVATE_BUCKET]
        assert private.policy is None and private.policy_unknown
    assert snapshot.roles and snapshot.instances  # the rest of the account still loads


def test_denied_iam_leaves_instances_and_buckets(demo_conn: AwsConnection) -> None:
    conn = _deny(demo_conn, "iam:GetAccountAuthorizationDetails")
    with enable_iam_authentication():
        snapshot = load_live(conn, REGIONS)
    assert snapshot.roles == () and "iam" in snapshot.account.unknown
    assert [w.code for w in _signed(snapshot.warnings)] == ["AccessDenied"]
    assert snapshot.instances and snapshot.buckets


def test_denied_describe_instances_marks_each_region(demo_conn: AwsConnection) -> None:
    conn = _deny(demo_conn, "ec2:DescribeInstances")
    with enable_iam_authentication():
        snapshot = load_live(conn, REGIONS)
    assert snapshot.instances == ()
    assert {f"instances:{r}" for r in REGIONS} <= snapshot.account.unknown
    assert sorted(w.target for w in _signed(snapshot.warnings)) == sorted(REGIONS)


def test_denied_list_buckets(demo_conn: AwsConnection) -> None:
    # Injected on the wire: whether moto enforces IAM on ListBuckets changed between its
    # releases (5.2.6 stopped), and what is tested is how the loader takes AWS's denial.
    conn = fresh_connection()
    inject_error(conn, "before-send.s3.ListBuckets", status=403, code="AccessDenied",
                 message="Access Denied")
    snapshot = load_live(conn, REGIONS)
    assert snapshot.buckets == () and "buckets" in snapshot.account.unknown
    warnings = [(w.operation, w.code) for w in snapshot.warnings]
    assert warnings == [("s3:ListBuckets", "AccessDenied")]


def test_denied_public_access_block_reads(demo_conn: AwsConnection) -> None:
    # moto enforces no IAM on these two: the denial is injected.
    conn = fresh_connection()
    inject_error(conn, "before-send.s3.GetPublicAccessBlock", status=403, code="AccessDenied",
                 message="Access Denied")
    inject_error(conn, "before-send.s3-control.GetPublicAccessBlock", status=403,
                 code="AccessDenied", message="Access Denied")
    snapshot = load_live(conn, REGIONS)
    assert all(UNKNOWN_PUBLIC_ACCESS_BLOCK in b.unknown for b in snapshot.buckets)
    assert all(b.public_access_block is None for b in snapshot.buckets)
    assert UNKNOWN_PUBLIC_ACCESS_BLOCK in snapshot.account.unknown
    ops = {w.operation for w in snapshot.warnings}
    assert ops == {"s3:GetPublicAccessBlock", "s3control:GetPublicAccessBlock"}


def test_persistent_throttling_becomes_a_warning(demo_conn: AwsConnection) -> None:
    conn = fresh_connection(max_attempts=2)
    seen = inject_error(conn, "before-send.s3.GetBucketPolicy", status=503, code="SlowDown",
                        message="Please reduce your request rate.",
                        when=lambda request: PRIVATE_BUCKET in request.url)
    snapshot = load_live(conn, REGIONS)
    assert len(seen) == 2  # botocore retried once before giving up
    assert snapshot.bucket_by_name[PRIVATE_BUCKET].policy_unknown
    assert [(w.target, w.code) for w in snapshot.warnings] == [(PRIVATE_BUCKET, "SlowDown")]


def test_throttling_that_clears_is_retried(demo_conn: AwsConnection) -> None:
    conn = fresh_connection(max_attempts=3)
    seen = inject_error(conn, "before-send.iam.GetAccountAuthorizationDetails", status=400,
                        code="Throttling", message="Rate exceeded", protocol="query", times=1)
    snapshot = load_live(conn, REGIONS)
    assert len(seen) == 1
    assert snapshot.warnings == () and len(snapshot.roles) == 7


def _adaptive_connection(monkeypatch: pytest.MonkeyPatch) -> AwsConnection:
    """What `--profile` builds (AwsConnection.from_profile's defaults), on the demo endpoint;
    botocore's backoff between attempts is skipped (only the number of attempts is tested)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(connection, "identity_pause", lambda rounds: None)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1")
    return AwsConnection(session, endpoint_url=demo_endpoint())


def test_live_loads_retry_in_adaptive_mode(demo_conn: AwsConnection) -> None:
    conn = AwsConnection.from_profile(None)
    for service in ("sts", "iam", "s3", "ec2"):
        retries = conn.client(service).meta.config.retries
        assert retries["mode"] == "adaptive" and retries["total_max_attempts"] == 4


def test_five_throttled_identity_calls_do_not_end_a_load(
        demo_conn: AwsConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    """GetCallerIdentity is the one call nothing loads without: throttled, it gets a longer
    budget (10 attempts or more) than other calls (4), so a burst of throttling is waited
    out."""
    conn = _adaptive_connection(monkeypatch)
    seen = inject_error(conn, "before-send.sts.GetCallerIdentity", status=400,
                        code="Throttling", message="Rate exceeded", protocol="query", times=5)
    snapshot = load_live(conn, REGIONS)
    assert len(seen) == 5
    assert snapshot.warnings == () and len(snapshot.roles) == 7


def test_the_identity_budget_has_an_end(demo_conn: AwsConnection,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _adaptive_connection(monkeypatch)
    seen = inject_error(conn, "before-send.sts.GetCallerIdentity", status=400,
                        code="Throttling", message="Rate exceeded", protocol="query")
    with pytest.raises(SourceError, match=r"sts:GetCallerIdentity failed: .*\[Throttling\]"):
        load_live(conn, REGIONS)
    assert len(seen) == 12  # whole rounds of 4 attempts until 10 or more were throttled


def test_the_identity_budget_is_for_throttling_only(demo_conn: AwsConnection,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _adaptive_connection(monkeypatch)
    seen = inject_error(conn, "before-send.sts.GetCallerIdentity", status=500,
                        code="InternalFailure", message="boom", protocol="query")
    with pytest.raises(SourceError, match=r"\[InternalFailure\]"):
        load_live(conn, REGIONS)
    assert len(seen) == 4  # --max-attempts, as for every call


def test_region_not_enabled_is_a_warning(demo_conn: AwsConnection) -> None:
    conn = fresh_connection()
    inject_error(conn, "before-send.ec2.DescribeInstances", status=401, code="AuthFailure",
                 message="AWS was not able to validate the provided access credentials",
                 protocol="ec2", when=lambda request: "me-south-1" in request.url
                 or request.context.get("client_region") == "me-south-1")
    snapshot = load_live(conn, (*REGIONS, "me-south-1"))
    assert [w.target for w in snapshot.warnings] == ["me-south-1"]
    assert "not enabled" in snapshot.warnings[0].message
    assert "instances:me-south-1" in snapshot.account.unknown
    assert {i.region for i in snapshot.instances} == set(REGIONS)


def test_aws_endpoint_url_is_honoured(demo_conn: AwsConnection,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No endpoint passed: botocore takes AWS_ENDPOINT_URL, s3control keeps the account off it."""
    endpoint = demo_conn.endpoint_url
    assert endpoint is not None
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1")
    conn = AwsConnection(session, retry_mode="standard", max_attempts=1)
    snapshot = load_live(conn, REGIONS)
    assert snapshot.warnings == () and len(snapshot.buckets) == 7
    assert conn.client("s3control").meta.endpoint_url == endpoint


def test_denied_describe_regions_falls_back_to_the_session_region(
    demo_conn: AwsConnection,
) -> None:
    conn = fresh_connection()
    inject_error(conn, "before-send.ec2.DescribeRegions", status=403,
                 code="UnauthorizedOperation", message="You are not authorized", protocol="ec2")
    snapshot = load_live(conn)  # no regions named: the loader asks DescribeRegions
    assert [(w.operation, w.code) for w in snapshot.warnings] == [
        ("ec2:DescribeRegions", "UnauthorizedOperation")]
    assert {i.region for i in snapshot.instances} == {"us-east-1"}
    assert "instances:*" in snapshot.account.unknown

"""Access points (gate 4), on an account read through boto3 (moto, s3control included).

One VPC in eu-west-1 with a subnet behind an S3 gateway endpoint and one behind a NAT
gateway, and a second VPC with its own endpoint; an instance of role `reader` in each.
`ap-delegated`'s bucket policy delegates to access points (s3:DataAccessPointAccount = the
owner); `ap-plain` has no bucket policy. Near-misses: a point policy allowing on a bucket that
does not delegate (denied), a VPC-origin point asked from another VPC and over the NAT
(denied), the delegation pattern (not public), a public point whose own Block Public Access
restricts it (no finding).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from graph.access import AccessGraph, build_access_graph
from graph.findings import find
from graph.model_common import GATE_ACCESS_POINTS, Unread
from graph.policy import Outcome
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

REGION = "eu-west-1"
ACCOUNT = "123456789012"
GET = "s3:GetObject"
READER = f"arn:aws:iam::{ACCOUNT}:role/reader"
_OPEN = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
         "RestrictPublicBuckets": False}


def _point_arn(name: str) -> str:
    return f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/{name}"


def _point_policy(name: str, principal: object, sid: str, keys: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow", "Principal": principal, "Action": GET,
        "Resource": f"{_point_arn(name)}/object/{keys}"}]})


DELEGATION = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DelegateToAccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"},
    "Action": "*", "Resource": ["arn:aws:s3:::ap-delegated", "arn:aws:s3:::ap-delegated/*"],
    "Condition": {"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}}}]}


def _network(ec2: object, ids: dict[str, str]) -> None:
    """VPC `data` (a subnet behind its endpoint, one behind a NAT) and VPC `other` (its own
    endpoint)."""
    for vpc_name, cidr in (("data", "10.7.0.0/16"), ("other", "10.8.0.0/16")):
        ids[vpc_name] = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]  # type: ignore[attr-defined]
    subnets = {"endpoint": ("data", "10.7.1.0/24"), "nat": ("data", "10.7.2.0/24"),
               "public": ("data", "10.7.3.0/24"), "elsewhere": ("other", "10.8.1.0/24")}
    for name, (vpc_name, cidr) in subnets.items():
        ids[name] = ec2.create_subnet(  # type: ignore[attr-defined]
            VpcId=ids[vpc_name], CidrBlock=cidr)["Subnet"]["SubnetId"]
        if name != "public":
            table = ec2.create_route_table(VpcId=ids[vpc_name])  # type: ignore[attr-defined]
            ids[f"rt-{name}"] = table["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(  # type: ignore[attr-defined]
                RouteTableId=ids[f"rt-{name}"], SubnetId=ids[name])
    for name, vpc_name in (("endpoint", "data"), ("elsewhere", "other")):
        ids[f"vpce-{name}"] = ec2.create_vpc_endpoint(  # type: ignore[attr-defined]
            VpcId=ids[vpc_name], ServiceName=f"com.amazonaws.{REGION}.s3",
            VpcEndpointType="Gateway", RouteTableIds=[ids[f"rt-{name}"]],
        )["VpcEndpoint"]["VpcEndpointId"]
    igw = ec2.create_internet_gateway()["InternetGateway"][  # type: ignore[attr-defined]
        "InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids["data"])  # type: ignore[attr-defined]
    allocation = ec2.allocate_address(Domain="vpc")  # type: ignore[attr-defined]
    nat = ec2.create_nat_gateway(  # type: ignore[attr-defined]
        SubnetId=ids["public"], AllocationId=allocation["AllocationId"])["NatGateway"]
    ec2.create_route(RouteTableId=ids["rt-nat"],  # type: ignore[attr-defined]
                     DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"])


@pytest.fixture(scope="module")
def account() -> Iterator[tuple[AccessGraph, dict[str, str]]]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        conn = AwsConnection(session, retry_mode="standard", max_attempts=1)
        iam = conn.client("iam", REGION)
        iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
        # On the buckets' own ARNs only: through a point, the identity policy grants nothing.
        iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": [GET, "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::ap-*", "arn:aws:s3:::ap-*/*"]}]}))
        # Connected to the points by its identity policy alone (no instance).
        iam.create_role(RoleName="point-user", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": []}))
        iam.put_role_policy(RoleName="point-user", PolicyName="via-points",
                            PolicyDocument=json.dumps({
                                "Version": "2012-10-17", "Statement": [{
                                    "Effect": "Allow", "Action": GET,
                                    "Resource": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/"
                                                "*/object/*"}]}))
        # Near-miss: reads another bucket; nothing connects it to a point.
        iam.create_role(RoleName="unrelated", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": []}))
        iam.put_role_policy(RoleName="unrelated", PolicyName="other", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": GET, "Resource": "arn:aws:s3:::other/*"}]}))
        iam.create_instance_profile(InstanceProfileName="reader")
        iam.add_role_to_instance_profile(InstanceProfileName="reader", RoleName="reader")
        ec2 = conn.client("ec2", REGION)
        ids: dict[str, str] = {}
        _network(ec2, ids)
        for name in ("endpoint", "nat", "elsewhere"):
            ids[f"i-{name}"] = ec2.run_instances(
                ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=ids[name],
                IamInstanceProfile={"Name": "reader"})["Instances"][0]["InstanceId"]
        s3 = conn.client("s3", REGION)
        for bucket in ("ap-delegated", "ap-plain"):
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_OPEN)
        s3.put_bucket_policy(Bucket="ap-delegated", Policy=json.dumps(DELEGATION))
        s3control = conn.client("s3control", REGION)
        points = {
            "vpc-point": ("ap-delegated", {"AWS": READER}, "ReaderInVpc", ids["data"], True),
            "open-point": ("ap-delegated", "*", "Anyone", None, False),
            "blocked-point": ("ap-delegated", "*", "AnyoneBlocked", None, True),
            "plain-point": ("ap-plain", {"AWS": READER}, "ReaderPlain", None, False),
            "prefix-point": ("ap-delegated", {"AWS": READER}, "ReaderReports", None, False),
        }
        for name, (bucket, principal, sid, vpc, restrict) in points.items():
            extra: dict[str, object] = {"PublicAccessBlockConfiguration": {
                **_OPEN, "RestrictPublicBuckets": restrict, "BlockPublicPolicy": restrict}}
            if vpc is not None:
                extra["VpcConfiguration"] = {"VpcId": vpc}
            s3control.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=bucket, **extra)
            s3control.put_access_point_policy(AccountId=ACCOUNT, Name=name, Policy=_point_policy(
                name, principal, sid, "reports/*" if name == "prefix-point" else "*"))
        snapshot = load_live(conn, (REGION,))
    assert snapshot.access_points is not None and len(snapshot.access_points) == 5
    yield build_access_graph(snapshot), ids


def _through(g: AccessGraph, instance: str, bucket: str, point: str) -> tuple[Outcome, ...]:
    inst = g.snapshot.instance_by_id[instance]
    paths = g.points.instance_paths(inst, bucket, (g.points.find(bucket, point),))
    return tuple(p.actions[GET].outcome for p in paths)


def test_from_the_points_vpc_both_policies_allow(account: tuple[AccessGraph, dict[str, str]]
                                                ) -> None:
    g, ids = account
    inst = g.snapshot.instance_by_id[ids["i-endpoint"]]
    [path] = g.points.instance_paths(inst, "ap-delegated", (g.points.find("ap-delegated",
                                                                          "vpc-point"),))
    got = path.actions[GET]
    assert got.outcome is Outcome.ALLOWED
    assert {e.label for e in got.evidence} >= {
        "access point vpc-point, statement 1 (ReaderInVpc)",
        "bucket policy, statement 1 (DelegateToAccessPoints)"}
    assert path.point_arn == _point_arn("vpc-point")
    assert ids["vpce-endpoint"] in path.network


def test_a_vpc_point_from_another_vpc_or_over_the_nat_is_denied(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    for instance in (ids["i-elsewhere"], ids["i-nat"]):
        assert _through(g, instance, "ap-delegated", "vpc-point") == (Outcome.DENIED,)
        inst = g.snapshot.instance_by_id[instance]
        [path] = g.points.instance_paths(inst, "ap-delegated",
                                         (g.points.find("ap-delegated", "vpc-point"),))
        assert f"answers only requests from {ids['data']}" in path.actions[GET].reasons[0]


def test_a_point_policy_on_a_bucket_that_does_not_delegate_is_denied(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    inst = g.snapshot.instance_by_id[ids["i-endpoint"]]
    [path] = g.points.instance_paths(inst, "ap-plain", (g.points.find("ap-plain",
                                                                      "plain-point"),))
    got = path.actions[GET]
    assert got.outcome is Outcome.DENIED
    assert "does not delegate to access points" in got.reasons[0]
    # The bucket itself: the reader's own grant, as before.
    assert g.explain(ids["i-endpoint"], "ap-plain", GET).access.outcome is Outcome.ALLOWED


def test_the_delegation_is_not_public_and_direct_answers_stay_decided(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    # The point keys are absent on a direct request: the delegation grants nothing to it,
    # neither to the public (no finding) nor as a condition on the role's own grant.
    assert not any(a.granted or a.outcome is Outcome.UNKNOWN
                   for a in g.public_access("ap-delegated").values())
    assert g.role_bucket(READER, "ap-delegated")[GET].outcome is Outcome.ALLOWED
    findings = find(g)
    assert not [f for f in findings if f.category == "public-bucket"]


def test_a_public_point_is_a_finding_unless_its_bpa_restricts_it(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, _ = account
    public = {p.point_name: p.actions[GET].outcome for p in g.points.public_paths(
        "ap-delegated")}
    assert public == {"vpc-point": Outcome.DENIED, "open-point": Outcome.ALLOWED,
                      "blocked-point": Outcome.DENIED, "prefix-point": Outcome.DENIED}
    found = [f for f in find(g) if f.category == "public-access-point"]
    assert [f.principal for f in found] == [_point_arn("open-point")]
    assert found[0].bucket == "ap-delegated"
    assert [e.label for e in found[0].evidence] == ["access point open-point, statement 1 "
                                                    "(Anyone)"]


def test_cli_trace_through_a_point_and_who_can(account: tuple[AccessGraph, dict[str, str]],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    g, ids = account
    snap = tmp_path / "account.json"
    save_snapshot(g.snapshot, snap)
    code = main(["trace", ids["i-endpoint"], "ap-delegated", "--access-point", "vpc-point",
                 "--action", GET, "--format", "json", "--snapshot", str(snap)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["access"]["outcome"] == "allowed"
    hop = next(h for h in out["hops"] if h["relation"] == "through access point")
    assert hop["to"] == f"accesspoint:{_point_arn('vpc-point')}"
    assert hop["evidence"] == ["access point vpc-point, statement 1 (ReaderInVpc)"]
    code = main(["trace", ids["i-nat"], "ap-delegated", "--access-point", "vpc-point",
                 "--snapshot", str(snap)])
    text = capsys.readouterr().out
    assert code == 1
    assert f"via access point {_point_arn('vpc-point')}" in text
    main(["who-can", "ap-delegated", "--format", "json", "--snapshot", str(snap)])
    who = json.loads(capsys.readouterr().out)["access_point_paths"]
    assert {(p["kind"], p["id"], p["access_point_name"]) for p in who} >= {
        ("instance", ids["i-endpoint"], "vpc-point"), ("public", "public", "open-point")}
    assert not any(p["id"] in (ids["i-nat"], ids["i-elsewhere"])
                   and p["access_point_name"] == "vpc-point" for p in who)
    assert main(["trace", ids["i-endpoint"], "ap-delegated", "--access-point", "nope",
                 "--snapshot", str(snap)]) == 2
    assert "no access point named 'nope'" in capsys.readouterr().err


def test_who_can_lists_roles_connected_to_a_point(account: tuple[AccessGraph, dict[str, str]]
                                                 ) -> None:
    g, _ = account
    roles = {(p.name, p.point_name): p.actions[GET].outcome
             for p in g.points.who_can("ap-delegated") if p.kind == "role"}
    # The identity policy on the point's ARN suffices at the point; the bucket delegates. A
    # VPC-origin point: only from its VPC, so conditional for a role on its own.
    assert roles[("point-user", "open-point")] is Outcome.ALLOWED
    assert roles[("point-user", "vpc-point")] is Outcome.CONDITIONAL
    assert roles[("reader", "vpc-point")] is Outcome.CONDITIONAL
    # Nothing connects "unrelated" to vpc-point; the "*" points let anyone in (blocked-point's
    # RestrictPublicBuckets keeps the owner account's principals, this role among them).
    assert {point for name, point in roles if name == "unrelated"} == {"open-point",
                                                                          "blocked-point"}
    # Skipping the roles nothing connects to a point changes no answer: asked of every role.
    every = {(p.name, p.point_name): p.actions[GET].outcome for r in g.snapshot.roles
             for p in g.points.role_paths(r.arn, "ap-delegated") if p.reaching}
    assert every == roles
    # The bucket without delegation: the point's grant to reader does not count.
    assert not any(p.name == "reader" for p in g.points.who_can("ap-plain"))


def test_an_unread_point_policy_leaves_its_paths_unknown(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    points = tuple(dataclasses.replace(p, policy=None, unread=(Unread(
        GATE_ACCESS_POINTS, f"policy of access point {p.name}",
        "s3control:GetAccessPointPolicy: AccessDenied"),)) for p in g.snapshot.access_points)
    g2 = build_access_graph(dataclasses.replace(g.snapshot, access_points=points))
    inst = g2.snapshot.instance_by_id[ids["i-endpoint"]]
    [path] = g2.points.instance_paths(inst, "ap-delegated",
                                      (g2.points.find("ap-delegated", "vpc-point"),))
    got = path.actions[GET]
    assert got.outcome is Outcome.UNKNOWN
    assert "the policy of access point vpc-point could not be read" in got.reasons[0]
    assert not [f for f in find(g2) if f.category == "public-access-point"]


def test_a_point_policy_limited_to_a_prefix(account: tuple[AccessGraph, dict[str, str]]
                                           ) -> None:
    g, ids = account
    inst = g.snapshot.instance_by_id[ids["i-nat"]]
    [path] = g.points.instance_paths(inst, "ap-delegated",
                                     (g.points.find("ap-delegated", "prefix-point"),))
    got = path.actions[GET]
    assert (got.outcome, got.prefixes) == (Outcome.ALLOWED, ("reports/",))
    assert "access point prefix-point, statement 1 (ReaderReports)" in {
        e.label for e in got.evidence}


def test_trace_diagrams_draw_the_access_point_hop(account: tuple[AccessGraph, dict[str, str]],
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    g, ids = account
    snap = tmp_path / "account.json"
    save_snapshot(g.snapshot, snap)
    assert main(["trace", ids["i-endpoint"], "ap-delegated", "--format", "mermaid",
                 "--snapshot", str(snap)]) == 0
    out = capsys.readouterr().out
    nodes = dict(re.findall(r'^\s+(n\d+)\["([^"]*)"\]$', out, re.M))
    edges = {(nodes[a], nodes[b]): label for a, label, b in re.findall(
        r'^\s+(n\d+) -- "([^"]*)" --> (n\d+)$', out, re.M)}
    # The direct path and the one through the VPC point, each hop with its statements.
    assert ("role reader", "bucket ap-delegated") in edges
    into = edges[("role reader", "access point vpc-point")]
    assert into.startswith(f"through access point (route table {ids['rt-endpoint']} → ")
    assert into.endswith("<br/>access point vpc-point, statement 1 (ReaderInVpc)")
    assert edges[("access point vpc-point", "bucket ap-delegated")].startswith("can ")
    # Near-miss: over the NAT the VPC point answers nothing, so it is not drawn.
    assert main(["trace", ids["i-nat"], "ap-delegated", "--format", "mermaid",
                 "--snapshot", str(snap)]) in (0, 3)
    assert "access point vpc-point" not in capsys.readouterr().out
    # --access-point draws only that point's path, with --action its explained hops.
    assert main(["trace", ids["i-endpoint"], "ap-delegated", "--access-point", "vpc-point",
                 "--action", GET, "--format", "dot", "--snapshot", str(snap)]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith('digraph "path" {') and 'label="access point vpc-point"' in dot
    labels = re.findall(r'-> n\d+ \[label="((?:[^"\\]|\\.)*)"', dot)
    assert any(x.startswith("through access point") for x in labels)
    assert any(x.startswith(f"{GET}: allowed") for x in labels)
    assert not any(x.startswith("can ") for x in labels)  # no direct path drawn

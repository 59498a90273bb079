"""The network path and VPC endpoint policy gates, on an account read through boto3 (moto).

One VPC in eu-west-1: a subnet behind an S3 gateway endpoint, one behind a NAT gateway, one
with no route out; an instance of the same role in each. The near-misses: a bucket policy
denying unless aws:SourceVpce (allowed behind the endpoint, denied over the NAT), one denying
unless aws:SourceIp is the NAT's (the reverse), a bucket in another region (no path from the
endpoint subnet), a bucket the endpoint policy does not name, and network facts not read.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from sources_faults import inject_error

from graph.access import AccessGraph, build_access_graph
from graph.exports import export
from graph.exports.rows import rows
from graph.findings import find
from graph.model import AccountSnapshot
from graph.policy import Outcome
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live
from graph.wizard import BucketGrant, RolePlan
from graph.wizard.whatif import what_if

REGION = "eu-west-1"
OTHER = "us-east-1"
ACCOUNT = "123456789012"
GET = "s3:GetObject"


def _arn(bucket: str, suffix: str = "") -> str:
    return f"arn:aws:s3:::{bucket}{suffix}"


def _endpoint_policy(deny_bucket: str) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "OurBuckets", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
         "Resource": [_arn(b, s) for b in ("vpce-only", "ip-only", deny_bucket)
                      for s in ("", "/*")]},
        {"Sid": "NeverThisOne", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [_arn(deny_bucket), _arn(deny_bucket, "/*")]}]}


def _deny_unless(key: str, value: str, bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [_arn(bucket), _arn(bucket, "/*")],
        "Condition": {"StringNotEquals" if key != "aws:SourceIp" else "NotIpAddress":
                      {key: value}}}]})


@pytest.fixture
def conn() -> Iterator[AwsConnection]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        yield AwsConnection(session, retry_mode="standard", max_attempts=1)


def _account(conn: AwsConnection) -> dict[str, str]:
    ec2 = conn.client("ec2", REGION)
    iam = conn.client("iam", REGION)
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    iam.put_role_policy(RoleName="reader", PolicyName="read-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [GET,
                                                "s3:ListBucket"], "Resource": "*"}]}))
    iam.create_instance_profile(InstanceProfileName="reader")
    iam.add_role_to_instance_profile(InstanceProfileName="reader", RoleName="reader")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ids = {"vpc": vpc}
    for name, cidr in (("endpoint", "10.9.1.0/24"), ("nat", "10.9.2.0/24"),
                       ("isolated", "10.9.3.0/24"), ("public", "10.9.4.0/24")):
        ids[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        if name != "public":
            ids[f"rt-{name}"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=ids[f"rt-{name}"], SubnetId=ids[name])
    ids["vpce"] = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
        RouteTableIds=[ids["rt-endpoint"]],
        PolicyDocument=json.dumps(_endpoint_policy("endpoint-denied")),
    )["VpcEndpoint"]["VpcEndpointId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")
    ids["nat-ip"] = allocation["PublicIp"]
    nat = ec2.create_nat_gateway(SubnetId=ids["public"], AllocationId=allocation[
        "AllocationId"])["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=ids["rt-nat"], DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=nat)
    for name in ("endpoint", "nat", "isolated"):
        ids[f"i-{name}"] = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=ids[name],
            IamInstanceProfile={"Name": "reader"})["Instances"][0]["InstanceId"]
    s3 = conn.client("s3", REGION)
    for bucket in ("vpce-only", "ip-only", "endpoint-denied", "not-in-endpoint-policy"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="vpce-only",
                         Policy=_deny_unless("aws:SourceVpce", ids["vpce"], "vpce-only"))
    s3.put_bucket_policy(Bucket="ip-only",
                         Policy=_deny_unless("aws:SourceIp", f"{ids['nat-ip']}/32", "ip-only"))
    conn.client("s3", OTHER).create_bucket(Bucket="elsewhere")
    return ids


@pytest.fixture
def account(conn: AwsConnection) -> tuple[AccessGraph, dict[str, str]]:
    ids = _account(conn)
    snapshot = load_live(conn, (REGION, OTHER))
    assert snapshot.network_of(REGION) is not None
    return build_access_graph(snapshot), ids


def _get(g: AccessGraph, instance: str, bucket: str) -> tuple[Outcome, tuple[str, ...]]:
    acc = g.explain(instance, bucket, GET).access
    assert acc is not None
    return acc.outcome, acc.reasons


def test_source_vpce_is_decided_from_the_instance_route(account: tuple[AccessGraph, dict[str, str]]
                                                        ) -> None:
    g, ids = account
    # The role alone: the bucket policy's condition on aws:SourceVpce is left open.
    assert g.role_bucket(f"arn:aws:iam::{ACCOUNT}:role/reader", "vpce-only")[GET].outcome \
        is Outcome.CONDITIONAL
    assert _get(g, ids["i-endpoint"], "vpce-only")[0] is Outcome.ALLOWED
    outcome, reasons = _get(g, ids["i-nat"], "vpce-only")
    assert outcome is Outcome.DENIED and "explicitly denied by bucket policy" in reasons[0]
    # Over the NAT, S3 sees the NAT's address; through the endpoint, no aws:SourceIp at all.
    assert _get(g, ids["i-nat"], "ip-only")[0] is Outcome.ALLOWED
    assert _get(g, ids["i-endpoint"], "ip-only")[0] is Outcome.DENIED


def test_other_region_from_an_endpoint_only_subnet_has_no_path(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    outcome, reasons = _get(g, ids["i-endpoint"], "elsewhere")
    assert outcome is Outcome.DENIED and reasons[0] == f"no network path to S3 in {OTHER}"
    assert not any("no statement grants" in r for r in reasons)
    assert _get(g, ids["i-nat"], "elsewhere")[0] is Outcome.ALLOWED
    outcome, reasons = _get(g, ids["i-isolated"], "not-in-endpoint-policy")
    assert outcome is Outcome.DENIED and reasons[0] == f"no network path to S3 in {REGION}"


def test_endpoint_policy_limits_and_its_deny_wins(account: tuple[AccessGraph, dict[str, str]]
                                                  ) -> None:
    g, ids = account
    outcome, reasons = _get(g, ids["i-endpoint"], "not-in-endpoint-policy")
    assert outcome is Outcome.DENIED
    assert reasons == (f"the policy of VPC endpoint {ids['vpce']} does not allow {GET} on this "
                       "bucket",)
    outcome, reasons = _get(g, ids["i-endpoint"], "endpoint-denied")
    assert outcome is Outcome.DENIED and "NeverThisOne" in reasons[0]
    assert _get(g, ids["i-nat"], "not-in-endpoint-policy")[0] is Outcome.ALLOWED


def test_trace_who_can_and_exports_show_the_gate(account: tuple[AccessGraph, dict[str, str]]
                                                 ) -> None:
    g, ids = account
    x = g.explain(ids["i-endpoint"], "vpce-only", GET)
    step = x.hops[-2]  # before the role's "can access" step
    assert step.relation == "network path" and x.hops[-1].relation == "can access"
    assert step.reasons[0] == f"route table {ids['rt-endpoint']} → {ids['vpce']} (gateway endpoint)"
    assert [e.label for e in step.evidence] == [
        f"route table {ids['rt-endpoint']} → {ids['vpce']} (endpoint policy), statement 1 "
        "(OurBuckets)"]
    who = {p.id: p.actions[GET].outcome for p in g.who_can("vpce-only", action=GET,
                                                           include_denied=True)
           if p.kind == "instance"}
    assert who == {ids["i-endpoint"]: Outcome.ALLOWED, ids["i-nat"]: Outcome.DENIED,
                   ids["i-isolated"]: Outcome.DENIED}
    found = [r for r in rows(g, "per-action", instance=ids["i-endpoint"], bucket="vpce-only")
             if r["action"] == GET]
    assert [r["outcome"] for r in found] == ["allowed"]
    assert any("(endpoint policy), statement 1" in e for e in found[0]["granted_by"])


def test_network_not_read_is_unknown_with_the_reason(conn: AwsConnection) -> None:
    ids = _account(conn)
    # A fresh connection: the error is registered before it makes its clients.
    reader = AwsConnection(boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                         aws_secret_access_key="testing"),
                           retry_mode="standard", max_attempts=1)
    inject_error(reader, "before-send.ec2.DescribeRouteTables", status=403,
                 code="AccessDenied", message="not authorized", protocol="ec2")
    g = build_access_graph(load_live(reader, (REGION, OTHER)))
    outcome, reasons = _get(g, ids["i-nat"], "not-in-endpoint-policy")
    assert outcome is Outcome.UNKNOWN
    assert reasons[0].startswith(f"the route table of {ids['nat']} was not read")
    assert "AccessDenied" in reasons[0]


def test_snapshot_without_network_facts_is_not_checked(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    """An older snapshot (no network facts at all: its load warning names the gate as not
    checked) keeps the policies' answers; a trace shows no network step for it."""
    g, ids = account
    older: AccountSnapshot = dataclasses.replace(g.snapshot, network=None)
    x = build_access_graph(older).explain(ids["i-endpoint"], "elsewhere", GET)
    assert x.access is not None and x.access.outcome is Outcome.ALLOWED
    assert "network path" not in [h.relation for h in x.hops]


def test_finding_per_endpoint_open_to_any_bucket(conn: AwsConnection) -> None:
    ids = _account(conn)
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    # No policy given: AWS (and moto) set full access.
    open_ = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                                    VpcEndpointType="Gateway", RouteTableIds=[table]
                                    )["VpcEndpoint"]["VpcEndpointId"]
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    found = [f for f in find(g) if f.category == "open-vpc-endpoint"]
    # The first VPC's endpoint names its buckets: not open. The second is, once.
    assert [f.title for f in found] == [
        f"S3 endpoint {open_} ({vpc}) has a policy that allows any bucket: a way out to "
        "buckets of any account"] or [f.title for f in found] == [
        f"S3 endpoint {open_} ({vpc}) has no endpoint policy (full access): a way out to "
        "buckets of any account"]
    assert ids["vpce"] not in str(found)


def test_wizard_preview_warns_when_the_network_blocks_the_bucket(
        account: tuple[AccessGraph, dict[str, str]]) -> None:
    g, ids = account
    plan = RolePlan(name="new-reader", trusted_services=("ec2.amazonaws.com",),
                    grants=(BucketGrant.parse("list,read:not-in-endpoint-policy"),
                            BucketGrant.parse("read:elsewhere"), BucketGrant.parse("read:ip-only")))
    preview = what_if(plan, g.snapshot, [ids["i-endpoint"], ids["i-nat"]], g)
    behind, nat = preview.changes
    assert behind.blocked == {
        "not-in-endpoint-policy": f"the policy of VPC endpoint {ids['vpce']} denies GetObject, "
                                  "GetObjectVersion, ListBucket",
        # Through the endpoint S3 sees no aws:SourceIp: the bucket policy's deny applies.
        "ip-only": f"GetObject, GetObjectVersion through {ids['vpce']}: explicitly denied by "
                   "bucket policy, statement 1",
        "elsewhere": f"no network path to S3 in {OTHER} (route table {ids['rt-endpoint']}: "
                     f"no route to S3 in {OTHER})"}
    assert nat.blocked == {}
    assert (f"  ! elsewhere: blocked for this instance: no network path to S3 in {OTHER} "
            f"(route table {ids['rt-endpoint']}: no route to S3 in {OTHER})") in preview.lines()


def test_interface_endpoint_serves_its_vpc_in_its_region_only(conn: AwsConnection) -> None:
    ids = _account(conn)
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.6.1.0/24")["Subnet"]["SubnetId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Interface",
        SubnetIds=[subnet], PolicyDocument=json.dumps(_endpoint_policy("endpoint-denied")),
    )["VpcEndpoint"]["VpcEndpointId"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                 SubnetId=subnet, IamInstanceProfile={"Name": "reader"}
                                 )["Instances"][0]["InstanceId"]
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    assert ids["vpce"] != endpoint
    # No route to S3 at all: the interface endpoint in the VPC is the way, with its policy.
    outcome, reasons = _get(g, instance, "not-in-endpoint-policy")
    assert outcome is Outcome.DENIED and endpoint in reasons[0]
    step = g.explain(instance, "ip-only", GET).hops[-2]
    assert step.reasons[0].endswith(f"VPC {vpc} → {endpoint} (interface endpoint)")
    outcome, reasons = _get(g, instance, "elsewhere")
    assert outcome is Outcome.DENIED and reasons[0] == f"no network path to S3 in {OTHER}"


def test_exports_carry_how_each_request_leaves(account: tuple[AccessGraph, dict[str, str]],
                                              tmp_path: Path) -> None:
    g, ids = account
    nat = g.snapshot.network_of(REGION).route_table_of(ids["nat"], ids["vpc"]).routes  # type: ignore[union-attr]
    nat_id = next(r.target for r in nat if r.destination == "0.0.0.0/0")
    want = {
        (ids["i-endpoint"], "ip-only"): f"gateway endpoint {ids['vpce']}",
        (ids["i-endpoint"], "elsewhere"): f"no path (no network path to S3 in {OTHER})",
        (ids["i-nat"], "vpce-only"): f"NAT {nat_id} ({ids['nat-ip']})",
        (ids["i-nat"], "elsewhere"): f"NAT {nat_id} ({ids['nat-ip']})",
        (ids["i-isolated"], "ip-only"): f"no path (no network path to S3 in {REGION})",
    }
    got = {(r["instance_id"], r["bucket"]): r["network"]
           for r in rows(g, include_denied=True)}
    assert {k: got.get(k) for k in want} == want
    # The same column in the CSV and JSON files.
    export(g, "csv", tmp_path / "out.csv", include_denied=True, instance=ids["i-nat"])
    with open(tmp_path / "out.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["network"] for r in table if r["bucket"] == "vpce-only"} == {
        f"NAT {nat_id} ({ids['nat-ip']})"}
    export(g, "json", tmp_path / "out.json", instance=ids["i-endpoint"])
    data = json.loads((tmp_path / "out.json").read_text())["permissions"]
    assert {r["network"] for r in data if r["bucket"] == "vpce-only"} == {
        f"gateway endpoint {ids['vpce']}"}


def test_a_default_route_to_a_transit_gateway_is_unknown_not_no_path(conn: AwsConnection
                                                                     ) -> None:
    """A central egress (transit gateway) may reach S3: rolemap does not follow it, so the
    answer is unknown with the route named, never a "no network path" denial."""
    _account(conn)
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                     TransitGatewayId=tgw)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                 SubnetId=subnet, IamInstanceProfile={"Name": "reader"}
                                 )["Instances"][0]["InstanceId"]
    g = build_access_graph(load_live(conn, (REGION, OTHER)))
    outcome, reasons = _get(g, instance, "ip-only")
    assert outcome is Outcome.UNKNOWN
    assert any(tgw in r and "not modelled" in r for r in reasons)

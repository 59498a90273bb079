"""The gates' facts read live through boto3 (moto in process): network, KMS, bucket
encryption and ownership, access points, organisation policies; and a refused read of each
is a warning naming the gate plus an unread fact, never "none"."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from sources_faults import inject_error

from graph.model import AccountSnapshot
from graph.model_common import GATE_ACCESS_POINTS, GATE_KMS, GATE_NETWORK, GATE_ORGANIZATION
from graph.model_network import TARGET_GATEWAY_ENDPOINT, TARGET_NAT_GATEWAY
from graph.model_org import IN_ORGANIZATION, NOT_IN_ORGANIZATION, ORGANIZATION_UNREAD, RCP, SCP
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ONE_BUCKET = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::gate-data/*"}]}


@pytest.fixture
def conn() -> Iterator[AwsConnection]:
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        yield AwsConnection(session, retry_mode="standard", max_attempts=1)


def _network(conn: AwsConnection) -> dict[str, str]:
    ec2 = conn.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ids = {"vpc": vpc}
    for name, cidr in (("endpoint", "10.9.1.0/24"), ("nat", "10.9.2.0/24"),
                       ("main", "10.9.3.0/24")):
        ids[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
    for name in ("endpoint", "nat"):
        ids[f"rt-{name}"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=ids[f"rt-{name}"], SubnetId=ids[name])
    ids["vpce"] = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
        RouteTableIds=[ids["rt-endpoint"]], PolicyDocument=json.dumps(ONE_BUCKET),
    )["VpcEndpoint"]["VpcEndpointId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")
    ids["nat-ip"] = allocation["PublicIp"]
    ids["nat-gw"] = ec2.create_nat_gateway(SubnetId=ids["main"],
                                           AllocationId=allocation["AllocationId"]
                                           )["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=ids["rt-nat"], DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=ids["nat-gw"])
    ids["igw"] = igw
    ids["instance"] = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                        SubnetId=ids["endpoint"])["Instances"][0]["InstanceId"]
    return ids


def _load(conn: AwsConnection) -> AccountSnapshot:
    conn.client("s3", REGION).create_bucket(
        Bucket="gate-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    return load_live(conn, (REGION,))


def test_network_path_facts(conn: AwsConnection) -> None:
    ids = _network(conn)
    snapshot = _load(conn)
    network = snapshot.network_of(REGION)
    assert network is not None and not network.unread
    instance = snapshot.instance_by_id[ids["instance"]]
    assert instance.subnet_id == ids["endpoint"] and instance.private_ip
    table = network.route_table_of(ids["endpoint"])
    assert table is not None and table.route_table_id == ids["rt-endpoint"]
    assert [(r.target, r.target_kind) for r in table.routes if r.to_prefix_list] == \
        [(ids["vpce"], TARGET_GATEWAY_ENDPOINT)]
    endpoint = network.endpoint_by_id[ids["vpce"]]
    assert endpoint.is_s3 and endpoint.endpoint_type == "Gateway"
    assert endpoint.policy == ONE_BUCKET and endpoint.route_table_ids == (ids["rt-endpoint"],)
    nat_table = network.route_table_of(ids["nat"])
    assert nat_table is not None and [r.target_kind for r in nat_table.routes if r.is_default] \
        == [TARGET_NAT_GATEWAY]
    assert network.nat_gateway_by_id[ids["nat-gw"]].public_ips == (ids["nat-ip"],)
    # No explicit association: the VPC's main table.
    main = network.route_table_of(ids["main"])
    assert main is not None and main.main and main.vpc_id == ids["vpc"]
    assert network.internet_gateway_by_id[ids["igw"]].vpc_ids == (ids["vpc"],)


def test_kms_keys_and_bucket_encryption(conn: AwsConnection) -> None:
    kms = conn.client("kms", REGION)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "OneRole", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
        "Action": "kms:Decrypt", "Resource": "*"}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    kms.create_alias(AliasName="alias/data", TargetKeyId=key["KeyId"])
    kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/g",
                     Operations=["Decrypt"])
    s3 = conn.client("s3", REGION)
    s3.create_bucket(Bucket="gate-kms", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_encryption(Bucket="gate-kms", ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                               "KMSMasterKeyID": "alias/data"},
        "BucketKeyEnabled": True}]})
    s3.put_bucket_ownership_controls(Bucket="gate-kms", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    snapshot = _load(conn)
    bucket = snapshot.bucket_by_name["gate-kms"]
    assert bucket.encryption is not None and bucket.encryption.uses_kms
    assert bucket.encryption.bucket_key_enabled and bucket.object_ownership == \
        "BucketOwnerEnforced"
    region_kms = snapshot.kms_of(REGION)
    assert region_kms is not None and bucket.encryption.key_ref is not None
    found = region_kms.resolve(bucket.encryption.key_ref)
    assert found is not None and found.key_id == key["KeyId"] and found.policy == policy
    assert found.key_manager == "CUSTOMER" and found.aliases == ("alias/data",)
    assert [g.operations for g in found.grants] == [("Decrypt",)]
    # Nothing configured is recorded as such (read, not unknown).
    plain = snapshot.bucket_by_name["gate-data"]
    assert plain.encryption is not None and plain.encryption.algorithm == ""
    assert plain.object_ownership == "ObjectWriter"
    assert region_kms.key_id_of("alias/aws/s3")  # the AWS managed key's alias is known


def test_access_points(conn: AwsConnection) -> None:
    ids = _network(conn)
    s3control = conn.client("s3control", REGION)
    conn.client("s3", REGION).create_bucket(
        Bucket="gate-ap", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3control.create_access_point(AccountId=ACCOUNT, Name="vpc-point", Bucket="gate-ap",
                                  VpcConfiguration={"VpcId": ids["vpc"]})
    s3control.create_access_point(AccountId=ACCOUNT, Name="open-point", Bucket="gate-ap")
    point_policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/vpc-point/object/*"}]}
    s3control.put_access_point_policy(AccountId=ACCOUNT, Name="vpc-point",
                                      Policy=json.dumps(point_policy))
    snapshot = _load(conn)
    points = {p.name: p for p in snapshot.access_points or ()}
    assert set(points) == {"vpc-point", "open-point"}
    vpc_point = points["vpc-point"]
    assert vpc_point.vpc_only and vpc_point.vpc_id == ids["vpc"]
    assert vpc_point.policy == point_policy and vpc_point.region == REGION
    assert vpc_point.arn == f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/vpc-point"
    assert vpc_point.public_access_block is not None
    assert points["open-point"].policy is None and not points["open-point"].vpc_only


def test_organisation_policies(conn: AwsConnection) -> None:
    snapshot = _load(conn)
    assert snapshot.organization is not None
    assert snapshot.organization.status == NOT_IN_ORGANIZATION
    org = conn.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    policy = org.create_policy(Content=json.dumps(deny), Description="d", Name="no-delete",
                               Type=SCP)["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=policy, TargetId=root)
    organization = load_live(conn, (REGION,)).organization
    assert organization is not None and organization.status == IN_ORGANIZATION
    assert [t.kind for t in organization.path] == ["ROOT", "ACCOUNT"]
    assert organization.fully_read and organization.is_management_account(ACCOUNT)
    root_scps = {p.name: p.document for p in organization.path[0].scps}
    assert root_scps["no-delete"] == deny and "FullAWSAccess" in root_scps
    assert [p.name for p in organization.levels(RCP)[0]] == ["RCPFullAWSAccess"]


@pytest.mark.parametrize(("event", "protocol", "gate", "check"), [
    ("before-send.ec2.DescribeRouteTables", "ec2", GATE_NETWORK,
     lambda s: [u.fact for u in s.network_of(REGION).unread] == [f"route tables in {REGION}"]),
    ("before-send.kms.GetKeyPolicy", "json", GATE_KMS,
     lambda s: [k.policy for k in s.kms_of(REGION).keys] == [None]
     and "key policy" in s.kms_of(REGION).keys[0].unread[0].fact),
    ("before-send.s3.GetBucketEncryption", "rest-xml", GATE_KMS,
     lambda s: s.bucket_by_name["gate-data"].encryption is None
     and "encryption" in s.bucket_by_name["gate-data"].unknown),
    ("before-send.s3-control.ListAccessPoints", "rest-xml", GATE_ACCESS_POINTS,
     lambda s: s.access_points == ()),
    ("before-send.organizations.DescribeOrganization", "json", GATE_ORGANIZATION,
     lambda s: s.organization.status == ORGANIZATION_UNREAD and s.organization.unread),
])
def test_refused_read_is_a_warning_naming_the_gate_and_unread(
        conn: AwsConnection, event: str, protocol: str, gate: str, check: object) -> None:
    inject_error(conn, event, status=403, code="AccessDenied", message="not authorized",
                 protocol=protocol)  # before the connection makes its clients
    other = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    other.client("kms").create_key()
    other.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    other.client("s3").create_bucket(
        Bucket="gate-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    snapshot = load_live(conn, (REGION,))
    operation = event.split(".", 2)[2]
    warnings = [w for w in snapshot.warnings if w.operation.endswith(operation)]
    assert warnings and all(f"({gate} not checked)" in w.message for w in warnings)
    assert all(w.code == "AccessDenied" for w in warnings)
    assert callable(check) and check(snapshot)


def test_a_policy_type_not_enabled_is_none_not_unread(conn: AwsConnection) -> None:
    inject_error(conn, "before-send.organizations.ListPoliciesForTarget", status=400,
                 code="PolicyTypeNotEnabledException", message="not enabled", protocol="json",
                 when=lambda request: RCP.encode() in (request.body or b""))
    other = boto3.Session(region_name=REGION, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    other.client("organizations").create_organization(FeatureSet="ALL")
    other.client("s3").create_bucket(
        Bucket="gate-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    snapshot = load_live(conn, (REGION,))
    organization = snapshot.organization
    assert organization is not None and organization.fully_read
    assert all(level == () for level in organization.levels(RCP))
    assert all(level for level in organization.levels(SCP))
    assert not [w for w in snapshot.warnings if "organizations" in w.operation]

"""The demo's gates on the data path, seeded after the cast so no existing id moves.

One of each, in eu-west-1 (the instances the screens show stay as they were): a VPC with a
private subnet behind an S3 gateway endpoint whose policy allows one bucket, and an isolated
subnet with no path to S3 (an instance of batch-etl in each); an SSE-KMS bucket whose key
policy names one role and does not delegate to IAM, with a VPC-only access point; a bucket
with Object Ownership enforced and a stale public ACL (Block Public Access on too, as AWS
sets it for new buckets, but for IgnorePublicAcls: see STALE_ACL_BLOCK_PUBLIC_ACCESS).
Default VPCs get what AWS gives them (an internet gateway and a default route); a sandbox VPC
without instances has an S3 gateway endpoint with no policy (open to any bucket). Every
existing bucket gets AWS's defaults (SSE-S3, ACLs disabled), so the existing instances and
buckets keep their answers.
"""

from __future__ import annotations

import json
from typing import Any

from graph.sources import demo_cast as cast
from graph.sources.connection import AwsConnection

REGION = "eu-west-1"
DATA_VPC_CIDR = "10.42.0.0/16"
SANDBOX_VPC_CIDR = "10.43.0.0/16"
#: Subnet name -> (CIDR, has the gateway endpoint route).
SUBNETS = {"acme-data-private": ("10.42.1.0/24", True),
           "acme-data-isolated": ("10.42.2.0/24", False)}
#: Instances per subnet. Both wear batch-etl (it reads acme-customer-data, the endpoint
#: policy's one bucket, and writes partner exports, which the endpoint policy does not
#: allow): the network path and the endpoint policy then decide what they get.
INSTANCES = {"worker-private": "acme-data-private", "worker-no-path": "acme-data-isolated"}
GATE_PROFILE = "batch-etl"
ENDPOINT_BUCKET = cast.PRIVATE_BUCKET
KMS_BUCKET = "acme-finance-reports"
KMS_ALIAS = "alias/acme-finance"
KMS_ROLE = "legacy-reporting"
ACCESS_POINT = "finance-reports-vpc"
STALE_ACL_BUCKET = "acme-legacy-uploads"
_ALL_FLAGS = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": True}
#: The stale-ACL bucket's Block Public Access: IgnorePublicAcls off, so Object Ownership
#: (BucketOwnerEnforced) alone keeps the public ACL from counting, as rolemap shows.
STALE_ACL_BLOCK_PUBLIC_ACCESS = {**_ALL_FLAGS, "IgnorePublicAcls": False}


def endpoint_policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyCustomerData", "Effect": "Allow", "Principal": "*",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [cast.bucket_arn(ENDPOINT_BUCKET), cast.bucket_arn(ENDPOINT_BUCKET, "/*")]}]}


def key_policy(account: str) -> dict[str, Any]:
    """Administration for the account, use for one role only: IAM policies grant no use."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "KeyAdministration", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Update*",
                    "kms:Enable*", "kms:Disable*", "kms:Create*", "kms:TagResource",
                    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"},
        {"Sid": "ReportingUsesTheKey", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:role/{KMS_ROLE}"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": "*"}]}


def access_point_policy(account: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReportingReadsThroughThePoint", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/{KMS_ROLE}"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:{REGION}:{account}:accesspoint/{ACCESS_POINT}/object/*"}]}


def seed_gates(conn: AwsConnection) -> None:
    """Create the gate cast (after `demo.seed_cast`) through ordinary boto3 calls."""
    account = conn.account_id
    for region in cast.REGIONS:
        _default_vpc_like_aws(conn.client("ec2", region))
    for bucket, (region, _, _) in cast.BUCKETS.items():
        _aws_defaults(conn.client("s3", region), bucket)
    vpc_id = _data_vpc(conn.client("ec2", REGION))
    _sandbox_vpc(conn.client("ec2", REGION))
    kms = conn.client("kms", REGION)
    key = kms.create_key(Description="acme finance reports (SSE-KMS)",
                         Policy=json.dumps(key_policy(account)))["KeyMetadata"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    s3 = conn.client("s3", REGION)
    for bucket in (KMS_BUCKET, STALE_ACL_BUCKET):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_public_access_block(Bucket=KMS_BUCKET, PublicAccessBlockConfiguration=_ALL_FLAGS)
    s3.put_bucket_encryption(Bucket=KMS_BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                               "KMSMasterKeyID": key["Arn"]},
        "BucketKeyEnabled": True}]})
    _enforce_ownership(s3, KMS_BUCKET)
    s3control = conn.client("s3control", REGION)
    s3control.create_access_point(AccountId=account, Name=ACCESS_POINT, Bucket=KMS_BUCKET,
                                  VpcConfiguration={"VpcId": vpc_id})
    s3control.put_access_point_policy(AccountId=account, Name=ACCESS_POINT,
                                      Policy=json.dumps(access_point_policy(account)))
    # The ACL was public before ownership was enforced: it stays, and no longer counts.
    s3.put_bucket_acl(Bucket=STALE_ACL_BUCKET, ACL="public-read")
    s3.put_public_access_block(Bucket=STALE_ACL_BUCKET,
                               PublicAccessBlockConfiguration=STALE_ACL_BLOCK_PUBLIC_ACCESS)
    s3.put_bucket_encryption(Bucket=STALE_ACL_BUCKET, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    _enforce_ownership(s3, STALE_ACL_BUCKET)


def _enforce_ownership(s3: Any, bucket: str) -> None:
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})


def _aws_defaults(s3: Any, bucket: str) -> None:
    """What AWS gives a new bucket: SSE-S3 and ACLs disabled."""
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    _enforce_ownership(s3, bucket)


def _default_vpc_like_aws(ec2: Any) -> None:
    """AWS's default VPC has an internet gateway and a default route to it; moto's has not."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
    main = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=igw)


def _sandbox_vpc(ec2: Any) -> None:
    """A sandbox VPC (no instances yet) whose S3 gateway endpoint has no policy: full access,
    a way out to buckets of any account (the open-vpc-endpoint finding)."""
    vpc_id = ec2.create_vpc(CidrBlock=SANDBOX_VPC_CIDR, TagSpecifications=[{
        "ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "acme-sandbox"}]}])["Vpc"]["VpcId"]
    main = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3",
                            VpcEndpointType="Gateway", RouteTableIds=[main["RouteTableId"]])


def _data_vpc(ec2: Any) -> str:
    """The data VPC: a private subnet behind the endpoint, an isolated one, an instance in
    each; returns the VPC's id."""
    vpc_id = ec2.create_vpc(CidrBlock=DATA_VPC_CIDR, TagSpecifications=[{
        "ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "acme-data"}]}])["Vpc"]["VpcId"]
    tables: dict[str, str] = {}
    subnets: dict[str, str] = {}
    for name, (cidr, _) in SUBNETS.items():
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, TagSpecifications=[{
            "ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}])
        subnets[name] = subnet["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=[{
            "ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": name}]}])
        tables[name] = table["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=tables[name], SubnetId=subnets[name])
    ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
        RouteTableIds=[tables[n] for n, (_, routed) in SUBNETS.items() if routed],
        PolicyDocument=json.dumps(endpoint_policy()))
    for name, subnet in INSTANCES.items():
        ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
            SubnetId=subnets[subnet], IamInstanceProfile={"Name": GATE_PROFILE},
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}],
            MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
    return vpc_id

"""A hand-built account with every finding category planted, and near-misses that must not be
reported; seeded into the in-process moto server through boto3 and read by the live loader."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from graph.model import AccountSnapshot
from graph.sources.connection import AwsConnection
from graph.sources.demo import demo_connection, demo_endpoint
from graph.sources.live import load_live

REGION = "us-east-1"
THIRD_PARTY = "444455556666"
PARTNER = "999988887777"
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _public(bucket: str, action: str, **extra: Any) -> dict[str, Any]:
    return _doc({"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": action,
                 "Resource": f"arn:aws:s3:::{bucket}/*", **extra})


#: bucket -> (policy, bucket-level Block Public Access)
BUCKETS: dict[str, tuple[dict[str, Any] | None, dict[str, bool] | None]] = {
    "pub-open": (_public("pub-open", "s3:GetObject"), None),
    "pub-write": (_public("pub-write", "s3:PutObject"), None),
    # Near-miss: a public grant that Block Public Access (RestrictPublicBuckets) cancels.
    "pub-blocked": (_public("pub-blocked", "s3:GetObject"), ALL_BLOCKED),
    "pub-ip": (_public("pub-ip", "s3:GetObject", Condition={
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), None),
    "shared": (_doc({"Sid": "Partner", "Effect": "Allow",
                     "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/reports/*"}),
               ALL_BLOCKED),
    # Near-miss: a service grant scoped to this account's own requests.
    "logs-svc": (_doc({"Sid": "Logs", "Effect": "Allow",
                       "Principal": {"Service": "logging.s3.amazonaws.com"},
                       "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs-svc/*",
                       "Condition": {"StringEquals": {"aws:SourceAccount": "{account}"}}}),
                 ALL_BLOCKED),
    "cf-svc": (_doc({"Sid": "CloudFront", "Effect": "Allow",
                     "Principal": {"Service": "cloudfront.amazonaws.com"},
                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cf-svc/*"}),
               ALL_BLOCKED),
    "private": (None, ALL_BLOCKED),
    # SSE-KMS with KMS_KEY_POLICY's key (see KMS_BUCKET).
    "kms-reports": (None, ALL_BLOCKED),
}
#: The SSE-KMS bucket, and its key's policy: administration for the account (no delegation
#: of use to IAM) and decryption for the partner account (kms-key-shared); the role
#: "reporter", granted reads of the bucket by name, cannot decrypt (undecryptable-grant).
KMS_BUCKET = "kms-reports"
KMS_KEY_POLICY = _doc(
    {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{account}:root"},
     "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*"], "Resource": "*"},
    {"Sid": "PartnerDecrypts", "Effect": "Allow",
     "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "Action": "kms:Decrypt",
     "Resource": "*"})

#: role -> (trust, inline policy, instance profile?)
ROLES: dict[str, tuple[dict[str, Any], dict[str, Any] | None, bool]] = {
    "admin-ec2": (EC2_TRUST, _doc(_allow("*", "*")), True),
    "power": (EC2_TRUST, _doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"],
                               "Resource": "*"}), True),
    "escalator": (EC2_TRUST, _doc(_allow("ec2:RunInstances", "*"),
                                  _allow("iam:PassRole", "arn:aws:iam::{account}:role/data-writer"),
                                  _allow("s3:ListBucket", "arn:aws:s3:::private")), True),
    # Near-miss: it may pass only a role that has no instance profile.
    "near-passer": (EC2_TRUST, _doc(
        _allow("ec2:RunInstances", "*"),
        _allow("iam:PassRole", "arn:aws:iam::{account}:role/no-profile-writer")), True),
    "self-writer": (EC2_TRUST, _doc(_allow("iam:PutRolePolicy",
                                           "arn:aws:iam::{account}:role/self-writer")), True),
    "data-writer": (EC2_TRUST, _doc(_allow("s3:PutObject", "arn:aws:s3:::private/*")), True),
    "no-profile-writer": (EC2_TRUST, _doc(_allow("s3:*", "arn:aws:s3:::private/*")), False),
    "third-party": (_doc({"Effect": "Allow",
                          "Principal": {"AWS": f"arn:aws:iam::{THIRD_PARTY}:root"},
                          "Action": "sts:AssumeRole"}),
                    _doc(_allow("s3:GetObject", "arn:aws:s3:::private/*")), False),
    # Near-miss: the same trust with an ExternalId.
    "vendor": (_doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{THIRD_PARTY}:root"},
                     "Action": "sts:AssumeRole",
                     "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t"}}}), None, False),
    "anyone": (_doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
               None, False),
    "web": (EC2_TRUST, _doc(_allow("s3:GetObject", "arn:aws:s3:::shared/*")), True),
    "reporter": (EC2_TRUST, _doc(_allow("s3:GetObject", "arn:aws:s3:::kms-reports/*")), False),
}

#: instance Name -> (role/profile, IMDS HttpTokens)
INSTANCES: dict[str, tuple[str, str]] = {
    "admin-1": ("admin-ec2", "required"),
    "esc-1": ("escalator", "required"),
    "np-1": ("near-passer", "required"),
    "sw-1": ("self-writer", "required"),
    "web-exposed": ("web", "optional"),
    "web-safe": ("web", "required"),
}


def seed(conn: AwsConnection) -> None:
    account = conn.account_id

    def js(doc: dict[str, Any]) -> str:
        return json.dumps(doc).replace("{account}", account)

    iam = conn.client("iam")
    for name, (trust, inline, profile) in ROLES.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=js(trust))
        if inline is not None:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy",
                                PolicyDocument=js(inline))
        if profile:
            iam.create_instance_profile(InstanceProfileName=name)
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    s3 = conn.client("s3", REGION)
    for bucket, (policy, pab) in BUCKETS.items():
        s3.create_bucket(Bucket=bucket)
        if policy is not None:
            s3.put_bucket_policy(Bucket=bucket, Policy=js(policy))
        if pab is not None:
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab)
    kms = conn.client("kms", REGION)
    key = kms.create_key(Policy=js(KMS_KEY_POLICY))["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(Bucket=KMS_BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                "KMSMasterKeyID": key}}]})
    # An internet-origin access point on "private" whose policy lets anyone read and whose
    # own Block Public Access is off: the public-access-point finding (the bucket does not
    # delegate, so nobody gets through today: low).
    account = conn.account_id
    s3control = conn.client("s3control", REGION)
    s3control.create_access_point(AccountId=account, Name="anyone-reads", Bucket="private",
                                  PublicAccessBlockConfiguration={
                                      k: False for k in ALL_BLOCKED})
    s3control.put_access_point_policy(AccountId=account, Name="anyone-reads", Policy=js(_doc({
        "Sid": "AnyoneReads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:{REGION}:{account}:accesspoint/anyone-reads/object/*"})))
    ec2 = conn.client("ec2", REGION)
    # An S3 gateway endpoint with no policy (full access): the open-vpc-endpoint finding.
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                            VpcEndpointType="Gateway", RouteTableIds=[table])
    for name, (profile, tokens) in INSTANCES.items():
        ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
            IamInstanceProfile={"Name": profile},
            MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": name}]}])


def load_findings_account() -> AccountSnapshot:
    """Reset the emulator, seed this account, read it back with the live loader."""
    endpoint = demo_endpoint()
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    conn = demo_connection()
    seed(conn)
    return load_live(conn, (REGION,))

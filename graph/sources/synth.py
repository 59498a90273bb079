"""Synthetic large accounts, written as AWS CLI export folders, for scale tests and benchmarks.

The shape follows what DESIGN.md measured on real estates: roles share a few dozen managed
policies (wildcards, conditions), some carry boundaries or inline policies, about 40% of roles
are on no instance, most buckets have no policy, a few are public or shared cross-account, and
describe-instances records carry every field the CLI prints (they are most of the bytes).
Output is deterministic for a seed. Files are written with the C JSON encoder, unindented.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from graph.safe_files import write_text
from graph.sources import export_folder as ef

ACCOUNT = "111122223333"
PARTNER = "444455556666"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
TEAMS = ("web", "data", "ml", "payments", "search", "platform", "mobile", "finance")
PURPOSES = ("logs", "assets", "raw", "curated", "backups", "exports", "models", "reports")
DATE = "2024-03-01T12:00:00+00:00"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(rng: random.Random) -> dict[str, Any]:
    services: Any = "ec2.amazonaws.com"
    if rng.random() < 0.1:
        services = ["ec2.amazonaws.com", rng.choice(["ecs-tasks.amazonaws.com",
                                                     "lambda.amazonaws.com"])]
    return _doc({"Effect": "Allow", "Principal": {"Service": services},
                 "Action": "sts:AssumeRole"})


def _shared_policy(rng: random.Random, i: int) -> dict[str, Any]:
    """One of the shared managed policies: team-wide reads, prefix writes, conditions, wildcards."""
    team = TEAMS[i % len(TEAMS)]
    kind = i % 5
    if kind == 0:
        return _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                     "Resource": [f"arn:aws:s3:::{team}-*", f"arn:aws:s3:::{team}-*/*"]})
    if kind == 1:
        purpose = rng.choice(PURPOSES)
        return _doc({"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                     "Resource": f"arn:aws:s3:::{team}-{purpose}-*/incoming/*"},
                    {"Effect": "Allow", "Action": "s3:ListBucket",
                     "Resource": f"arn:aws:s3:::{team}-{purpose}-*",
                     "Condition": {"StringLike": {"s3:prefix": ["incoming/*"]}}})
    if kind == 2:
        return _doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}},
                    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    if kind == 3:
        return _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
                                                    "s3:DeleteObject"],
                     "Resource": f"arn:aws:s3:::{team}-*/*",
                     "Condition": {"StringEquals": {"aws:SourceVpc": f"vpc-{i:08x}"}}},
                    {"Effect": "Deny", "Action": "s3:DeleteObject",
                     "Resource": f"arn:aws:s3:::{team}-backups-*/*"})
    return _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})


def _boundary() -> dict[str, Any]:
    return _doc({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:PutObject"],
                 "Resource": "*"},
                {"Effect": "Allow", "Action": ["logs:*", "cloudwatch:PutMetricData"],
                 "Resource": "*"})


def _managed(arn: str, name: str, doc: dict[str, Any], attachments: int) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyId": "ANPA" + name.upper()[:17].ljust(17, "X"),
            "Arn": arn, "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True, "CreateDate": DATE,
            "UpdateDate": DATE, "PolicyVersionList": [
                {"Document": doc, "VersionId": "v1", "IsDefaultVersion": True,
                 "CreateDate": DATE}]}


def _iam(rng: random.Random, roles: int) -> tuple[dict[str, Any], list[str]]:
    """Authorization details and the instance profile ARNs (roles that have one)."""
    n_shared = max(5, roles // 25)
    shared = [f"arn:aws:iam::{ACCOUNT}:policy/shared-{i:04d}" for i in range(n_shared)]
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/team-boundary"
    counts = dict.fromkeys(shared, 0)
    role_list: list[dict[str, Any]] = []
    profiles: list[str] = []
    for r in range(roles):
        team = TEAMS[r % len(TEAMS)]
        name = f"{team}-app-{r:05d}"
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        attached = rng.sample(shared, k=rng.randint(1, 3))
        for a in attached:
            counts[a] += 1
        role: dict[str, Any] = {
            "Path": "/", "RoleName": name, "RoleId": f"AROA{r:017d}", "Arn": arn,
            "CreateDate": DATE, "AssumeRolePolicyDocument": _trust(rng),
            "InstanceProfileList": [], "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in attached],
            "Tags": [{"Key": "team", "Value": team}], "RoleLastUsed": {},
        }
        if rng.random() < 0.3:
            role["RolePolicyList"].append({"PolicyName": "own-bucket", "PolicyDocument": _doc(
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": f"arn:aws:s3:::{team}-{rng.choice(PURPOSES)}-{r % 97:04d}/{name}/*"})})
        if rng.random() < 0.1:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": boundary_arn}
        if rng.random() < 0.6:
            parn = f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}"
            role["InstanceProfileList"].append({
                "Path": "/", "InstanceProfileName": name, "InstanceProfileId": f"AIPA{r:017d}",
                "Arn": parn, "CreateDate": DATE,
                "Roles": [{k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn",
                                                "CreateDate", "AssumeRolePolicyDocument")}]})
            profiles.append(parn)
        role_list.append(role)
    policies = [_managed(a, a.rsplit("/", 1)[1], _shared_policy(rng, i), counts[a])
                for i, a in enumerate(shared)]
    policies.append(_managed(boundary_arn, "team-boundary", _boundary(), 0))
    return ({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": role_list,
             "Policies": policies}, profiles)


def _instance(rng: random.Random, n: int, region: str, profile: str | None) -> dict[str, Any]:
    """A describe-instances record with the fields the AWS CLI prints for a typical instance."""
    iid = f"i-{n:017x}"
    ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    vpc, subnet = f"vpc-{n % 40:08x}", f"subnet-{n % 160:08x}"
    eni, az = f"eni-{n:017x}", f"{region}{'abc'[n % 3]}"
    state = ("running", 16) if rng.random() < 0.9 else ("stopped", 80)
    dns = f"ip-{ip.replace('.', '-')}.{region}.compute.internal"
    team = TEAMS[n % len(TEAMS)]
    record: dict[str, Any] = {
        "AmiLaunchIndex": 0, "ImageId": f"ami-{n % 50:017x}", "InstanceId": iid,
        "InstanceType": rng.choice(["t3.micro", "m5.large", "c6g.xlarge", "r6i.2xlarge"]),
        "KeyName": f"{team}-key", "LaunchTime": DATE, "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": az, "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": dns, "PrivateIpAddress": ip, "ProductCodes": [],
        "PublicDnsName": "", "State": {"Code": state[1], "Name": state[0]},
        "StateTransitionReason": "", "SubnetId": subnet, "VpcId": vpc,
        "Architecture": "x86_64",
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "AttachTime": DATE, "DeleteOnTermination": True, "Status": "attached",
            "VolumeId": f"vol-{n:017x}"}}],
        "ClientToken": f"{n:032x}", "EbsOptimized": False, "EnaSupport": True,
        "Hypervisor": "xen",
        "NetworkInterfaces": [{
            "Attachment": {"AttachTime": DATE, "AttachmentId": f"eni-attach-{n:017x}",
                           "DeleteOnTermination": True, "DeviceIndex": 0, "Status": "attached",
                           "NetworkCardIndex": 0},
            "Description": "",
            "Groups": [{"GroupName": f"{team}-sg", "GroupId": f"sg-{n % 30:08x}"}],
            "Ipv6Addresses": [], "MacAddress": f"0a:{n % 256:02x}:00:00:00:01",
            "NetworkInterfaceId": eni, "OwnerId": ACCOUNT, "PrivateDnsName": dns,
            "PrivateIpAddress": ip, "PrivateIpAddresses": [
                {"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
            "SourceDestCheck": True, "Status": "in-use", "SubnetId": subnet, "VpcId": vpc,
            "InterfaceType": "interface"}],
        "RootDeviceName": "/dev/xvda", "RootDeviceType": "ebs",
        "SecurityGroups": [{"GroupName": f"{team}-sg", "GroupId": f"sg-{n % 30:08x}"}],
        "SourceDestCheck": True,
        "Tags": [{"Key": "Name", "Value": f"{team}-{n:06d}"}, {"Key": "team", "Value": team},
                 {"Key": "env", "Value": rng.choice(["prod", "staging", "dev"])}],
        "VirtualizationType": "hvm", "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2},
        "CapacityReservationSpecification": {"CapacityReservationPreference": "open"},
        "HibernationOptions": {"Configured": False},
        "MetadataOptions": {"State": "applied", "HttpTokens": "required",
                            "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled",
                            "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"},
        "EnclaveOptions": {"Enabled": False}, "PlatformDetails": "Linux/UNIX",
        "UsageOperation": "RunInstances", "UsageOperationUpdateTime": DATE,
        "PrivateDnsNameOptions": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                  "EnableResourceNameDnsAAAARecord": False},
        "MaintenanceOptions": {"AutoRecovery": "default"}, "CurrentInstanceBootMode": "legacy-bios",
    }
    if profile is not None:
        record["IamInstanceProfile"] = {"Arn": profile, "Id": f"AIPA{n:017d}"}
    return record


def _instances(rng: random.Random, count: int, profiles: list[str]) -> dict[str, dict[str, Any]]:
    reservations: dict[str, list[dict[str, Any]]] = {r: [] for r in REGIONS}
    n = 0
    while n < count:
        region = REGIONS[rng.randrange(len(REGIONS)) if rng.random() < 0.5 else 0]
        size = min(count - n, rng.choice((1, 1, 1, 2, 3)))
        profile = rng.choice(profiles) if profiles and rng.random() < 0.92 else None
        batch = [_instance(rng, n + k, region, profile) for k in range(size)]
        reservations[region].append({"Groups": [], "Instances": batch, "OwnerId": ACCOUNT,
                                     "ReservationId": f"r-{n:017x}"})
        n += size
    return {region: {"Reservations": items} for region, items in reservations.items()}


def _bucket_files(rng: random.Random, i: int) -> tuple[str, dict[str, Any]]:
    """A bucket's name and its per-bucket responses (absent keys: nothing configured)."""
    team, purpose = TEAMS[i % len(TEAMS)], PURPOSES[(i // len(TEAMS)) % len(PURPOSES)]
    name = f"{team}-{purpose}-{i % 97:04d}-{i:05d}"
    region = rng.choice(REGIONS)
    owner = {"DisplayName": "acme-aws", "ID": "7" * 64}
    files: dict[str, Any] = {
        "location": {"LocationConstraint": None if region == "us-east-1" else region},
        "acl": {"Owner": owner, "Grants": [{"Grantee": {**owner, "Type": "CanonicalUser"},
                                            "Permission": "FULL_CONTROL"}]},
    }
    roll = rng.random()
    arn = f"arn:aws:s3:::{name}"
    if roll < 0.02:
        files["policy"] = _doc({"Sid": "Public", "Effect": "Allow", "Principal": "*",
                                "Action": "s3:GetObject", "Resource": f"{arn}/*"})
    elif roll < 0.07:
        files["policy"] = _doc({"Sid": "Partner", "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                                "Action": ["s3:GetObject", "s3:ListBucket"],
                                "Resource": [arn, f"{arn}/*"]})
    elif roll < 0.25:
        files["policy"] = _doc({"Sid": "DenyInsecureTransport", "Effect": "Deny",
                                "Principal": "*", "Action": "s3:*",
                                "Resource": [arn, f"{arn}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    if "policy" in files:
        files["policy"] = {"Policy": json.dumps(files["policy"])}
    if roll >= 0.02 and rng.random() < 0.7:
        files["public_access_block"] = {"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True}}
    elif roll < 0.02 and rng.random() < 0.5:
        files["acl"]["Grants"].append({"Grantee": {
            "Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"})
    return name, files


def write_synthetic(out: Path | str, *, roles: int, instances: int, buckets: int,
                    seed: int = 0) -> Path:
    """Write a synthetic account as an AWS CLI export folder under `out`; returns the folder."""
    rng = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def dump(path: Path, value: Any) -> None:
        write_text(path, json.dumps(value), durable=False)

    dump(out / ef.IDENTITY, {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT,
                             "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor"})
    details, profiles = _iam(rng, roles)
    dump(out / ef.IAM, details)
    (out / ef.INSTANCES_DIR).mkdir(exist_ok=True)
    for region, response in _instances(rng, instances, profiles).items():
        dump(out / ef.INSTANCES_DIR / f"{region}.json", response)
    dirs = {kind: out / dirname for kind, dirname, _ in ef.BUCKET_DIRS}
    for directory in dirs.values():
        directory.mkdir(exist_ok=True)
    entries = []
    for i in range(buckets):
        name, files = _bucket_files(rng, i)
        entries.append({"Name": name, "CreationDate": DATE})
        for kind, value in files.items():
            dump(dirs[kind] / f"{name}.json", value)
    dump(out / ef.BUCKETS, {"Buckets": entries, "Owner": {"DisplayName": "acme-aws",
                                                            "ID": "7" * 64}})
    return out

"""describe-instances of a synthetic account, per region, in the AWS CLI's full shape.

Instances come in reservations of 1-10 (the multi-instance ones look like Auto Scaling groups:
one profile, an `aws:autoscaling:groupName` tag); profiles are drawn with a Zipf skew, so a few
profiles serve thousands of instances and many roles serve none. The records carry every field
the CLI prints for a typical instance (~4 KB): they are most of an export folder's bytes.
"""

from __future__ import annotations

import random
from typing import Any

from graph.sources.synth.world import (
    ACCOUNT,
    DATE,
    REGION_WEIGHTS,
    REGIONS,
    TEAMS,
    weighted,
    zipf_index,
)

STATES = (("running", 16), ("stopped", 80), ("terminated", 48), ("pending", 0),
          ("stopping", 64))
STATE_WEIGHTS = (0.90, 0.08, 0.01, 0.005, 0.005)
TYPES = ("t3.micro", "t3.large", "m5.large", "m6i.xlarge", "c6g.xlarge", "r6i.2xlarge")


def _instance(rng: random.Random, n: int, region: str, profile: str | None,
              group: str | None, group_index: int, account: str) -> dict[str, Any]:
    iid = f"i-{n:017x}"
    ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    vpc, subnet = f"vpc-{n % 40:08x}", f"subnet-{n % 160:08x}"
    eni, az = f"eni-{n:017x}", f"{region}{'abc'[n % 3]}"
    state = weighted(rng, STATES, STATE_WEIGHTS)
    dns = f"ip-{ip.replace('.', '-')}.{region}.compute.internal"
    team = TEAMS[n % len(TEAMS)]
    env = rng.choice(("prod", "staging", "dev"))
    sg = {"GroupName": f"{team}-{env}-sg", "GroupId": f"sg-{n % 30:017x}"}
    tags = [{"Key": "Name", "Value": f"{team}-{env}-{n:06d}"}, {"Key": "team", "Value": team},
            {"Key": "env", "Value": env}, {"Key": "cost-center", "Value": f"cc-{n % 17:03d}"}]
    if group:
        tags += [{"Key": "aws:autoscaling:groupName", "Value": group},
                 {"Key": "aws:ec2launchtemplate:id", "Value": f"lt-{group_index:017x}"}]
    public = rng.random() < 0.15 and state[0] == "running"
    association = {"IpOwnerId": "amazon", "PublicDnsName": f"ec2-3-{n % 250}-{n % 200}-1."
                   f"{region}.compute.amazonaws.com", "PublicIp": f"3.{n % 250}.{n % 200}.1"}
    record: dict[str, Any] = {
        "AmiLaunchIndex": 0, "ImageId": f"ami-{n % 50:017x}", "InstanceId": iid,
        "InstanceType": rng.choice(TYPES), "KeyName": f"{team}-key", "LaunchTime": DATE,
        "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": az, "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": dns, "PrivateIpAddress": ip, "ProductCodes": [],
        "PublicDnsName": association["PublicDnsName"] if public else "",
        "State": {"Code": state[1], "Name": state[0]},
        "StateTransitionReason": "" if state[0] == "running" else
        f"User initiated ({DATE[:10]} 12:00:00 GMT)",
        "SubnetId": subnet, "VpcId": vpc, "Architecture": "x86_64",
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "AttachTime": DATE, "DeleteOnTermination": True, "Status": "attached",
            "VolumeId": f"vol-{n:017x}"}}, {"DeviceName": "/dev/sdf", "Ebs": {
                "AttachTime": DATE, "DeleteOnTermination": False, "Status": "attached",
                "VolumeId": f"vol-{n + 1 << 20:017x}"}}],
        "ClientToken": f"{n:032x}", "EbsOptimized": False, "EnaSupport": True,
        "Hypervisor": "xen",
        "NetworkInterfaces": [{
            **({"Association": association} if public else {}),
            "Attachment": {"AttachTime": DATE, "AttachmentId": f"eni-attach-{n:017x}",
                           "DeleteOnTermination": True, "DeviceIndex": 0, "Status": "attached",
                           "NetworkCardIndex": 0},
            "Description": "", "Groups": [sg], "Ipv6Addresses": [],
            "MacAddress": f"0a:{n % 256:02x}:{(n >> 8) % 256:02x}:00:00:01",
            "NetworkInterfaceId": eni, "OwnerId": account, "PrivateDnsName": dns,
            "PrivateIpAddress": ip, "PrivateIpAddresses": [{
                **({"Association": association} if public else {}),
                "Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
            "SourceDestCheck": True, "Status": "in-use", "SubnetId": subnet, "VpcId": vpc,
            "InterfaceType": "interface"}],
        "RootDeviceName": "/dev/xvda", "RootDeviceType": "ebs", "SecurityGroups": [sg],
        "SourceDestCheck": True, "Tags": tags, "VirtualizationType": "hvm",
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2},
        "CapacityReservationSpecification": {"CapacityReservationPreference": "open"},
        "HibernationOptions": {"Configured": False},
        "MetadataOptions": {"State": "applied", "HttpTokens": rng.choice(("required", "optional")),
                            "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled",
                            "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"},
        "EnclaveOptions": {"Enabled": False}, "BootMode": "uefi-preferred",
        "PlatformDetails": "Linux/UNIX", "UsageOperation": "RunInstances",
        "UsageOperationUpdateTime": DATE,
        "PrivateDnsNameOptions": {"HostnameType": "ip-name",
                                  "EnableResourceNameDnsARecord": False,
                                  "EnableResourceNameDnsAAAARecord": False},
        "MaintenanceOptions": {"AutoRecovery": "default"},
        "CurrentInstanceBootMode": "legacy-bios",
        "NetworkPerformanceOptions": {"BandwidthWeighting": "default"},
        "Operator": {"Managed": False},
    }
    if public:
        record["PublicIpAddress"] = association["PublicIp"]
    if profile is not None and state[0] != "terminated":
        record["IamInstanceProfile"] = {"Arn": profile, "Id": f"AIPA{n:017d}"}
    return record


def build_instances(rng: random.Random, count: int, profiles: list[str],
                    account: str = ACCOUNT) -> dict[str, dict[str, Any]]:
    """Reservations per region; ~10% of instances have no profile, ~0.3% a deleted one."""
    reservations: dict[str, list[dict[str, Any]]] = {r: [] for r in REGIONS}
    n = 0
    while n < count:
        region = weighted(rng, REGIONS, REGION_WEIGHTS)
        size = min(count - n, 1 if rng.random() < 0.6 else rng.randint(2, 10))
        roll = rng.random()
        profile: str | None = None
        if roll < 0.003:
            profile = f"arn:aws:iam::{account}:instance-profile/deleted-{n:06d}"
        elif roll < 0.9 and profiles:
            profile = profiles[zipf_index(rng, len(profiles))]
        group = f"{TEAMS[n % len(TEAMS)]}-asg-{n:06d}" if size > 1 else None
        batch = [_instance(rng, n + k, region, profile, group, n, account)
                 for k in range(size)]
        reservations[region].append({"Groups": [], "Instances": batch, "OwnerId": account,
                                     "ReservationId": f"r-{n:017x}"})
        n += size
    return {region: {"Reservations": items} for region, items in reservations.items()}

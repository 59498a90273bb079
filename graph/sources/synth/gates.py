"""The gates' facts of a synthetic account: network, KMS keys, bucket encryption and
ownership, access points (REALISTIC-ACCOUNTS.md, "Network and encryption").

Drawn from their own random streams (`World.rng("network")`, ...), so the roles, buckets and
instances a seed produced before these facts existed stay byte-identical. The network is
built around the VPC and subnet ids the instances already name: per VPC an internet gateway,
usually a NAT gateway, an S3 gateway endpoint in ~60% (30% of them restricted to the
organisation's or named buckets), a few interface endpoints; subnets public where their
instances have public IPs, else private behind the NAT (~95%) or isolated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.sources import export_folder_gates as efg
from graph.sources.synth.world import World

Dump = Callable[[Path, Any], None]
ORG_ID = "o-synth0example"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _endpoint_policy(rng: random.Random, world: World) -> dict[str, Any] | None:
    if rng.random() < 0.7:
        return None
    if rng.random() < 0.5:
        return _doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:ResourceOrgID": world.org_id or ORG_ID}}})
    names = [b.name for b in rng.sample(world.buckets, min(3, len(world.buckets)))]
    return _doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                 "Resource": [f"arn:aws:s3:::{n}{s}" for n in names for s in ("", "/*")]})


def _region_network(rng: random.Random, world: World, region: str,
                    subnets: dict[str, str], public: set[str]) -> dict[str, Any]:
    vpcs, routes, tables, endpoints, nats, igws, subnet_records = [], [], [], [], [], [], []
    by_vpc: dict[str, list[str]] = {}
    for subnet, vpc in sorted(subnets.items()):
        by_vpc.setdefault(vpc, []).append(subnet)
    for v, (vpc, members) in enumerate(sorted(by_vpc.items())):
        cidr = f"10.{v % 250}.0.0/16"
        vpcs.append({"VpcId": vpc, "CidrBlock": cidr, "IsDefault": v == 0, "OwnerId": world.account,
                     "CidrBlockAssociationSet": [{"CidrBlock": cidr,
                                                  "CidrBlockState": {"State": "associated"}}]})
        igw, nat = f"igw-{vpc[4:]}", f"nat-{vpc[4:]}"
        igws.append({"InternetGatewayId": igw, "OwnerId": world.account,
                     "Attachments": [{"State": "available", "VpcId": vpc}]})
        has_nat = rng.random() < 0.9
        local = {"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active"}
        # One letter per kind (public and private once shared "p", and so their ids).
        ids = {kind: f"rtb-{letter}{vpc[4:]}" for kind, letter in (
            ("main", "m"), ("public", "u"), ("private", "r"), ("isolated", "i"))}
        kinds: dict[str, list[str]] = {k: [] for k in ids}
        for s, subnet in enumerate(members):
            # A subnet is public where its instances have public IPs (as real accounts put
            # them), else mostly private behind the NAT; some are isolated on purpose.
            roll = rng.random()
            kind = "public" if subnet in public else "isolated" if roll > 0.95 or not has_nat \
                else "private"
            kinds[kind].append(subnet)
            subnet_records.append({"SubnetId": subnet, "VpcId": vpc, "CidrBlock":
                                   f"10.{v % 250}.{s}.0/24", "AvailabilityZone":
                                   f"{region}{'abc'[s % 3]}", "MapPublicIpOnLaunch":
                                   kind == "public"})
        if has_nat:
            nats.append({"NatGatewayId": nat, "VpcId": vpc, "SubnetId": members[0],
                         "State": "available", "ConnectivityType": "public",
                         "NatGatewayAddresses": [{"PublicIp": f"52.{v % 250}.{len(nats)}.1"}]})
        endpoint_tables = []
        if rng.random() < 0.6:
            endpoint = f"vpce-g{vpc[4:]}"
            endpoint_tables = [ids["private"], ids["isolated"]]
            policy = _endpoint_policy(rng, world)
            endpoints.append({
                "VpcEndpointId": endpoint, "VpcEndpointType": "Gateway", "VpcId": vpc,
                "ServiceName": f"com.amazonaws.{region}.s3", "State": "available",
                "RouteTableIds": endpoint_tables, "SubnetIds": [], "OwnerId": world.account,
                "PrivateDnsEnabled": False,
                **({"PolicyDocument": _json(policy)} if policy else {})})
        if rng.random() < 0.05:
            endpoints.append({
                "VpcEndpointId": f"vpce-i{vpc[4:]}", "VpcEndpointType": "Interface",
                "VpcId": vpc, "ServiceName": f"com.amazonaws.{region}.s3",
                "State": "available", "RouteTableIds": [], "SubnetIds": kinds["private"][:2],
                "OwnerId": world.account, "PrivateDnsEnabled": True})
        for kind, table in ids.items():
            routes = [local]
            if kind == "public" or (kind == "main" and v == 0):
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw,
                               "State": "active"})
            if kind == "private" and has_nat:
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat,
                               "State": "active"})
            if table in endpoint_tables:
                routes.append({"DestinationPrefixListId": f"pl-{region}-s3",
                               "GatewayId": endpoints[-1 if len(endpoints) and
                                                      endpoints[-1]["VpcEndpointType"] ==
                                                      "Gateway" else -2]["VpcEndpointId"],
                               "State": "active"})
            associations = [{"Main": True, "RouteTableId": table,
                             "AssociationState": {"State": "associated"}}] if kind == "main" \
                else [{"Main": False, "RouteTableId": table, "SubnetId": s,
                       "AssociationState": {"State": "associated"}} for s in kinds[kind]]
            tables.append({"RouteTableId": table, "VpcId": vpc, "Routes": routes,
                           "Associations": associations, "OwnerId": world.account})
    return {"vpcs": {"Vpcs": vpcs}, "subnets": {"Subnets": subnet_records},
            "route_tables": {"RouteTables": tables}, "endpoints": {"VpcEndpoints": endpoints},
            "nat_gateways": {"NatGateways": nats},
            "internet_gateways": {"InternetGateways": igws}}


def _json(doc: dict[str, Any]) -> str:
    import json

    return json.dumps(doc)


def write_gates(out: Path, world: World, instances: dict[str, dict[str, Any]],
                dump: Dump) -> None:
    """Write the gate files of export_folder_gates' layout for `world`."""
    rng = world.rng("network")
    for region, response in sorted(instances.items()):
        subnets = {i["SubnetId"]: i["VpcId"] for r in response["Reservations"]
                   for i in r["Instances"]}
        if not subnets:
            continue
        public = {i["SubnetId"] for r in response["Reservations"] for i in r["Instances"]
                  if i.get("PublicIpAddress")}
        files = _region_network(rng, world, region, subnets, public)
        for kind, dirname in efg.NETWORK_DIRS.items():
            (out / dirname).mkdir(exist_ok=True)
            dump(out / dirname / f"{region}.json", files[kind])
    _write_kms_and_buckets(out, world, dump)
    org = out / efg.ORG_DIR
    org.mkdir(exist_ok=True)
    (org / "describe-organization.error").write_text(
        "An error occurred (AWSOrganizationsNotInUseException) when calling the "
        "DescribeOrganization operation: Your account is not a member of an organization.\n")


def _write_kms_and_buckets(out: Path, world: World, dump: Dump) -> None:
    rng = world.rng("kms")
    keys: dict[str, dict[str, Any]] = {}  # key id -> describe-key metadata
    team_keys: dict[tuple[str, str], str] = {}
    managed: dict[str, str] = {}
    for directory in (efg.ENCRYPTION_DIR, efg.OWNERSHIP_DIR, efg.ACCESS_POINTS_DIR,
                      efg.ACCESS_POINT_DIR, efg.ACCESS_POINT_POLICY_DIR):
        (out / directory).mkdir(exist_ok=True)
    points: dict[str, list[dict[str, Any]]] = {}
    for b in world.buckets:
        roll = rng.random()
        default: dict[str, Any] = {"SSEAlgorithm": "AES256"}
        if roll >= 0.6:
            if roll < 0.85:
                key_id = managed.setdefault(b.region, f"{len(keys):08x}-aws-s3-{b.region}")
                keys.setdefault(key_id, {"region": b.region, "manager": "AWS",
                                         "alias": "alias/aws/s3", "team": ""})
                default = {"SSEAlgorithm": "aws:kms"}
            else:
                key_id = team_keys.setdefault((b.team, b.region),
                                              f"{len(keys):08x}-{b.team}-{b.region}")
                keys.setdefault(key_id, {"region": b.region, "manager": "CUSTOMER",
                                         "alias": f"alias/{b.team}-data", "team": b.team})
                default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID":
                           f"arn:aws:kms:{b.region}:{world.account}:key/{key_id}"}
        dump(out / efg.ENCRYPTION_DIR / f"{b.name}.json", {"ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": default,
                       "BucketKeyEnabled": "KMSMasterKeyID" in default and rng.random() < 0.8}]}})
        ownership = "BucketOwnerEnforced" if rng.random() < 0.9 else "ObjectWriter"
        dump(out / efg.OWNERSHIP_DIR / f"{b.name}.json",
             {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]}})
        if rng.random() < 0.02:
            name = f"{b.name[:40]}-ap"
            vpc = f"vpc-{rng.randrange(40):08x}" if rng.random() < 0.4 else None
            arn = f"arn:aws:s3:{b.region}:{world.account}:accesspoint/{name}"
            entry = {"Name": name, "NetworkOrigin": "VPC" if vpc else "Internet",
                     "Bucket": b.name, "AccessPointArn": arn, "BucketAccountId": world.account,
                     **({"VpcConfiguration": {"VpcId": vpc}} if vpc else {})}
            points.setdefault(b.region, []).append(entry)
            dump(out / efg.ACCESS_POINT_DIR / f"{name}.json", {
                **entry, "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True}})
            dump(out / efg.ACCESS_POINT_POLICY_DIR / f"{name}.json", {"Policy": _json(_doc({
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{world.account}:root"},
                "Action": "s3:GetObject", "Resource": f"{arn}/object/*"}))})
    for region in sorted({b.region for b in world.buckets}):
        dump(out / efg.ACCESS_POINTS_DIR / f"{region}.json",
             {"AccessPointList": points.get(region, [])})
        _write_region_keys(out, rng, world, region,
                           {k: v for k, v in keys.items() if v["region"] == region}, dump)


def _write_region_keys(out: Path, rng: random.Random, world: World, region: str,
                       keys: dict[str, dict[str, Any]], dump: Dump) -> None:
    base = out / efg.KMS_DIR / region
    for sub in ("describe-key", "get-key-policy", "list-grants"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    dump(base / "list-keys.json", {"Keys": [
        {"KeyId": k, "KeyArn": f"arn:aws:kms:{region}:{world.account}:key/{k}"} for k in keys]})
    dump(base / "list-aliases.json", {"Aliases": [
        {"AliasName": v["alias"], "TargetKeyId": k,
         "AliasArn": f"arn:aws:kms:{region}:{world.account}:{v['alias']}"}
        for k, v in keys.items()]})
    root = f"arn:aws:iam::{world.account}:root"
    for key_id, info in keys.items():
        arn = f"arn:aws:kms:{region}:{world.account}:key/{key_id}"
        dump(base / "describe-key" / f"{key_id}.json", {"KeyMetadata": {
            "KeyId": key_id, "Arn": arn, "KeyManager": info["manager"], "KeyState": "Enabled",
            "Enabled": True, "AWSAccountId": world.account}})
        roll = rng.random()
        if info["manager"] == "AWS":
            policy = _doc({"Effect": "Allow", "Principal": {"AWS": "*"},
                           "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*",
                                      "kms:DescribeKey"], "Resource": "*",
                           "Condition": {"StringEquals": {
                               "kms:CallerAccount": world.account,
                               "kms:ViaService": f"s3.{region}.amazonaws.com"}}})
        elif roll < 0.75 or not world.roles:
            policy = _doc({"Sid": "EnableIAMUserPermissions", "Effect": "Allow",
                           "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"})
        else:
            names = [r.arn for r in rng.sample(world.roles, min(2, len(world.roles)))]
            policy = _doc({"Effect": "Allow", "Principal": {"AWS": root},
                           "Action": ["kms:Describe*", "kms:Put*", "kms:Get*", "kms:List*"],
                           "Resource": "*"},
                          {"Effect": "Allow", "Principal": {"AWS": names},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"})
        dump(base / "get-key-policy" / f"{key_id}.json", {"Policy": _json(policy)})
        grants = []
        if info["manager"] == "CUSTOMER" and world.roles and rng.random() < 0.15:
            grants.append({"KeyId": arn, "GrantId": f"g{key_id[:8]}",
                           "GranteePrincipal": rng.choice(world.roles).arn,
                           "Operations": ["Decrypt", "GenerateDataKey"], "IssuingAccount": root})
        dump(base / "list-grants" / f"{key_id}.json", {"Grants": grants})

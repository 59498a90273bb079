"""EC2: describe-instances (pages merged, one region) -> Instance records.

describe-instances is most of an account's bytes; only the fields rolemap uses are kept
(the public IP and metadata options feed the instance-exposure finding).
"""

from __future__ import annotations

from typing import Any

from graph.errors import SourceError
from graph.model import Instance, LoadWarning
from graph.sources.shapes import (
    RECORD_FAULTS,
    ShapeError,
    bad_shape,
    expect_list,
    expect_object,
    iam_arn,
)


def transform_instances(
    response: Any, region: str, account_id: str, *, partition: str = "aws", where: str = "",
    skipped: list[LoadWarning] | None = None,
) -> list[Instance]:
    """Every instance of one region's describe-instances output, terminated ones excluded.

    Terminated instances keep no role and reach nothing; they linger in the output for an hour.
    A malformed instance is an error, or with `skipped` (live reads) left out with a warning.
    """
    prefix = f"{where}: " if where else ""
    response = expect_object(
        response, where or f"describe-instances {region}", "describe-instances output",
        ("Reservations",),
    )
    out: list[Instance] = []
    reservations = expect_list(response["Reservations"], f"{prefix}Reservations")
    for r, reservation in enumerate(reservations):
        try:
            owner = reservation.get("OwnerId") or account_id
            if type(owner) is not str:
                raise ShapeError("OwnerId", "expected an account id")
            items = expect_list(reservation["Instances"], "Instances")
        except RECORD_FAULTS + (SourceError,) as exc:
            _fault(f"{prefix}Reservations[{r}]", exc, region, skipped)
            continue
        for at, raw in enumerate(items):
            try:
                instance = _instance(raw, region, owner, partition)
            except RECORD_FAULTS as exc:
                _fault(f"{prefix}Reservations[{r}].Instances[{at}]", exc, region, skipped)
                continue
            if instance is not None:
                out.append(instance)
    return out


def _fault(path: str, exc: Exception, region: str, skipped: list[LoadWarning] | None) -> None:
    fault = exc if isinstance(exc, SourceError) else bad_shape(path, exc)
    if skipped is None:
        raise fault from exc
    skipped.append(LoadWarning("ec2:DescribeInstances", region, f"record skipped: {fault}"))


def _optional(raw: Any, key: str) -> str | None:
    value = raw.get(key)
    if value is not None and type(value) is not str:
        raise ShapeError(key, "expected a string")
    return value


def _ipv6(raw: Any) -> str | None:
    """The instance's IPv6 address: the primary one, else the primary interface's first."""
    found = _optional(raw, "Ipv6Address")
    if found:
        return found
    for eni in raw.get("NetworkInterfaces") or ():
        if (eni.get("Attachment") or {}).get("DeviceIndex", 0) != 0:
            continue
        addresses = [a for a in eni.get("Ipv6Addresses") or () if a.get("Ipv6Address")]
        addresses.sort(key=lambda a: a.get("IsPrimaryIpv6") is not True)
        if addresses:
            return _optional(addresses[0], "Ipv6Address")
    return None


def _instance(raw: Any, region: str, owner: str, partition: str) -> Instance | None:
    state = raw["State"]["Name"]
    if state == "terminated":
        return None
    tags = {t["Key"]: t.get("Value", "") for t in raw.get("Tags") or ()}
    if not all(type(k) is str and type(v) is str for k, v in tags.items()):
        raise ShapeError("Tags", "keys and values must be strings")
    profile = raw.get("IamInstanceProfile")
    metadata = raw.get("MetadataOptions") or {}
    instance_id = raw["InstanceId"]
    if type(instance_id) is not str or not instance_id or type(state) is not str:
        raise ShapeError("InstanceId", "expected an instance id and a state name")
    return Instance(
        instance_id=instance_id,
        region=region,
        state=state,
        account_id=owner,
        name=tags.get("Name", ""),
        vpc_id=_optional(raw, "VpcId"),
        subnet_id=_optional(raw, "SubnetId"),
        private_ip=_optional(raw, "PrivateIpAddress"),
        instance_profile_arn=iam_arn(profile["Arn"], "IamInstanceProfile.Arn",
                                     "instance-profile") if profile else None,
        tags=tags,
        partition=partition,
        public_ip=_optional(raw, "PublicIpAddress") or None,
        ipv6_address=_ipv6(raw),
        metadata_http_tokens=_optional(metadata, "HttpTokens"),
        metadata_http_endpoint=_optional(metadata, "HttpEndpoint"),
    )

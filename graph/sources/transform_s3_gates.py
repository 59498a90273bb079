"""S3 facts of the gates: get-bucket-encryption, get-bucket-ownership-controls, and s3control
list-access-points / get-access-point / get-access-point-policy -> model records.

A missing response means "none configured" (the loaders only leave one out on the documented
not-found codes); a read that failed is unread (bucket `unknown`, access point `unread`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import GATE_ACCESS_POINTS, Unread
from graph.model_s3 import OWNERSHIP_OBJECT_WRITER, AccessPoint, BucketEncryption
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.raw import fact_key
from graph.sources.shapes import (
    RECORD_FAULTS,
    ShapeError,
    bad_shape,
    expect_list,
    expect_object,
    string,
)
from graph.sources.transform_s3 import block_public_access


def transform_encryption(response: Any, where: str) -> BucketEncryption:
    """get-bucket-encryption output (None: none configured) -> the default encryption."""
    if response is None:
        return BucketEncryption()
    config = expect_object(response, where, "get-bucket-encryption output",
                           ("ServerSideEncryptionConfiguration",))
    try:
        rules = expect_list(config["ServerSideEncryptionConfiguration"]["Rules"], "Rules")
        if not rules:
            return BucketEncryption()
        rule = rules[0]
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        key = default.get("KMSMasterKeyID")
        return BucketEncryption(
            algorithm=string(default.get("SSEAlgorithm") or "", "SSEAlgorithm"),
            kms_key_id=string(key, "KMSMasterKeyID") if key else None,
            bucket_key_enabled=rule.get("BucketKeyEnabled") is True)
    except RECORD_FAULTS as exc:
        raise bad_shape(f"{where}: ServerSideEncryptionConfiguration", exc) from exc


def transform_ownership(response: Any, where: str) -> str:
    """get-bucket-ownership-controls output (None: none set, ACLs in effect) -> the setting."""
    if response is None:
        return OWNERSHIP_OBJECT_WRITER
    controls = expect_object(response, where, "get-bucket-ownership-controls output",
                             ("OwnershipControls",))
    try:
        rules = expect_list(controls["OwnershipControls"]["Rules"], "Rules")
        return string(rules[0]["ObjectOwnership"], "ObjectOwnership") if rules \
            else OWNERSHIP_OBJECT_WRITER
    except RECORD_FAULTS as exc:
        raise bad_shape(f"{where}: OwnershipControls", exc) from exc


def transform_access_points(
    raw: Mapping[str, Mapping[str, Any]], unread: Mapping[str, Unread], account_id: str,
    bucket_regions: Mapping[str, str], *, where: str = "", strict: bool = True,
    warnings: list[LoadWarning] | None = None,
) -> tuple[AccessPoint, ...]:
    """Every access point listed (any region, each once), with its configuration and policy."""
    seen: dict[str, AccessPoint] = {}
    for region in sorted(raw.get("list") or {}):
        w = f"{where or 's3control list-access-points'} {region}".strip()
        try:
            response = expect_object(raw["list"][region], w, "list-access-points output",
                                     ("AccessPointList",))
            entries = expect_list(response["AccessPointList"], f"{w}: AccessPointList")
            for i, entry in enumerate(entries):
                try:
                    point = _point(entry, region, raw, unread, account_id, bucket_regions)
                except RECORD_FAULTS as exc:
                    raise bad_shape(f"{w}: AccessPointList[{i}]", exc) from exc
                seen.setdefault(point.arn, point)
        except SourceError as exc:
            if strict:
                raise
            if warnings is not None:
                warnings.append(LoadWarning("s3control:ListAccessPoints", region,
                                            f"not used: {exc}"))
    return tuple(sorted(seen.values(), key=lambda p: p.arn))


def _point(entry: Any, region: str, raw: Mapping[str, Mapping[str, Any]],
           unread: Mapping[str, Unread], account_id: str,
           bucket_regions: Mapping[str, str]) -> AccessPoint:
    name = string(entry["Name"], "Name")
    bucket = string(entry["Bucket"], "Bucket")
    arn = string(entry.get("AccessPointArn") or "", "AccessPointArn")
    parts = arn.split(":")
    # The bucket's region when it is the account's (an access point lives in its bucket's
    # region), else the ARN's, else the region whose listing named it.
    point_region = bucket_regions.get(bucket) or (parts[3] if len(parts) > 5 else region)
    problems: list[Unread] = []
    config = (raw.get("get") or {}).get(arn)
    pab = None
    vpc_id = ((entry.get("VpcConfiguration") or {}).get("VpcId")) or None
    origin = str(entry.get("NetworkOrigin") or "Internet")
    bucket_account = str(entry.get("BucketAccountId") or "")
    config_unread = unread.get(fact_key("access_point", arn, "config"))
    if config_unread is not None:
        problems.append(config_unread)
    elif config is None:
        problems.append(Unread(GATE_ACCESS_POINTS, f"configuration of access point {name}",
                               "s3control:GetAccessPoint: no answer"))
    else:
        if not isinstance(config, Mapping):
            raise ShapeError("GetAccessPoint", "expected an object")
        if config.get("PublicAccessBlockConfiguration") is not None:
            pab = block_public_access(config["PublicAccessBlockConfiguration"])
        origin = str(config.get("NetworkOrigin") or origin)
        vpc_id = (config.get("VpcConfiguration") or {}).get("VpcId") or vpc_id
        bucket_account = str(config.get("BucketAccountId") or bucket_account)
    policy = None
    policy_unread = unread.get(fact_key("access_point", arn, "policy"))
    response = (raw.get("policies") or {}).get(arn)
    if policy_unread is not None:
        problems.append(policy_unread)
    elif response is not None:
        if not isinstance(response, Mapping) or "Policy" not in response:
            raise ShapeError("GetAccessPointPolicy", "expected an object with Policy")
        try:
            policy = decode_document(response["Policy"], f"access point {name} policy")
        except DocumentDecodeError as exc:
            problems.append(Unread(GATE_ACCESS_POINTS, f"policy of access point {name}",
                                   exc.message))
    if bucket in bucket_regions and len(parts) > 5 and parts[3] != point_region:
        # A point lives in its bucket's region; an ARN saying otherwise (moto names us-east-1
        # for every point) would not match the point's own policy.
        arn = ":".join([*parts[:3], point_region, *parts[4:]])
    return AccessPoint(
        name=name, arn=arn, region=point_region, bucket=bucket,
        account_id=parts[4] if len(parts) > 5 else account_id,
        bucket_account_id=bucket_account if bucket_account != account_id else "",
        network_origin=origin, vpc_id=vpc_id, policy=policy, public_access_block=pab,
        alias=str(entry.get("Alias") or ""), unread=tuple(problems))

"""The live loader: read-only boto3 calls -> RawAccount -> AccountSnapshot.

Only Get*/List*/Describe* and sts:GetCallerIdentity are called (a test records every operation).
Per-region and per-bucket reads run in a bounded thread pool; botocore retries throttling
(adaptive mode). A read that still fails becomes a LoadWarning and marks the configuration
unknown; "not configured" answers (NoSuchBucketPolicy...) are recorded as absence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from graph.model import (
    UNKNOWN_ACL,
    UNKNOWN_ENCRYPTION,
    UNKNOWN_LOCATION,
    UNKNOWN_OWNERSHIP,
    UNKNOWN_POLICY,
    UNKNOWN_PUBLIC_ACCESS_BLOCK,
    AccountSnapshot,
    LoadWarning,
    SourceInfo,
)
from graph.model_common import GATE_KMS, GATE_OWNERSHIP
from graph.sources.aws_errors import describe_error
from graph.sources.build import build_snapshot
from graph.sources.bulk import bulk_allocation
from graph.sources.calls import CallWatch
from graph.sources.connection import AwsConnection
from graph.sources.live_compute import read_compute
from graph.sources.live_gates import (
    read_access_points,
    read_kms,
    read_network,
    read_organization,
)
from graph.sources.raw import UNKNOWN_BUCKET_LIST, UNKNOWN_IAM, RawAccount, unknown_instances
from graph.sources.transform_s3 import region_of

Progress = Callable[[str, int, int], None]

#: Error codes meaning "this configuration does not exist" (absence, not a failure).
ABSENT_CODES = frozenset({
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
})
IAM_FILTER = ["Role", "LocalManagedPolicy", "AWSManagedPolicy", "User", "Group"]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@dataclass
class _Collector:
    """Warnings and unknowns gathered while reading; filled from the main thread only."""

    watch: CallWatch
    warnings: list[LoadWarning] = field(default_factory=list)
    account_unknown: set[str] = field(default_factory=set)

    def failed(self, operation: str, target: str, exc: Exception, gate: str = "") -> None:
        code, message = describe_error(exc)
        if gate:
            message = f"{message} ({gate} not checked)"
        self.warnings.append(LoadWarning(operation, target, message, code))


def gather_live(
    conn: AwsConnection,
    regions: Sequence[str] = (),
    *,
    progress: Progress = _no_progress,
    workers: int = 8,
) -> RawAccount:
    """Read the account through `conn` (get); see module docstring for what is read."""
    with CallWatch(progress) as watch:
        return _gather(conn, regions, watch, workers)


def _gather(conn: AwsConnection, regions: Sequence[str], watch: CallWatch,
            workers: int) -> RawAccount:
    out = _Collector(watch)
    progress = watch.progress
    progress("identity", 0, 1)
    with watch.call("sts:GetCallerIdentity"):
        identity = conn.caller_identity()
    progress("identity", 1, 1)

    progress("iam", 0, 1)
    details = _authorization_details(conn, out)
    progress("iam", 1, 1)

    region_list = tuple(regions) or _enabled_regions(conn, out)
    conn.regions = region_list
    account_id = identity["Account"]
    unread: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rolemap-load") as pool:
        instances = _instances(conn, pool, region_list, out, progress)
        buckets = _list_buckets(conn, out)
        per_bucket, unknown = _bucket_details(conn, pool, buckets, out, progress)
        bucket_regions = {_region_of(r) for r in per_bucket[UNKNOWN_LOCATION].values()}
        progress("network", 0, 1)
        network = read_network(conn, pool, _instance_regions(instances), out, unread)
        progress("network", 1, 1)
        progress("kms", 0, 1)
        kms = read_kms(conn, pool, {*region_list, *bucket_regions}, out, unread)
        progress("kms", 1, 1)
        progress("access points", 0, 1)
        points = read_access_points(conn, pool, account_id, {*region_list, *bucket_regions},
                                    out, unread)
        progress("access points", 1, 1)
        progress("compute", 0, 1)
        compute = read_compute(conn, pool, region_list, out, unread)
        progress("compute", 1, 1)
    progress("organization", 0, 1)
    organization = read_organization(conn, account_id, out, unread)
    progress("organization", 1, 1)
    account_pab = _account_public_access_block(conn, account_id, out)
    out.warnings.sort(key=lambda w: (w.operation, w.target))
    return RawAccount(
        identity=identity,
        authorization_details=details,
        instances=instances,
        buckets=buckets,
        bucket_locations=per_bucket[UNKNOWN_LOCATION],
        bucket_policies=per_bucket[UNKNOWN_POLICY],
        bucket_public_access_blocks=per_bucket[UNKNOWN_PUBLIC_ACCESS_BLOCK],
        bucket_acls=per_bucket[UNKNOWN_ACL],
        account_public_access_block=account_pab,
        bucket_unknown=unknown,
        account_unknown=frozenset(out.account_unknown),
        warnings=tuple(out.warnings),
        network=network,
        kms=kms,
        bucket_gate_facts=True,
        bucket_encryptions=per_bucket[UNKNOWN_ENCRYPTION],
        bucket_ownership_controls=per_bucket[UNKNOWN_OWNERSHIP],
        access_points=points,
        organization=organization,
        fact_unread=unread,
        compute=compute,
        origin=f"account {identity['Account']}",
    )


def load_live(
    conn: AwsConnection,
    regions: Sequence[str] = (),
    *,
    source: SourceInfo | None = None,
    progress: Progress = _no_progress,
    workers: int = 8,
) -> AccountSnapshot:
    """The account behind `conn` as a snapshot (transform of `gather_live`)."""
    raw = gather_live(conn, regions, progress=progress, workers=workers)
    info = source or SourceInfo("profile", f"account {raw.identity['Account']}")
    info = SourceInfo(info.kind, info.label, tuple(sorted(raw.instances)) or conn.regions)
    with bulk_allocation():
        return build_snapshot(raw, info, strict=False)


def _authorization_details(conn: AwsConnection, out: _Collector) -> dict[str, Any] | None:
    merged: dict[str, list[Any]] = {
        "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []
    }
    try:
        paginator = conn.client("iam").get_paginator("get_account_authorization_details")
        with out.watch.call("iam:GetAccountAuthorizationDetails"):
            for page in paginator.paginate(Filter=IAM_FILTER):
                for key, items in merged.items():
                    items.extend(page.get(key) or ())
    except (ClientError, BotoCoreError) as exc:
        out.failed("iam:GetAccountAuthorizationDetails", "", exc)
        out.account_unknown.add(UNKNOWN_IAM)
        return None
    return merged


def _enabled_regions(conn: AwsConnection, out: _Collector) -> tuple[str, ...]:
    """Regions enabled for the account; opt-in regions not opted in are left out (they deny)."""
    try:
        with out.watch.call("ec2:DescribeRegions"):
            response = conn.client("ec2").describe_regions()
    except (ClientError, BotoCoreError) as exc:
        out.failed("ec2:DescribeRegions", "", exc)
        out.account_unknown.add(unknown_instances("*"))
        return (conn.default_region,)
    return tuple(sorted(
        r["RegionName"] for r in response.get("Regions", ())
        if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    ))


def _describe_instances(conn: AwsConnection, region: str, watch: CallWatch) -> dict[str, Any]:
    reservations: list[Any] = []
    paginator = conn.client("ec2", region).get_paginator("describe_instances")
    with watch.call("ec2:DescribeInstances", region):
        for page in paginator.paginate():
            reservations.extend(page.get("Reservations") or ())
    return {"Reservations": reservations}


def _instances(conn: AwsConnection, pool: ThreadPoolExecutor, regions: Sequence[str],
               out: _Collector, progress: Progress) -> dict[str, Any]:
    result: dict[str, Any] = {}
    futures = {pool.submit(_describe_instances, conn, r, out.watch): r for r in regions}
    progress("instances", 0, len(futures))
    for done, future in enumerate(as_completed(futures), 1):
        region = futures[future]
        try:
            result[region] = future.result()
        except (ClientError, BotoCoreError) as exc:
            out.failed("ec2:DescribeInstances", region, exc)
            out.account_unknown.add(unknown_instances(region))
        progress("instances", done, len(futures))
    return result


def _list_buckets(conn: AwsConnection, out: _Collector) -> dict[str, Any] | None:
    """All buckets, following continuation tokens (ListBuckets pages since 2024)."""
    s3 = conn.client("s3")
    merged: dict[str, Any] = {"Buckets": []}
    kwargs: dict[str, Any] = {}
    try:
        while True:
            with out.watch.call("s3:ListBuckets"):
                page = s3.list_buckets(**kwargs)
            merged["Buckets"].extend(page.get("Buckets") or ())
            merged.setdefault("Owner", page.get("Owner"))
            token = page.get("ContinuationToken")
            if not token:
                return merged
            kwargs["ContinuationToken"] = token
    except (ClientError, BotoCoreError) as exc:
        out.failed("s3:ListBuckets", "", exc)
        out.account_unknown.add(UNKNOWN_BUCKET_LIST)
        return None


#: (unknown name, operation, client method) for the per-bucket reads after the location.
_BUCKET_READS = (
    (UNKNOWN_POLICY, "s3:GetBucketPolicy", "get_bucket_policy"),
    (UNKNOWN_PUBLIC_ACCESS_BLOCK, "s3:GetPublicAccessBlock", "get_public_access_block"),
    (UNKNOWN_ACL, "s3:GetBucketAcl", "get_bucket_acl"),
    (UNKNOWN_ENCRYPTION, "s3:GetBucketEncryption", "get_bucket_encryption"),
    (UNKNOWN_OWNERSHIP, "s3:GetBucketOwnershipControls", "get_bucket_ownership_controls"),
)
#: The gate a per-bucket read serves, named in the warning when it fails.
_BUCKET_GATES = {UNKNOWN_ENCRYPTION: GATE_KMS, UNKNOWN_OWNERSHIP: GATE_OWNERSHIP}


def _region_of(location: Any) -> str:
    constraint = location.get("LocationConstraint") if isinstance(location, dict) else None
    return region_of({"LocationConstraint": constraint if isinstance(constraint, str) else ""},
                     {})


def _instance_regions(instances: dict[str, Any]) -> set[str]:
    """Regions holding at least one instance: only there does the network path matter."""
    return {region for region, response in instances.items()
            if any(r.get("Instances") for r in response.get("Reservations") or ())}


def _read_bucket(conn: AwsConnection, entry: dict[str, Any], watch: CallWatch) -> dict[str, Any]:
    """Every per-bucket read; returns {kind: response | None (absent) | Exception (failed)}."""
    name = entry["Name"]
    found: dict[str, Any] = {}
    try:
        with watch.call("s3:GetBucketLocation", name):
            found[UNKNOWN_LOCATION] = conn.client("s3").get_bucket_location(Bucket=name)
    except (ClientError, BotoCoreError) as exc:
        found[UNKNOWN_LOCATION] = exc
    location = found[UNKNOWN_LOCATION]
    region = region_of(location if isinstance(location, dict) else None, entry)
    client = conn.client("s3", region)
    for kind, operation, method in _BUCKET_READS:
        try:
            with watch.call(operation, name):
                found[kind] = getattr(client, method)(Bucket=name)
        except ClientError as exc:
            absent = exc.response.get("Error", {}).get("Code") in ABSENT_CODES
            found[kind] = None if absent else exc
        except BotoCoreError as exc:
            found[kind] = exc
    return found


def _bucket_details(
    conn: AwsConnection, pool: ThreadPoolExecutor, buckets: dict[str, Any] | None,
    out: _Collector, progress: Progress,
) -> tuple[dict[str, dict[str, Any]], dict[str, frozenset[str]]]:
    """{kind: {bucket: response}} for the kinds read (absent: none configured), and the
    kinds that could not be read per bucket."""
    responses: dict[str, dict[str, Any]] = {UNKNOWN_LOCATION: {}}
    responses.update({kind: {} for kind, _, _ in _BUCKET_READS})
    unknown: dict[str, frozenset[str]] = {}
    entries = list((buckets or {}).get("Buckets") or ())
    operations = {UNKNOWN_LOCATION: "s3:GetBucketLocation"}
    operations.update({kind: op for kind, op, _ in _BUCKET_READS})
    futures = {pool.submit(_read_bucket, conn, e, out.watch): e["Name"] for e in entries}
    progress("buckets", 0, len(futures))
    for done, future in enumerate(as_completed(futures), 1):
        name = futures[future]
        failed: set[str] = set()
        for kind, value in future.result().items():
            if isinstance(value, Exception):
                out.failed(operations[kind], name, value, _BUCKET_GATES.get(kind, ""))
                failed.add(kind)
            elif value is not None:
                responses[kind][name] = value
        if failed:
            unknown[name] = frozenset(failed)
        progress("buckets", done, len(futures))
    out.warnings.sort(key=lambda w: (w.operation, w.target))
    return responses, unknown


def _account_public_access_block(conn: AwsConnection, account_id: str,
                                 out: _Collector) -> dict[str, Any] | None:
    try:
        with out.watch.call("s3control:GetPublicAccessBlock"):
            return conn.client("s3control").get_public_access_block(AccountId=account_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ABSENT_CODES:
            return None
        out.failed("s3control:GetPublicAccessBlock", account_id, exc)
    except BotoCoreError as exc:
        out.failed("s3control:GetPublicAccessBlock", account_id, exc)
    out.account_unknown.add(UNKNOWN_PUBLIC_ACCESS_BLOCK)
    return None

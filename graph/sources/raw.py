"""The raw account: AWS API responses exactly as boto3 returns them (and the AWS CLI prints them).

Every account source first gathers a `RawAccount` (cartography style: get), then one pure
function turns it into the model (transform, see `build.py`). Keeping the raw layer in the
responses' own shape means the live loader, the AWS CLI export folder and the synthetic
generator share one transform, and the tests feed it the documented response shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.model import LoadWarning
from graph.model_common import Unread

#: One API response, JSON-shaped (boto3 may still carry datetimes; transforms accept both).
Response = Mapping[str, Any]


@dataclass(frozen=True)
class RawAccount:
    """Responses gathered from one account; an absent key means "none configured".

    Denied or failed reads are not absent: they are named in `bucket_unknown` /
    `account_unknown` and explained in `warnings`, so analysis reports "unknown" instead of "no".
    """

    #: sts:GetCallerIdentity.
    identity: Response
    #: iam:GetAccountAuthorizationDetails with all pages merged; None when it could not be read.
    authorization_details: Response | None
    #: ec2:DescribeInstances per region, pages merged ({"Reservations": [...]}).
    instances: Mapping[str, Response]
    #: s3:ListBuckets, pages merged; None when it could not be read.
    buckets: Response | None
    #: Per-bucket responses, keyed by bucket name; a missing key means "none configured".
    bucket_locations: Mapping[str, Response] = field(default_factory=dict)
    bucket_policies: Mapping[str, Response] = field(default_factory=dict)
    bucket_public_access_blocks: Mapping[str, Response] = field(default_factory=dict)
    bucket_acls: Mapping[str, Response] = field(default_factory=dict)
    #: s3control:GetPublicAccessBlock; None when none is configured (or unknown).
    account_public_access_block: Response | None = None
    #: Bucket name -> configurations that could not be read (graph.model UNKNOWN_* names).
    bucket_unknown: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Account-level configurations that could not be read ("public_access_block", "iam",
    #: "buckets", "instances:<region>", "instances:*" when the region list itself failed).
    account_unknown: frozenset[str] = frozenset()
    warnings: tuple[LoadWarning, ...] = ()
    #: The gates' facts; None: the source did not read them at all (see `gates_unread`).
    #: ec2 per region: {region: {NETWORK_KINDS name: describe-* output}}.
    network: Mapping[str, Mapping[str, Response]] | None = None
    #: kms per region: {"keys": list-keys, "aliases": list-aliases, "describe" / "policies" /
    #: "grants": {key id: describe-key / get-key-policy / list-grants output}}.
    kms: Mapping[str, Mapping[str, Any]] | None = None
    #: Whether get-bucket-encryption and get-bucket-ownership-controls were read (then a
    #: bucket missing from these two means "none configured" unless in `bucket_unknown`).
    bucket_gate_facts: bool = False
    bucket_encryptions: Mapping[str, Response] = field(default_factory=dict)
    bucket_ownership_controls: Mapping[str, Response] = field(default_factory=dict)
    #: s3control: {"list": {region: list-access-points}, "get": {arn: get-access-point},
    #: "policies": {arn: get-access-point-policy}} (a missing policy: none).
    access_points: Mapping[str, Mapping[str, Response]] | None = None
    #: organizations: {"organization": describe-organization, "parents": {child: list-parents},
    #: "targets": {"<target> <type>": list-policies-for-target}, "policies": {id: describe-
    #: policy}}; {"not_in_organization": True} when the account is in none.
    organization: Mapping[str, Any] | None = None
    #: Gate facts that could not be read, by `fact_key(...)`: unknown, never "none".
    fact_unread: Mapping[str, Unread] = field(default_factory=dict)
    #: Existing compute per region: {region: {graph.model_compute kind: list/describe
    #: output}}; a kind missing from a region failed (its Unread under fact_key("compute",
    #: region, kind)); None: the source did not read compute at all.
    compute: Mapping[str, Mapping[str, Response]] | None = None
    #: Whole gates the source holds nothing for (an export folder from an older script).
    gates_unread: tuple[Unread, ...] = ()
    #: Where the responses came from, used in error messages (a folder path or "live").
    origin: str = ""


#: Account-level unknown names beyond graph.model's bucket-level ones.
UNKNOWN_IAM = "iam"
UNKNOWN_BUCKET_LIST = "buckets"


def unknown_instances(region: str) -> str:
    """Name for "instances of this region could not be listed" in `Account.unknown`."""
    return f"instances:{region}"


#: The ec2 describe calls of the network gates: (RawAccount.network kind, operation).
NETWORK_KINDS: tuple[tuple[str, str], ...] = (
    ("vpcs", "ec2:DescribeVpcs"),
    ("subnets", "ec2:DescribeSubnets"),
    ("route_tables", "ec2:DescribeRouteTables"),
    ("endpoints", "ec2:DescribeVpcEndpoints"),
    ("nat_gateways", "ec2:DescribeNatGateways"),
    ("internet_gateways", "ec2:DescribeInternetGateways"),
)


def fact_key(*parts: str) -> str:
    """Key of a gate fact in `RawAccount.fact_unread`: ("network", region, kind),
    ("kms", region, "keys" | "aliases"), ("kms", region, key id, "describe" | "policy" |
    "grants"), ("access_points", region), ("access_point", arn, "config" | "policy"),
    ("organization", "path" | "<target> <type>" | policy id)."""
    return ":".join(parts)

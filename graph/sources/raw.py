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
    #: Where the responses came from, used in error messages (a folder path or "live").
    origin: str = ""


#: Account-level unknown names beyond graph.model's bucket-level ones.
UNKNOWN_IAM = "iam"
UNKNOWN_BUCKET_LIST = "buckets"


def unknown_instances(region: str) -> str:
    """Name for "instances of this region could not be listed" in `Account.unknown`."""
    return f"instances:{region}"

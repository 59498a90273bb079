"""Types the account model's modules share: policy documents, Block Public Access, unread facts.

Kept apart from `graph.model` so the gate-fact modules (network, KMS, S3 access points,
organisation) can use them without importing the snapshot; `graph.model` re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: A policy document as AWS stores it (already JSON-decoded).
JsonDoc = Any

#: The gates on the data path, by the names load warnings and unread facts use.
GATE_NETWORK = "network path"
GATE_ENDPOINTS = "VPC endpoints"
GATE_KMS = "KMS"
GATE_ACCESS_POINTS = "access points"
GATE_OWNERSHIP = "object ownership"
GATE_ORGANIZATION = "organisation policies"
ALL_GATES = (GATE_NETWORK, GATE_ENDPOINTS, GATE_KMS, GATE_ACCESS_POINTS, GATE_OWNERSHIP,
             GATE_ORGANIZATION)


@dataclass(frozen=True)
class Unread:
    """A fact a gate needs that could not be read, and why: the gate answers *unknown* with
    `reason`, never treats the fact as absent."""

    #: The gate that cannot be checked (GATE_*).
    gate: str
    #: What was not read, e.g. "route tables in us-east-1", "key policy", "SCPs".
    fact: str
    #: Why, e.g. "ec2:DescribeRouteTables: AccessDenied: not authorized".
    reason: str

    def __str__(self) -> str:
        return f"{self.fact} not read ({self.reason}): {self.gate} not checked"


@dataclass(frozen=True)
class BlockPublicAccess:
    """S3 Block Public Access flags (bucket, access point or account level); all False means
    "not blocking"."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @classmethod
    def from_api(cls, config: Mapping[str, Any]) -> BlockPublicAccess:
        """Build from a `PublicAccessBlockConfiguration` dict as the API returns it."""
        return cls(
            block_public_acls=bool(config.get("BlockPublicAcls", False)),
            ignore_public_acls=bool(config.get("IgnorePublicAcls", False)),
            block_public_policy=bool(config.get("BlockPublicPolicy", False)),
            restrict_public_buckets=bool(config.get("RestrictPublicBuckets", False)),
        )

    def to_api(self) -> dict[str, bool]:
        return {
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        }

    def merged(self, other: BlockPublicAccess | None) -> BlockPublicAccess:
        """Effective flags: S3 applies the most restrictive of bucket and account settings."""
        if other is None:
            return self
        return BlockPublicAccess(
            self.block_public_acls or other.block_public_acls,
            self.ignore_public_acls or other.ignore_public_acls,
            self.block_public_policy or other.block_public_policy,
            self.restrict_public_buckets or other.restrict_public_buckets,
        )

"""A bucket's default encryption and Object Ownership, and the account's S3 access points.

Default encryption says which KMS key an SSE-KMS bucket's new objects use (objects written
with another key can differ: the gate says "per the bucket's default encryption"). Object
Ownership `BucketOwnerEnforced` disables ACLs. An access point is a second door to a bucket,
with its own policy, network origin and Block Public Access.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model_common import BlockPublicAccess, JsonDoc, Unread

SSE_S3 = "AES256"
SSE_KMS = "aws:kms"
SSE_KMS_DSSE = "aws:kms:dsse"
#: Object Ownership settings (GetBucketOwnershipControls); a bucket without ownership
#: controls behaves as OWNERSHIP_OBJECT_WRITER (ACLs in effect) and is recorded as such.
OWNERSHIP_ENFORCED = "BucketOwnerEnforced"
OWNERSHIP_PREFERRED = "BucketOwnerPreferred"
OWNERSHIP_OBJECT_WRITER = "ObjectWriter"


@dataclass(frozen=True)
class BucketEncryption:
    """A bucket's default encryption (GetBucketEncryption's first rule)."""

    #: "AES256" (SSE-S3), "aws:kms" (SSE-KMS), "aws:kms:dsse", or "" when none is configured.
    algorithm: str = ""
    #: KMSMasterKeyID as configured (key id, key ARN, alias name or alias ARN); None with
    #: SSE-KMS means the AWS managed key aws/s3.
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False

    @property
    def uses_kms(self) -> bool:
        return self.algorithm in (SSE_KMS, SSE_KMS_DSSE)

    @property
    def key_ref(self) -> str | None:
        """The key S3 uses for new objects: the configured one, else "alias/aws/s3"."""
        if not self.uses_kms:
            return None
        return self.kms_key_id or "alias/aws/s3"


@dataclass(frozen=True)
class AccessPoint:
    """An S3 access point (s3control): its bucket, policy, network origin and own BPA."""

    name: str
    arn: str
    region: str
    bucket: str
    account_id: str = ""
    #: The bucket's owner when another account's (AWS reports it for cross-account points).
    bucket_account_id: str = ""
    #: "Internet", or "VPC": requests only from `vpc_id` (through its endpoint) are answered.
    network_origin: str = "Internet"
    vpc_id: str | None = None
    #: The access point policy; None when it has none (or see `unread`).
    policy: JsonDoc | None = None
    #: The point's own Block Public Access; None when it was not read (see `unread`).
    public_access_block: BlockPublicAccess | None = None
    alias: str = ""
    #: Parts that could not be read: its configuration, its policy.
    unread: tuple[Unread, ...] = ()

    @property
    def vpc_only(self) -> bool:
        return self.network_origin.upper() == "VPC"

"""Bucket ACLs and Block Public Access, expressed so the engine can decide them.

An ACL grant is a resource-based grant of a fixed set of actions (AWS's documented mapping
from ACL permissions to policy actions). Writing each grant as a resource-policy statement
lets the same engine decide it, with the grant itself as the evidence. Block Public Access
changes effective access only through IgnorePublicAcls (public ACL grants stop counting) and
RestrictPublicBuckets (a public bucket policy reaches only the owner account and AWS
services); the Block* flags only refuse new public settings.
"""

from __future__ import annotations

from typing import Any

from graph.model import (
    ALL_USERS_URI,
    AUTHENTICATED_USERS_URI,
    UNKNOWN_ACL,
    UNKNOWN_PUBLIC_ACCESS_BLOCK,
    Account,
    BlockPublicAccess,
    Bucket,
)

#: AWS's mapping of bucket ACL permissions to the actions they allow.
ACL_BUCKET_ACTIONS: dict[str, tuple[str, ...]] = {
    "READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
}
ACL_OBJECT_ACTIONS: dict[str, tuple[str, ...]] = {
    "WRITE": ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
}
PUBLIC_GROUPS: dict[str, str] = {ALL_USERS_URI: "AllUsers",
                                 AUTHENTICATED_USERS_URI: "AuthenticatedUsers"}


def _permissions(permission: str) -> tuple[str, ...]:
    if permission == "FULL_CONTROL":
        return ("READ", "WRITE", "READ_ACP", "WRITE_ACP")
    return (permission,)


def acl_document(bucket: Bucket, *, public_only: bool, ignore_public: bool = False) -> Any:
    """The bucket's ACL as a resource policy; None when it grants nothing beyond the owner.

    Grants to the bucket owner are left out: the owner account's principals get access
    through IAM, which the identity policies already express.
    """
    statements: list[dict[str, Any]] = []
    for grant in bucket.acl_grants:
        group = PUBLIC_GROUPS.get(grant.grantee) if grant.grantee_type == "Group" else None
        if group is not None:
            if ignore_public:
                continue
            principal: Any = "*"
            label = group
        elif (public_only or grant.grantee_type != "CanonicalUser"
              or grant.grantee == bucket.owner_id):
            continue
        else:
            principal = {"CanonicalUser": grant.grantee}
            label = grant.display_name or grant.grantee[:12]
        for perm in _permissions(grant.permission):
            for actions, resource in (
                (ACL_BUCKET_ACTIONS.get(perm), bucket.arn),
                (ACL_OBJECT_ACTIONS.get(perm), f"{bucket.arn}/*"),
            ):
                if actions:
                    statements.append({
                        "Sid": f"ACL {label} {perm}",
                        "Effect": "Allow",
                        "Principal": principal,
                        "Action": list(actions),
                        "Resource": resource,
                    })
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}


def effective_block(bucket: Bucket, account: Account) -> tuple[BlockPublicAccess, bool]:
    """The most restrictive of bucket and account Block Public Access, and whether it is
    uncertain (either setting could not be read)."""
    bpa = (bucket.public_access_block or BlockPublicAccess()).merged(account.public_access_block)
    unknown = (UNKNOWN_PUBLIC_ACCESS_BLOCK in bucket.unknown
               or UNKNOWN_PUBLIC_ACCESS_BLOCK in account.unknown)
    return bpa, unknown


def acl_unknown(bucket: Bucket) -> bool:
    return UNKNOWN_ACL in bucket.unknown

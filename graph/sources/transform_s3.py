"""S3: list-buckets plus per-bucket location, policy, public access block and ACL -> Bucket.

A missing response means "none configured"; a bucket's `unknown` set (from the loader) means
"could not be read" and is carried through unchanged, so the two never blur.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.model import (
    UNKNOWN_POLICY,
    AclGrant,
    BlockPublicAccess,
    Bucket,
    LoadWarning,
)
from graph.sources.documents import DocumentDecodeError, decode_document
from graph.sources.shapes import (
    RECORD_FAULTS,
    ShapeError,
    bad_shape,
    expect_list,
    expect_object,
    optional_string,
    string,
    text,
)

#: get-bucket-location's legacy values (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html).
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}


def bucket_entries(response: Any, where: str = "") -> list[Mapping[str, Any]]:
    """The `Buckets` list of a list-buckets output."""
    response = expect_object(response, where or "list-buckets", "list-buckets output", ("Buckets",))
    entries = expect_list(response["Buckets"], f"{where}: Buckets" if where else "Buckets")
    for i, entry in enumerate(entries):
        path = f"{where}: Buckets[{i}]" if where else f"Buckets[{i}]"
        if not isinstance(entry, Mapping) or "Name" not in entry:
            raise bad_shape(path, KeyError("Name"))
        name = entry["Name"]
        if type(name) is not str or not name:
            raise bad_shape(path, ShapeError("Name", "expected a bucket name (a string)"))
    return entries


def list_owner(response: Any, where: str = "") -> Mapping[str, Any] | None:
    """list-buckets' Owner ({"ID", "DisplayName"}), checked: the model reads its strings."""
    owner = response.get("Owner") if isinstance(response, Mapping) else None
    try:
        return _owner(owner)
    except ShapeError as exc:
        raise bad_shape(where or "list-buckets", exc) from None


def _owner(owner: Any) -> Mapping[str, Any] | None:
    if owner is None:
        return None
    if not isinstance(owner, Mapping):
        raise ShapeError("Owner", "expected an object with ID and DisplayName")
    for key in ("ID", "DisplayName"):
        if owner.get(key) is not None and type(owner[key]) is not str:
            raise ShapeError(f"Owner.{key}", "expected a string")
    return owner


def region_of(location: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> str:
    """The bucket's region: get-bucket-location, else list-buckets' BucketRegion, else us-east-1."""
    if location is not None:
        constraint = location.get("LocationConstraint") or ""
        if type(constraint) is not str:
            raise ShapeError("LocationConstraint", "expected a region name or null")
        return _LEGACY_LOCATIONS.get(constraint, constraint)
    region = entry.get("BucketRegion") or "us-east-1"
    if type(region) is not str:
        raise ShapeError("BucketRegion", "expected a region name")
    return region


def block_public_access(config: Any, field: str = "PublicAccessBlockConfiguration"
                        ) -> BlockPublicAccess:
    """The four flags, each a JSON boolean: a string "false" would otherwise read as true."""
    if not isinstance(config, Mapping):
        raise ShapeError(field, "expected an object of four true/false flags")
    for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                "RestrictPublicBuckets"):
        if key in config and type(config[key]) is not bool:
            raise ShapeError(f"{field}.{key}", "expected true or false")
    return BlockPublicAccess.from_api(config)


def transform_bucket(
    entry: Mapping[str, Any],
    *,
    location: Any = None,
    policy: Any = None,
    public_access_block: Any = None,
    acl: Any = None,
    unknown: frozenset[str] = frozenset(),
    list_owner: Mapping[str, Any] | None = None,
    where: Mapping[str, str] | None = None,
    strict: bool = True,
) -> tuple[Bucket, tuple[LoadWarning, ...]]:
    """One bucket from its responses; `where` names each response's file for error messages."""
    where = where or {}
    name = entry["Name"]
    warnings: tuple[LoadWarning, ...] = ()
    doc = None
    if policy is not None:
        w = where.get("policy", f"bucket {name} policy")
        policy = expect_object(policy, w, "get-bucket-policy output", ("Policy",))
        try:
            doc = decode_document(policy["Policy"], f"{w}: Policy")
        except DocumentDecodeError as exc:
            if strict:
                raise
            doc = policy["Policy"]
            warnings = (LoadWarning("s3:GetBucketPolicy", name, exc.message),)
    pab = None
    if public_access_block is not None:
        w = where.get("public_access_block", f"bucket {name} public access block")
        public_access_block = expect_object(
            public_access_block, w, "get-public-access-block output",
            ("PublicAccessBlockConfiguration",),
        )
        try:
            pab = block_public_access(public_access_block["PublicAccessBlockConfiguration"])
        except ShapeError as exc:
            raise bad_shape(w, exc) from None
    grants: tuple[AclGrant, ...] = ()
    owner = dict(list_owner or {})
    if acl is not None:
        w = where.get("acl", f"bucket {name} acl")
        acl = expect_object(acl, w, "get-bucket-acl output", ("Grants", "Owner"))
        try:
            grants = tuple(_grant(g) for g in expect_list(acl.get("Grants"), f"{w}: Grants"))
        except RECORD_FAULTS as exc:
            raise bad_shape(f"{w}: Grants", exc) from exc
        try:
            owner = dict(_owner(acl.get("Owner")) or owner)
        except ShapeError as exc:
            raise bad_shape(w, exc) from None
    if location is not None:
        location = expect_object(
            location, where.get("location", f"bucket {name} location"),
            "get-bucket-location output", ("LocationConstraint",),
        )
    try:
        region = region_of(location, entry)
    except ShapeError as exc:
        what = "location" if location is not None else "buckets"
        raise bad_shape(where.get(what, f"bucket {name}"), exc) from None
    bucket = Bucket(
        name=name,
        region=region,
        policy=doc if UNKNOWN_POLICY not in unknown else None,
        public_access_block=pab,
        acl_grants=grants,
        owner_id=owner.get("ID", ""),
        owner_name=owner.get("DisplayName", ""),
        unknown=unknown,
        creation_date=text(entry.get("CreationDate")),
    )
    return bucket, warnings


def transform_account_public_access_block(response: Any, where: str = "") -> BlockPublicAccess:
    """s3control get-public-access-block output -> account-level flags."""
    response = expect_object(
        response, where or "s3control get-public-access-block", "get-public-access-block output",
        ("PublicAccessBlockConfiguration",),
    )
    try:
        return block_public_access(response["PublicAccessBlockConfiguration"])
    except ShapeError as exc:
        raise bad_shape(where or "s3control get-public-access-block", exc) from None


def _grant(raw: Mapping[str, Any]) -> AclGrant:
    grantee = raw["Grantee"]
    kind = string(grantee["Type"], "Grantee.Type")
    ident = grantee.get("ID") or grantee.get("URI") or grantee.get("EmailAddress") or ""
    return AclGrant(kind, string(ident, "Grantee"), string(raw["Permission"], "Permission"),
                    optional_string(grantee.get("DisplayName"), "Grantee.DisplayName"))

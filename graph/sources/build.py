"""RawAccount -> AccountSnapshot: the one transform every source shares (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from graph.errors import SourceError
from graph.model import (
    UNKNOWN_ACL,
    UNKNOWN_ENCRYPTION,
    UNKNOWN_LOCATION,
    UNKNOWN_OWNERSHIP,
    UNKNOWN_POLICY,
    UNKNOWN_PUBLIC_ACCESS_BLOCK,
    Account,
    AccountSnapshot,
    Bucket,
    Instance,
    LoadWarning,
    SourceInfo,
)
from graph.model_users import USERS_UNREAD
from graph.sources.build_gates import gate_fields
from graph.sources.raw import UNKNOWN_IAM, RawAccount
from graph.sources.shapes import expect_object
from graph.sources.size_limits import refuse_oversized
from graph.sources.transform_compute import transform_compute
from graph.sources.transform_ec2 import transform_instances
from graph.sources.transform_iam import transform_authorization_details
from graph.sources.transform_s3 import (
    bucket_entries,
    list_owner,
    transform_account_public_access_block,
    transform_bucket,
)
from graph.text import printable

ALL_BUCKET_UNKNOWN = frozenset(
    {UNKNOWN_ACL, UNKNOWN_LOCATION, UNKNOWN_POLICY, UNKNOWN_PUBLIC_ACCESS_BLOCK,
     UNKNOWN_ENCRYPTION, UNKNOWN_OWNERSHIP})
#: Names a file (or API call) for error messages: kind ("identity", "iam", "instances",
#: "buckets", "policy", "location", "public_access_block", "acl", "account_pab") and a key.
WhereFn = Callable[[str, str], str]


def _no_where(kind: str, key: str) -> str:
    return ""


def build_snapshot(
    raw: RawAccount,
    source: SourceInfo,
    *,
    strict: bool = True,
    where: WhereFn = _no_where,
    allow_empty: bool = False,
    taken_at: str | None = None,
) -> AccountSnapshot:
    """Transform every response; `strict` makes undecodable policy documents errors, not warnings.

    An account with no roles, instances or buckets is an error unless `allow_empty`: it is
    almost always the wrong folder or credentials for the wrong account, and an empty map
    would look like a clean bill of health.
    """
    identity = expect_object(
        raw.identity, where("identity", "") or "sts get-caller-identity",
        "get-caller-identity output", ("Account",),
    )
    account_id = str(identity["Account"])
    if len(account_id) != 12 or not account_id.isdigit():
        raise SourceError(f"{where('identity', '') or 'sts get-caller-identity'}: Account: "
                          f"expected a 12-digit account id, found {printable(account_id[:40])!r}")
    arn = str(identity.get("Arn", ""))
    partition = arn.split(":")[1] if arn.startswith("arn:") and arn.count(":") >= 2 else "aws"
    warnings: list[LoadWarning] = list(raw.warnings)

    account_unknown: set[str] = set()
    roles: tuple = ()
    policies: tuple = ()
    profiles: tuple = ()
    users: tuple | None = None
    groups: tuple | None = None
    if raw.authorization_details is not None:
        iam = transform_authorization_details(
            raw.authorization_details, where=where("iam", ""), strict=strict
        )
        roles, policies, profiles = iam.roles, iam.managed_policies, iam.instance_profiles
        warnings.extend(iam.warnings)
        if iam.roles_skipped:
            account_unknown.add(UNKNOWN_IAM)
        users, groups = iam.users, iam.groups
        if users is None:
            warnings.append(users_unread_warning())

    instances: list[Instance] = []
    for region in sorted(raw.instances):
        instances.extend(
            transform_instances(
                raw.instances[region], region, account_id,
                partition=partition, where=where("instances", region),
                skipped=None if strict else warnings,
            )
        )

    buckets, bucket_warnings = _buckets(raw, where, strict)
    warnings.extend(bucket_warnings)
    gates = gate_fields(raw, account_id, buckets, where, strict, warnings)
    compute = None
    if raw.compute is not None:
        compute = transform_compute(raw.compute, raw.fact_unread, account_id, partition,
                                    where=where, strict=strict, warnings=warnings)

    account_pab = None
    if raw.account_public_access_block is not None:
        account_pab = transform_account_public_access_block(
            raw.account_public_access_block, where("account_pab", "")
        )
    snapshot = AccountSnapshot(
        account=Account(
            account_id=account_id,
            partition=partition,
            public_access_block=account_pab,
            unknown=raw.account_unknown | account_unknown,
        ),
        roles=roles,
        users=users,
        groups=groups,
        managed_policies=policies,
        instance_profiles=profiles,
        instances=tuple(instances),
        buckets=tuple(buckets),
        warnings=tuple(warnings),
        source=source,
        taken_at=datetime.now(UTC).isoformat(timespec="seconds") if taken_at is None
        else taken_at,
        compute=compute,
        **gates,
    )
    snapshot = refuse_oversized(snapshot)
    if not allow_empty and not (roles or instances or buckets):
        origin = raw.origin or source.label or source.kind
        hint = f"; first warning: {warnings[0]}" if warnings else ""
        raise SourceError(
            f"{origin}: account {account_id} is empty (no roles, instances or buckets){hint}"
        )
    return snapshot


def users_unread_warning() -> LoadWarning:
    """What a snapshot without users says: escalation through them is unknown."""
    return LoadWarning("iam:GetAccountAuthorizationDetails", "users and groups", USERS_UNREAD)


def _buckets(
    raw: RawAccount, where: WhereFn, strict: bool
) -> tuple[list[Bucket], list[LoadWarning]]:
    if raw.buckets is None:
        return [], []
    out: list[Bucket] = []
    warnings: list[LoadWarning] = []
    try:
        owner = list_owner(raw.buckets, where("buckets", ""))
    except SourceError as exc:
        if strict:
            raise
        owner = None
        warnings.append(LoadWarning("s3:ListBuckets", "", f"owner ignored: {exc}"))
    for entry in bucket_entries(raw.buckets, where("buckets", "")):
        name = entry["Name"]
        try:
            bucket, extra = transform_bucket(
                entry,
                location=raw.bucket_locations.get(name),
                policy=raw.bucket_policies.get(name),
                public_access_block=raw.bucket_public_access_blocks.get(name),
                acl=raw.bucket_acls.get(name),
                unknown=raw.bucket_unknown.get(name, frozenset()),
                list_owner=owner,
                where={
                    k: w
                    for k in ("location", "policy", "public_access_block", "acl")
                    if (w := where(k, name))
                },
                strict=strict,
            )
        except SourceError as exc:
            if strict:
                raise
            # Live: a malformed response makes that bucket unknown (named in a warning), not
            # the whole load fail, and never "no policy".
            bucket, extra = Bucket(name=name, unknown=ALL_BUCKET_UNKNOWN), ()
            warnings.append(LoadWarning("s3", name, f"configuration unknown: {exc}"))
        out.append(bucket)
        warnings.extend(extra)
    return out, warnings

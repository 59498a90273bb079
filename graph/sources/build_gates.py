"""RawAccount -> the gates' facts of an AccountSnapshot (pure; part of `build_snapshot`).

A gate whose facts the source did not read at all (None in the RawAccount, or named in its
`gates_unread`) is recorded in `AccountSnapshot.unread_gates`; parts that could not be read
are Unread records on the region, key, access point or level they concern.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from graph.errors import SourceError
from graph.model import UNKNOWN_ENCRYPTION, UNKNOWN_OWNERSHIP, Bucket, LoadWarning
from graph.model_common import (
    ALL_GATES,
    GATE_ACCESS_POINTS,
    GATE_ENDPOINTS,
    GATE_KMS,
    GATE_NETWORK,
    GATE_ORGANIZATION,
    GATE_OWNERSHIP,
    Unread,
)
from graph.sources.raw import RawAccount
from graph.sources.transform_kms import transform_kms
from graph.sources.transform_network import transform_network
from graph.sources.transform_org import scps_of, transform_organization
from graph.sources.transform_s3_gates import (
    transform_access_points,
    transform_encryption,
    transform_ownership,
)

#: Names a gate fact's file for error messages: (kind, key) -> path, "" when not a file.
WhereFn = Callable[[str, str], str]
_NOT_READ = "not read by this source"


def gate_fields(raw: RawAccount, account_id: str, buckets: list[Bucket], where: WhereFn,
                strict: bool, warnings: list[LoadWarning]) -> dict[str, Any]:
    """AccountSnapshot keyword arguments: network, kms, access_points, organization, scps,
    unread_gates (buckets are updated in place in `buckets`)."""
    unread = dict(raw.fact_unread)
    whole = {u.gate: u for u in raw.gates_unread}
    for gate, present in ((GATE_NETWORK, raw.network), (GATE_ENDPOINTS, raw.network),
                          (GATE_KMS, raw.kms), (GATE_ACCESS_POINTS, raw.access_points),
                          (GATE_ORGANIZATION, raw.organization),
                          (GATE_OWNERSHIP, True if raw.bucket_gate_facts else None)):
        if present is None:
            whole.setdefault(gate, Unread(gate, "facts", _NOT_READ))
    network = None
    if raw.network is not None:
        network = tuple(
            transform_network(
                region, raw.network[region],
                tuple(u for k, u in unread.items() if k.startswith(f"network:{region}:")),
                where=lambda kind, r=region: where("network", f"{r}/{kind}"),
                strict=strict, warnings=warnings)
            for region in sorted(raw.network))
    kms = None
    if raw.kms is not None:
        kms = tuple(transform_kms(region, raw.kms[region], unread,
                                  where=where("kms", region), strict=strict, warnings=warnings)
                    for region in sorted(raw.kms))
    if raw.bucket_gate_facts:
        _bucket_facts(raw, buckets, where, strict, warnings)
    points = None
    if raw.access_points is not None:
        points = transform_access_points(
            raw.access_points, unread, account_id, {b.name: b.region for b in buckets},
            where=where("access_points", ""), strict=strict, warnings=warnings)
    organization = None
    if raw.organization is not None:
        organization = transform_organization(
            raw.organization, unread, account_id,
            where=where("organization", "") or "organizations")
    return {
        "network": network, "kms": kms, "access_points": points,
        "organization": organization, "scps": scps_of(organization, account_id),
        "unread_gates": tuple(whole[g] for g in ALL_GATES if g in whole),
    }


def _bucket_facts(raw: RawAccount, buckets: list[Bucket], where: WhereFn, strict: bool,
                  warnings: list[LoadWarning]) -> None:
    for i, bucket in enumerate(buckets):
        unknown = raw.bucket_unknown.get(bucket.name, frozenset())
        encryption = ownership = None
        try:
            if UNKNOWN_ENCRYPTION not in unknown:
                encryption = transform_encryption(
                    raw.bucket_encryptions.get(bucket.name),
                    where("encryption", bucket.name) or f"bucket {bucket.name} encryption")
            if UNKNOWN_OWNERSHIP not in unknown:
                ownership = transform_ownership(
                    raw.bucket_ownership_controls.get(bucket.name),
                    where("ownership", bucket.name) or f"bucket {bucket.name} ownership")
        except SourceError as exc:
            if strict:
                raise
            warnings.append(LoadWarning("s3", bucket.name, f"encryption/ownership unknown: {exc}"))
            unknown = unknown | {UNKNOWN_ENCRYPTION, UNKNOWN_OWNERSHIP}
            encryption = ownership = None
        buckets[i] = dataclasses.replace(bucket, encryption=encryption,
                                         object_ownership=ownership, unknown=unknown)


"""The gates' facts in an AWS CLI export folder (written by `collect-script`).

Layout, beside the files export_folder.py reads:
    ec2-describe-{vpcs,subnets,route-tables,vpc-endpoints,nat-gateways,internet-gateways}/
        <region>.json                                   (regions that hold instances)
    kms/<region>/list-keys.json, list-aliases.json,
        describe-key/<key-id>.json, get-key-policy/<key-id>.json, list-grants/<key-id>.json
    s3api-get-bucket-encryption/<bucket>.json, s3api-get-bucket-ownership-controls/<bucket>.json
    s3control-list-access-points/<region>.json,
        s3control-get-access-point/<name>.json, s3control-get-access-point-policy/<name>.json
    organizations/describe-organization.json, list-parents/<child>.json,
        list-policies-for-target/<target>-<TYPE>.json, describe-policy/<policy-id>.json
The same rules as for the rest of the folder: a `.error` twin is a failed read (unread, with
its message) unless its code means "not configured"; a missing file is unread. A folder with
none of these (written by an older collect script) reads with one warning naming the gates.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.model import UNKNOWN_ENCRYPTION, UNKNOWN_OWNERSHIP, LoadWarning
from graph.model_common import (
    ALL_GATES,
    GATE_ACCESS_POINTS,
    GATE_KMS,
    GATE_ORGANIZATION,
    GATE_OWNERSHIP,
    Unread,
)
from graph.model_org import RCP, SCP
from graph.safe_files import read_json
from graph.sources.raw import NETWORK_KINDS, fact_key
from graph.sources.transform_network import gate_of
from graph.sources.unread_gates import gates_not_checked_message

NETWORK_DIRS = {"vpcs": "ec2-describe-vpcs", "subnets": "ec2-describe-subnets",
                "route_tables": "ec2-describe-route-tables",
                "endpoints": "ec2-describe-vpc-endpoints",
                "nat_gateways": "ec2-describe-nat-gateways",
                "internet_gateways": "ec2-describe-internet-gateways"}
KMS_DIR = "kms"
ENCRYPTION_DIR = "s3api-get-bucket-encryption"
OWNERSHIP_DIR = "s3api-get-bucket-ownership-controls"
ACCESS_POINTS_DIR = "s3control-list-access-points"
ACCESS_POINT_DIR = "s3control-get-access-point"
ACCESS_POINT_POLICY_DIR = "s3control-get-access-point-policy"
ORG_DIR = "organizations"
#: Error codes meaning "not configured" for these reads.
NOT_CONFIGURED = frozenset({"ServerSideEncryptionConfigurationNotFoundError",
                            "OwnershipControlsNotFoundError", "NoSuchAccessPointPolicy",
                            "PolicyTypeNotEnabledException"})
NOT_IN_ORGANIZATION = frozenset({"AWSOrganizationsNotInUseException"})
ErrorFn = Callable[[Path, str, str], LoadWarning]


class FactReader:
    """Reads files of the folder, recording failures as unread facts and warnings."""

    def __init__(self, folder: Path, error: ErrorFn) -> None:
        self.folder = folder
        self.error = error
        self.warnings: list[LoadWarning] = []
        self.unread: dict[str, Unread] = {}

    def read(self, path: Path, key: str, gate: str, fact: str, operation: str,
             target: str) -> Any:
        """The file's JSON; None for absence ("not configured") or a recorded failure."""
        error = path.with_suffix(".error")
        if not path.exists() and error.exists():
            warning = self.error(error, operation, target)
            if warning.code in NOT_CONFIGURED:
                return None
            if warning.code in NOT_IN_ORGANIZATION:
                return {"not_in_organization": True}
            self._fail(key, gate, fact, LoadWarning(
                warning.operation, target, f"{warning.message} ({gate} not checked)",
                warning.code))
            return None
        if not path.exists():
            self._fail(key, gate, fact, LoadWarning(
                operation, target, f"{path.relative_to(self.folder)}: no file: treated as not "
                f"read ({gate} not checked)", "MissingFile"))
            return None
        return read_json(path)

    def _fail(self, key: str, gate: str, fact: str, warning: LoadWarning) -> None:
        self.warnings.append(warning)
        self.unread[key] = Unread(gate, fact, f"{warning.operation}: {warning.message}")


def has_gate_files(folder: Path) -> bool:
    return any(os.path.lexists(folder / d) for d in
               (*NETWORK_DIRS.values(), KMS_DIR, ENCRYPTION_DIR, ACCESS_POINTS_DIR, ORG_DIR))


def read_gate_files(folder: Path, regions: list[str], bucket_names: list[str],
                    account_id: str, error: ErrorFn) -> dict[str, Any]:
    """RawAccount keyword arguments for the gates' facts of the folder."""
    if not has_gate_files(folder):
        origin = "the export folder (written by an older collect script)"
        return {"gates_unread": tuple(Unread(g, "facts", f"{origin} predates them")
                                      for g in ALL_GATES),
                "warnings": [LoadWarning("gate facts", str(folder),
                                         gates_not_checked_message(origin), "NotInFolder")]}
    r = FactReader(folder, error)
    network: dict[str, dict[str, Any]] = {}
    for region in regions:
        network[region] = {}
        for kind, operation in NETWORK_KINDS:
            data = r.read(folder / NETWORK_DIRS[kind] / f"{region}.json",
                          fact_key("network", region, kind), gate_of(kind),
                          f"{kind.replace('_', ' ')} in {region}", operation, region)
            if data is not None:
                network[region][kind] = data
    encryptions, ownership, unknown = _buckets(r, folder, bucket_names)
    return {
        "network": network, "kms": _kms(r, folder), "bucket_gate_facts": True,
        "bucket_encryptions": encryptions, "bucket_ownership_controls": ownership,
        "bucket_gate_unknown": unknown, "access_points": _access_points(r, folder),
        "organization": read_org_folder(folder / ORG_DIR, account_id, r),
        "fact_unread": r.unread, "warnings": r.warnings,
    }


def _buckets(r: FactReader, folder: Path, names: list[str]) -> tuple[dict[str, Any], ...]:
    encryptions: dict[str, Any] = {}
    ownership: dict[str, Any] = {}
    unknown: dict[str, set[str]] = {}
    for kind, dirname, out, gate, operation in (
            (UNKNOWN_ENCRYPTION, ENCRYPTION_DIR, encryptions, GATE_KMS,
             "s3:GetBucketEncryption"),
            (UNKNOWN_OWNERSHIP, OWNERSHIP_DIR, ownership, GATE_OWNERSHIP,
             "s3:GetBucketOwnershipControls")):
        for name in names:
            before = len(r.unread)
            data = r.read(folder / dirname / f"{name}.json", fact_key("bucket", name, kind),
                          gate, f"{kind} of {name}", operation, name)
            if len(r.unread) > before:
                unknown.setdefault(name, set()).add(kind)
            elif data is not None:
                out[name] = data
    return encryptions, ownership, {k: frozenset(v) for k, v in unknown.items()}


def _kms(r: FactReader, folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    base = folder / KMS_DIR
    regions = sorted(e.name for e in os.scandir(base) if e.is_dir()) if base.is_dir() else []
    for region in regions:
        d = base / region
        data: dict[str, Any] = {"describe": {}, "policies": {}, "grants": {}}
        for part, file, operation in (("keys", "list-keys", "kms:ListKeys"),
                                      ("aliases", "list-aliases", "kms:ListAliases")):
            value = r.read(d / f"{file}.json", fact_key("kms", region, part), GATE_KMS,
                           f"KMS {part} in {region}", operation, region)
            if value is not None:
                data[part] = value
        for entry in (data.get("keys") or {}).get("Keys") or ():
            key_id = str(entry.get("KeyId", ""))
            for part, sub, unread_part, operation in (
                    ("describe", "describe-key", "describe", "kms:DescribeKey"),
                    ("policies", "get-key-policy", "policy", "kms:GetKeyPolicy"),
                    ("grants", "list-grants", "grants", "kms:ListGrants")):
                value = r.read(d / sub / f"{key_id}.json",
                               fact_key("kms", region, key_id, unread_part), GATE_KMS,
                               f"{sub} of key {key_id}", operation, key_id)
                if value is not None:
                    data[part][key_id] = value
        out[region] = data
    return out


def _access_points(r: FactReader, folder: Path) -> dict[str, dict[str, Any]]:
    lists: dict[str, Any] = {}
    got: dict[str, Any] = {}
    policies: dict[str, Any] = {}
    base = folder / ACCESS_POINTS_DIR
    files = sorted(e.name for e in os.scandir(base)) if base.is_dir() else []
    for region in sorted({f.rsplit(".", 1)[0] for f in files}):
        value = r.read(base / f"{region}.json", fact_key("access_points", region),
                       GATE_ACCESS_POINTS, f"access points in {region}",
                       "s3control:ListAccessPoints", region)
        if value is not None:
            lists[region] = value
    for listing in lists.values():
        for entry in listing.get("AccessPointList") or () if isinstance(listing, dict) else ():
            name, arn = str(entry.get("Name", "")), str(entry.get("AccessPointArn", ""))
            value = r.read(folder / ACCESS_POINT_DIR / f"{name}.json",
                           fact_key("access_point", arn, "config"), GATE_ACCESS_POINTS,
                           f"configuration of access point {name}", "s3control:GetAccessPoint",
                           name)
            if value is not None:
                got[arn] = value
            value = r.read(folder / ACCESS_POINT_POLICY_DIR / f"{name}.json",
                           fact_key("access_point", arn, "policy"), GATE_ACCESS_POINTS,
                           f"policy of access point {name}", "s3control:GetAccessPointPolicy",
                           name)
            if value is not None:
                policies[arn] = value
    return {"list": lists, "get": got, "policies": policies}


def read_org_folder(base: Path, account_id: str, r: FactReader) -> dict[str, Any]:
    """The organisation files (also what `--org-policies FOLDER` reads)."""
    described = r.read(base / "describe-organization.json",
                       fact_key("organization", "organization"), GATE_ORGANIZATION,
                       "organisation", "organizations:DescribeOrganization", "")
    if described is None or described.get("not_in_organization"):
        return described or {}
    raw: dict[str, Any] = {"organization": described, "parents": {}, "targets": {},
                           "policies": {}}
    chain, child = [account_id], account_id
    for _ in range(8):
        parents = r.read(base / "list-parents" / f"{child}.json",
                         fact_key("organization", "path"), GATE_ORGANIZATION,
                         f"parents of {child}", "organizations:ListParents", child)
        if not isinstance(parents, dict) or not parents.get("Parents"):
            break
        raw["parents"][child] = parents
        parent = parents["Parents"][0]
        chain.append(str(parent.get("Id", "")))
        if parent.get("Type") == "ROOT":
            break
        child = chain[-1]
    for target in chain:
        for policy_type in (SCP, RCP):
            key = f"{target} {policy_type}"
            listing = r.read(base / "list-policies-for-target" / f"{target}-{policy_type}.json",
                             fact_key("organization", key), GATE_ORGANIZATION,
                             f"{policy_type} of {target}",
                             "organizations:ListPoliciesForTarget", target)
            if listing is None and fact_key("organization", key) not in r.unread:
                listing = {"Policies": []}  # the type is not enabled: none applies
            if not isinstance(listing, dict):
                continue
            raw["targets"][key] = listing
            for summary in listing.get("Policies") or ():
                pid = str(summary.get("Id", ""))
                policy = r.read(base / "describe-policy" / f"{pid}.json",
                                fact_key("organization", pid), GATE_ORGANIZATION,
                                f"policy {pid}", "organizations:DescribePolicy", pid)
                if policy is not None:
                    raw["policies"][pid] = policy
    return raw


def gate_file(folder: Path, kind: str, key: str) -> str:
    """The file a gate fact came from, for error messages (see build_gates' `where`)."""
    if kind == "network":
        region, _, network_kind = key.partition("/")
        return str(folder / NETWORK_DIRS.get(network_kind, network_kind) / f"{region}.json")
    paths = {"kms": folder / KMS_DIR / key, "encryption": folder / ENCRYPTION_DIR / f"{key}.json",
             "ownership": folder / OWNERSHIP_DIR / f"{key}.json",
             "access_points": folder / ACCESS_POINTS_DIR, "organization": folder / ORG_DIR}
    return str(paths[kind]) if kind in paths else ""

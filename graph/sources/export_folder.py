"""AWS CLI export folders: each file is exactly what the AWS CLI prints for one command.

Layout (see `collect_script.py`, which writes it):
    sts-get-caller-identity.json
    iam-get-account-authorization-details.json     (the CLI merges the pages)
    ec2-describe-instances/<region>.json
    s3api-list-buckets.json
    s3api-get-bucket-location/<bucket>.json
    s3api-get-bucket-policy/<bucket>.json          (missing: no bucket policy)
    s3api-get-public-access-block/<bucket>.json    (missing: none configured)
    s3api-get-bucket-acl/<bucket>.json
    s3control-get-public-access-block.json         (missing: none configured)
A per-bucket `<bucket>.error` file (the CLI's stderr, written by the collect script when a call
fails for another reason than "not configured") marks that configuration unknown.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.model import (
    UNKNOWN_ACL,
    UNKNOWN_LOCATION,
    UNKNOWN_POLICY,
    UNKNOWN_PUBLIC_ACCESS_BLOCK,
    AccountSnapshot,
    LoadWarning,
    SourceInfo,
)
from graph.sources.build import build_snapshot
from graph.sources.raw import RawAccount
from graph.sources.transform_s3 import bucket_entries

IDENTITY = "sts-get-caller-identity.json"
IAM = "iam-get-account-authorization-details.json"
INSTANCES_DIR = "ec2-describe-instances"
BUCKETS = "s3api-list-buckets.json"
ACCOUNT_PAB = "s3control-get-public-access-block.json"
#: Per-bucket directories: (model unknown name, directory, API operation).
BUCKET_DIRS: tuple[tuple[str, str, str], ...] = (
    (UNKNOWN_LOCATION, "s3api-get-bucket-location", "s3:GetBucketLocation"),
    (UNKNOWN_POLICY, "s3api-get-bucket-policy", "s3:GetBucketPolicy"),
    (UNKNOWN_PUBLIC_ACCESS_BLOCK, "s3api-get-public-access-block", "s3:GetPublicAccessBlock"),
    (UNKNOWN_ACL, "s3api-get-bucket-acl", "s3:GetBucketAcl"),
)
_ERROR_CODE = re.compile(r"An error occurred \((\w+)\)")


def is_export_folder(path: Path) -> bool:
    return path.is_dir()


def read_json(path: Path) -> Any:
    """Parse one file; a fault is one line naming the file, line and column."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise SourceError(f"{path}: missing file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(f"{path}: empty file (expected AWS CLI JSON output)")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not valid UTF-8 JSON ({exc.reason})") from None


def read_export_folder(folder: Path | str) -> RawAccount:
    """Read every file of the folder into a RawAccount (get), without interpreting it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a directory")
    identity = read_json(folder / IDENTITY)
    iam = read_json(folder / IAM)
    instances_dir = folder / INSTANCES_DIR
    if not instances_dir.is_dir():
        raise SourceError(f"{instances_dir}: missing directory (one <region>.json per region)")
    instances: dict[str, Any] = {}
    for entry in sorted(os.scandir(instances_dir), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            instances[entry.name[: -len(".json")]] = read_json(Path(entry.path))
    buckets_path = folder / BUCKETS
    buckets = read_json(buckets_path)
    names = [b["Name"] for b in bucket_entries(buckets, str(buckets_path))]

    per_bucket: dict[str, dict[str, Any]] = {unknown: {} for unknown, _, _ in BUCKET_DIRS}
    unknown: dict[str, set[str]] = {}
    warnings: list[LoadWarning] = []
    for kind, dirname, operation in BUCKET_DIRS:
        directory = folder / dirname
        present = _listing(directory)
        for name in names:
            if name + ".json" in present:
                per_bucket[kind][name] = read_json(directory / f"{name}.json")
            elif name + ".error" in present:
                message = (directory / f"{name}.error").read_text(errors="replace").strip()
                code = _ERROR_CODE.search(message)
                unknown.setdefault(name, set()).add(kind)
                warnings.append(
                    LoadWarning(operation, name, message.splitlines()[-1] if message else
                                "failed (no message)", code.group(1) if code else "")
                )
    account_pab_path = folder / ACCOUNT_PAB
    account_pab = read_json(account_pab_path) if account_pab_path.exists() else None
    return RawAccount(
        identity=identity,
        authorization_details=iam,
        instances=instances,
        buckets=buckets,
        bucket_locations=per_bucket[UNKNOWN_LOCATION],
        bucket_policies=per_bucket[UNKNOWN_POLICY],
        bucket_public_access_blocks=per_bucket[UNKNOWN_PUBLIC_ACCESS_BLOCK],
        bucket_acls=per_bucket[UNKNOWN_ACL],
        account_public_access_block=account_pab,
        bucket_unknown={k: frozenset(v) for k, v in unknown.items()},
        warnings=tuple(warnings),
        origin=str(folder),
    )


def load_export_folder(folder: Path | str) -> AccountSnapshot:
    """The account in an AWS CLI export folder; any fault is a SourceError naming the file."""
    folder = Path(folder)
    raw = read_export_folder(folder)
    files = {
        "identity": IDENTITY,
        "iam": IAM,
        "buckets": BUCKETS,
        "account_pab": ACCOUNT_PAB,
    }
    dirs = {kind: dirname for kind, dirname, _ in BUCKET_DIRS}

    def where(kind: str, key: str) -> str:
        if kind == "instances":
            return str(folder / INSTANCES_DIR / f"{key}.json")
        if kind in dirs:
            return str(folder / dirs[kind] / f"{key}.json")
        return str(folder / files[kind])

    return build_snapshot(
        raw,
        SourceInfo("export-folder", str(folder), tuple(sorted(raw.instances))),
        strict=True,
        where=where,
    )


def _listing(directory: Path) -> frozenset[str]:
    """File names in a per-bucket directory (one scandir beats a stat per bucket)."""
    try:
        return frozenset(e.name for e in os.scandir(directory))
    except FileNotFoundError:
        return frozenset()

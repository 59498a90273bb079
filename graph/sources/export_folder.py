"""AWS CLI export folders: each file is exactly what the AWS CLI prints for one command.

Layout (see `collect_script.py`, which writes it):
    sts-get-caller-identity.json
    iam-get-account-authorization-details.json     (the CLI merges the pages)
    iam-get-account-authorization-details-users.json   (--filter User Group; older folders
                                                        lack it: users then read as not read)
    ec2-describe-instances/<region>.json
    s3api-list-buckets.json
    s3api-get-bucket-location/<bucket>.json
    s3api-get-bucket-policy/<bucket>.json
    s3api-get-public-access-block/<bucket>.json
    s3api-get-bucket-acl/<bucket>.json
    s3control-get-public-access-block.json
    compute/<region>/...   (Lambda, CloudFormation, CodeBuild, Glue, SageMaker: see
                            export_folder_compute.py)
A `<name>.error` file in place of `<name>.json` holds the CLI's stderr for a call that failed.

The rule for a configuration that is not there: the AWS CLI prints nothing on stdout when a
bucket has no policy or no Block Public Access configuration; it fails with an error code
(NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration) on stderr, which the collect script
keeps in the `.error` file. So "none configured" is only ever read from that evidence: an
`.error` file whose code says so. Any other `.error` file, and a listed bucket with neither
file (a collection that was interrupted, a file lost in a copy, a bucket created after the
list), make that configuration *unknown* with a warning, never "none": a public bucket whose
ACL file went missing must not lose its public row. Every bucket has an ACL, so only `.json`
or another error can stand for it. The account-wide Block Public Access file follows the same
rule. A missing location file falls back to list-buckets' BucketRegion (it grants nothing).
Folders written by collect scripts older than this rule left no file for "none": they now read
as unknown, with a warning per bucket; collecting again fixes it. Only
sts-get-caller-identity.json is indispensable.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
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
from graph.safe_files import file_kind, read_bytes, read_json
from graph.sources.build import build_snapshot
from graph.sources.bulk import bulk_allocation
from graph.sources.export_folder_compute import COMPUTE_DIR, FILES, read_compute_files
from graph.sources.export_folder_gates import gate_file, read_gate_files
from graph.sources.raw import UNKNOWN_BUCKET_LIST, UNKNOWN_IAM, RawAccount, unknown_instances
from graph.sources.transform_s3 import bucket_entries

IDENTITY = "sts-get-caller-identity.json"
IAM = "iam-get-account-authorization-details.json"
#: Users and groups, captured apart: the CLI prints empty UserDetailList / GroupDetailList
#: for a filter without them, so only this file's presence says they were read.
IAM_USERS = "iam-get-account-authorization-details-users.json"
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
#: Per-bucket configurations, and the account's, for which an error code means "none".
NOT_CONFIGURED: dict[str, frozenset[str]] = {
    UNKNOWN_POLICY: frozenset({"NoSuchBucketPolicy"}),
    UNKNOWN_PUBLIC_ACCESS_BLOCK: frozenset({"NoSuchPublicAccessBlockConfiguration"}),
}
#: A missing file of these kinds is not unknown: the fallback reads another answer.
_FALLBACK = frozenset({UNKNOWN_LOCATION})
Progress = Callable[[str, int, int], None]
_ERROR_CODE = re.compile(r"An error occurred \((\w+)\)")


def is_export_folder(path: Path) -> bool:
    return path.is_dir()


def read_export_folder(folder: Path | str, progress: Progress | None = None) -> RawAccount:
    """Read every file of the folder into a RawAccount (get), without interpreting it."""
    progress = progress or _no_progress
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a directory")
    warnings: list[LoadWarning] = []
    account_unknown: set[str] = set()

    def optional(path: Path, operation: str, target: str, unknown: str,
                 none: frozenset[str] = frozenset()) -> Any:
        """A file whose `.error` twin says the collect script could not read it (or, with a
        code in `none`, that there is nothing configured)."""
        error = path.with_suffix(".error")
        if not path.exists() and error.exists():
            warning = _error_warning(error, operation, target)
            if warning.code not in none:
                warnings.append(warning)
                account_unknown.add(unknown)
            return None
        data = read_json(path)
        if data is None:
            warnings.append(_null_warning(path, operation, target))
            account_unknown.add(unknown)
        return data

    identity = read_json(folder / IDENTITY)
    iam = optional(folder / IAM, "iam:GetAccountAuthorizationDetails", "", UNKNOWN_IAM)
    iam = _with_users(iam, folder / IAM_USERS, warnings)
    instances_dir = folder / INSTANCES_DIR
    if not instances_dir.is_dir():
        if os.path.lexists(instances_dir):
            _entries(instances_dir)  # raises, naming what is there instead
        raise SourceError(f"{instances_dir}: missing directory (one <region>.json per region)")
    instances: dict[str, Any] = {}
    region_files = sorted(_entries(instances_dir), key=lambda e: e.name)
    for done, entry in enumerate(region_files):
        progress("instances", done, len(region_files))
        if entry.name.endswith(".json"):
            instances[entry.name[: -len(".json")]] = read_json(Path(entry.path))
        elif entry.name.endswith(".error"):
            region = entry.name[: -len(".error")]
            warnings.append(_error_warning(Path(entry.path), "ec2:DescribeInstances", region))
            account_unknown.add(unknown_instances(region))
    progress("instances", len(region_files), len(region_files))
    buckets_path = folder / BUCKETS
    buckets = optional(buckets_path, "s3:ListBuckets", "", UNKNOWN_BUCKET_LIST)
    names = [b["Name"] for b in bucket_entries(buckets, str(buckets_path))] if buckets else []

    per_bucket: dict[str, dict[str, Any]] = {unknown: {} for unknown, _, _ in BUCKET_DIRS}
    unknown: dict[str, set[str]] = {}
    total = len(names) * len(BUCKET_DIRS)
    step = max(1, total // 100)
    progress("buckets", 0, total)
    for k, (kind, dirname, operation) in enumerate(BUCKET_DIRS):
        directory = folder / dirname
        present = _listing(directory)
        for i, name in enumerate(names):
            if i % step == 0:
                progress("buckets", k * len(names) + i, total)
            if name + ".json" in present:
                data = read_json(directory / f"{name}.json")
                if data is None:
                    # `null` is no answer at all, not "none configured": unknown, said so.
                    unknown.setdefault(name, set()).add(kind)
                    warnings.append(_null_warning(directory / f"{name}.json", operation, name))
                else:
                    per_bucket[kind][name] = data
            elif name + ".error" in present:
                warning = _error_warning(directory / f"{name}.error", operation, name)
                if warning.code not in NOT_CONFIGURED.get(kind, ()):
                    unknown.setdefault(name, set()).add(kind)
                    warnings.append(warning)
            elif kind not in _FALLBACK:
                unknown.setdefault(name, set()).add(kind)
                warnings.append(_missing_warning(directory, name, operation))
    progress("buckets", total, total)
    account_pab_path = folder / ACCOUNT_PAB
    account_pab = None
    pab_operation = "s3control:GetPublicAccessBlock"
    if account_pab_path.exists() or account_pab_path.with_suffix(".error").exists():
        account_pab = optional(account_pab_path, pab_operation, "", UNKNOWN_PUBLIC_ACCESS_BLOCK,
                               NOT_CONFIGURED[UNKNOWN_PUBLIC_ACCESS_BLOCK])
    elif buckets:  # it only matters to buckets
        account_unknown.add(UNKNOWN_PUBLIC_ACCESS_BLOCK)
        warnings.append(LoadWarning(pab_operation, "", f"{account_pab_path.name}: no file (and "
                                    "no .error file saying none is configured): treated as "
                                    "not read", "MissingFile"))
    gates = read_gate_files(folder, _instance_regions(instances), names,
                            str((identity or {}).get("Account", "")), _error_warning)
    warnings.extend(gates.pop("warnings"))
    compute, compute_unread, compute_warnings = read_compute_files(folder, _error_warning)
    warnings.extend(compute_warnings)
    gates["fact_unread"] = {**gates.get("fact_unread", {}), **compute_unread}
    for name, kinds in gates.pop("bucket_gate_unknown", {}).items():
        unknown.setdefault(name, set()).update(kinds)
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
        account_unknown=frozenset(account_unknown),
        warnings=tuple(warnings),
        origin=str(folder),
        compute=compute,
        **gates,
    )


def _with_users(iam: Any, path: Path, warnings: list[LoadWarning]) -> Any:
    """The IAM details with the users file's users and groups; without that file (or with
    its `.error` twin) they are left out, so the snapshot says users were not read."""
    if not isinstance(iam, dict):
        return iam
    merged = {k: v for k, v in iam.items() if k not in ("UserDetailList", "GroupDetailList")}
    if iam.get("UserDetailList") or iam.get("GroupDetailList"):
        return iam  # a folder made by hand with users in the main file: they were read
    if not path.exists():
        error = path.with_suffix(".error")
        if error.exists():
            warnings.append(_error_warning(error, "iam:GetAccountAuthorizationDetails",
                                           "users and groups"))
        return merged
    users = read_json(path)
    if not isinstance(users, dict):
        warnings.append(_null_warning(path, "iam:GetAccountAuthorizationDetails",
                                      "users and groups"))
        return merged
    merged["UserDetailList"] = users.get("UserDetailList") or []
    merged["GroupDetailList"] = users.get("GroupDetailList") or []
    extra = [p for p in users.get("Policies") or () if isinstance(p, dict)]
    if extra:
        known = {p.get("Arn") for p in merged.get("Policies") or () if isinstance(p, dict)}
        merged["Policies"] = [*(merged.get("Policies") or ()),
                              *(p for p in extra if p.get("Arn") not in known)]
    return merged


def _instance_regions(instances: dict[str, Any]) -> list[str]:
    """Regions whose describe-instances output holds an instance (the network matters there)."""
    return sorted(region for region, response in instances.items()
                  if isinstance(response, dict)
                  and any(isinstance(r, dict) and r.get("Instances")
                          for r in response.get("Reservations") or ()))


def _missing_warning(directory: Path, name: str, operation: str) -> LoadWarning:
    return LoadWarning(operation, name, f"{directory.name}/{name}.json: no file (and no .error "
                       "file saying none is configured): treated as not read", "MissingFile")


def _null_warning(path: Path, operation: str, target: str) -> LoadWarning:
    return LoadWarning(operation, target, f"{path.name} holds null instead of the "
                       "command's output: treated as not read", "NullOutput")


def load_export_folder(folder: Path | str, progress: Progress | None = None) -> AccountSnapshot:
    """The account in an AWS CLI export folder; any fault is a SourceError naming the file."""
    folder = Path(folder)
    with bulk_allocation():
        raw = read_export_folder(folder, progress)
    files = {
        "identity": IDENTITY,
        "iam": IAM,
        "buckets": BUCKETS,
        "account_pab": ACCOUNT_PAB,
    }
    dirs = {kind: dirname for kind, dirname, _ in BUCKET_DIRS}

    def where(kind: str, key: str) -> str:
        if kind == "compute":
            region, _, compute_kind = key.partition("/")
            listing = FILES[compute_kind][0] if compute_kind in FILES else ""
            return str(folder / COMPUTE_DIR / region / listing)
        if kind not in files and kind not in dirs and kind != "instances":
            return gate_file(folder, kind, key)
        if kind == "instances":
            return str(folder / INSTANCES_DIR / f"{key}.json")
        if kind in dirs:
            return str(folder / dirs[kind] / f"{key}.json")
        return str(folder / files[kind])

    with bulk_allocation():
        return build_snapshot(
            raw,
            SourceInfo("export-folder", str(folder), tuple(sorted(raw.instances))),
            strict=True,
            where=where,
            taken_at=folder_taken_at(folder),
        )


def folder_taken_at(folder: Path) -> str:
    """When the folder's account was read: the newest modification time of its account-wide
    files (the collect script writes them as it goes), ISO 8601 in UTC; "" when none can be
    read. It is only as good as the files' times: a copy that did not keep them says when
    it was copied."""
    from datetime import UTC, datetime

    paths = [folder / IDENTITY, folder / IAM, folder / BUCKETS, folder / ACCOUNT_PAB]
    with contextlib.suppress(OSError):
        paths.extend(Path(e.path) for e in os.scandir(folder / INSTANCES_DIR))
    times: list[float] = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    if not times:
        return ""
    return datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds")


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def _error_warning(path: Path, operation: str, target: str) -> LoadWarning:
    """The CLI's error message kept by the collect script, as a warning."""
    try:
        message = read_bytes(path).decode("utf-8", errors="replace").strip()
    except SourceError as exc:
        # Still unknown (the collect script wrote *something* in place of the answer).
        return LoadWarning(operation, target, f"failed; its error file is unusable ({exc})")
    code = _ERROR_CODE.search(message)
    last = message.splitlines()[-1] if message else "failed (no message)"
    return LoadWarning(operation, target, last, code.group(1) if code else "")


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    """A directory's entries; a path that is not a directory is a SourceError naming it."""
    try:
        with os.scandir(directory) as it:
            return list(it)
    except NotADirectoryError:
        raise SourceError(f"{directory}: {_kind(directory)}, expected a directory") from None
    except OSError as exc:
        raise SourceError(f"{directory}: cannot list ({exc.strerror})") from None


def _kind(path: Path) -> str:
    try:
        return file_kind(path.stat().st_mode)
    except OSError:
        return "not a directory"


def _listing(directory: Path) -> frozenset[str]:
    """File names in a per-bucket directory (one scandir beats a stat per bucket)."""
    if not os.path.lexists(directory):
        return frozenset()
    return frozenset(e.name for e in _entries(directory))

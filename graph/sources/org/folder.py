"""The organisation snapshot folder: `organization.json` plus one snapshot per account.

    DIR/organization.json          the tree, policies, attachments, what was loaded or failed
    DIR/<account_id>/snapshot.json an ordinary snapshot (`rolemap --snapshot` opens it alone)

Accounts are written as they arrive and read back one at a time (`OrgFolder.load`), so neither
saving nor analysing an organisation holds all its accounts at once. `organization.json` is
written last: a save that stops half-way leaves no folder that claims to be complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import RolemapError, SourceError
from graph.model import AccountSnapshot, LoadWarning
from graph.model_common import Unread
from graph.model_org import OrgAccount, OrgAttachment, OrgPolicy, OrgTree, OrgUnit
from graph.safe_files import read_json, write_text
from graph.sources.org.attach import with_tree_organization
from graph.sources.snapshot_decode import decode
from graph.sources.snapshot_file import load_snapshot, save_snapshot

FORMAT = "rolemap-organization"
VERSION = 1
ORG_FILE = "organization.json"
SNAPSHOT_FILE = "snapshot.json"

#: organization.json's list fields and the record each element decodes to.
_RECORDS: dict[str, Any] = {
    "units": tuple[OrgUnit, ...],
    "accounts": tuple[OrgAccount, ...],
    "policies": tuple[OrgPolicy, ...],
    "attachments": tuple[OrgAttachment, ...],
    "unread": tuple[Unread, ...],
}


@dataclass(frozen=True)
class OrgFolder:
    """An organisation folder as opened: the tree and the index of its accounts' snapshots."""

    path: Path
    tree: OrgTree
    #: Accounts with a snapshot in the folder, sorted.
    loaded: tuple[str, ...]
    #: Accounts that could not be loaded, and why: whatever depends on them is unknown.
    failed: Mapping[str, str]
    #: The organisation reads that were refused, accounts skipped or not reached.
    warnings: tuple[LoadWarning, ...]

    def snapshot_path(self, account_id: str) -> Path:
        return self.path / account_id / SNAPSHOT_FILE

    def load(self, account_id: str) -> AccountSnapshot:
        """The account's snapshot, read from its file now (nothing is cached here)."""
        if account_id not in self.loaded:
            reason = self.failed.get(account_id)
            if reason is not None:
                raise SourceError(f"{self.path}: account {account_id} was not loaded: {reason}")
            raise SourceError(f"{self.path}: no account {account_id} in this organisation "
                              "folder")
        path = self.snapshot_path(account_id)
        snapshot = load_snapshot(path)
        if snapshot.account_id != account_id:
            raise SourceError(f"{path}: holds account {snapshot.account_id}, expected "
                              f"{account_id}")
        return snapshot


def is_org_folder(path: Path | str) -> bool:
    """Whether `path` is a folder holding `organization.json` (not whether it is valid)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode) and os.path.isfile(Path(path) / ORG_FILE)
    except OSError:
        return False


def save_org_folder(path: Path | str, tree: OrgTree, snapshots: Iterable[AccountSnapshot],
                    warnings: Iterable[LoadWarning], failed: Mapping[str, str]) -> OrgFolder:
    """Write the folder; each snapshot is written as it arrives (with the tree's organisation
    facts put in) and not kept. `warnings` and `failed` are read after the last snapshot, so
    a loader may fill them while its iterator runs."""
    folder = Path(path)
    _prepare(folder)
    loaded: list[str] = []
    for snapshot in snapshots:
        account_id = snapshot.account_id
        target = folder / account_id
        try:
            target.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise RolemapError(f"{target}: cannot create ({exc.strerror or exc})") from None
        save_snapshot(with_tree_organization(snapshot, tree), target / SNAPSHOT_FILE)
        loaded.append(account_id)
    result = OrgFolder(folder, tree, tuple(sorted(set(loaded))),
                       dict(sorted(failed.items())), tuple(warnings))
    write_text(folder / ORG_FILE, json.dumps(_to_json(result), indent=1) + "\n", private=True)
    return result


def _prepare(folder: Path) -> None:
    """Create the folder; an existing one is reused only when empty or an organisation
    folder already (never mixed into someone's other files)."""
    if folder.is_symlink():
        raise RolemapError(f"{folder}: is a symbolic link; rolemap does not write through links")
    if folder.exists():
        if not folder.is_dir():
            raise RolemapError(f"{folder}: exists and is not a folder")
        if not (is_org_folder(folder) or all(_account_dir(e) for e in folder.iterdir())):
            raise RolemapError(f"{folder}: folder is not empty and is not an organisation "
                               "folder; name a new or empty folder")
        return
    try:
        folder.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise RolemapError(f"{folder}: cannot create ({exc.strerror or exc})") from None


def _account_dir(entry: Path) -> bool:
    """An account's sub-folder (what a save stopped before organization.json leaves)."""
    return entry.is_dir() and not entry.is_symlink() and len(entry.name) == 12 \
        and entry.name.isdigit()


def _to_json(folder: OrgFolder) -> dict[str, Any]:
    tree = folder.tree
    return {
        "format": FORMAT, "version": VERSION,
        "organization_id": tree.organization_id,
        "management_account_id": tree.management_account_id,
        **{name: [dataclasses.asdict(r) for r in getattr(tree, name)] for name in _RECORDS},
        "warnings": [dataclasses.asdict(w) for w in folder.warnings],
        "loaded": list(folder.loaded),
        "failed": dict(folder.failed),
    }


def open_org_folder(path: Path | str) -> OrgFolder:
    """Read `organization.json` and check every account it lists as loaded has its file; any
    fault is a SourceError naming the file and the field."""
    folder = Path(path)
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a folder" if folder.exists()
                          else f"{folder}: no such file or directory")
    where = str(folder / ORG_FILE)
    if not (folder / ORG_FILE).exists():
        raise SourceError(f"{where}: missing file (not an organisation folder)")
    data = read_json(folder / ORG_FILE)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SourceError(f"{where}: not a rolemap organisation (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if type(version) is not int:
        raise SourceError(f"{where}: version: expected an integer, found {version!r}")
    if version != VERSION:
        newer = "; upgrade rolemap" if version > VERSION else ""
        raise SourceError(f"{where}: organisation format version {version} is not one this "
                          f"rolemap reads (it reads {VERSION}){newer}")
    org_id = _string(data, "organization_id", where)
    management = _string(data, "management_account_id", where)
    records = {name: _field(data, name, tp, where) for name, tp in _RECORDS.items()}
    tree = OrgTree(org_id, management, **records)
    warnings = _field(data, "warnings", tuple[LoadWarning, ...], where)
    loaded = _field(data, "loaded", tuple[str, ...], where)
    failed = _field(data, "failed", Mapping[str, str], where)
    for i, account_id in enumerate(loaded):
        if len(account_id) != 12 or not account_id.isdigit():
            raise SourceError(f"{where}: loaded[{i}]: expected a 12-digit account id, found "
                              f"{account_id[:40]!r}")
        if not (folder / account_id / SNAPSHOT_FILE).is_file():
            raise SourceError(f"{where}: loaded[{i}]: account {account_id} has no "
                              f"{account_id}/{SNAPSHOT_FILE}")
    return OrgFolder(folder, tree, tuple(loaded), failed, warnings)


def _field(data: Mapping[str, Any], key: str, tp: Any, where: str) -> Any:
    if key not in data:
        raise SourceError(f"{where}: {key}: missing")
    return decode(tp, data[key], f"{where}: {key}")


def _string(data: Mapping[str, Any], key: str, where: str) -> str:
    if key not in data:
        raise SourceError(f"{where}: {key}: missing")
    value = data[key]
    if not isinstance(value, str):
        raise SourceError(f"{where}: {key}: expected a string, found {json.dumps(value)[:40]}")
    return value

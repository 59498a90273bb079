"""An organisation collected by `collect-script --org`, turned into an organisation folder.

    EXPORT/organization/<command>[/<argument>].json  the organizations answers
    EXPORT/<account id>/                             an export folder (opens alone, as today)
    EXPORT/<account id>.error                        why its member role could not be assumed

The organizations files are read by the same code as the live calls (`read_org_answers`),
through `FileReads`: a `.error` file is the call's refusal (a warning, unknown), a missing
file is an answer never collected (the same). An ACTIVE account with neither a folder nor an
error file was not collected (narrowed with --accounts): a warning, like a live load narrowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import RolemapError, SourceError
from graph.model import AccountSnapshot, LoadWarning
from graph.model_org import OrgAccount, OrgTree
from graph.safe_files import read_json
from graph.sources.export_folder import _error_warning, load_export_folder
from graph.sources.org.attach import with_tree_organization
from graph.sources.org.events import (
    ASSUME_OPERATION,
    FAILED,
    LOAD_OPERATION,
    LOADED,
    STARTED,
    AccountEvent,
    OrgProgress,
    counts,
    quiet,
)
from graph.sources.org.folder import OrgFolder, save_org_folder
from graph.sources.org.read_tree import CallFailed, read_org_answers
from graph.sources.org.select import select_accounts

ORG_EXPORT_DIR = "organization"
_MARKER = "describe-organization"
#: The id each list's elements must carry (the tree reader relies on it).
_LIST_IDS = {"Roots": "Id", "OrganizationalUnits": "Id", "Accounts": "Id", "Policies": "Id",
             "Targets": "TargetId"}
#: describe-* answers: the object they hold and the field the reader relies on.
_OBJECTS = {"describe_organization": ("Organization", "Id"),
            "describe_policy": ("Policy", "Content")}
#: What an organizations id looks like (r-..., ou-..., p-..., an account id): a file name.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def is_org_export(path: Path | str) -> bool:
    folder = Path(path) / ORG_EXPORT_DIR
    return any((folder / f"{_MARKER}{suffix}").is_file() for suffix in (".json", ".error"))


@dataclass(frozen=True)
class FileReads:
    """organizations answers from the files the script wrote."""

    folder: Path

    def fetch(self, method: str, key: str, **kwargs: Any) -> Any:
        command = method.replace("_", "-")
        name = command
        for value in kwargs.values():
            if not isinstance(value, str) or not _ID.fullmatch(value):
                raise SourceError(f"{self.folder}: {command}: {str(value)[:40]!r} is not an "
                                  "organizations id")
            name = f"{command}/{value}"
        error = self.folder / f"{name}.error"
        path = self.folder / f"{name}.json"
        if error.is_file():
            warning = _error_warning(error, command, "")
            raise CallFailed(warning.code, warning.message)
        if not path.is_file():
            raise CallFailed("", f"not collected (no {path})")
        return _checked(read_json(path), method, key, str(path))


def _checked(data: Any, method: str, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise SourceError(f"{where}: expected a JSON object")
    if key:
        items = data.get(key)
        wanted = _LIST_IDS[key]
        if not isinstance(items, list):
            raise SourceError(f"{where}: {key}: expected a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get(wanted), str):
                raise SourceError(f"{where}: {key}[{i}].{wanted}: expected a string")
        return items
    name, wanted = _OBJECTS[method]
    inner = data.get(name)
    if not isinstance(inner, dict) or wanted not in inner:
        raise SourceError(f"{where}: {name}.{wanted}: missing")
    if method == "describe_organization" and not isinstance(inner[wanted], str):
        raise SourceError(f"{where}: {name}.{wanted}: expected a string")
    return data


@dataclass
class OrgExport:
    """The organisation read from the files, and the accounts chosen from it."""

    path: Path
    tree: OrgTree
    accounts: tuple[OrgAccount, ...]
    warnings: list[LoadWarning] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def snapshots(self, progress: OrgProgress = quiet) -> Iterator[AccountSnapshot]:
        """Each collected account, read when it is asked for."""
        total = len(self.accounts)
        for done, account in enumerate(self.accounts):
            account_id = account.account_id
            progress(AccountEvent(account_id, account.name, STARTED, done, total))
            error, folder = self.path / f"{account_id}.error", self.path / account_id
            try:
                if error.is_file():
                    warning = _error_warning(error, ASSUME_OPERATION, account_id)
                    self.warnings.append(warning)
                    raise _NotLoaded(f"{ASSUME_OPERATION}: {warning.message}"
                                     + (f" [{warning.code}]" if warning.code else ""))
                if not folder.is_dir():
                    self.warnings.append(LoadWarning(LOAD_OPERATION, account_id,
                                                     f"not collected (no {folder}): not "
                                                     "loaded"))
                    continue
                snapshot = with_tree_organization(load_export_folder(folder), self.tree)
            except (_NotLoaded, RolemapError) as exc:
                if not isinstance(exc, _NotLoaded):
                    self.warnings.append(LoadWarning(LOAD_OPERATION, account_id, str(exc)))
                self.failed[account_id] = str(exc)
                progress(AccountEvent(account_id, account.name, FAILED, done + 1, total,
                                      str(exc)))
                continue
            progress(AccountEvent(account_id, account.name, LOADED, done + 1, total,
                                  counts(snapshot)))
            yield snapshot


class _NotLoaded(Exception):
    """The script could not read the account (its error file says why)."""


def open_org_export(path: Path | str, accounts: Sequence[str] = (),
                    ous: Sequence[str] = ()) -> OrgExport:
    """Read the organisation files of `path` (SourceError when it holds none)."""
    export = Path(path)
    if not is_org_export(export):
        raise SourceError(f"{export}: not an organisation export written by `rolemap "
                          f"collect-script --org` (no {ORG_EXPORT_DIR}/{_MARKER}.json)")
    tree, warnings = read_org_answers(FileReads(export / ORG_EXPORT_DIR))
    chosen, skipped = select_accounts(tree, accounts, ous)
    return OrgExport(export, tree, chosen, [*warnings, *skipped])


def save_org_export(path: Path | str, out: Path | str, accounts: Sequence[str] = (),
                    ous: Sequence[str] = (), progress: OrgProgress = quiet) -> OrgFolder:
    """The organisation export `path` as an organisation folder `out`."""
    export = open_org_export(path, accounts, ous)
    return save_org_folder(out, export.tree, export.snapshots(progress), export.warnings,
                           export.failed)

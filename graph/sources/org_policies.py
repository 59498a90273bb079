"""`--org-policies PATH`: the organisation policies of the account from collected files.

A member account's credentials usually cannot read its SCPs and RCPs (only the management
account or a delegated administrator can). `collect-script` writes them into the export
folder's `organizations/` folder; run with the management account's credentials and
`ORG_ACCOUNT=<id>` it collects another account's. PATH is that folder, or the export folder
holding it. The files are used when the source's own reads did not get the whole path.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graph.errors import SourceError
from graph.model import AccountSnapshot, LoadWarning
from graph.model_common import GATE_ORGANIZATION
from graph.model_org import IN_ORGANIZATION, NOT_IN_ORGANIZATION, Organization
from graph.sources.export_folder import _error_warning
from graph.sources.export_folder_gates import ORG_DIR, FactReader, read_org_folder
from graph.sources.transform_org import scps_of, transform_organization

OPERATION = "--org-policies"
_MARKER = "describe-organization"


def org_folder(path: Path) -> Path:
    """The folder holding describe-organization.json (or .error): PATH or PATH/organizations."""
    for folder in (path, path / ORG_DIR):
        if any((folder / f"{_MARKER}{suffix}").exists() for suffix in (".json", ".error")):
            return folder
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    raise SourceError(f"{path}: not an organisation folder written by rolemap collect-script "
                      f"(no {_MARKER}.json in it or in {ORG_DIR}/)")


def _complete(organization: Organization | None) -> bool:
    if organization is None:
        return False
    return organization.status == NOT_IN_ORGANIZATION or (
        organization.status == IN_ORGANIZATION and organization.fully_read)


def with_org_policies(snapshot: AccountSnapshot, path: Path | str) -> AccountSnapshot:
    """`snapshot` with its organisation facts read from `path` (see module docstring)."""
    folder = org_folder(Path(path))
    if _complete(snapshot.organization):
        note = LoadWarning(OPERATION, str(path), "not used: the account's own organizations "
                           "calls read every policy on its path")
        return dataclasses.replace(snapshot, warnings=(*snapshot.warnings, note))
    reader = FactReader(folder, _error_warning)
    raw = read_org_folder(folder, snapshot.account_id, reader)
    organization = transform_organization(raw, reader.unread, snapshot.account_id,
                                          source=f"{OPERATION} {path}", where=str(folder))
    # The warnings of the source's own refused organizations calls are superseded.
    kept = tuple(w for w in snapshot.warnings if not w.operation.startswith("organizations:"))
    return dataclasses.replace(
        snapshot, organization=organization, scps=scps_of(organization, snapshot.account_id),
        unread_gates=tuple(u for u in snapshot.unread_gates if u.gate != GATE_ORGANIZATION),
        warnings=(*kept, *reader.warnings))

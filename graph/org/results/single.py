"""One account's snapshot file analysed as an organisation of one: `rolemap analyse
acct.json` keeps its results in `acct.json.org/`, an organisation folder beside the file
holding a byte-for-byte copy of it (not re-saved: its own organisation facts, read with
--org-policies or not, stay as they are), so `rolemap query acct.json` finds them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from graph.errors import SourceError
from graph.model_org import OrgTree
from graph.safe_files import write_text
from graph.sources.org.folder import ORG_FILE, SNAPSHOT_FILE, is_org_folder, save_org_folder
from graph.sources.snapshot_file import load_snapshot

SUFFIX = ".org"


def beside(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + SUFFIX)


def org_folder_for(path: Path) -> Path:
    """`path` itself when it is an organisation folder, else the folder beside a snapshot
    file (made or refreshed from the file now)."""
    if is_org_folder(path):
        return path
    if not path.is_file():
        raise SourceError(f"{path}: not an organisation folder nor a snapshot file"
                          if path.exists() else f"{path}: no such file or directory")
    snapshot = load_snapshot(path)
    org = snapshot.organization
    target = beside(path)
    tree = OrgTree(org.organization_id if org is not None else "",
                   org.management_account_id if org is not None else "")
    save_org_folder(target, tree, (), (), {})
    account = snapshot.account_id
    (target / account).mkdir(mode=0o700, exist_ok=True)
    copy = target / account / SNAPSHOT_FILE
    if not copy.is_file() or copy.read_bytes() != path.read_bytes():
        shutil.copyfile(path, copy)
    data = json.loads((target / ORG_FILE).read_text())
    data["loaded"] = [account]
    write_text(target / ORG_FILE, json.dumps(data, indent=1) + "\n", private=True)
    return target


def existing_org_folder(path: Path) -> Path:
    """For reading results: the organisation folder, or the one beside a snapshot file."""
    if is_org_folder(path) or not is_org_folder(beside(path)):
        return path
    return beside(path)

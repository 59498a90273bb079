"""Whether an organisation's stored results answer for its folder as it is now, checked
without rebuilding the index: `run.json` records the hashes of every file the last run read
(organization.json and each account's snapshot) and each account's inputs key. The keys are
a function of those files, the schema version and the assumed context, so when none of
these changed and every account's results carry their key, the results are current.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.org.results.inputs import FileHashes
from graph.org.results.schema import SCHEMA_VERSION, TABLES, account_dir, results_dir
from graph.org.results.work import AccountSummary, read_summary
from graph.safe_files import write_text
from graph.sources.org.folder import ORG_FILE, OrgFolder

RUN_FILE = "run.json"


def is_current(folder: Path, account: str, key: str) -> AccountSummary | None:
    """The stored summary when the account's results carry `key` and are all there."""
    summary = read_summary(folder, account)
    if summary is None or summary.key != key:
        return None
    where = account_dir(folder, account)
    if not all((where / f"{t}.parquet").is_file() for t in TABLES):
        return None
    return summary


def file_hashes(folder: OrgFolder, hashes: FileHashes) -> dict[str, str]:
    out = {ORG_FILE: hashes(folder.path / ORG_FILE)}
    out.update((a, hashes(folder.snapshot_path(a))) for a in folder.loaded)
    return out


def write_run(folder: OrgFolder, hashes: FileHashes, keys: Mapping[str, str],
              failed: Mapping[str, str], assumed: Mapping[str, str]) -> None:
    record = {"schema_version": SCHEMA_VERSION, "assumed": dict(assumed),
              "files": file_hashes(folder, hashes), "keys": dict(keys),
              "failed": dict(failed)}
    write_text(results_dir(folder.path) / RUN_FILE, json.dumps(record, indent=1) + "\n")


def _record(folder: OrgFolder) -> dict[str, Any] | None:
    try:
        data = json.loads((results_dir(folder.path) / RUN_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def results_fresh(folder: OrgFolder, assumed: Mapping[str, str] | None = None) -> bool:
    """Every loaded account's results are stored and current (see the module docstring)."""
    record = _record(folder)
    if record is None or record.get("schema_version") != SCHEMA_VERSION \
            or record.get("assumed") != dict(assumed or {}) or record.get("failed"):
        return False
    if record.get("files") != file_hashes(folder, FileHashes()):
        return False
    keys = record.get("keys")
    if not isinstance(keys, dict) or set(keys) != set(folder.loaded):
        return False
    return all(is_current(folder.path, a, str(k)) is not None for a, k in keys.items())

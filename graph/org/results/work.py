"""The per-account work every executor runs: analyse one account in its organisation and
write its result tables, returning only a small summary (the rows go to files, never back
through a scheduler).

An account's tables are written into a fresh folder renamed over the old one, with
`summary.json` (its inputs key) written last: a worker killed half-way leaves the previous
results or none, never a mix that claims to be current.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from graph.org.analysis import analyse_account
from graph.org.index import OrgIndex
from graph.org.plan import plan_account
from graph.org.results.schema import SCHEMA_VERSION, SCHEMAS, SUMMARY, account_dir
from graph.org.results.tables import (
    Columns,
    access_columns,
    account_findings,
    bucket_columns,
    finding_columns,
    principal_columns,
)
from graph.sources.org.folder import ORG_FILE, OrgFolder, open_org_folder


@dataclass(frozen=True)
class AccountTask:
    """What a worker needs besides the index: where the folder is, which account, the
    inputs key its results will carry, and the context taken as known."""

    folder: str
    account: str
    key: str
    assumed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountSummary:
    """What a worker sends back: counts, never rows."""

    account: str
    key: str
    instances: int
    roles: int
    buckets: int
    access_rows: int
    principal_rows: int
    findings: int
    worst_severity: str
    seconds: float
    schema_version: int = SCHEMA_VERSION


def _folder(path: str) -> OrgFolder:
    """The folder, opened once per worker process while organization.json stays the same
    (a worker of a long-lived cluster serves many runs)."""
    st = os.stat(Path(path) / ORG_FILE)
    return _opened(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _opened(path: str, mtime_ns: int, size: int) -> OrgFolder:
    return open_org_folder(path)


def analyse_and_write(index: OrgIndex, task: AccountTask) -> AccountSummary:
    """Analyse `task.account` against the shipped index and write its tables."""
    start = time.perf_counter()
    folder = _folder(task.folder)
    account = task.account
    plan = plan_account(index, account)
    g = analyse_account(folder, index, account, task.assumed, decide=False, plan=plan)
    tables: dict[str, Columns] = {
        "access": access_columns(g, index),
        "principals": principal_columns(g, index, account, plan, task.assumed),
    }
    snapshot = g.snapshot
    tables["buckets"] = bucket_columns(snapshot, tables["principals"])
    del g
    found = account_findings(snapshot, index, task.assumed)
    tables["findings"] = finding_columns(found)
    worst = max(found, key=lambda f: f.rank).severity.value if found else ""
    summary = AccountSummary(
        account, task.key, len(snapshot.instances), len(snapshot.roles),
        len(snapshot.buckets), len(tables["access"]["kind"]),
        len(tables["principals"]["bucket"]), len(found), worst,
        round(time.perf_counter() - start, 3))
    write_account(Path(task.folder), account, tables, summary)
    return summary


def write_account(folder: Path, account: str, tables: Mapping[str, Columns],
                  summary: AccountSummary) -> None:
    target = account_dir(folder, account)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".tmp-{account}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(mode=0o700)
    try:
        for name, columns in tables.items():
            table = pa.table(columns, schema=SCHEMAS[name])
            pq.write_table(table, staging / f"{name}.parquet")
        (staging / SUMMARY).write_text(json.dumps(asdict(summary), indent=1) + "\n")
        old = target.parent / f".old-{account}-{uuid.uuid4().hex[:8]}"
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_summary(folder: Path, account: str) -> AccountSummary | None:
    """The account's stored summary; None when absent, unreadable or of another schema."""
    try:
        data = json.loads((account_dir(folder, account) / SUMMARY).read_text())
        summary = AccountSummary(**data)
    except (OSError, ValueError, TypeError):
        return None
    return summary if summary.schema_version == SCHEMA_VERSION else None

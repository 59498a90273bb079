"""The per-account work every executor runs: analyse one account in its organisation and
write its result tables, returning only a small summary (the rows go to files, never back
through a scheduler).

An account's tables are written into a fresh folder renamed over the old one, with
`summary.json` (its inputs key) written last: a worker killed half-way leaves the previous
results or none, never a mix that claims to be current.
"""

from __future__ import annotations

import gc
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

from graph.model import AccountSnapshot
from graph.org.analysis import analyse_account
from graph.org.extracts import Extracts
from graph.org.index import OrgIndex
from graph.org.plan import plan_account, split_by_owner
from graph.org.results.schema import SCHEMA_VERSION, SCHEMAS, SUMMARY, account_dir
from graph.org.results.tables import (
    BucketTally,
    Columns,
    access_columns,
    account_findings,
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


def _extracts(folder: OrgFolder) -> Extracts:
    """The other accounts' extracts this worker process keeps while it serves `folder`
    (one folder at a time: a worker moving to another run's folder starts afresh)."""
    global _EXTRACTS
    if _EXTRACTS is None or _EXTRACTS.source is not folder:
        _EXTRACTS = Extracts(folder)
    return _EXTRACTS


_EXTRACTS: Extracts | None = None


#: Foreign buckets one part of an account's analysis holds (plan.split_by_owner): the
#: management account of a 50-account organisation reaches 883 of them and peaked at 864 MiB
#: analysed whole (over 6 GiB at 200 accounts): in parts of 150, 274 MiB; of 40, 189 MiB
#: for 10% more CPU (each part sets the account's own side up again). A workload account of
#: a 200-account organisation reaches 284 foreign buckets: 439 MiB in parts of 150, 298 in
#: parts of 40, the same CPU.
PART_BUCKETS = 40


def analyse_and_write(index: OrgIndex, task: AccountTask) -> AccountSummary:
    """Analyse `task.account` against the shipped index and write its tables, a part of
    its foreign buckets at a time (each part's rows written, then dropped)."""
    start = time.perf_counter()
    folder = _folder(task.folder)
    account = task.account
    parts = split_by_owner(plan_account(index, account), PART_BUCKETS)
    counts = {"access": 0, "principals": 0}
    with AccountWriter(Path(task.folder), account) as out:
        snapshot: AccountSnapshot | None = None
        callers: dict[str, AccountSnapshot] = {}  # the pulled roles, read once for all parts
        extracts = _extracts(folder)
        tally = BucketTally(())  # the account's own buckets, known once the first part is read

        def access(columns: Columns) -> None:
            counts["access"] += len(columns["kind"])
            out.append("access", columns)

        def principals(columns: Columns) -> None:
            tally.add(columns)  # the own buckets' lines read their who-can rows
            counts["principals"] += len(columns["bucket"])
            out.append("principals", columns)

        for i, plan in enumerate(parts):
            # The account's own buckets are the first part's: the others leave them out.
            g = analyse_account(folder, index, account, task.assumed, decide=False,
                                plan=plan, callers=callers, extracts=extracts,
                                own_buckets=i == 0)
            if i == 0:
                snapshot = g.snapshot
                tally = BucketTally(b.name for b in snapshot.buckets)
            access(access_columns(g, index, flush=access))
            principals(principal_columns(g, index, account, plan, task.assumed,
                                         with_own=i == 0, flush=principals))
            del g
            gc.collect()  # the part's graph holds cycles: gone before the next is built
        if snapshot is None:  # split_by_owner returns one part at least
            raise RuntimeError(f"account {account}: no part analysed")
        out.append("buckets", tally.columns(snapshot))
        found = account_findings(snapshot, index, task.assumed)
        out.append("findings", finding_columns(found))
        worst = max(found, key=lambda f: f.rank).severity.value if found else ""
        summary = AccountSummary(
            account, task.key, len(snapshot.instances), len(snapshot.roles),
            len(snapshot.buckets), counts["access"], counts["principals"], len(found), worst,
            round(time.perf_counter() - start, 3))
        out.finish(summary)
    return summary


class AccountWriter:
    """An account's tables written into a fresh folder, a batch of rows at a time (a row
    group each), then renamed over the old results by `finish`; left unfinished (an error,
    a killed worker) the folder is removed and the old results stand."""

    def __init__(self, folder: Path, account: str) -> None:
        self.target = account_dir(folder, account)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = self.target.parent / f".tmp-{account}-{uuid.uuid4().hex[:8]}"
        self.staging.mkdir(mode=0o700)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._done = False

    def __enter__(self) -> AccountWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            for w in self._writers.values():
                w.close()
            shutil.rmtree(self.staging, ignore_errors=True)

    def append(self, name: str, columns: Columns) -> None:
        writer = self._writers.get(name)
        if writer is None:
            writer = self._writers[name] = pq.ParquetWriter(self.staging / f"{name}.parquet",
                                                            SCHEMAS[name])
        writer.write_table(pa.table(columns, schema=SCHEMAS[name]))

    def finish(self, summary: AccountSummary) -> None:
        for name, schema in SCHEMAS.items():
            if name not in self._writers:
                self.append(name, {n: [] for n in schema.names})
            self._writers[name].close()
        (self.staging / SUMMARY).write_text(json.dumps(asdict(summary), indent=1) + "\n")
        old = self.target.parent / f".old-{self.target.name}-{uuid.uuid4().hex[:8]}"
        if self.target.exists():
            os.rename(self.target, old)
        os.rename(self.staging, self.target)
        shutil.rmtree(old, ignore_errors=True)
        self._done = True


def read_summary(folder: Path, account: str) -> AccountSummary | None:
    """The account's stored summary; None when absent, unreadable or of another schema."""
    try:
        data = json.loads((account_dir(folder, account) / SUMMARY).read_text())
        summary = AccountSummary(**data)
    except (OSError, ValueError, TypeError):
        return None
    return summary if summary.schema_version == SCHEMA_VERSION else None

"""`rolemap analyse`: an organisation's accounts analysed by an executor, results in Parquet.

The index is built first (one snapshot read at a time) and shipped once; each account whose
stored results are not current (results/inputs.py) becomes a task. A task that fails is
tried once more; one that fails again is reported as a load warning (its answers unknown, its
stale results removed) and every other account's results stand: each is written by its worker
as it completes, so even a run that is stopped keeps what was done.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from graph.org.executor import Executor
from graph.org.index import OrgIndex, build_index
from graph.org.results.fresh import is_current, write_run
from graph.org.results.index_file import write_index
from graph.org.results.inputs import FileHashes, inputs_key
from graph.org.results.schema import (
    ACCOUNTS,
    account_dir,
    results_dir,
    schema_markdown,
)
from graph.org.results.work import AccountSummary, AccountTask, analyse_and_write
from graph.safe_files import write_text
from graph.sources.org.folder import OrgFolder, open_org_folder

Work = Callable[[OrgIndex, AccountTask], AccountSummary]
Say = Callable[[str], None]


@dataclass
class RunReport:
    folder: Path
    executor: str
    analysed: dict[str, AccountSummary] = field(default_factory=dict)
    current: dict[str, AccountSummary] = field(default_factory=dict)
    #: Accounts whose analysis failed twice, and the last error.
    failed: dict[str, str] = field(default_factory=dict)
    retried: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def warnings(self) -> list[str]:
        return [f"account {a}: analysis failed twice ({why}): its answers are unknown"
                for a, why in sorted(self.failed.items())]


def _say_nothing(_: str) -> None:
    pass


def current_keys(folder: OrgFolder, index: OrgIndex, assumed: Mapping[str, str],
                 hashes: FileHashes) -> dict[str, str]:
    return {a: inputs_key(folder, index, a, hashes, assumed) for a in folder.loaded}


def analyse_org(path: Path | str, executor: Executor, assumed: Mapping[str, str] | None = None,
                say: Say = _say_nothing, work: Work = analyse_and_write) -> RunReport:
    start = time.perf_counter()
    assumed = dict(assumed or {})
    folder = open_org_folder(path)
    say(f"indexing {len(folder.loaded)} account(s)")
    index = build_index(folder)
    hashes = FileHashes()
    keys = current_keys(folder, index, assumed, hashes)
    report = RunReport(folder.path, executor.name)
    tasks: list[AccountTask] = []
    for account, key in keys.items():
        found = is_current(folder.path, account, key)
        if found is not None:
            report.current[account] = found
        else:
            tasks.append(AccountTask(str(folder.path), account, key, assumed))
    say(f"{len(report.current)} account(s) current, {len(tasks)} to analyse on "
        f"{executor.name}")
    if tasks:
        executor.ship(index)
    for attempt in (1, 2):
        again: list[AccountTask] = []
        for task, result in executor.run(work, tasks):
            if isinstance(result, BaseException):
                why = f"{type(result).__name__}: {result}".splitlines()[0][:300]
                report.failed[task.account] = why
                if attempt == 1:
                    again.append(task)
                    say(f"account {task.account}: failed ({why}); trying once more")
                else:
                    say(f"account {task.account}: failed again ({why})")
                continue
            report.failed.pop(task.account, None)
            report.analysed[task.account] = result
            say(f"account {task.account}: {result.access_rows} access rows, "
                f"{result.findings} finding(s) in {result.seconds:.1f} s")
        if not again:
            break
        report.retried.extend(t.account for t in again)
        tasks = again
    for account in report.failed:
        shutil.rmtree(account_dir(folder.path, account), ignore_errors=True)
    _drop_stale(folder)
    write_accounts(folder, report)
    write_index(folder.path, index)
    write_run(folder, hashes, keys, report.failed, assumed)
    report.seconds = round(time.perf_counter() - start, 3)
    return report


def _drop_stale(folder: OrgFolder) -> None:
    """Results of accounts no longer in the folder, and leftovers of stopped writes."""
    root = results_dir(folder.path)
    if not root.is_dir():
        return
    loaded = set(folder.loaded)
    for child in root.iterdir():
        name = child.name
        stale = name.startswith((".tmp-", ".old-")) or (
            name.startswith("account=") and name.split("=", 1)[1] not in loaded)
        if stale and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def write_accounts(folder: OrgFolder, report: RunReport) -> None:
    """results/accounts.parquet (a row per account of the organisation) and SCHEMA.md."""
    root = results_dir(folder.path)
    root.mkdir(parents=True, exist_ok=True)
    tree = folder.tree
    ids = list(dict.fromkeys([*(a.account_id for a in tree.accounts), *folder.loaded,
                              *folder.failed]))
    columns: dict[str, list[object]] = {n: [] for n in ACCOUNTS.names}
    for account in ids:
        entry = tree.account(account)
        summary = report.analysed.get(account) or report.current.get(account)
        if summary is not None:
            status = "analysed" if account in report.analysed else "current"
            error = ""
        elif account in report.failed:
            status, error = "failed", report.failed[account]
        elif account in folder.failed:
            status, error = "not loaded", folder.failed[account]
        else:
            status, error = "not loaded", "no snapshot in the folder"
        columns["account"].append(account)
        columns["name"].append(entry.name if entry is not None else "")
        columns["org_path"].append("/".join(tree.path_ids(account)))
        columns["status"].append(status)
        columns["error"].append(error)
        columns["inputs_key"].append(summary.key if summary else None)
        for col in ("instances", "roles", "buckets", "access_rows", "principal_rows",
                    "findings", "worst_severity", "seconds"):
            columns[col].append(getattr(summary, col) if summary else None)
    pq.write_table(pa.table(columns, schema=ACCOUNTS), root / "accounts.parquet")
    write_text(root / "SCHEMA.md", schema_markdown())

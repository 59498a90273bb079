"""`rolemap analyse` on the local pool and on Dask, the Parquet results, reruns, failures,
and the commands that read the results (issue 28, items 1-3)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from graph.errors import RolemapError
from graph.org.executor import DaskExecutor, Executor, LocalPool
from graph.org.index import OrgIndex
from graph.org.results.fresh import results_fresh
from graph.org.results.schema import SCHEMA_VERSION, account_dir, results_dir
from graph.org.results.work import AccountSummary, AccountTask, analyse_and_write
from graph.org.run import analyse_org
from graph.sources.org.folder import open_org_folder, save_org_folder
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

from .scenario import DATA, MGMT, OUTSIDE, WORK, scenario


def _save(path: Path) -> Path:
    org = scenario()
    save_org_folder(path, org.tree, org.snapshots.values(), (), org.failed)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _save(tmp_path / "acme")


def _tables(folder: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for p in sorted(results_dir(folder).rglob("*.parquet")):
        table = pq.read_table(p)
        if "seconds" in table.column_names:  # wall time differs between runs
            table = table.drop(["seconds"])
        out[str(p.relative_to(folder))] = table
    return out


def test_results_from_the_pool_and_from_dask_are_identical(tmp_path: Path) -> None:
    pool, dask = _save(tmp_path / "pool"), _save(tmp_path / "dask")
    with LocalPool(2) as ex:
        analyse_org(pool, ex)
    with DaskExecutor(workers=2, processes=False) as ex:
        report = analyse_org(dask, ex)
    assert set(report.analysed) == {MGMT, WORK, DATA} and not report.failed
    a, b = _tables(pool), _tables(dask)
    assert set(a) == set(b)
    assert len(a) == 3 * 4 + 1  # four tables per loaded account, and accounts.parquet
    for name, table in a.items():
        assert table.equals(b[name]), name
    # Rows were written: the workload instance reaches the data account's bucket.
    access = pq.read_table(account_dir(pool, WORK) / "access.parquet").to_pylist()
    assert any(r["instance_id"] == "i-0web" and r["bucket"] == "data-lake"
               and r["bucket_account"] == DATA and r["outcome"] == "allowed" for r in access)


def test_rerun_skips_accounts_whose_inputs_did_not_change(folder: Path) -> None:
    with LocalPool(1) as ex:
        first = analyse_org(folder, ex)
        assert set(first.analysed) == {MGMT, WORK, DATA}
        again = analyse_org(folder, ex)
        assert not again.analysed and set(again.current) == {MGMT, WORK, DATA}
        mgmt_before = (account_dir(folder, MGMT) / "access.parquet").stat().st_mtime_ns
        # The workload account changes (a new tag on its instance): it is analysed again,
        # the management account (which reads nothing of it) is not.
        snap = scenario().snapshots[WORK]
        inst = dataclasses.replace(snap.instances[0], tags={**snap.instances[0].tags,
                                                            "team": "web"})
        org = open_org_folder(folder)
        save_snapshot(dataclasses.replace(snap, instances=(inst,)), org.snapshot_path(WORK))
        third = analyse_org(folder, ex)
    assert WORK in third.analysed and MGMT in third.current
    assert (account_dir(folder, MGMT) / "access.parquet").stat().st_mtime_ns == mgmt_before
    accounts = {r["account"]: r for r in
                pq.read_table(results_dir(folder) / "accounts.parquet").to_pylist()}
    assert accounts[WORK]["status"] == "analysed" and accounts[MGMT]["status"] == "current"
    summary = json.loads((account_dir(folder, WORK) / "summary.json").read_text())
    assert summary["schema_version"] == SCHEMA_VERSION


def flaky_work(index: OrgIndex, task: AccountTask) -> AccountSummary:
    """The data account always fails; the workload account fails on its first try."""
    if task.account == DATA:
        raise RuntimeError("worker lost")
    marker = Path(task.folder).parent / f"tried-{task.account}"
    if task.account == WORK and not marker.exists():
        marker.touch()
        raise OSError("disk hiccup")
    return analyse_and_write(index, task)


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_a_failing_account_is_retried_then_reported_and_the_others_kept(
        folder: Path, engine: str) -> None:
    executor: Executor = LocalPool(2) if engine == "pool" \
        else DaskExecutor(workers=1, processes=False)
    with executor as ex:
        report = analyse_org(folder, ex, work=flaky_work)
    assert sorted(report.retried) == [WORK, DATA]
    assert set(report.failed) == {DATA} and "worker lost" in report.failed[DATA]
    assert set(report.analysed) == {MGMT, WORK}
    assert report.warnings == [f"account {DATA}: analysis failed twice (RuntimeError: "
                               "worker lost): its answers are unknown"]
    for account in (MGMT, WORK):
        assert (account_dir(folder, account) / "access.parquet").is_file()
    assert not account_dir(folder, DATA).exists()
    status = {r["account"]: (r["status"], r["error"]) for r in
              pq.read_table(results_dir(folder) / "accounts.parquet").to_pylist()}
    assert status[DATA] == ("failed", "RuntimeError: worker lost")
    assert status[WORK][0] == "analysed"
    # Incomplete results never answer for the folder: who-can decides live.
    assert not results_fresh(open_org_folder(folder))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


WRITERS = ("SELECT DISTINCT account, instance_id, instance_name FROM access "
           "WHERE kind = 'instance' AND bucket = 'data-lake' AND access_level = 'Write' "
           "AND outcome = 'allowed'")
OUTSIDE_READ = ("SELECT account, bucket, outside_principals FROM buckets "
                "WHERE readable_outside_org ORDER BY bucket")


def test_analyse_then_query_the_readme_examples(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "query", str(folder), "SELECT * FROM accounts")
    assert code == 2 and "run `rolemap analyse" in err
    code, out, _ = _run(capsys, "analyse", str(folder), "--jobs", "2")
    assert code == 0 and "analysed 3 account(s)" in out
    code, out, _ = _run(capsys, "query", str(folder), WRITERS, "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"account": WORK, "instance_id": "i-0web",
                                "instance_name": "web"}]
    code, out, _ = _run(capsys, "query", str(folder), OUTSIDE_READ, "--format", "json")
    # partner-drop admits the outside account, but the data OU's RCP keeps it out; the
    # management account's bucket is beyond RCPs.
    assert json.loads(out) == [{"account": MGMT, "bucket": "mgmt-logs",
                                "outside_principals": [f"arn:aws:iam::{OUTSIDE}:root"]}]
    code, out, _ = _run(capsys, "query", str(folder),
                        "SELECT account, status FROM accounts ORDER BY account")
    assert code == 0 and out.splitlines()[1].split() == [MGMT, "analysed"]
    assert "not loaded" in out
    code, _, err = _run(capsys, "query", str(folder), "SELECT nope FROM buckets")
    assert code == 2 and err.count("\n") == 1 and "nope" in err


@pytest.mark.parametrize("argv", [
    ("who-can", "org-shared", "--format", "json"),
    ("who-can", "mgmt-logs"),
    ("who-can", "data-lake", "--level", "write", "--format", "json"),
    ("findings", "--format", "json"),
    ("findings",),
])
def test_who_can_and_findings_read_current_results_as_they_would_decide(
        folder: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    live_code, live, err = _run(capsys, *argv, "--snapshot", str(folder))
    assert "answered from" not in err
    assert _run(capsys, "analyse", str(folder))[0] == 0
    code, stored, err = _run(capsys, *argv, "--snapshot", str(folder))
    assert "answered from" in err
    assert (code, stored) == (live_code, live)
    # A changed snapshot makes the results stale: decided live again.
    (folder / "organization.json").write_text(
        (folder / "organization.json").read_text() + "\n")
    _, again, err = _run(capsys, *argv, "--snapshot", str(folder))
    assert "answered from" not in err and again == live


def test_one_accounts_snapshot_is_analysed_beside_its_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.json"
    save_snapshot(scenario().snapshots[DATA], path)
    assert _run(capsys, "analyse", str(path), "--jobs", "1")[0] == 0
    code, out, _ = _run(capsys, "query", str(path),
                        "SELECT bucket FROM buckets ORDER BY bucket", "--format", "csv")
    assert code == 0
    assert out.split() == ["bucket", "data-lake", "org-shared", "partner-drop"]
    assert (tmp_path / "data.json.org" / "results" / "SCHEMA.md").is_file()


def test_a_scheduler_that_cannot_be_reached_is_one_line() -> None:
    with pytest.raises(RolemapError, match=r"^--scheduler tcp://127.0.0.1:1: cannot connect"):
        DaskExecutor(address="tcp://127.0.0.1:1", timeout=1)


def test_jobs_with_a_scheduler_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    code, _, err = _run(capsys, "analyse", str(folder), "--scheduler", "tcp://127.0.0.1:1",
                        "--jobs", "2")
    assert code == 2 and "--jobs: not with --scheduler" in err


def pid_of(shared: object, task: int) -> tuple[object, int]:
    return shared, os.getpid()


def test_the_pool_ships_the_index_once_per_process_and_renews_its_processes() -> None:
    with LocalPool(1, tasks_per_process=2) as ex:
        ex.ship("the index")
        found = [r for _, r in ex.run(pid_of, [1, 2, 3, 4])]
    assert {shared for shared, _ in found} == {"the index"}
    pids = [pid for _, pid in found]
    assert pids[0] == pids[1] and pids[2] == pids[3] and pids[1] != pids[2]

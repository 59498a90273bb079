"""An account whose chains reach many other accounts' buckets is analysed a part at a time
(issue 28, "peak memory bounded"): each part holds at most about `PART_BUCKETS` foreign
buckets, and the results are the same rows as the account analysed whole."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import graph.org.results.work as work
from graph.org.index import build_index
from graph.org.plan import plan_account, split_by_owner
from graph.org.results.schema import results_dir
from graph.org.run import analyse_org
from graph.sources.org.folder import open_org_folder, save_org_folder

from .scenario import DATA, MGMT, WORK, scenario


class InProcess:
    """The executor interface, one task after another in this process (so a test can
    watch what the work function does)."""

    name = "in process"

    def ship(self, shared: Any) -> None:
        self.shared = shared

    def run(self, fn: Any, tasks: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for t in tasks:
            yield t, fn(self.shared, t)

    def close(self) -> None:
        pass

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _rows(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in a canonical order (parts change the order, never the rows)."""
    out = {}
    for p in sorted(results_dir(folder).rglob("*.parquet")):
        table = pq.read_table(p)
        if "seconds" in table.column_names:
            table = table.drop(["seconds"])
        rows = [tuple(repr(v) for v in r.values()) for r in table.to_pylist()]
        out[str(p.relative_to(folder))] = sorted(rows)
    return out


def _save(path: Path) -> Path:
    org = scenario()
    save_org_folder(path, org.tree, org.snapshots.values(), (), org.failed)
    return path


def test_parts_split_by_owner_keep_the_chains_and_the_own_buckets_first() -> None:
    index = build_index(scenario())
    plan = plan_account(index, WORK)
    owners = {o for (_, o) in plan.sides} - {WORK}
    assert owners == {DATA, MGMT}
    parts = split_by_owner(plan, 1)
    assert len(parts) == 2
    assert set().union(*(p.touches for p in parts)) == plan.touches
    assert not parts[0].touches & parts[1].touches
    for p in parts:
        assert p.pulled == plan.pulled and p.edges == plan.edges
    assert split_by_owner(plan, 10_000)[0].touches == plan.touches


def test_an_account_analysed_in_parts_writes_the_rows_it_writes_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, parted = _save(tmp_path / "whole"), _save(tmp_path / "parted")
    monkeypatch.setattr(work, "PART_BUCKETS", 10_000)
    analyse_org(whole, InProcess())
    held: dict[str, list[int]] = {}
    original = work.analyse_account

    def watched(source: Any, index: Any, account: str, *args: Any, **kw: Any) -> Any:
        held.setdefault(account, []).append(len(kw["plan"].touches))
        return original(source, index, account, *args, **kw)

    monkeypatch.setattr(work, "PART_BUCKETS", 1)
    monkeypatch.setattr(work, "analyse_account", watched)
    report = analyse_org(parted, InProcess())
    assert not report.failed
    # The workload account reaches the data and management accounts' buckets: one part
    # per owner, never all of them at once.
    full = len(plan_account(build_index(open_org_folder(parted)), WORK).touches)
    assert len(held[WORK]) == 2 and max(held[WORK]) < full
    assert _rows(whole) == _rows(parted)


def test_rows_written_in_small_batches_are_the_rows_written_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part's rows go to Parquet BATCH_ROWS at a time (a medium account's who-can rows
    held whole took gigabytes): batches of 3 write the same tables, the buckets' lines
    (read from the who-can rows of every batch) included."""
    import graph.org.results.tables as tables

    once, batched = _save(tmp_path / "once"), _save(tmp_path / "batched")
    analyse_org(once, InProcess())
    monkeypatch.setattr(tables, "BATCH_ROWS", 3)
    analyse_org(batched, InProcess())
    rows_once, rows_batched = _rows(once), _rows(batched)
    assert rows_once == rows_batched
    assert any("buckets" in k and v for k, v in rows_once.items())
    groups = {str(p.relative_to(batched)): pq.ParquetFile(p).num_row_groups
              for p in results_dir(batched).rglob("principals.parquet")}
    assert max(groups.values()) > 3  # written a few rows at a time

"""Benchmark of an organisation on the local pool and on Dask (issue 28's figures).

    python tests/bench_org.py --accounts 20 50            # synth --org N --size small
    python tests/bench_org.py --accounts 200 --engines pool
    python tests/bench_org.py --accounts 50 --size mixed  # some medium accounts among them

For each N: `rolemap snapshot synth DIR --org N --size SIZE` (seeded, written once under
--cache), then for each engine `rolemap analyse DIR` from empty results as the command line
runs it (`--jobs W`, or `--dask --jobs W`: a LocalCluster of W workers): wall and CPU
seconds, and peak memory (the highest sum of PSS over the command and all its processes,
bench_realistic.run_child). Then, from the results: a `rolemap who-can` of the bucket most
principals reach (a fresh command: start-up, freshness check, DuckDB scan), and a query
over every account's access rows (DuckDB in this process: rows and rows/s).

The projection for 1,000 accounts on N workers is the mean analysis seconds per account
(each worker's own time, from results/accounts.parquet) x 1,000 / N, plus the index build
scaled from this run; and, since a worker's wall time on a shared machine includes the
others' load, the command's CPU seconds per account x 1,000 / N (`projection_1000_cpu`).
With --app, the seconds to the app's first Accounts table from the results and live.
Figures go to the README; never into timed test assertions.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_realistic  # noqa: E402 - beside this file
from bench_realistic import run_child  # noqa: E402

ROLEMAP = [str(Path(sys.executable).parent / "rolemap")]


def synth(cache: Path, accounts: int, seed: int, size: str = "small") -> Path:
    folder = cache / f"org-{accounts}-{size}-{seed}"
    if not (folder / "organization.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        run_child([*ROLEMAP, "snapshot", "synth", str(folder), "--org", str(accounts),
                   "--size", size, "--seed", str(seed)])
    return folder


def analyse(folder: Path, engine: str, workers: int) -> dict[str, Any]:
    shutil.rmtree(folder / "results", ignore_errors=True)
    extra = ["--dask"] if engine == "dask" else []
    wall, peak, out = run_child([*ROLEMAP, "analyse", str(folder), "--jobs", str(workers),
                                 *extra])
    return {"engine": engine, "workers": workers, "wall_s": round(wall, 1),
            "cpu_s": round(bench_realistic.LAST_CPU, 1), "peak_mib": round(peak),
            "said": out.strip()}


def from_results(folder: Path) -> dict[str, Any]:
    import duckdb  # noqa: F401 - the org extra

    from graph.org.results.stored import connect

    con = connect(folder)
    bucket, reached = con.execute(
        "SELECT bucket, count(DISTINCT (account, principal_kind, principal_id)) AS n "
        "FROM principals GROUP BY bucket ORDER BY n DESC, bucket LIMIT 1").fetchone()
    per_account = con.execute("SELECT avg(seconds), max(seconds), count(*) FROM accounts "
                              "WHERE status = 'analysed'").fetchone()
    start = time.perf_counter()
    counts = con.execute("SELECT outcome, count(*) FROM access GROUP BY outcome "
                         "ORDER BY outcome").fetchall()
    scan = time.perf_counter() - start
    rows = sum(n for _, n in counts)
    files = sum(1 for _ in (folder / "results").rglob("*.parquet"))
    size = sum(p.stat().st_size for p in (folder / "results").rglob("*.parquet"))
    con.close()
    wall, peak, out = run_child([*ROLEMAP, "who-can", bucket, "--snapshot", str(folder),
                                 "--format", "json"])
    cpu = bench_realistic.LAST_CPU
    answer, answer_cpu = _who_can_in_process(folder, bucket)
    return {"who_can_bucket": bucket, "who_can_principals": reached,
            "who_can_rows": len(json.loads(out)["principals"]),
            "who_can_s": round(wall, 2), "who_can_cpu_s": round(cpu, 2),
            "who_can_answer_s": round(answer, 3), "who_can_answer_cpu_s": round(answer_cpu, 3),
            "who_can_peak_mib": round(peak),
            "access_rows": rows, "access_query_s": round(scan, 3),
            "access_rows_per_s": round(rows / scan) if scan else None,
            "parquet_files": files, "parquet_mib": round(size / 2**20, 1),
            "account_mean_s": round(per_account[0], 2), "account_max_s": per_account[1]}


def first_table(folder: Path, stored: bool) -> dict[str, Any]:
    """Seconds from the app's start to its first Accounts table (the explorer shown), from
    the stored results or live (results moved aside), in a fresh child process; live, also
    when every account's counts arrived (the worst findings then still fill in, one
    account's analysis at a time). Run after `analyse` (the results must be current)."""
    aside = folder / "results-aside"
    if not stored:
        (folder / "results").rename(aside)
    try:
        wall, peak, out = run_child([sys.executable, str(Path(__file__).resolve()),
                                     "--child-first-table", str(folder)])
    finally:
        if aside.is_dir():
            aside.rename(folder / "results")
    found = json.loads(out)
    key = "stored" if stored else "live"
    return {f"first_table_{key}_s": found["first_table_s"],
            f"first_table_{key}_cpu_s": found["cpu_s"],
            f"all_counts_{key}_s": found["all_counts_s"], f"app_{key}_peak_mib": round(peak)}


def _child_first_table(folder: Path) -> None:
    import asyncio

    from graph.sources import SourceSpec
    from tui.app import RolemapApp
    from tui.screens.explorer import ExplorerScreen
    from tui.widgets.accounts_tree import AccountsTree

    async def go() -> dict[str, Any]:
        start, cpu = time.perf_counter(), time.process_time()
        app = RolemapApp(SourceSpec(snapshot=str(folder)))
        async with app.run_test(size=(160, 48)) as pilot:
            while not (isinstance(app.screen, ExplorerScreen)
                       and app.screen.query(AccountsTree)):
                await pilot.pause(0.02)
            first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
            loaded = len(app.org.folder.loaded) if app.org else 0
            while app.org is not None and len(app.org.sizes) < loaded:
                await pilot.pause(0.05)
            counted = time.perf_counter() - start
            await pilot.pause(0.2)
        return {"first_table_s": round(first, 2), "cpu_s": round(first_cpu, 2),
                "all_counts_s": round(counted, 2), "stored": bool(app.org and app.org.stored)}

    print(json.dumps(asyncio.run(go())))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-first-table":
        return _child_first_table(Path(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--engines", nargs="+", choices=("pool", "dask"),
                        default=["pool", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", choices=("small", "medium", "mixed"), default="small",
                        help="the accounts' size (synth --org N --size): mixed is small "
                             "accounts with about one workload or data account in ten medium")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rolemap-bench-org"))
    parser.add_argument("--project", type=int, nargs="+", default=[2, 8, 32],
                        help="workers for the 1,000-account projection")
    parser.add_argument("--app", action="store_true",
                        help="also time the app's first Accounts table, from the results "
                             "and live")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    report: list[dict[str, Any]] = []
    for n in args.accounts:
        folder = synth(args.cache, n, args.seed, args.size)
        for engine in args.engines:
            found = {"accounts": n, **analyse(folder, engine, args.workers),
                     **from_results(folder)}
            index_s = _index_seconds(folder)
            found["index_s"] = round(index_s, 1)
            per, serial = found["account_mean_s"], index_s * 1000 / n
            found["projection_1000"] = {f"{w} workers": f"{(per * 1000 / w + serial) / 60:.0f} min"
                                        for w in args.project}
            # On a shared machine a worker's wall seconds include others' load: the CPU
            # seconds per account (the whole command's, index and start-up included) too.
            cpu_per = found["cpu_s"] / n
            found["cpu_per_account_s"] = round(cpu_per, 2)
            found["projection_1000_cpu"] = {f"{w} workers": f"{cpu_per * 1000 / w / 60:.0f} min"
                                            for w in args.project}
            if engine == args.engines[0] and args.app:
                found.update(first_table(folder, stored=True))
                found.update(first_table(folder, stored=False))
            report.append(found)
            print(json.dumps(found), flush=True)
    print(json.dumps(report, indent=1))


def _who_can_in_process(folder: Path, bucket: str) -> tuple[float, float]:
    """The answer alone, modules loaded (the command adds Python's start-up and imports):
    the freshness check and the stored rows, wall and CPU seconds."""
    from graph.org.results.fresh import results_fresh
    from graph.org.results.stored import stored_who_can
    from graph.sources.org.folder import open_org_folder

    wall, cpu = time.perf_counter(), time.process_time()
    org = open_org_folder(folder)
    assert results_fresh(org)
    assert stored_who_can(org.path, org.loaded, bucket) is not None
    return time.perf_counter() - wall, time.process_time() - cpu


def _index_seconds(folder: Path) -> float:
    """The index build alone (the driver's serial part), in this process."""
    from graph.org.index import build_index
    from graph.sources.org.folder import open_org_folder

    start = time.perf_counter()
    build_index(open_org_folder(folder))
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

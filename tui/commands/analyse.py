"""`rolemap analyse SNAPSHOT [--jobs N | --dask | --scheduler URL]`: analyse every account of
an organisation folder (or one account's snapshot) and write the results as Parquet under it
(results/, see graph/org/results/schema.py), which `query`, `who-can` and `findings` read.

Exit 0 when every account was analysed, 1 when an account failed twice (the others' results
are written and kept; its answers are unknown), 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.errors import RolemapError
from graph.org.executor import DaskExecutor, Executor, LocalPool
from tui.commands.access_options import parse_assumed
from tui.commands.export import _jobs
from tui.commands.path_arg import path_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyse", help="analyse an organisation's accounts, results as Parquet",
        description="Analyse every account of an organisation folder (or one account's "
                    "snapshot) on a local process pool or Dask, writing the results as "
                    "Parquet under FOLDER/results (rerun: accounts whose inputs did not "
                    "change are skipped).")
    parser.add_argument("snapshot", metavar="SNAPSHOT", type=path_arg,
                        help="an organisation folder, or one account's snapshot file")
    parser.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                        help="processes of the local pool, or workers of the --dask local "
                             "cluster (default: the CPUs available)")
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument("--dask", action="store_true",
                        help="run on Dask distributed: a local cluster of --jobs workers")
    engine.add_argument("--scheduler", metavar="URL",
                        help="run on an existing Dask scheduler, e.g. tcp://host:8786 (the "
                             "workers must see the folder at the same path)")
    parser.add_argument(
        "--assume", action="append", default=[], metavar="KEY=VALUE",
        help="take a request condition key as known (repeatable); results record it")
    parser.set_defaults(func=run)


def executor_from_args(args: argparse.Namespace) -> Executor:
    if args.scheduler:
        if args.jobs is not None:
            raise RolemapError("--jobs: not with --scheduler (the cluster has its workers)")
        return DaskExecutor(address=args.scheduler)
    if args.dask:
        return DaskExecutor(workers=args.jobs)
    return LocalPool(args.jobs)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    # pyarrow and Dask load only for this command (the org extra; the others start faster).
    from graph.org.results.schema import results_dir
    from graph.org.results.single import org_folder_for
    from graph.org.run import analyse_org

    assumed = parse_assumed(args.assume)
    folder = org_folder_for(Path(args.snapshot))
    with executor_from_args(args) as executor:
        report = analyse_org(folder, executor, assumed, say=_say)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"analysed {len(report.analysed)} account(s), {len(report.current)} current "
          f"(skipped), {len(report.failed)} failed, in {report.seconds:.1f} s on "
          f"{report.executor}; results in {results_dir(folder)}")
    return 1 if report.failed else 0

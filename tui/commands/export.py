"""`rolemap export`: effective permissions as JSON, CSV or Markdown, or the graph as GraphML."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from graph.errors import RolemapError
from graph.exports import FORMATS, export
from graph.exports.shards import DEFAULT_MAX_WORKERS, default_workers
from graph.org.analysis import analyse_account
from graph.org.index import OrgIndex
from graph.org.queries import resolve_instance, resolve_role
from graph.sources.org.folder import OrgFolder
from tui.commands.access_options import (
    add_access_options,
    graph_from_args,
    org_from_args,
    parse_assumed,
)
from tui.commands.path_arg import path_arg
from tui.commands.source_options import stderr_activity


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export effective permissions (json, csv, md) or the graph (graphml)",
        description="One row per (instance, bucket, access level, outcome) by default; "
                    "md is a review document (findings, public and other-account access, "
                    "roles, instances and buckets, counted), --detail FILE adds its per-cell "
                    "tables.")
    parser.add_argument("--format", choices=FORMATS, default="json",
                        help="json (default), csv, md (a review document) or graphml")
    parser.add_argument("-o", "--output", metavar="PATH", type=path_arg,
                        help="file to write (default: stdout)")
    parser.add_argument("--instance", help="only this instance (id or Name tag)")
    parser.add_argument("--role", help="only this role (name or ARN)")
    parser.add_argument("--bucket", help="only this bucket")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--per-action", action="store_true",
                       help="one row per (instance, bucket, action)")
    shape.add_argument("--by-role", action="store_true",
                       help="one row per (role, bucket, level, outcome), instances listed")
    parser.add_argument("--detail", metavar="FILE", type=path_arg,
                        help="with --format md: also write the per-cell tables (every "
                             "instance or role, bucket, level and outcome) to FILE")
    parser.add_argument("--include-denied", action="store_true",
                        help="also rows for actions a statement names but a layer denies")
    parser.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                        help="processes that decide and write JSON or CSV rows (default: "
                             f"the CPUs available, at most {DEFAULT_MAX_WORKERS}); "
                             "each holds its own decided answers")
    add_access_options(parser)
    parser.set_defaults(func=run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes ≥ 1, got {text!r}")
    return value


def run_org(args: argparse.Namespace, folder: OrgFolder, index: OrgIndex) -> int:
    """An organisation folder: one export per account, each analysed with what it reaches
    in the other accounts, written as OUTPUT/<account>.<format> (one account held at a
    time); --instance narrows it to the instance's account."""
    if not args.output:
        raise RolemapError("an organisation export writes one file per account: name a "
                           "folder with -o FOLDER")
    if args.detail:
        raise RolemapError("--detail: not available for an organisation folder")
    target = Path(args.output)
    if target.exists() and not target.is_dir():
        raise RolemapError(f"{target}: exists and is not a folder (an organisation export "
                           "writes one file per account)")
    target.mkdir(parents=True, exist_ok=True)
    accounts: tuple[str, ...] = index.loaded
    instance, role = args.instance, args.role
    if instance is not None:
        account, instance = resolve_instance(index, instance)
        accounts = (account,)
    if role is not None:
        account, role = resolve_role(index, role)
        if instance is not None and accounts != (account,):
            raise RolemapError(f"--role {args.role} is in account {account}, --instance "
                               f"{args.instance} in {accounts[0]}")
        accounts = (account,)
    mode = "by-role" if args.by_role else "per-action" if args.per_action else "default"
    assumed = parse_assumed(args.assume or [])
    ext = "md" if args.format == "md" else args.format
    for account in accounts:
        g = analyse_account(folder, index, account, assumed,
                            decide=args.format not in ("json", "csv"))
        path = target / f"{account}.{ext}"
        with stderr_activity(f"writing {path}"):
            count = export(g, args.format, path, mode=mode, include_denied=args.include_denied,
                           instance=instance, role=role, bucket=args.bucket, workers=1,
                           keep=False)
        what = "edges" if args.format == "graphml" else "rows"
        print(f"wrote {count} {what} to {path}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    org = org_from_args(args)
    if org is not None:
        return run_org(args, *org)
    # JSON and CSV rows are written role by role, each role decided as its rows are reached:
    # the first rows come out at once and nothing waits for the whole account. The review
    # document and the graph need every answer first.
    g = graph_from_args(args, decide=args.format not in ("json", "csv"))
    mode = "by-role" if args.by_role else "per-action" if args.per_action else "default"
    # Rows going to the terminal are their own progress; a file being written is not.
    activity = stderr_activity(f"writing {args.output}") if args.output \
        else contextlib.nullcontext()
    with activity:
        count = export(g, args.format, args.output, mode=mode,
                       include_denied=args.include_denied, instance=args.instance,
                       role=args.role, bucket=args.bucket,
                       workers=args.jobs if args.jobs is not None else default_workers(),
                       keep=False,  # the command ends with the export
                       detail=args.detail)
    if args.output:
        what = "edges" if args.format == "graphml" else "rows"
        print(f"wrote {count} {what} to {args.output}", file=sys.stderr)
    return 0

"""`rolemap query SNAPSHOT "SQL"`: SQL over an organisation's stored results (embedded DuckDB;
views access, findings, principals, buckets, accounts), nothing recomputed."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from tui.commands.path_arg import path_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "query", help="SQL over an organisation's results (DuckDB)",
        description="Run SQL over the results `rolemap analyse` wrote: views access, "
                    "findings, principals, buckets and accounts (columns in "
                    "FOLDER/results/SCHEMA.md).")
    parser.add_argument("snapshot", metavar="SNAPSHOT", type=path_arg,
                        help="an organisation folder (or a snapshot file analysed alone)")
    parser.add_argument("sql", metavar="SQL", help="the query, e.g. \"SELECT * FROM accounts\"")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        help="text (default, aligned columns), csv or json (a list of objects)")
    parser.set_defaults(func=run)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return str(value)


def run(args: argparse.Namespace) -> int:
    from graph.org.results.single import existing_org_folder
    from graph.org.results.stored import query

    folder = existing_org_folder(Path(args.snapshot))
    names, rows = query(folder, args.sql)
    if args.format == "json":
        json.dump([dict(zip(names, r, strict=True)) for r in rows], sys.stdout, indent=2,
                  default=str)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_cell(v) for v in r] for r in rows)
    else:
        cells = [[_cell(v) for v in r] for r in rows]
        widths = [max([len(n), *(len(c[i]) for c in cells)]) for i, n in enumerate(names)]
        print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip())
        for c in cells:
            print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=sys.stderr)
    return 0

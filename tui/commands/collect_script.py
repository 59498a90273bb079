"""`rolemap collect-script [--regions R ...]`: print the AWS CLI script writing an export folder.

For audits where the reviewer holds no credentials: the account owner runs the script, sends
the folder back, and the reviewer opens it with `rolemap --snapshot DIR`.
"""

from __future__ import annotations

import argparse
from typing import Any

from graph.sources.collect_script import collect_script


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "collect-script", help="print a read-only AWS CLI script that writes an export folder",
        description="Print a bash script of read-only AWS CLI commands that writes the export "
                    "folder `rolemap --snapshot DIR` reads.",
    )
    parser.add_argument("--regions", dest="script_regions", nargs="+", metavar="REGION",
                        default=[],
                        help="EC2 regions to read (default: every enabled region)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # `rolemap --region R collect-script` (the source option) means the same thing.
    regions = args.script_regions or getattr(args, "regions", None) or []
    print(collect_script(regions), end="")
    return 0

"""`rolemap findings`: the ranked risks of an account, for people (text, md) and CI (json,
sarif, --fail-on).

Exit 0 when no finding reaches --fail-on (or it is not given), 1 when one does, 2 on bad
input (source, severity name, unwritable output).
"""

from __future__ import annotations

import argparse
import sys

from graph.exports.findings import FINDING_FORMATS, write_findings
from graph.findings import Severity, find
from graph.safe_files import writing
from tui.commands.access_options import add_access_options, graph_from_args
from tui.commands.path_arg import path_arg
from tui.commands.source_options import stderr_progress

SEVERITIES = tuple(s.value for s in Severity)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "findings", help="the risks a reviewer looks for first, ranked, with their statements",
        description="Public buckets, cross-account grants, administrator roles, privilege "
                    "escalation, broad trust, Block Public Access off and exposed instances. "
                    "Exit 1 with --fail-on when a finding at or above that severity exists, "
                    "0 otherwise, 2 on bad input.")
    parser.add_argument("--format", choices=FINDING_FORMATS, default="text",
                        help="text (default), json, md (a review document with flowcharts) or "
                             "sarif (SARIF 2.1.0 for code-scanning dashboards)")
    parser.add_argument("--min-severity", choices=SEVERITIES, default="info", metavar="S",
                        help=f"leave out findings below S ({', '.join(SEVERITIES)})")
    parser.add_argument("--fail-on", choices=SEVERITIES, metavar="S",
                        help="exit 1 when a finding at or above S exists (for CI)")
    parser.add_argument("-o", "--output", metavar="PATH", type=path_arg,
                        help="file to write (default: stdout)")
    add_access_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    g = graph_from_args(args)
    everything = find(g, progress=stderr_progress)
    shown = tuple(f for f in everything if f.rank >= Severity(args.min_severity).rank)
    if args.output:
        # A temporary file renamed over the target when complete (never through a symlink).
        writing(args.output, lambda out: write_findings(out, g, shown, args.format))
        print(f"wrote {len(shown)} finding(s) to {args.output}", file=sys.stderr)
    else:
        write_findings(sys.stdout, g, shown, args.format)
    if args.fail_on is not None:
        floor = Severity(args.fail_on).rank
        return 1 if any(f.rank >= floor for f in everything) else 0
    return 0

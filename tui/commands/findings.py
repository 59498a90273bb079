"""`rolemap findings`: the ranked risks of an account, for people (text, md) and CI (json,
sarif, --fail-on).

Exit 0 when no finding reaches --fail-on (or it is not given), 1 when one does, 2 on bad
input (source, severity name, unwritable output).
"""

from __future__ import annotations

import argparse
import io
import json
import sys

from graph.errors import RolemapError
from graph.exports.findings import FINDING_FORMATS, finding_json, write_findings
from graph.findings import Severity, find
from graph.org.findings import org_findings
from graph.org.index import OrgIndex
from graph.safe_files import writing
from graph.sources.org.folder import OrgFolder
from tui.commands.access_options import (
    add_access_options,
    graph_from_args,
    org_from_args,
    parse_assumed,
)
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


def run_org(args: argparse.Namespace, folder: OrgFolder, index: OrgIndex) -> int:
    """Findings of every account of an organisation folder, account by account."""
    floor = Severity(args.min_severity).rank
    worst = 0
    parts: list[dict[str, object]] = []
    out = io.StringIO()
    for account, g, found in org_findings(folder, index, parse_assumed(args.assume or [])):
        shown = tuple(f for f in found if f.rank >= floor)
        worst = max([worst, *(f.rank for f in found)])
        if args.format == "json":
            parts.extend({"account": account, **finding_json(f), "detail": list(f.detail)}
                         for f in shown)
        elif args.format in ("text", "md"):
            out.write(f"== account {index.account_label(account)}: {len(shown)} finding(s)\n")
            write_findings(out, g, shown, args.format)
        else:
            raise RolemapError(f"--format {args.format}: not available for an organisation "
                               "folder (use text, md or json)")
    text = json.dumps({"findings": parts}, indent=2) + "\n" if args.format == "json" \
        else out.getvalue()
    if args.output:
        writing(args.output, lambda f: f.write(text))
    else:
        sys.stdout.write(text)
    if args.fail_on is not None:
        return 1 if worst >= Severity(args.fail_on).rank else 0
    return 0


def run(args: argparse.Namespace) -> int:
    org = org_from_args(args)
    if org is not None:
        return run_org(args, *org)
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

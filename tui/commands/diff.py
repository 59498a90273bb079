"""`rolemap diff OLD [NEW]`: access gained, lost and changed between two snapshots.

OLD is a snapshot file or an AWS CLI export folder. NEW is one too when given; without it,
NEW is the account the source options name, like every other command: `--demo`, `--profile`
and `--region` for a live account, or (no option) the default credentials. So the nightly
routine is `rolemap diff last.json --profile audit --fail-on public,cross-account`.

Exit codes: 0 nothing differs (or, with --fail-on, nothing of the named kinds), 1 something
does, 2 bad input (including two different accounts, unless --allow-different-accounts).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterable

from graph.access import build_access_graph
from graph.diff import ChangeRow, SnapshotDiff, analyse_pair, check_accounts, diff_graphs, side_of
from graph.diff.model import ACCOUNT, PUBLIC, SERVICE
from graph.diff.render import diff_json, diff_markdown, diff_text
from graph.diff.same import same_sides
from graph.errors import RolemapError
from graph.org.analysis import analyse_account
from graph.org.index import build_index
from graph.org.reached import reached_names, with_reached
from graph.safe_files import write_text
from graph.sources import SourceSpec, open_source
from graph.sources.org.folder import is_org_folder, open_org_folder
from graph.text import printable
from tui.commands.access_options import parse_assumed
from tui.commands.path_arg import path_arg
from tui.commands.source_options import (
    add_source_options,
    open_announced,
    spec_from_args,
    stderr_progress,
)

#: --fail-on words and the rows (or findings) each one fails on.
FAIL_ON = {
    "any": "any difference (the default)",
    "gained": "any gained row",
    "lost": "any lost row",
    "changed": "any changed row",
    "public": "access for anyone (the public) gained or changed",
    "cross-account": "access for another account gained or changed",
    "service": "access for an AWS service gained or changed",
    "findings": "a new finding",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff", help="what access changed between two snapshots (gained, lost, changed)",
        description="Compare two snapshots of an account: every (instance, bucket, action) and "
                    "every (public / other account / service, bucket, action) whose answer "
                    "differs, with the statements and settings that changed. OLD is a "
                    "snapshot file or an export folder; NEW too, or (omitted) the account the "
                    "source options name: --demo, --profile/--region, or live by default.",
        epilog="exit codes: 0 nothing differs, 1 something does (with --fail-on: something "
               "of those kinds), 2 bad input")
    parser.add_argument("old", metavar="OLD", type=path_arg,
                        help="snapshot file or AWS CLI export folder")
    parser.add_argument("new", metavar="NEW", nargs="?", type=path_arg,
                        help="snapshot file or export folder (default: the source options)")
    parser.add_argument("--format", choices=("text", "json", "md"), default="text",
                        help="text (default), json or md (a review section)")
    parser.add_argument("-o", "--output", metavar="FILE", type=path_arg,
                        help="write here instead of stdout")
    parser.add_argument("--instance", metavar="X", help="only this instance (id or Name tag)")
    parser.add_argument("--bucket", metavar="B", help="only this bucket")
    parser.add_argument(
        "--fail-on", action="append", default=[], metavar="KINDS",
        help="exit 1 only for these kinds of change (comma-separated, repeatable): "
             + "; ".join(f"{k}: {v}" for k, v in FAIL_ON.items()))
    parser.add_argument("--allow-different-accounts", action="store_true",
                        help="compare snapshots of two different accounts (refused otherwise)")
    parser.add_argument(
        "--assume", action="append", default=[], metavar="KEY=VALUE",
        help="take a request condition key as known on both sides, e.g. "
             "aws:SecureTransport=true (repeatable)")
    add_source_options(parser)
    parser.set_defaults(func=run)


def fail_kinds(items: list[str]) -> set[str]:
    kinds = {k.strip() for item in items for k in item.split(",") if k.strip()}
    unknown = sorted(kinds - FAIL_ON.keys())
    if unknown:
        raise RolemapError(f"--fail-on {', '.join(unknown)}: unknown kind (choose from "
                           f"{', '.join(FAIL_ON)})")
    return kinds


def _reachable_now(diff: SnapshotDiff) -> Iterable[ChangeRow]:
    return diff.gained + diff.changed


def fails(diff: SnapshotDiff, kinds: set[str]) -> bool:
    """Whether the diff has something of the named kinds (no kinds: anything at all)."""
    if not kinds or "any" in kinds:
        return diff.differs
    checks = {
        "gained": bool(diff.gained), "lost": bool(diff.lost), "changed": bool(diff.changed),
        "findings": bool(diff.new_findings),
        "public": any(r.principal_kind == PUBLIC for r in _reachable_now(diff)),
        "cross-account": any(r.principal_kind == ACCOUNT for r in _reachable_now(diff)),
        "service": any(r.principal_kind == SERVICE for r in _reachable_now(diff)),
    }
    return any(checks.get(k, False) for k in kinds)


def new_spec(args: argparse.Namespace) -> SourceSpec:
    """NEW: the positional path, or the source options (refusing both at once)."""
    if args.new is not None:
        named = [o for o in ("demo", "profile", "snapshot") if getattr(args, o, None)]
        if named:
            raise RolemapError(f"NEW is given twice: {args.new!r} and --{named[0]}; "
                               "give one of them")
        if getattr(args, "fresh", False):
            raise RolemapError("--fresh rebuilds the demo account: use it with --demo, not NEW")
        return SourceSpec(snapshot=args.new, regions=tuple(getattr(args, "regions", ()) or ()))
    return spec_from_args(args)


def compute(args: argparse.Namespace) -> SnapshotDiff:
    assumed = parse_assumed(args.assume)
    spec = new_spec(args)
    old_spec = SourceSpec(snapshot=args.old)
    old = open_source(old_spec, progress=stderr_progress).snapshot
    new = open_announced(spec).snapshot
    check_accounts(old, new, args.allow_different_accounts)
    same = same_sides(args.old, spec.snapshot, old, new)
    if same is not None:
        print(f"warning: {printable(same)}", file=sys.stderr)
    old_graph, new_graph = analyse_pair(old, new, assumed, progress=stderr_progress)
    # Millions of long-lived decided answers: keep them out of the collector's passes while
    # the rows are compared (the process ends right after).
    gc.freeze()
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")
    return diff_graphs(old_graph, new_graph, old_side=side_of(old, args.old, old_spec.kind),
                       new_side=side_of(new, args.new, spec.kind), instance=args.instance,
                       bucket=args.bucket)


def _org_new_path(args: argparse.Namespace) -> str | None:
    """NEW's path when OLD is an organisation folder (NEW must be one too)."""
    path = args.new if args.new is not None else getattr(args, "snapshot", None)
    if path is None or not is_org_folder(path):
        raise RolemapError(f"{args.old} is an organisation folder: NEW must be one too "
                           "(give it as NEW or --snapshot)")
    return str(path)


def run_org(args: argparse.Namespace, kinds: set[str]) -> int:
    """Two organisation folders: each account in both compared as its own analysis in its
    organisation (foreign roles and buckets it reaches included); accounts in one only are
    said."""
    old_folder = open_org_folder(args.old)
    new_folder = open_org_folder(_org_new_path(args))
    old_index, new_index = build_index(old_folder), build_index(new_folder)
    assumed = parse_assumed(args.assume)
    texts: list[str] = []
    out: dict[str, object] = {"accounts": {}, "only_in_old": [], "only_in_new": []}
    failing = False
    for account in sorted(set(old_folder.loaded) | set(new_folder.loaded)):
        if account not in new_folder.loaded or account not in old_folder.loaded:
            side = "old" if account in old_folder.loaded else "new"
            out[f"only_in_{side}"].append(account)  # type: ignore[attr-defined]
            texts.append(f"== account {account}: only in {side.upper()}")
            failing = failing or not kinds or "any" in kinds
            continue
        old_g = analyse_account(old_folder, old_index, account, assumed)
        # The new side reuses the old side's memos (the same account, mostly the same
        # statements); the next account drops them.
        new_g = analyse_account(new_folder, new_index, account, assumed, fresh=False)
        old_roles, old_buckets = reached_names(old_g)
        new_roles, new_buckets = reached_names(new_g)
        roles, buckets = old_roles | new_roles, old_buckets | new_buckets
        facts = (with_reached(old_folder, old_index, old_g.snapshot, roles, buckets),
                 with_reached(new_folder, new_index, new_g.snapshot, roles, buckets))
        diff = diff_graphs(old_g, new_g, old_side=side_of(old_g.snapshot, args.old),
                           new_side=side_of(new_g.snapshot, str(new_folder.path)),
                           instance=args.instance, bucket=args.bucket, findings_from=(
                               build_access_graph(old_g.snapshot, assumed=assumed),
                               build_access_graph(new_g.snapshot, assumed=assumed)),
                           facts_from=facts)
        failing = failing or fails(diff, kinds)
        out["accounts"][account] = diff_json(diff)  # type: ignore[index]
        render = diff_markdown if args.format == "md" else diff_text
        texts.append(f"== account {new_index.account_label(account)}")
        texts.extend(render(diff))
    text = json.dumps(out, indent=2, ensure_ascii=False) + "\n" if args.format == "json" \
        else printable("\n".join(texts), multiline=True) + "\n"
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 1 if failing else 0


def run(args: argparse.Namespace) -> int:
    kinds = fail_kinds(args.fail_on)  # bad input fails before anything is loaded
    if is_org_folder(args.old):
        return run_org(args, kinds)
    diff = compute(args)
    if args.format == "json":
        text = json.dumps(diff_json(diff), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "md":
        text = printable("\n".join(diff_markdown(diff)), multiline=True) + "\n"
    else:
        # Names and statements come from the account: no escape sequence reaches a terminal.
        text = printable("\n".join(diff_text(diff)), multiline=True) + "\n"
    if args.output:
        write_text(args.output, text)  # a temporary file renamed into place, never via a link
    else:
        sys.stdout.write(text)
    return 1 if fails(diff, kinds) else 0

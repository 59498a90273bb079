"""Options shared by the access commands (trace, who-can, export): source and assumed context."""

from __future__ import annotations

import argparse
import sys

from graph.access import AccessGraph, build_access_graph
from graph.catalog import require_action
from graph.errors import RolemapError
from graph.org.index import OrgIndex, build_index
from graph.policy.clock import check_times
from graph.sources.org.folder import OrgFolder, is_org_folder, open_org_folder
from tui.commands.source_options import (
    add_source_options,
    load_from_args,
    said_at_open,
    stderr_progress,
)


def add_access_options(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser)
    parser.add_argument(
        "--assume", action="append", default=[], metavar="KEY=VALUE",
        help="take a request condition key as known, e.g. aws:SecureTransport=true "
             "(repeatable); conditional answers on it are then decided")


def parse_assumed(items: list[str]) -> dict[str, str]:
    """`["aws:SecureTransport=true"]` -> `{"aws:SecureTransport": "true"}`."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise RolemapError(f"--assume {item!r}: expected KEY=VALUE, "
                               "e.g. aws:SecureTransport=true")
        out[key.strip()] = value.strip()
    try:
        check_times(out)
    except RolemapError as exc:
        raise RolemapError(f"--assume {exc}") from None
    return out


def check_before_loading(args: argparse.Namespace) -> None:
    """Mistakes that need no account are said before one is opened (building the demo or
    reading a live account takes seconds to minutes): an unknown --action."""
    action = getattr(args, "action", None)
    if action is not None:
        require_action(action)  # LookupFailed with the nearest actions


def org_folder_from_args(args: argparse.Namespace) -> OrgFolder | None:
    """The organisation folder `--snapshot` names, opened (None: not one); the accounts that
    could not be loaded are said on stderr."""
    path = getattr(args, "snapshot", None)
    if not path or not is_org_folder(path):
        return None
    check_before_loading(args)
    folder = open_org_folder(path)
    for account, reason in folder.failed.items():
        print(f"warning: account {account} could not be loaded ({reason}): answers that "
              "depend on it are unknown", file=sys.stderr)
    return folder


def org_from_args(args: argparse.Namespace) -> tuple[OrgFolder, OrgIndex] | None:
    """The organisation folder `--snapshot` names, with its index (None: not one)."""
    folder = org_folder_from_args(args)
    return None if folder is None else (folder, build_index(folder))


def fresh_results(args: argparse.Namespace, folder: OrgFolder) -> bool:
    """Whether `rolemap analyse`'s results answer for the folder as it is (and the same
    --assume): then a command reads them instead of deciding again."""
    from graph.org.results.fresh import results_fresh

    try:
        return results_fresh(folder, parse_assumed(getattr(args, "assume", []) or []))
    except ImportError:  # the org extra (pyarrow) is not installed: decide live
        return False


def graph_from_args(args: argparse.Namespace, decide: bool = True) -> AccessGraph:
    """Load the source the options name and decide its access graph (`decide=False`: set
    it up, and let each role be decided when first asked, as a streamed export does)."""
    assumed = parse_assumed(getattr(args, "assume", []) or [])
    check_before_loading(args)
    loaded = load_from_args(args)
    g = build_access_graph(loaded.snapshot, assumed=assumed, progress=stderr_progress,
                           decide=decide)
    args.loaded_graph = g  # tui.cli prints its load warnings once the command has answered
    return g


#: Load warnings printed before a command's answer (all of them are in every export).
SHOWN_WARNINGS = 10


def print_warnings(g: AccessGraph) -> None:
    """What could not be read, on stderr (stdout stays the answer): the answers it could
    change read "unknown", and a reader of the terminal must see why."""
    warnings = [w for w in g.warnings if not said_at_open(w)]
    for w in warnings[:SHOWN_WARNINGS]:
        print(f"warning: {w}", file=sys.stderr)
    if len(warnings) > SHOWN_WARNINGS:
        print(f"warning: … and {len(warnings) - SHOWN_WARNINGS} more (every export lists "
              "them all)", file=sys.stderr)

"""`rolemap snapshot save|synth`: keep an account for offline analysis, or make a large one.

    rolemap snapshot save OUT.json [--demo | --profile P | --snapshot DIR] [--region R ...]
    rolemap snapshot synth OUT_DIR --roles N --instances M --buckets B [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from graph.errors import SourceError
from graph.sources.snapshot_file import save_snapshot
from graph.sources.synth import write_synthetic
from tui.commands.source_options import add_source_options, load_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "snapshot", help="save an account to a snapshot file, or synthesise a large account",
        description="Save an account to a versioned snapshot file (policies, no credentials), "
                    "or write a synthetic large account as an AWS CLI export folder.",
    )
    actions = parser.add_subparsers(dest="snapshot_action", metavar="ACTION", required=True)

    save = actions.add_parser("save", help="save the opened account to OUT.json")
    save.add_argument("out", metavar="OUT.json", help="the snapshot file to write")
    add_source_options(save)
    save.set_defaults(func=_save)

    synth = actions.add_parser("synth", help="write a synthetic account as an export folder")
    synth.add_argument("out", metavar="OUT_DIR", help="the export folder to write")
    synth.add_argument("--roles", type=_count, default=1000, help="roles (default 1000)")
    synth.add_argument("--instances", type=_count, default=10000,
                       help="instances (default 10000)")
    synth.add_argument("--buckets", type=_count, default=1000,
                       help="buckets (default 1000)")
    synth.add_argument("--seed", type=int, default=0,
                       help="random seed: the same seed writes the same account (default 0)")
    synth.set_defaults(func=_synth)


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return number


def _save(args: argparse.Namespace) -> int:
    loaded = load_from_args(args)
    save_snapshot(loaded.snapshot, args.out)
    snap = loaded.snapshot
    print(f"saved account {snap.account_id}: {len(snap.roles)} roles, {len(snap.instances)} "
          f"instances, {len(snap.buckets)} buckets, {len(snap.warnings)} warnings -> {args.out}",
          file=sys.stderr)
    return 0


def _synth(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        out = write_synthetic(args.out, roles=args.roles, instances=args.instances,
                              buckets=args.buckets, seed=args.seed)
    except OSError as exc:
        raise SourceError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(f"wrote {args.roles} roles, {args.instances} instances, {args.buckets} buckets to "
          f"{out} in {time.perf_counter() - start:.1f} s; open with: rolemap --snapshot {out}",
          file=sys.stderr)
    return 0

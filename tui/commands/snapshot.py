"""`rolemap snapshot save|synth`: keep an account for offline analysis, or make a large one.

    rolemap snapshot save OUT.json [--demo | --profile P | --snapshot DIR] [--region R ...]
    rolemap snapshot save DIR --org --member-role NAME [--accounts ID,ID] [--ous OU,OU]
        [--jobs N] [--profile P] [--region R ...]
    rolemap snapshot synth OUT_DIR|OUT.json [--size small|medium|large] [--roles N]
        [--instances M] [--buckets B] [--policies P] [--seed S] [--shape NAME]
        [--knob NAME=VALUE ...]
    rolemap snapshot synth OUT_DIR --org N [--size small|medium|mixed] [--seed S] [--shape NAME]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.sources.export_folder import load_export_folder
from graph.sources.org.events import FAILURE_OPERATIONS
from graph.sources.org.select import SKIP_OPERATION
from graph.sources.org.synth import MIXED, ORG_SIZES, write_synthetic_org
from graph.sources.snapshot_file import save_snapshot
from graph.sources.synth import (
    DATE,
    SHAPES,
    SIZES,
    Shape,
    default_policies,
    with_knobs,
    write_synthetic,
)
from graph.temp_files import scratch_folder, temp_folder
from graph.text import printable
from tui.commands.org_options import (
    add_org_options,
    announce_account,
    save_org_from_args,
    wants_org,
)
from tui.commands.path_arg import path_arg
from tui.commands.source_options import add_source_options, load_from_args


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "snapshot", help="save an account to a snapshot file, or synthesise a large account",
        description="Save an account to a versioned snapshot file (policies, no credentials), "
                    "or write a synthetic realistic account.",
    )
    actions = parser.add_subparsers(dest="snapshot_action", metavar="ACTION", required=True)

    save = actions.add_parser(
        "save", help="save the opened account to OUT.json (with --org: an organisation to DIR)",
        description="Save an account to a snapshot file; with --org, a whole organisation to a "
                    "folder: organization.json and one snapshot per account (DIR/ID/"
                    "snapshot.json, which `rolemap --snapshot` opens alone).")
    save.add_argument("out", metavar="OUT.json|DIR", type=path_arg,
                      help="the snapshot file to write (with --org: the folder)")
    add_source_options(save)
    add_org_options(save)
    save.set_defaults(func=_save)

    synth = actions.add_parser(
        "synth", help="write a synthetic realistic account (export folder or snapshot file)",
        description="Write a seeded synthetic account with the traits of real ones (shared "
                    "managed policies, bucket policies, prefixes, conditions, boundaries) as an "
                    "AWS CLI export folder, or as a snapshot file when OUT ends in .json. The "
                    "same seed gives the same bytes.")
    synth.add_argument("out", metavar="OUT_DIR|OUT.json", type=path_arg,
                       help="the export folder (or .json snapshot file) to write")
    synth.add_argument("--size", choices=(*SIZES, MIXED), default="medium",
                       help="named size: " + "; ".join(
                           f"{k} {v.roles}/{v.instances}/{v.buckets}" for k, v in SIZES.items())
                       + " roles/instances/buckets (default medium); counts below override it;"
                       " with --org also mixed: small accounts, about one workload or data "
                       "account in ten medium")
    synth.add_argument("--roles", type=_count, help="roles (overrides the size's)")
    synth.add_argument("--instances", type=_count, help="instances (overrides the size's)")
    synth.add_argument("--buckets", type=_count, help="buckets (overrides the size's)")
    synth.add_argument("--policies", type=_count,
                       help="shared customer managed policies (default: the size's, or about "
                            "1.2 x roles^0.8 when --roles is given)")
    synth.add_argument("--seed", type=int, default=0,
                       help="random seed: the same seed writes the same account (default 0)")
    synth.add_argument("--shape", choices=tuple(SHAPES), default="default",
                       help="the account's proportions, for benchmarks that sweep them: "
                            + "; ".join(f"{k}: {v.description}" for k, v in SHAPES.items()
                                        ).replace("%", "%%")
                            + " (default: default, the same bytes as without --shape)")
    synth.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                       help="override one knob of the shape (repeatable): "
                            + ", ".join(Shape().knobs()) + "; VALUE a number, or LOW,HIGH "
                            "(weights w0,w1,... for inline_counts)")
    synth.add_argument("--org", dest="synth_org", metavar="N", type=_count,
                       help="an organisation of N accounts (management, workload, data, "
                            "shared-services and security accounts in an OU tree, with SCPs, "
                            "RCPs, cross-account roles and organisation-wide bucket policies) "
                            "written as an organisation folder; each account of --size small, "
                            "medium or mixed")
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
    if wants_org(args):
        return _save_org(args)
    loaded = load_from_args(args)
    save_snapshot(loaded.snapshot, args.out)
    snap = loaded.snapshot
    print(f"saved account {snap.account_id}: {len(snap.roles)} roles, {len(snap.instances)} "
          f"instances, {len(snap.buckets)} buckets, {len(snap.warnings)} warnings -> {args.out}",
          file=sys.stderr)
    return 0


def _save_org(args: argparse.Namespace) -> int:
    folder = save_org_from_args(args, args.out)
    for warning in folder.warnings:  # the failed accounts' were said as they failed
        if warning.operation not in FAILURE_OPERATIONS:
            print(printable(f"rolemap: warning: {warning}"), file=sys.stderr)
    skipped = sum(1 for w in folder.warnings if w.operation == SKIP_OPERATION)
    print(f"saved organisation {folder.tree.organization_id}: {len(folder.loaded)} accounts "
          f"loaded, {len(folder.failed)} failed, {skipped} not active, "
          f"{len(folder.warnings)} warnings -> {folder.path}", file=sys.stderr)
    if not folder.loaded:
        raise SourceError(f"{folder.path}: no account could be loaded (see the lines above)")
    first = folder.tree.management_account_id if folder.tree.management_account_id in \
        folder.loaded else folder.loaded[0]
    print(f"open one account alone with: rolemap --snapshot {folder.snapshot_path(first)}",
          file=sys.stderr)
    return 0


def _synth(args: argparse.Namespace) -> int:
    if args.synth_org is not None:
        return _synth_org(args)
    if args.size == MIXED:
        raise SourceError("--size mixed: an organisation's accounts (with --org N); one "
                          "account is small, medium or large")
    size = SIZES[args.size]
    roles = size.roles if args.roles is None else args.roles
    policies = args.policies
    if policies is None:
        policies = size.policies if args.roles is None else default_policies(roles)
    counts = {"roles": roles, "policies": policies,
              "instances": size.instances if args.instances is None else args.instances,
              "buckets": size.buckets if args.buckets is None else args.buckets}
    try:
        shape = with_knobs(SHAPES[args.shape], args.knob)
    except ValueError as exc:
        raise SourceError(f"--knob {exc}") from None
    start = time.perf_counter()
    out = Path(args.out)
    try:
        if out.suffix == ".json":
            _synth_snapshot_file(out, counts, args.seed, shape)
        elif _fresh(out):
            # Built beside it and renamed into place: a stop leaves no half folder.
            out.parent.mkdir(parents=True, exist_ok=True)
            with temp_folder(out) as tmp:
                write_synthetic(tmp, **counts, seed=args.seed, shape=shape)
        else:  # into an existing folder, file by file (each file whole), as asked
            write_synthetic(out, **counts, seed=args.seed, shape=shape)
    except OSError as exc:
        raise SourceError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(f"wrote {counts['roles']} roles, {counts['instances']} instances, "
          f"{counts['buckets']} buckets, {counts['policies']} customer policies (seed "
          f"{args.seed}, shape {shape.name}) to {out} in {time.perf_counter() - start:.1f} s; "
          f"open with: rolemap --snapshot {out}", file=sys.stderr)
    return 0


def _synth_org(args: argparse.Namespace) -> int:
    given = [f"--{n}" for n in ("roles", "instances", "buckets", "policies")
             if getattr(args, n) is not None]
    if given:
        raise SourceError(f"{', '.join(given)}: with --org each account's size comes from "
                          "--size and its kind")
    if args.synth_org < 1:
        raise SourceError("--org N: an organisation has at least one account")
    if args.size not in ORG_SIZES:
        raise SourceError(f"--org: --size {', '.join(ORG_SIZES)} (a {args.size} account "
                          "per member would not fit this machine)")
    out = Path(args.out)
    if out.suffix == ".json":
        raise SourceError(f"{out}: --org writes a folder (organization.json and one "
                          "sub-folder per account), not a .json file")
    try:
        shape = with_knobs(SHAPES[args.shape], args.knob)
    except ValueError as exc:
        raise SourceError(f"--knob {exc}") from None
    start = time.perf_counter()
    try:
        if _fresh(out):  # built beside it and renamed into place: no half folder
            out.parent.mkdir(parents=True, exist_ok=True)
            with temp_folder(out) as tmp:
                folder = write_synthetic_org(tmp, args.synth_org, size=args.size,
                                             seed=args.seed, shape=shape,
                                             progress=announce_account)
        else:
            folder = write_synthetic_org(out, args.synth_org, size=args.size, seed=args.seed,
                                         shape=shape, progress=announce_account)
    except OSError as exc:
        raise SourceError(f"{args.out}: cannot write ({exc.strerror})") from None
    print(f"wrote organisation {folder.tree.organization_id}: {len(folder.loaded)} accounts of "
          f"size {args.size} (seed {args.seed}) to {out} in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


def _fresh(out: Path) -> bool:
    """Whether `out` is a folder to make whole: absent, or an empty folder (not a link)."""
    if out.is_symlink():
        return False
    if not out.exists():
        return True
    return out.is_dir() and next(out.iterdir(), None) is None


def _synth_snapshot_file(out: Path, counts: dict[str, int], seed: int, shape: Shape) -> None:
    """The export folder read back through the ordinary loader, saved as a snapshot file.

    The capture time is the generator's fixed date so the file, too, is the same for a seed.
    """
    with scratch_folder(Path(tempfile.gettempdir()), "rolemap-synth") as tmp:
        snapshot = load_export_folder(write_synthetic(tmp / "account", **counts, seed=seed,
                                                      shape=shape))
    label = f"synthetic seed {seed}" + ("" if shape == SHAPES["default"] else
                                        f", shape {shape.name}")
    source = dataclasses.replace(snapshot.source, kind="synthetic", label=label)
    save_snapshot(dataclasses.replace(snapshot, source=source,
                                      taken_at=DATE), out)

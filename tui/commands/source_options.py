"""Source options (--demo, --profile, --region, --snapshot) shared by every command.

The command line only names the source; graph.sources opens it. Options default to SUPPRESS
so a sub-command that adds them again does not erase values given before its name. Progress
goes to stderr as one rewritten line, so stdout stays clean for JSON/CSV output in scripts.
"""

from __future__ import annotations

import argparse
import sys

from graph.sources import LoadedSource, SourceSpec, open_source


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Add the source options to `parser` (the top-level parser or a sub-command's)."""
    group = parser.add_argument_group("account source (default: live, default AWS credentials)")
    group.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                       help="the built-in demo account (local AWS emulator, no credentials)")
    group.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                       help="AWS profile of a live account")
    group.add_argument("--region", dest="regions", action="append", metavar="REGION",
                       default=argparse.SUPPRESS,
                       help="limit EC2 to this region (repeatable; default: all enabled regions)")
    group.add_argument("--snapshot", metavar="PATH", default=argparse.SUPPRESS,
                       help="a snapshot file (rolemap snapshot save) or an AWS CLI export folder")


def spec_from_args(args: argparse.Namespace) -> SourceSpec:
    """The SourceSpec the options name; raises SourceError for conflicting options."""
    return SourceSpec(
        demo=bool(getattr(args, "demo", False)),
        profile=getattr(args, "profile", None),
        regions=tuple(getattr(args, "regions", None) or ()),
        snapshot=getattr(args, "snapshot", None),
    )


def stderr_progress(step: str, done: int, total: int) -> None:
    """One progress line on stderr, rewritten in place when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    sys.stderr.write(f"\r\x1b[2Kloading {step}: {done}/{total}")
    sys.stderr.flush()


def load_from_args(args: argparse.Namespace) -> LoadedSource:
    """Open the source the options name, with a progress line on stderr."""
    try:
        return open_source(spec_from_args(args), progress=stderr_progress)
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()

"""Source options (--demo, --profile, --region, --snapshot) shared by every command.

The command line only names the source; graph.sources opens it. Options default to SUPPRESS
so a sub-command that adds them again does not erase values given before its name. Progress
goes to stderr as one rewritten line, so stdout stays clean for JSON/CSV output in scripts.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Any

from graph.sources import LoadedSource, SourceSpec, open_source
from graph.sources.connection import DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT
from graph.text import printable


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
    group.add_argument("--timeout", metavar="SECONDS", type=_positive(float),
                       default=argparse.SUPPRESS,
                       help=f"live reads: seconds to connect and to wait for each answer, per "
                            f"attempt (default {DEFAULT_TIMEOUT:g})")
    group.add_argument("--max-attempts", metavar="N", type=_positive(int),
                       default=argparse.SUPPRESS,
                       help=f"live reads: attempts per call, retries included (default "
                            f"{DEFAULT_ATTEMPTS}); a kind of call that still gets no answer "
                            "is skipped with a warning")


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0: {text}")
        return value

    return parse


def spec_from_args(args: argparse.Namespace) -> SourceSpec:
    """The SourceSpec the options name; raises SourceError for conflicting options."""
    return SourceSpec(
        demo=bool(getattr(args, "demo", False)),
        profile=getattr(args, "profile", None),
        regions=tuple(getattr(args, "regions", None) or ()),
        snapshot=getattr(args, "snapshot", None),
        timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
        max_attempts=getattr(args, "max_attempts", DEFAULT_ATTEMPTS),
    )


def stderr_progress(step: str, done: int, total: int) -> None:
    """One progress line on stderr, rewritten in place when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    line = printable(f"loading {step}: {done}/{total}")
    width = shutil.get_terminal_size().columns - 1
    sys.stderr.write("\r\x1b[2K" + (line if len(line) <= width else line[:width - 1] + "…"))
    sys.stderr.flush()


def load_from_args(args: argparse.Namespace) -> LoadedSource:
    """Open the source the options name, with a progress line on stderr."""
    try:
        return open_source(spec_from_args(args), progress=stderr_progress)
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()

"""Source options (--demo, --fresh, --profile, --region, --snapshot) shared by every command.

The command line only names the source; graph.sources opens it. Options default to SUPPRESS
so a sub-command that adds them again does not erase values given before its name. Progress
goes to stderr as one rewritten line, so stdout stays clean for JSON/CSV output in scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from graph.model import LoadWarning
from graph.sources import LoadedSource, SourceSpec, open_source
from graph.sources.connection import DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT
from graph.sources.demo_cache import CACHE_OPERATION
from graph.text import printable
from tui.commands.path_arg import path_arg


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Add the source options to `parser` (the top-level parser or a sub-command's)."""
    group = parser.add_argument_group("account source (default: live, default AWS credentials)")
    group.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                       help="the built-in demo account (local AWS emulator, no credentials; "
                            "built once, then opened from your cache folder)")
    group.add_argument("--fresh", action="store_true", default=argparse.SUPPRESS,
                       help="with --demo: build the demo account again instead of opening "
                            "the cached copy")
    group.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                       help="AWS profile of a live account")
    group.add_argument("--region", dest="regions", action="append", metavar="REGION",
                       default=argparse.SUPPRESS,
                       help="limit EC2 to this region (repeatable; default: all enabled regions)")
    group.add_argument("--snapshot", metavar="PATH", type=path_arg, default=argparse.SUPPRESS,
                       help="a snapshot file (rolemap snapshot save) or an AWS CLI export folder")
    group.add_argument("--org-policies", metavar="PATH", type=path_arg,
                       default=argparse.SUPPRESS,
                       help="the account's SCPs and RCPs from the organizations/ folder "
                            "collect-script writes (run with the management account's "
                            "credentials and ORG_ACCOUNT=<id>), when the source cannot read "
                            "them itself")
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
        fresh=bool(getattr(args, "fresh", False)),
        profile=getattr(args, "profile", None),
        regions=tuple(getattr(args, "regions", None) or ()),
        snapshot=getattr(args, "snapshot", None),
        timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
        max_attempts=getattr(args, "max_attempts", DEFAULT_ATTEMPTS),
        org_policies=getattr(args, "org_policies", None),
    )


#: Seconds between two progress lines of the same step (the terminal need not see every one).
_PROGRESS_INTERVAL = 0.1
_last_write: dict[str, float] = {}


def stderr_progress(step: str, done: int, total: int) -> None:
    """One progress line on stderr, rewritten in place, only when stderr is a terminal.

    A step that reaches its total clears the line, so whatever is printed next (the result
    on stdout, the next step) starts on a clean line; scripts that capture stderr see nothing.
    """
    if not sys.stderr.isatty():
        return
    now = time.monotonic()
    last = _last_write.get(step)
    if done < total and last is not None and now - last < _PROGRESS_INTERVAL:
        return
    _last_write[step] = now
    if total and done >= total:
        _last_write.pop(step, None)
        sys.stderr.write("\r\x1b[2K")
    else:
        share = f" ({100 * done // total}%)" if total else ""
        # The step may name a bucket (a call waiting on it): escaped, and cut to one line.
        line = printable(f"rolemap: {step} {done:,}/{total:,}{share}")
        width = shutil.get_terminal_size().columns - 1
        sys.stderr.write("\r\x1b[2K" + (line if len(line) <= width else line[:width - 1] + "…"))
    sys.stderr.flush()


@contextlib.contextmanager
def stderr_activity(what: str) -> Iterator[None]:
    """"rolemap: writing the export… 12 s" on stderr while a step without counts runs (only
    when stderr is a terminal); the line is cleared when it ends."""
    if not sys.stderr.isatty():
        yield
        return
    stop = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        while not stop.wait(0.5):
            line = printable(f"rolemap: {what}… {time.monotonic() - start:.0f} s")
            sys.stderr.write(f"\r\x1b[2K{line}")
            sys.stderr.flush()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        sys.stderr.write("\r\x1b[2K")
        sys.stderr.flush()


def load_from_args(args: argparse.Namespace) -> LoadedSource:
    """Open the source the options name, with a progress line on stderr."""
    return open_announced(spec_from_args(args))


def open_announced(spec: SourceSpec) -> LoadedSource:
    """Open `spec` with a progress line on stderr; a rebuilt or unsaved demo cache is said
    there at once, one line each (it is not about the account, so not among its warnings
    printed after the answer)."""
    try:
        loaded = open_source(spec, progress=stderr_progress)
    finally:
        if sys.stderr.isatty():  # also when opening failed half-way
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
    for warning in loaded.snapshot.warnings:
        if said_at_open(warning):
            print(printable(f"rolemap: warning: {warning}"), file=sys.stderr)
    return loaded


def said_at_open(warning: LoadWarning) -> bool:
    """A warning about the demo's cache, printed when the source opened."""
    return warning.operation == CACHE_OPERATION

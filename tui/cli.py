"""The `rolemap` command line: the explorer by default, sub-commands for scripts and CI.

Every error a person can cause (bad file, unknown bucket, malformed policy) is one line on
stderr and exit code 2; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from graph.errors import RolemapError
from graph.stop_signals import Stopped, stop_on_signals
from graph.text import printable, stream_safe
from tui.commands.path_arg import path_arg

#: Sub-command modules under tui.commands; each has `register(subparsers)`.
COMMAND_MODULES: tuple[str, ...] = (
    "simulate",
    "role",
    "snapshot",
    "collect_script",
    "trace",
    "who_can",
    "export",
    "findings",
    "diff",
    "analyse",
    "query",
)


def _version() -> str:
    """The installed package's version (pyproject.toml's, through the package metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rolemap")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rolemap",
        description="Which EC2 instance can reach which S3 bucket, with which actions, and why. "
                    "Run `rolemap` alone (with a source option, e.g. `rolemap --demo`) to open "
                    "the app; a COMMAND answers one question on the command line.",
    )
    from tui.commands.source_options import add_source_options

    parser.add_argument("--version", action="version", version=f"rolemap {_version()}",
                        help="print rolemap's version and exit")
    add_source_options(parser)
    from tui.commands.org_options import add_org_options

    add_org_options(parser)
    parser.add_argument("--compare", metavar="OLD", type=path_arg,
                        help="with the explorer: a Changes tab of access gained, lost and "
                             "changed since OLD (a snapshot file or export folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"tui.commands.{name}")
        module.register(subparsers)
    return parser


def print_warnings(graph: object) -> None:
    if graph is not None:
        from tui.commands.access_options import print_warnings as show

        show(graph)  # type: ignore[arg-type]


class TerminalText(io.TextIOBase):
    """stdout for a terminal: account text (names, tags, policies) cannot send it escapes.

    Like `ls` on a terminal, control characters are shown escaped only when a person is
    looking; piped or redirected output stays byte-exact data.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(stream_safe(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def buffer(self) -> Any:  # GraphML to stdout writes bytes: escape them the same way
        return _TerminalBytes(self)


class _TerminalBytes(io.RawIOBase):
    def __init__(self, text: TerminalText) -> None:
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._text.write(bytes(data).decode("utf-8", errors="backslashreplace"))
        return len(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        # A lone surrogate in a crafted name must not abort output half-way.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        if getattr(args, "compare", None) is not None and getattr(args, "func", None):
            raise RolemapError("--compare OLD opens the explorer's Changes tab; on the command "
                               "line use: rolemap diff OLD [NEW]")
        if getattr(args, "org", False) and args.command not in (None, "snapshot"):
            raise RolemapError("--org loads a live organisation: use it with `rolemap` (the "
                               "app) or `rolemap snapshot save DIR`")
        if getattr(args, "func", None) is None:
            from tui.commands.explore import run_explorer

            return run_explorer(args)
        with stop_on_signals():  # SIGTERM/SIGHUP unwind like Ctrl-C: nothing half-written
            if sys.stdout.isatty() and not isinstance(sys.stdout, TerminalText):
                saved, sys.stdout = sys.stdout, TerminalText(sys.stdout)
                try:
                    code = int(args.func(args))
                finally:
                    sys.stdout = saved
            else:
                code = int(args.func(args))
        # What could not be read, after the answer (a one-line error stays one line).
        print_warnings(getattr(args, "loaded_graph", None))
        return code
    except RolemapError as exc:
        print(f"rolemap: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except Stopped as exc:
        print(f"rolemap: stopped by {exc.name} (temporary files removed)", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `rolemap export ... | head`: the reader left; that is not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not complain either.
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno not in _WRITE_FAILURES:
            raise
        # `rolemap findings > /dev/full`, a full disk, a quota, a dead terminal: one line.
        _silence_stdout()
        print(f"rolemap: error: writing the output failed ({exc.strerror or exc})",
              file=sys.stderr)
        return 2


#: Errors of a write that the disk or device refused (not a bug of ours: no traceback).
_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what could not be
    written does not fail (and print) a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())

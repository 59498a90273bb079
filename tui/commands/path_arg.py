"""The argparse type of every option and argument that names a file or folder.

An empty path is never what was meant: `--snapshot ""` (an unset shell variable) used to
mean "no snapshot", so rolemap read the live account of whatever credentials the host had.
It is a usage error instead (exit 2, naming the option), checked once here for all commands;
tests/tui/test_path_args.py walks the parsers so a new path option cannot skip it.
"""

from __future__ import annotations

import argparse


def path_arg(text: str) -> str:
    """`text` unchanged, unless it is empty or only whitespace."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"empty path {text!r}: name a file or folder (an unset shell variable?)")
    return text


def name_arg(text: str) -> str:
    """`text` unchanged, unless it is empty or only whitespace: an option that names something
    (a role to assume, an access point) given "" is an unset variable, never "the default"."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"empty name {text!r} (an unset shell variable?)")
    return text

"""Every command's --help prints: a help text is the first thing a person reads, and a stray
"%" in one (argparse formats them) turned `rolemap snapshot synth --help` into a traceback."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from tui.cli import build_parser


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


def test_the_walk_finds_the_nested_commands() -> None:
    assert ("snapshot", "synth") in [path for path, _ in COMMANDS]


@pytest.mark.parametrize("path,parser", COMMANDS, ids=[" ".join(p) or "rolemap"
                                                         for p, _ in COMMANDS])
def test_help_formats(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert "usage:" in text

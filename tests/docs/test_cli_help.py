"""`--help` explains every option, and a plain install says how to get the demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import pytest

from tui.cli import build_parser, main


def every_action(parser: argparse.ArgumentParser, path: str = "rolemap"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_action(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_option_and_argument_has_a_help_text() -> None:
    missing = [f"{path} {'/'.join(a.option_strings) or a.dest}"
               for path, a in every_action(build_parser()) if not a.help]
    assert missing == []


def test_top_level_help_says_rolemap_alone_opens_the_app(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Run `rolemap` alone" in text and "open the app" in text


@pytest.fixture
def no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment installed without the `demo` extra: moto cannot be imported."""
    for name in [m for m in sys.modules if m == "moto" or m.startswith("moto.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "moto", None)
    monkeypatch.setitem(sys.modules, "moto.server", None)


@pytest.mark.parametrize("argv", [["--demo"], ["trace", "--demo", "web-1", "acme-app-logs"]])
def test_demo_without_the_emulator_says_how_to_install_it(
        argv: list[str], no_emulator: None, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.sources.demo as demo

    monkeypatch.setattr(demo, "_endpoint", None)  # a fresh process: no server started yet
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'rolemap[demo]'" in err and "moto" in err


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


@pytest.mark.parametrize("path,parser", COMMANDS, ids=[" ".join(p) or "rolemap"
                                                         for p, _ in COMMANDS])
def test_every_commands_help_prints(path: tuple[str, ...],
                                    parser: argparse.ArgumentParser) -> None:
    """argparse formats help texts with %: a stray "%" in one (a shape's "90% of buckets")
    turned `rolemap snapshot synth --help` into a traceback."""
    assert "usage:" in parser.format_help()
    assert path != () or any(p == ("snapshot", "synth") for p, _ in COMMANDS)

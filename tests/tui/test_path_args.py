"""An empty path is a usage error for every option and argument that takes one (issue 21).

`--snapshot ""` (an unset variable in a nightly script) used to mean "no snapshot": rolemap
read the live account of whatever credentials the host had. The parsers are walked, so an
option added later is either a path (and checked) or named below as not one.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from graph.errors import SourceError
from graph.sources import SourceSpec
from tui.cli import build_parser, main
from tui.commands.path_arg import path_arg

#: Options and arguments (by dest) that take a value which is not a path. A new option that
#: takes a value must be added here or given `type=path_arg`.
NOT_PATHS = frozenset({
    "profile", "regions", "timeout", "max_attempts", "assume",  # source and context
    "format", "instance", "role", "bucket", "jobs", "min_severity", "fail_on", "action",
    "level", "script_regions", "size", "roles", "instances", "buckets", "policies", "seed",
    "name", "trust", "external_id", "source_account", "grant", "managed", "boundary",
    "path",  # an IAM role path ("/teams/"), not a file
    "description", "tag", "max_session", "attach",
    "shape", "knob",  # a synthetic account's shape and its knobs (NAME=VALUE)
    "scheduler", "sql",  # analyse's Dask scheduler address, query's SQL
    # An organisation's accounts, OUs and load pool (parsed lists and counts), the number of
    # synthetic accounts; names checked by name_arg (the member role, an access point).
    "org_accounts", "org_ous", "org_jobs", "synth_org", "member_role", "script_member_role",
    "script_accounts", "access_point",
})


@dataclass(frozen=True)
class Option:
    """One action reachable as `command` + the arguments that put `action` in play."""

    command: tuple[str, ...]
    action: argparse.Action
    before: tuple[str, ...]  # positionals that come first

    @property
    def name(self) -> str:
        """How argparse names it in its error: option strings, or the metavar/dest."""
        if self.action.option_strings:
            return "/".join(self.action.option_strings)
        return str(self.action.metavar or self.action.dest)

    def argv(self, value: str) -> list[str]:
        if self.action.option_strings:
            return [*self.command, self.action.option_strings[-1], value]
        return [*self.command, *self.before, value]

    def __str__(self) -> str:
        return " ".join(["rolemap", *self.command, self.name])


def _walk(parser: argparse.ArgumentParser, command: tuple[str, ...] = ()) -> Iterator[Option]:
    positionals: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*command, name))
            continue
        if action.nargs == 0:  # flags (--demo, --yes, --help, --version) take no value
            continue
        yield Option(command, action, tuple(positionals))
        if not action.option_strings:
            positionals.append("x")


OPTIONS = list(_walk(build_parser()))
PATHS = [o for o in OPTIONS if o.action.type is path_arg]


def test_every_option_with_a_value_is_classified() -> None:
    unknown = sorted(str(o) for o in OPTIONS
                     if o.action.type is not path_arg and o.action.dest not in NOT_PATHS)
    assert not unknown, ("options neither path-checked (type=path_arg) nor listed in NOT_PATHS: "
                         f"{unknown}")


def test_the_known_path_options_are_checked() -> None:
    """Guards the walk itself: it reaches options, positionals, and nested sub-commands."""
    found = {str(o) for o in PATHS}
    for expected in ("rolemap --snapshot", "rolemap --compare", "rolemap export -o/--output",
                     "rolemap export --snapshot", "rolemap findings -o/--output",
                     "rolemap diff OLD", "rolemap diff NEW", "rolemap diff -o/--output",
                     "rolemap snapshot save OUT.json|DIR", "rolemap snapshot save --snapshot",
                     "rolemap snapshot synth OUT_DIR|OUT.json", "rolemap simulate cases",
                     "rolemap role create --journal", "rolemap role undo JOURNAL",
                     "rolemap trace --snapshot", "rolemap who-can --snapshot"):
        assert expected in found, f"{expected} is not path-checked ({sorted(found)})"


@pytest.mark.parametrize("value", ["", "  ", "\t"])
@pytest.mark.parametrize("option", PATHS, ids=str)
def test_an_empty_path_is_a_usage_error_naming_the_option(
        option: Option, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(option.argv(value))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert f"error: argument {option.name}: empty path {value!r}" in last, err


def test_an_empty_snapshot_never_reads_the_live_account(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Were it read as "no snapshot", this would go to AWS with the host's credentials.
    def live(*args: object, **kwargs: object) -> None:
        raise AssertionError("the live account was opened")

    monkeypatch.setattr("graph.sources.connection.AwsConnection.from_profile", live)
    with pytest.raises(SystemExit) as stop:
        main(["who-can", "data", "--snapshot", ""])
    assert stop.value.code == 2
    assert "argument --snapshot: empty path" in capsys.readouterr().err


def test_paths_with_spaces_are_kept_as_given() -> None:
    args = build_parser().parse_args(["export", "-o", " out file.csv ", "--snapshot", "a b"])
    assert args.output == " out file.csv " and args.snapshot == "a b"


@pytest.mark.parametrize("value", ["", " "])
def test_a_source_spec_with_an_empty_snapshot_is_refused(value: str) -> None:
    with pytest.raises(SourceError, match="empty"):
        SourceSpec(snapshot=value)

"""Source options and the snapshot commands, through the real command line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sources import SourceSpec, open_source
from graph.sources.snapshot_file import load_snapshot
from tui.cli import build_parser, main
from tui.commands.source_options import spec_from_args


def test_source_options_before_or_after_the_command() -> None:
    parser = build_parser()
    before = parser.parse_args(["--profile", "audit", "--region", "eu-west-1", "--region",
                                "us-east-1", "snapshot", "save", "o.json"])
    after = parser.parse_args(["snapshot", "save", "o.json", "--profile", "audit",
                               "--region", "eu-west-1", "--region", "us-east-1"])
    for args in (before, after):
        assert spec_from_args(args) == SourceSpec(profile="audit",
                                                  regions=("eu-west-1", "us-east-1"))


def test_conflicting_sources_are_one_line(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code = main(["snapshot", "save", str(tmp_path / "o.json"), "--demo", "--snapshot", "x"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "choose one source" in err


def test_synth_then_save_then_open(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder, saved = tmp_path / "acct", tmp_path / "acct.json"
    assert main(["snapshot", "synth", str(folder), "--roles", "30", "--instances", "90",
                 "--buckets", "20", "--seed", "5"]) == 0
    assert main(["--snapshot", str(folder), "snapshot", "save", str(saved)]) == 0
    assert "30 roles, 90 instances, 20 buckets" in capsys.readouterr().err
    from_file = load_snapshot(saved)
    from_folder = open_source(SourceSpec(snapshot=str(folder))).snapshot
    assert from_file.roles == from_folder.roles and from_file.buckets == from_folder.buckets


def test_synth_rejects_negative_counts(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["snapshot", "synth", str(tmp_path), "--roles", "-1"])
    assert exc.value.code == 2 and "must not be negative" in capsys.readouterr().err


def test_missing_snapshot_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["snapshot", "save", str(tmp_path / "o.json"), "--snapshot",
                 str(tmp_path / "nope")]) == 2
    assert "nope: no such file or directory" in capsys.readouterr().err

"""`rolemap diff A B` says so on stderr when A and B are one snapshot: the same file (by
path, link or inode) or the same `taken_at`, e.g. a nightly job that picked today's file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

from .accounts import base

SAME_FILE = "warning: OLD and NEW are the same file"
SAME_TIME = "warning: OLD and NEW were both taken at 2026-01-01T00:00:00+00:00"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    path = tmp_path / "snapshots" / "a.json"
    path.parent.mkdir()
    save_snapshot(base(), path)
    return path


def _diff(old: str, new: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["diff", old, new])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("how", ["same path", "other spelling", "symlink", "hard link"])
def test_the_same_file_twice_is_warned(how: str, snap: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    other = str(snap)
    if how == "other spelling":
        other = str(snap.parent / ".." / "snapshots" / "a.json")
    elif how == "symlink":
        (tmp_path / "latest.json").symlink_to(snap)
        other = str(tmp_path / "latest.json")
    elif how == "hard link":
        os.link(snap, tmp_path / "b.json")
        other = str(tmp_path / "b.json")
    code, err = _diff(str(snap), other, capsys)
    assert code == 0
    assert err.count(SAME_FILE) == 1 and "nothing can differ" in err, err


def test_a_copy_with_the_same_taken_at_is_warned(snap: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.json"
    shutil.copyfile(snap, copy)
    code, err = _diff(str(snap), str(copy), capsys)
    assert code == 0 and SAME_TIME in err and SAME_FILE not in err


def test_two_different_nights_are_not_warned(snap: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    later = tmp_path / "later.json"
    save_snapshot(base("2026-01-02T00:00:00+00:00"), later)
    code, err = _diff(str(snap), str(later), capsys)
    assert code == 0 and "warning" not in err

"""Output temporaries (graph/temp_files.py): unnamed where Linux allows, otherwise named so
that the next write to the folder removes the ones a killed process left (issue 21)."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import temp_files
from graph.errors import RolemapError
from graph.safe_files import write_text, writing
from graph.stop_signals import Stopped, stop_on_signals

LINUX = sys.platform.startswith("linux")


@pytest.fixture(autouse=True)
def _fresh_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temp_files, "_swept", set())


@pytest.fixture(params=["unnamed", "named"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "named":
        monkeypatch.setattr(temp_files, "_unnamed", lambda folder, perm: None)
    elif not LINUX:
        pytest.skip("O_TMPFILE is Linux's")
    return str(request.param)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def ours(target: str, pid: int, host: str | None = None) -> str:
    return f".{target}.rolemap-{host or temp_files._host()}-{pid}-abcd1234.tmp"


def test_while_writing_the_folder_shows_only_what_mode_allows(tmp_path: Path, mode: str) -> None:
    seen: list[str] = []
    writing(tmp_path / "out.csv", lambda out: seen.extend(os.listdir(tmp_path)))
    if mode == "unnamed":
        assert seen == [], "an unnamed temporary has no entry: SIGKILL leaves nothing"
    else:
        assert len(seen) == 1 and seen[0].startswith(".out.csv.rolemap-")
    assert os.listdir(tmp_path) == ["out.csv"]


@pytest.mark.parametrize("existing", [False, True])
def test_private_whole_and_in_place(tmp_path: Path, mode: str, existing: bool) -> None:
    target = tmp_path / "snap.json"
    if existing:
        target.write_text("old")
        target.chmod(0o644)
    write_text(target, "new", private=True)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["snap.json"]


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def half(out: object) -> None:
        out.write("half")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        writing(target, half)
    assert os.listdir(tmp_path) == ["out.txt"] and target.read_text() == "old"


def test_a_symlink_planted_while_writing_is_refused(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "out.txt"
    victim = tmp_path / "victim"
    victim.write_text("keep")
    with pytest.raises(RolemapError, match="symbolic link"):
        writing(target, lambda out: target.symlink_to(victim))
    assert victim.read_text() == "keep" and target.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "victim"]


@pytest.mark.skipif(not LINUX, reason="O_TMPFILE is Linux's")
@pytest.mark.parametrize("code", [errno.EOPNOTSUPP, errno.EISDIR])
def test_a_filesystem_refusing_unnamed_files_gets_a_named_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    real_open = os.open

    def refusing(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(code, os.strerror(code))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    seen: list[str] = []
    writing(tmp_path / "out.csv", lambda out: seen.extend(os.listdir(tmp_path)))
    assert len(seen) == 1 and seen[0].startswith(".out.csv.rolemap-")
    assert os.listdir(tmp_path) == ["out.csv"]


def test_the_next_write_sweeps_stale_temporaries_only(tmp_path: Path, mode: str) -> None:
    gone = dead_pid()
    old = time.time() - temp_files.SAFE_AGE - 60
    stale = {
        ours("roles.csv", gone): None,                      # its process has ended
        ours("x.csv", os.getppid(), host="0" * 8): old,      # another host's, a day old
        ".roles.csv.k3j_9xq1.tmp": old,                      # an earlier version's, old
    }
    kept = {
        ours("y.csv", os.getppid()): None,                   # its process still runs
        ours("z.csv", gone, host="0" * 8): None,              # another host's, recent
        ".notes.k3j_9xq1.tmp": old,                          # not after a file here
        ".roles.csv.k3j_9xq2.tmp": None,                     # earlier version's, recent
        "roles.csv.rolemap-0-1-a.tmp": old,                  # not hidden: not ours
    }
    for name, mtime in {**stale, **kept}.items():
        (tmp_path / name).write_text("x")
        if mtime is not None:
            os.utime(tmp_path / name, (mtime, mtime))
    folder = tmp_path / (".z.rolemap-" + f"{temp_files._host()}-{gone}-ab12.tmp")
    folder.mkdir()
    (folder / "inside.json").write_text("{}")  # a half-built synth folder
    write_text(tmp_path / "roles.csv", "a,b\n")
    assert sorted(os.listdir(tmp_path)) == sorted([*kept, "roles.csv"])


def test_a_link_named_like_a_temporary_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "precious").write_text("keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ours("a", dead_pid())).symlink_to(victim)
    write_text(tmp_path / "out" / "b", "x")
    assert (victim / "precious").read_text() == "keep"


def test_a_folder_is_built_beside_and_renamed_into_place(tmp_path: Path) -> None:
    target = tmp_path / "account"
    with temp_files.temp_folder(target) as tmp:
        (tmp / "a.json").write_text("{}")
        assert not target.exists() and tmp.name.startswith(".account.rolemap-")
    assert os.listdir(target) == ["a.json"] and os.listdir(tmp_path) == ["account"]
    with pytest.raises(KeyboardInterrupt), temp_files.temp_folder(tmp_path / "other") as tmp:
        (tmp / "a.json").write_text("{}")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["account"]


def test_a_scratch_folder_left_by_a_killed_process_goes_with_the_next(tmp_path: Path) -> None:
    left = tmp_path / ours("rolemap-synth", dead_pid())
    left.mkdir()
    (left / "iam.json").write_text("{}")
    with temp_files.scratch_folder(tmp_path, "rolemap-synth") as scratch:
        assert sorted(os.listdir(tmp_path)) == [scratch.name]
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
def test_a_stop_whose_exception_was_lost_still_keeps_the_output_out(tmp_path: Path) -> None:
    """Python drops an exception raised in an at-fork hook or a finaliser; the stop is
    remembered, so the output is still not put in place and the command still stops."""
    target = tmp_path / "out.txt"
    target.write_text("old")

    def swallowed() -> None:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except Stopped:
            pass  # as in an at-fork hook

    with pytest.raises(Stopped) as stopped, stop_on_signals():
        swallowed()
        writing(target, lambda out: out.write("new"))
    assert stopped.value.exit_code == 143 and stopped.value.name == "SIGTERM"
    assert os.listdir(tmp_path) == ["out.txt"] and target.read_text() == "old"

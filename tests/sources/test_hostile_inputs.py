"""Hostile input, second round (issue #21, item 13): names that are terminal commands, names
that UTF-8 cannot encode, folders the user may not enter, documents nested past the parser's
stack, an output device that is full, and case files that are no files. Each once reached the
user raw, as a traceback or as a command that never returned."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from sources_faults import deadline

from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

LAYERS = Path(__file__).parent.parent / "fixtures" / "accounts" / "layers"
ROOT = Path(__file__).resolve().parents[2]
#: Set the window title, write the clipboard (OSC 52), clear the screen, a C1 CSI, a bidi
#: override: what a crafted name would send to the terminal of whoever reads the output.
EVIL = "\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J\x9b6n\u202e"


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    with deadline(60, "blocked: hostile input made rolemap hang"):
        yield


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "acct.json"
    save_snapshot(load_export_folder(LAYERS), path)
    return path


def _rename(path: Path, old_bucket: str, new_bucket: str, old_role: str = "",
            new_role: str = "") -> None:
    """Rename a bucket (and a role) everywhere the snapshot names it, ARNs included."""
    text = path.read_text()
    text = text.replace(f'"name":"{old_bucket}"', f'"name":{json.dumps(new_bucket)}')
    text = text.replace(f"arn:aws:s3:::{old_bucket}", "arn:aws:s3:::"
                        + json.dumps(new_bucket)[1:-1])
    if old_role:
        text = text.replace(f'"name":"{old_role}"', f'"name":{json.dumps(new_role)}')
        text = text.replace(f'role/{old_role}"', "role/" + json.dumps(new_role)[1:-1] + '"')
    path.write_text(text)


def _raw_controls(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if not (ch.isprintable() or ch == "\n")})


# --- Markdown and Mermaid are escaped like the terminal ---------------------------------

@pytest.mark.parametrize("argv", [
    ["findings", "--format", "md"],
    ["export", "--format", "md"],
    ["export", "--format", "md", "--by-role"],
    ["export", "--format", "md", "--per-action"],
    ["trace", "app-1", "BUCKET", "--format", "mermaid"],
    ["trace", "app-1", "BUCKET", "--format", "dot"],
], ids=lambda a: "-".join(a[0:1] + a[-2:]))
def test_markdown_and_diagrams_carry_no_terminal_escapes(
        argv: list[str], snapshot: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    bucket = f"pub{EVIL}lic"
    _rename(snapshot, "public", bucket, "app", f"app{EVIL}")
    argv = [bucket if a == "BUCKET" else a for a in argv]
    code = main([*argv, "--snapshot", str(snapshot)])
    out = capsys.readouterr().out
    assert code in (0, 1, 3)
    # Shown, visibly, as escapes (DOT doubles the backslash of its own strings).
    assert "\\x1b]0;pwned" in out.replace("\\\\", "\\")
    for seq in ("\\x1b]52;c;", "\\u202e", "\\x9b"):
        assert seq in out.replace("\\\\", "\\"), seq
    assert _raw_controls(out) == []


def test_markdown_written_to_a_file_and_the_diff_are_escaped(
        snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.json"
    old.write_text(snapshot.read_text())
    _rename(snapshot, "public", f"pub{EVIL}lic", "app", f"app{EVIL}")
    for argv in (["export", "--snapshot", str(snapshot), "--format", "md"],
                 ["findings", "--snapshot", str(snapshot), "--format", "md"],
                 ["diff", str(old), str(snapshot), "--format", "md"]):
        out = tmp_path / "out.md"
        assert main([*argv, "-o", str(out)]) in (0, 1), capsys.readouterr().err
        text = out.read_text(encoding="utf-8")
        assert "\\x1b]52;c;" in text and _raw_controls(text) == [], argv


# --- a lone surrogate in a bucket name -------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["trace", "app-1", "data"],
    ["trace", "app-1", "data", "--format", "json"],
    ["who-can", "data"],
    ["who-can", "data", "--format", "json"],
    ["findings"],
    ["findings", "--format", "md"],
    ["findings", "--format", "sarif"],
    ["export", "--format", "md"],
], ids=lambda a: "-".join(a))
def test_a_lone_surrogate_in_a_bucket_name_is_no_crash(
        argv: list[str], snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # JSON may hold "\udc80": Python reads it as a lone surrogate, which UTF-8 cannot encode
    # (the public bucket's findings hashed its name and crashed every command that ranks).
    _rename(snapshot, "public", "pub\udc80lic")
    code = main([*argv, "--snapshot", str(snapshot)])
    captured = capsys.readouterr()
    assert code in (0, 1, 3), captured.err
    assert "Traceback" not in captured.err
    if argv[0] in ("findings", "export"):
        assert "pub\\udc80lic" in captured.out


# --- a snapshot the user may not reach ---------------------------------------------------

def _as_nobody(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run rolemap as an unprivileged user when the tests run as root (root enters every
    folder); `setpriv` drops the user for the command only."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot be refused a folder")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run([*prefix, sys.executable, "-m", "tui.cli", *argv],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own is private to its owner)."""
    base = Path(tempfile.mkdtemp(prefix="rolemap-locked-"))
    base.chmod(0o755)
    yield base
    for path in base.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(base)


@pytest.mark.parametrize("inside", ["acct.json", "export-folder", ""])
def test_a_snapshot_in_a_folder_the_user_cannot_enter(inside: str, snapshot: Path,
                                                      open_folder: Path) -> None:
    if any(p.stat().st_mode & 0o005 != 0o005 for p in open_folder.parents):
        pytest.skip(f"{open_folder.parent} is not reachable by another user")
    locked = open_folder / "locked"
    locked.mkdir()
    (locked / "acct.json").write_bytes(snapshot.read_bytes())
    locked.chmod(0o700 if os.geteuid() == 0 else 0o000)
    target = locked / inside if inside else locked
    result = _as_nobody(["trace", "--snapshot", str(target), "app-1", "data"], open_folder)
    err = result.stderr.strip()
    assert result.returncode == 2, err
    assert err.startswith("rolemap: error: ") and "\n" not in err and "Traceback" not in err
    assert "Permission denied" in err and str(locked) in err


def test_a_snapshot_path_through_a_file_is_one_line(snapshot: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "--snapshot", str(snapshot / "inside.json"), "data"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"rolemap: error: {snapshot / 'inside.json'}: no such file or directory"


def test_compare_with_an_unreachable_path_is_one_line(snapshot: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch("os.stat", side_effect=PermissionError(13, "Permission denied")):
        assert main(["--snapshot", str(snapshot), "--compare", "/locked/old.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "rolemap: error: --compare /locked/old.json: cannot open (Permission denied)"


# --- a string-encoded trust policy nested 100,000 deep -----------------------------------

@pytest.mark.parametrize("depth", [100_000, 3_000])
def test_a_string_trust_policy_nested_deep_is_no_crash(
        depth: int, snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """100,000 deep is over AWS's size limit (refused unread); 3,000 deep is within it but
    past the JSON parser's stack: unreadable, so unknown. Neither is a traceback."""
    data = json.loads(snapshot.read_text())
    role = next(r for r in data["roles"] if r["name"] == "app")
    role["trust_policy"] = "[" * depth + "]" * depth
    snapshot.write_text(json.dumps(data))
    for argv in (["trace", "app-1", "data", "--format", "json"], ["findings"],
                 ["who-can", "data"]):
        code = main([*argv, "--snapshot", str(snapshot)])
        captured = capsys.readouterr()
        assert code in (0, 1, 3) and "Traceback" not in captured.err, captured.err
        if argv[0] == "trace":
            outcomes = {a["outcome"] for p in json.loads(captured.out)["paths"]
                        for a in p["actions"]}
            assert outcomes == {"unknown"}, outcomes
    old = snapshot.with_name("old.json")
    save_snapshot(load_export_folder(LAYERS), old)
    assert main(["diff", str(old), str(snapshot)]) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err


# --- writing to a full disk ---------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["findings"], ["findings", "--format", "md"], ["export"],
                                  ["who-can", "data"], ["trace", "app-1", "data"]],
                         ids=lambda a: "-".join(a))
def test_stdout_on_a_full_disk_is_one_line(argv: list[str], snapshot: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "tui.cli", *argv, "--snapshot",
                                 str(snapshot)], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=120, cwd=ROOT)
    err = result.stderr.strip()
    assert result.returncode == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.splitlines()[-1] == \
        "rolemap: error: writing the output failed (No space left on device)"


# --- simulate refuses what is not a regular file ------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_simulate_refuses_non_regular_files_at_once(kind: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.json"
    if kind == "fifo":
        os.mkfifo(path)
        expected = "FIFO"
    elif kind == "dev-zero":
        path = Path("/dev/zero")
        expected = "character device"
    else:
        path.mkdir()
        expected = "a directory"
    assert main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rolemap: error: {path}: ") and expected in err and "\n" not in err

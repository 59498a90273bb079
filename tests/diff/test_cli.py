"""rolemap diff on the command line: formats, exit codes, refusals."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from graph.model import Account, AccountSnapshot
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

from .accounts import ACCT, APP_1, base, doc, statement_added, with_bucket


def save(tmp_path: Path, name: str, snapshot: AccountSnapshot) -> str:
    path = tmp_path / name
    save_snapshot(snapshot, path)
    return str(path)


def cross_account(snapshot: AccountSnapshot) -> AccountSnapshot:
    grant = doc({"Sid": "Partner", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/out/*"})
    return with_bucket(snapshot, "data", policy=grant)


def test_identical_snapshots_exit_0_and_no_rows(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    new = save(tmp_path, "new.json", base("2026-02-01T00:00:00+00:00"))
    assert main(["diff", old, new, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "old": {"source": old, "account": ACCT, "taken_at": "2026-01-01T00:00:00+00:00"},
        "new": {"source": new, "account": ACCT, "taken_at": "2026-02-01T00:00:00+00:00"},
        "assumed": {}, "causes": [], "gained": [], "lost": [], "changed": [],
        "findings": {"new": [], "resolved": []},
    }


def test_a_change_exits_1_with_the_documented_row(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    new = save(tmp_path, "new.json", statement_added(base()))
    assert main(["diff", old, new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["lost"] == [] and data["changed"] == []
    assert data["gained"] == [{
        "instance_id": APP_1, "instance_name": "app-1",
        "role": f"arn:aws:iam::{ACCT}:role/app", "principal": None, "principal_kind": None,
        "bucket": "data", "action": "s3:ListBucket", "before": "denied", "after": "allowed",
        "granted_by": ["identity policy app/app-inline, statement 2 (List)"],
        "via": [f"arn:aws:iam::{ACCT}:role/app"], "change": "denied → allowed",
        "why": ["role app: inline policy app-inline: statement 2 (List) added"],
        "causes": ["statement-added:role/app/inline/app-inline:List"],
    }]
    assert data["causes"] == [{
        "id": "statement-added:role/app/inline/app-inline:List", "kind": "statement-added",
        "subject": "role app: inline policy app-inline: statement 2 (List) added",
        "details": [], "summary": "1 instance × 1 bucket × 1 action gained",
        "public": False, "other_account": False, "rows": [["gained", 0]],
    }]
    assert main(["diff", old, new]) == 1
    text = capsys.readouterr().out
    assert "1 cause (1 changing access): 1 gained, 0 lost, 0 changed" in text
    assert "CAUSES (1, riskiest first)\n  1. role app: inline policy app-inline: statement 2 " \
        "(List) added  [statement-added]\n       effect: 1 instance × 1 bucket × 1 action " \
        "gained" in text
    assert "app-1 (i-0000000000000a001) → data: s3:ListBucket  denied → allowed" in text
    assert "why: role app: inline policy app-inline: statement 2 (List) added" in text
    assert main(["diff", old, new, "--format", "md"]) == 1
    md = capsys.readouterr().out
    assert "## Causes (1, riskiest first)" in md
    assert md.index("## Causes") < md.index("## Gained (1)")
    assert "## Gained (1)" in md and "| app-1 (i-0000000000000a001) | data | s3:ListBucket |" in md


def test_two_accounts_are_refused_unless_asked(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    other = save(tmp_path, "other.json", replace(base(), account=Account("999999999999")))
    assert main(["diff", old, other]) == 2
    err = capsys.readouterr().err
    assert "OLD is account 111111111111 and NEW is account 999999999999" in err
    assert "--allow-different-accounts" in err and "Traceback" not in err
    assert main(["diff", old, other, "--allow-different-accounts", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["new"]["account"] == "999999999999"


def test_fail_on_names_what_fails_ci(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    shared = save(tmp_path, "shared.json", cross_account(base()))
    assert main(["diff", old, shared, "--fail-on", "public"]) == 0
    assert main(["diff", old, shared, "--fail-on", "public,cross-account"]) == 1
    out = capsys.readouterr().out
    assert "arn:aws:iam::222222222222:root → data: s3:GetObject  denied → allowed" in out
    assert main(["diff", old, shared, "--fail-on", "lost"]) == 0
    capsys.readouterr()
    assert main(["diff", old, shared, "--fail-on", "everything"]) == 2
    assert "--fail-on everything: unknown kind" in capsys.readouterr().err


def test_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    assert main(["diff", str(tmp_path / "missing.json"), old]) == 2
    assert "missing.json: no such file or directory" in capsys.readouterr().err
    assert main(["diff", old, old, "--demo"]) == 2
    assert "NEW is given twice" in capsys.readouterr().err
    assert main(["diff", old, old, "--instance", "nope"]) == 2
    assert "no instance named 'nope'" in capsys.readouterr().err


def test_new_from_the_demo_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "save", str(tmp_path / "demo.json"), "--demo"]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "demo.json"), "--demo", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["new"]["source"] == "demo account (moto)"
    assert data["gained"] == data["lost"] == data["changed"] == []


def test_compare_is_for_the_explorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = save(tmp_path, "old.json", base())
    assert main(["--compare", old, "who-can", "data", "--snapshot", old]) == 2
    assert "rolemap diff OLD [NEW]" in capsys.readouterr().err
    assert main(["--snapshot", old, "--compare", str(tmp_path / "nope.json")]) == 2
    assert "--compare" in capsys.readouterr().err


def test_export_folders_say_their_time_comes_from_the_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import shutil

    folder = tmp_path / "layers"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "accounts" / "layers",
                    folder)
    for path in folder.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    assert main(["diff", str(folder), str(folder)]) == 0
    out = capsys.readouterr().out
    assert "taken 2023-11-14T22:13:20+00:00 (file modification time)" in out
    assert "0 gained, 0 lost, 0 changed" in out


def test_snapshots_without_a_time_say_so_and_old_files_keep_theirs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    untimed = save(tmp_path, "untimed.json", base(taken_at=""))
    legacy = tmp_path / "legacy.json"
    data = json.loads(Path(untimed).read_text())
    del data["taken_at"]
    data["captured_at"] = "2024-05-06T07:08:09+00:00"  # the field's name before taken_at
    legacy.write_text(json.dumps(data))
    assert main(["diff", untimed, str(legacy)]) == 0
    out = capsys.readouterr().out
    assert "taken: unknown (not recorded)" in out
    assert "taken 2024-05-06T07:08:09+00:00 (recorded in the snapshot file)" in out
    assert main(["diff", untimed, str(legacy), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["old"]["taken_at"] is None


def test_names_from_the_account_cannot_drive_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = statement_added(base())
    evil = replace(snapshot, instances=tuple(replace(i, name="app\x1b]0;owned\x07")
                                             for i in snapshot.instances))
    old = save(tmp_path, "old.json", replace(base(), instances=evil.instances))
    new = save(tmp_path, "new.json", evil)
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "owned" in out

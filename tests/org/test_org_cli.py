"""`rolemap trace` and `rolemap who-can` on an organisation folder (issue 27, item 4)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from graph.sources.org.folder import save_org_folder
from tui.cli import main

from .scenario import DATA, LOST, OUTSIDE, WORK, scenario


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    org = scenario()
    path = tmp_path_factory.mktemp("org") / "acme"
    save_org_folder(path, org.tree, org.snapshots.values(), (), org.failed)
    return path


def test_trace_follows_the_instance_into_the_data_account(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["trace", "web", "data-lake", "--action", "s3:GetObject", "--format", "json",
                 "--snapshot", str(folder)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [h["relation"] for h in out["hops"]] == ["runs as", "runs as", "can assume",
                                                    "can access"]
    assert out["hops"][2]["to"] == f"role:arn:aws:iam::{DATA}:role/data-reader"
    assert out["access"]["outcome"] == "allowed"


def test_trace_text_names_the_chain_and_the_unknown_failed_account(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["trace", f"{WORK}/i-0web", "org-shared", "--snapshot", str(folder)])
    captured = capsys.readouterr()
    assert code == 0
    assert "web (i-0web) -> web-role -> data-reader -> org-shared" in captured.out
    assert "web (i-0web) -> web-role -> lost-role -> org-shared" in captured.out
    assert f"account {LOST}" in captured.err  # the load warning, before the answer


def test_who_can_lists_accounts_and_marks_outsiders(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "mgmt-logs", "--format", "json", "--snapshot", str(folder)]) == 0
    rows = json.loads(capsys.readouterr().out)["principals"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["i-0web"]["account"] == WORK
    assert by_id[OUTSIDE]["organisation"] == "outside"
    assert main(["who-can", "partner-drop", "--snapshot", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "inside the organisation" in text and OUTSIDE not in text


def test_unknown_instance_names_what_is_wrong(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", f"{DATA}/web", "data-lake", "--snapshot", str(folder)]) == 2
    assert "none in account" in capsys.readouterr().err


def test_findings_say_inside_or_outside_the_organisation(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "--format", "json", "--snapshot", str(folder)]) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    shared = [f for f in found
              if f["category"] == "cross-account" and f.get("bucket") == "mgmt-logs"]
    details = {line for f in shared for line in f["detail"]}
    assert f"account {OUTSIDE} is outside the organisation" in details
    assert f"account {WORK} (workload) is inside the organisation" in details
    assert {f["account"] for f in found} >= {WORK, DATA}


def test_export_writes_one_file_per_account_with_cross_account_rows(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exports"
    assert main(["export", "--format", "json", "-o", str(out), "--snapshot", str(folder)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{a}.json" for a in sorted(
        ("111111111111", WORK, DATA))]
    rows = json.loads((out / f"{WORK}.json").read_text())["permissions"]
    lake = [r for r in rows if r["bucket"] == "data-lake"]
    assert lake and all(r["role"].endswith(":role/data-reader") for r in lake)
    assert {r["outcome"] for r in rows if r["role"].endswith(":role/lost-role")} == {"unknown"}
    assert main(["export", "--snapshot", str(folder)]) == 2
    assert "-o FOLDER" in capsys.readouterr().err


def test_diff_of_two_organisation_folders_follows_cross_account_paths(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = scenario()
    snaps = dict(org.snapshots)
    data = snaps[DATA]
    reader = data.roles[0]
    untrusted = replace(reader, trust_policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"},
         "Action": "sts:AssumeRole"}]})
    snaps[DATA] = replace(data, roles=(untrusted,))
    new = tmp_path / "new"
    save_org_folder(new, org.tree, snaps.values(), (), org.failed)
    assert main(["diff", str(folder), str(new), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    lost = out["accounts"][WORK]["lost"]
    assert {(r["instance_id"], r["bucket"]) for r in lost} >= {("i-0web", "data-lake")}
    # The cause is in the data account, named there: data-reader's trust policy.
    assert all(any("role data-reader: trust policy" in w for w in r["why"]) for r in lost)
    assert out["accounts"]["111111111111"]["lost"] == []
    assert main(["diff", str(folder), str(folder)]) == 0

"""`rolemap role plan|create`: output, exit codes, and a real create in the demo account."""

from __future__ import annotations

import io
import json

import pytest

from graph.sources import SourceSpec, open_source
from tui.cli import main

TRUST = ["--trust", "ec2.amazonaws.com"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_prints_the_documented_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "role", "plan", "--name", "app", *TRUST,
                       "--grant", "list,read:data/reports/", "--tag", "team=data",
                       "--boundary", "arn:aws:iam::aws:policy/PowerUserAccess")
    assert code == 0
    data = json.loads(out)
    assert data["role_name"] == "app" and data["instance_profile"] == "app"
    assert data["tags"] == {"team": "data"}
    assert data["boundary_arn"] == "arn:aws:iam::aws:policy/PowerUserAccess"
    assert data["inline_policy"]["Statement"][0]["Condition"] == {
        "StringLike": {"s3:prefix": ["reports/*"]}}


@pytest.mark.parametrize("fmt, marker", [("cli", "aws iam create-role"),
                                         ("cloudformation", "AWS::IAM::Role"),
                                         ("terraform", 'resource "aws_iam_role"')])
def test_plan_formats(capsys: pytest.CaptureFixture[str], fmt: str, marker: str) -> None:
    code, out, _ = run(capsys, "role", "plan", "--name", "app", *TRUST, "--grant", "read:data",
                       "--format", fmt)
    assert code == 0 and marker in out


@pytest.mark.parametrize("argv, reason", [
    (["--name", "bad name", *TRUST], "role name 'bad name' may use only"),
    (["--name", "app"], "choose at least one service or account"),
    (["--name", "app", *TRUST, "--grant", "read"], "expected TASK[,TASK...]:BUCKET"),
    (["--name", "app", *TRUST, "--grant", "own:data"], "unknown task 'own'"),
    (["--name", "app", *TRUST, "--tag", "novalue"], "expected KEY=VALUE"),
    (["--name", "app", *TRUST, "--tag", "aws:x=1"], "reserved"),
    (["--name", "app", *TRUST, "--max-session", "60"], "outside 3600-43200"),
    (["--name", "app", *TRUST, "--path", "nope"], "path 'nope'"),
])
def test_invalid_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                             argv: list[str], reason: str) -> None:
    code, out, err = run(capsys, "role", "plan", *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rolemap: error: ") and reason in lines[0]


@pytest.fixture(scope="module")
def demo_ids() -> dict[str, str]:
    snapshot = open_source(SourceSpec(demo=True)).snapshot
    return {i.name: i.instance_id for i in snapshot.instances}


def test_create_refuses_without_yes_and_without_a_terminal(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        demo_ids: dict[str, str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal
    code, out, err = run(capsys, "--demo", "role", "create", "--name", "reports-reader",
                         *TRUST, "--grant", "read:acme-app-logs")
    assert code == 2 and "pass --yes" in err
    assert "1. iam:create_role(RoleName=reports-reader" in out
    assert "created" not in out


def test_create_in_the_demo_and_taken_names(capsys: pytest.CaptureFixture[str],
                                                   demo_ids: dict[str, str]) -> None:
    loaded = open_source(SourceSpec(demo=True))
    bastion = demo_ids["bastion"]
    code, out, _ = run(capsys, "--demo", "role", "create", "--name", "reports-reader", *TRUST,
                       "--grant", "list,read:acme-app-logs/reports/", "--attach", bastion,
                       "--yes")
    assert code == 0, out
    assert "created arn:aws:iam::123456789012:role/reports-reader" in out
    reloaded = loaded.reload()
    role = reloaded.snapshot.role_by_name["reports-reader"]
    assert [p.name for p in role.inline_policies] == ["reports-reader-s3-access"]
    profile = "arn:aws:iam::123456789012:instance-profile/reports-reader"
    assert reloaded.snapshot.instance_by_id[bastion].instance_profile_arn == profile
    # Opening the demo again resets it; its own roles are taken names (case-insensitively).
    code, out, err = run(capsys, "--demo", "role", "plan", "--name", "Web-Server", *TRUST)
    assert code == 2 and "'web-server' already exists in account 123456789012" in err


def test_create_unknown_instance(capsys: pytest.CaptureFixture[str],
                                 demo_ids: dict[str, str]) -> None:
    code, _, err = run(capsys, "--demo", "role", "create", "--name", "x", *TRUST,
                       "--attach", "i-nope", "--yes")
    assert code == 2 and "no instance named 'i-nope'" in err


def test_plan_grant_uses_the_task_presets(capsys: pytest.CaptureFixture[str]) -> None:
    """`--grant read:BUCKET/prefix` grants GetObject and GetObjectVersion under the prefix,
    nothing on the bucket's configuration; list is ListBucket narrowed with s3:prefix."""
    code, out, err = run(capsys, "role", "plan", "--name", "app", *TRUST,
                         "--grant", "list,read:data/reports/", "--require-tls")
    assert code == 0
    statements = json.loads(out)["inline_policy"]["Statement"]
    granted = {a: s["Resource"] for s in statements for a in s["Action"]}
    assert granted == {"s3:ListBucket": "arn:aws:s3:::data",
                       "s3:GetObject": "arn:aws:s3:::data/reports/*",
                       "s3:GetObjectVersion": "arn:aws:s3:::data/reports/*"}
    assert "warning" not in err
    code, _, err = run(capsys, "role", "plan", "--name", "app", *TRUST,
                       "--grant", "level-read:data", "--require-tls")
    assert code == 0 and "bucket-configuration-read" in err

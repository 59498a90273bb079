"""trace, who-can and export from the command line: output and exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tui.cli import main

from .helpers import LAYERS

SRC = ["--snapshot", str(LAYERS)]


def test_trace_reachable_exit_0_with_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "app-1", "data", *SRC]) == 0
    out = capsys.readouterr().out
    assert "app-1 (i-0000000000000a001) -> app -> data" in out
    assert "by identity policy app/app-s3, statement 1" in out


def test_trace_unreachable_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "app-1", "secure", *SRC]) == 1
    assert "cannot reach secure" in capsys.readouterr().out


def test_trace_action_json_and_assume(capsys: pytest.CaptureFixture[str]) -> None:
    # Conditional: neither yes nor no until the request's TLS is known (exit 3).
    assert main(["trace", "reader-1", "secure", "--action", "s3:GetObject", "--format", "json",
                 *SRC]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["access"]["outcome"] == "conditional"
    assert data["assumed_context"] == {}
    assert [h["relation"] for h in data["hops"]] == ["runs as", "runs as", "can access"]
    assert main(["trace", "reader-1", "secure", "--action", "s3:GetObject", "--format", "json",
                 "--assume", "aws:SecureTransport=true", *SRC]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["access"]["outcome"] == "allowed"
    assert data["assumed_context"] == {"aws:SecureTransport": "true"}


def test_unknown_instance_or_bucket_exit_2_with_suggestion(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "app-9", "data", *SRC]) == 2
    assert "did you mean: app-1" in capsys.readouterr().err
    assert main(["who-can", "dta", *SRC]) == 2
    assert "did you mean: data" in capsys.readouterr().err
    assert main(["export", "--assume", "novalue", *SRC]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_who_can_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "acl-public", "--level", "list", "--format", "json", *SRC]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bucket"] == "acl-public"
    public = [p for p in data["principals"] if p["kind"] == "public"]
    details = public[0].pop("details")
    assert public == [{"kind": "public", "id": "public", "name": "anyone (public)",
                       "actions": {"s3:ListBucket": "allowed",
                                   "s3:ListBucketMultipartUploads": "allowed",
                                   "s3:ListBucketVersions": "allowed"}, "via": [],
                       "chains": []}]
    # Each action with its evidence: the ACL grant that allows it.
    assert {d["action"] for d in details} == set(public[0]["actions"])
    assert all(d["granted_by"] and d["granted_by"][0].startswith("bucket ACL")
               for d in details)


def test_export_by_role_csv_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "roles.csv"
    assert main(["export", "--format", "csv", "--by-role", "--role", "bounded", "-o", str(out),
                 *SRC]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["role_name"] for r in rows} == {"bounded"}
    assert {r["instances"] for r in rows} == {"i-0000000000000a002"}
    assert "wrote" in capsys.readouterr().err

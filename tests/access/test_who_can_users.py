"""IAM users as principals on the stable demo (its user dana-analyst, in group auditors):
who-can lists them (kind "user", IAM gates only and said so), the by-role export has their
rows, and the review names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main

from .export_goldens import DEMO

DANA = "arn:aws:iam::123456789012:user/dana-analyst"


def test_who_can_lists_the_user_with_its_group_grants(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["who-can", "acme-app-logs", "--format", "json", "--snapshot", str(DEMO)]) == 0
    out = json.loads(capsys.readouterr().out)
    [dana] = [p for p in out["principals"] if p["kind"] == "user"]
    assert (dana["id"], dana["name"]) == (DANA, "dana-analyst")
    # Its own inline policy and its group's.
    assert dana["actions"] == {"s3:GetBucketAcl": "allowed", "s3:GetBucketPolicy": "allowed",
                               "s3:GetObject": "allowed", "s3:ListBucket": "allowed"}
    evidence = {g for d in dana["details"] for g in d["granted_by"]}
    assert evidence == {"identity policy dana-analyst/read-app-logs, statement 1",
                        "identity policy dana-analyst/read-app-logs, statement 2",
                        "identity policy group auditors/audit-bucket-settings, statement 1"}
    assert "only the IAM gates are decided" in dana["note"]
    assert main(["who-can", "acme-app-logs", "--snapshot", str(DEMO)]) == 0
    text = capsys.readouterr().out
    assert any(line.startswith("user      dana-analyst") for line in text.splitlines())
    # A bucket no policy of the user's names: not listed.
    assert main(["who-can", "acme-customer-data", "--snapshot", str(DEMO)]) == 0
    assert "dana-analyst" not in capsys.readouterr().out


def test_the_by_role_export_and_the_review_include_users(tmp_path: Path) -> None:
    out = tmp_path / "by-role.json"
    assert main(["export", "--format", "json", "--by-role", "-j", "1", "-o", str(out),
                 "--snapshot", str(DEMO)]) == 0
    rows = [r for r in json.loads(out.read_text())["permissions"] if r["role"] == DANA]
    assert {r["bucket"] for r in rows} == {"acme-app-logs", "acme-public-website"}
    md, detail = tmp_path / "review.md", tmp_path / "detail.md"
    assert main(["export", "--format", "md", "--by-role", "-o", str(md), "--detail",
                 str(detail), "--snapshot", str(DEMO)]) == 0
    text = detail.read_text()
    assert "## IAM user dana-analyst" in text and "only the IAM gates" in text
    assert "**IAM users** (1)\n\n- dana-analyst: 4 allowed" in text  # acme-app-logs

"""`rolemap who-can` and `trace` on the demo: the Lambda function log-digest is a principal
where its role (analytics) reaches the bucket, naming the role, in text and JSON; ci-runner's
UpdateFunctionCode on every function is a "could gain" path through it, in trace's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main([*args, "--demo"]) in (0, 1, 3)
    return capsys.readouterr().out


def test_who_can_lists_the_function_with_its_role(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    found = json.loads(_run(capsys, "who-can", "acme-app-logs", "--format", "json"))
    [fn] = [p for p in found["principals"] if p["kind"] == "lambda function"]
    assert fn["name"] == "log-digest" and fn["id"].endswith(":function:log-digest")
    assert len(fn["via"]) == 1 and fn["via"][0].endswith(":role/analytics")
    assert fn["actions"]["s3:GetObject"] == "allowed"
    text = _run(capsys, "who-can", "acme-app-logs")
    [line] = [x for x in text.splitlines() if x.startswith("lambda function log-digest")]
    assert line.endswith("as role analytics")
    # The Markdown review groups it with the other principals, naming its role.
    out = tmp_path / "review.md"
    assert main(["export", "--format", "md", "--bucket", "acme-app-logs", "-o", str(out),
                 "--demo"]) == 0
    review = out.read_text()
    assert "**Lambda functions** (1)" in review and "- log-digest as role analytics" in review
    # A bucket analytics does not reach lists no function.
    found = json.loads(_run(capsys, "who-can", "acme-build-artifacts", "--format", "json"))
    assert not [p for p in found["principals"] if p["kind"] == "lambda function"]


def test_trace_shows_the_could_gain_path_through_the_function(
        capsys: pytest.CaptureFixture[str]) -> None:
    found = json.loads(_run(capsys, "trace", "ci-runner-1", "acme-app-logs", "--format",
                            "json"))
    [path] = [e for e in found["could_gain"] if e["path_kind"] == "compute-lambda"]
    assert path["via"] == ("lambda:UpdateFunctionCode → function log-digest (runs at its next "
                           "invocation)")
    assert path["target"].endswith(":role/analytics")
    assert path["through_kind"] == "lambda function"
    assert path["through"][0].endswith(":function:log-digest")
    assert [s["action"] for s in path["steps"]] == ["lambda:UpdateFunctionCode"]
    assert "s3:GetObject" in path["gains"]

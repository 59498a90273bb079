"""`rolemap findings`: the documented JSON, SARIF valid against the 2.1.0 schema, Markdown with
flowcharts, and the exit codes CI relies on."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from graph.findings import CATEGORIES
from graph.model import AccountSnapshot
from graph.sources.snapshot_file import save_snapshot
from tui.cli import main

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"
KEYS = {"id", "severity", "category", "title", "instance", "role", "bucket", "principal",
        "instances", "buckets", "actions", "evidence", "fix"}


@pytest.fixture(scope="module")
def account(findings_snapshot: AccountSnapshot, tmp_path_factory: pytest.TempPathFactory
            ) -> list[str]:
    path = tmp_path_factory.mktemp("findings") / "account.json"
    save_snapshot(findings_snapshot, path)
    return ["--snapshot", str(path)]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["findings", *argv])
    return code, capsys.readouterr().out


def test_json_shape_and_ids_stable_across_runs(
        capsys: pytest.CaptureFixture[str], account: list[str]) -> None:
    code, out = _run(capsys, "--format", "json", "--assume", "aws:SecureTransport=true",
                     *account)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"account", "assumed_context", "findings"}
    assert data["assumed_context"] == {"aws:SecureTransport": "true"}
    for f in data["findings"]:
        assert {"id", "severity", "category", "title", "actions", "evidence", "fix"} <= set(f)
        assert set(f) <= KEYS
        assert all(v is not None for v in f.values())  # subject fields only when they apply
    esc = next(f for f in data["findings"] if f["category"] == "privilege-escalation"
               and "data-writer" in f["title"])
    assert esc["role"].endswith(":role/escalator") and esc["instance"].startswith("i-")
    assert [e["statement"] for e in esc["evidence"]] == [2, 1]  # numbered from 1, as labelled
    assert esc["evidence"][0]["policy"] == "escalator/escalator-policy"
    _, again = _run(capsys, "--format", "json", "--assume", "aws:SecureTransport=true", *account)
    assert [f["id"] for f in json.loads(again)["findings"]] == [f["id"] for f in data["findings"]]


def test_min_severity_and_fail_on_exit_codes(
        capsys: pytest.CaptureFixture[str], account: list[str],
        findings_snapshot: AccountSnapshot, tmp_path: Path) -> None:
    code, out = _run(capsys, "--min-severity", "critical", "--fail-on", "critical", *account)
    assert code == 1
    assert "CRITICAL" in out and "HIGH " not in out and "MEDIUM" not in out
    # Nothing at or above the bar: 0, even though lower findings are printed.
    quiet = dataclasses.replace(
        findings_snapshot,
        roles=tuple(r for r in findings_snapshot.roles if r.name == "data-writer"),
        instances=(), network=(),  # no VPC endpoint either (open-vpc-endpoint: medium)
        buckets=tuple(b for b in findings_snapshot.buckets if b.name in ("private", "cf-svc")),
        kms=(), access_points=())  # nor the public access point (low)
    path = tmp_path / "quiet.json"
    save_snapshot(quiet, path)
    code, out = _run(capsys, "--fail-on", "medium", "--snapshot", str(path))
    assert code == 0 and "1 finding(s): 1 low" in out
    assert _run(capsys, "--fail-on", "low", "--snapshot", str(path))[0] == 1


def test_bad_input_exit_2(capsys: pytest.CaptureFixture[str], account: list[str],
                          tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["findings", "--fail-on", "severe", *account])
    assert exc.value.code == 2
    capsys.readouterr()
    assert main(["findings", "--snapshot", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.json" in err


def test_sarif_valid_one_rule_per_category(
        capsys: pytest.CaptureFixture[str], account: list[str]) -> None:
    code, out = _run(capsys, "--format", "sarif", *account)
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CATEGORIES]
    assert run["results"] and {r["ruleId"] for r in run["results"]} == {c.id for c in CATEGORIES}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["rolemapFindingId/v1"].startswith(result["ruleId"])
    critical = [r for r in run["results"] if r["properties"]["severity"] == "critical"]
    assert critical and all(r["level"] == "error" for r in critical)
    # The schema is not a rubber stamp: a result without a message is refused.
    del run["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))


def test_markdown_summary_and_flowcharts(capsys: pytest.CaptureFixture[str],
                                         account: list[str], tmp_path: Path) -> None:
    out_file = tmp_path / "findings.md"
    assert main(["findings", "--format", "md", "-o", str(out_file), *account]) == 0
    text = out_file.read_text()
    assert text.startswith("# Findings — account 123456789012")
    assert "| critical | privilege-escalation |" in text
    charts = text.count("```mermaid\nflowchart LR")
    high_or_worse = text.count("\n### CRITICAL: ") + text.count("\n### HIGH: ")
    assert charts == high_or_worse > 0
    # The escalation step is drawn dashed, the allowed hops solid.
    block = text.split("PassRole + RunInstances → role data-writer", 2)[2]
    block = block.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert '-. "PassRole + RunInstances' in block and '-- "runs as' in block
    # Access through a role any account may assume: drawn from "any AWS account" through the
    # trust statement and the role to the bucket.
    block = text.split('can assume role anyone and read', 2)[2]
    block = block.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert '["any AWS account"]' in block and '"can assume<br/>trust policy anyone' in block

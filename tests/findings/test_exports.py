"""Escalation marked apart in trace and who-can output; paths drawn as Mermaid and DOT; the
Markdown review starting with the findings summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.exports import export
from graph.sources import SourceSpec, open_source
from tui.cli import main


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def _mermaid_ok(text: str) -> tuple[dict[str, str], list[tuple[str, str, str, bool]]]:
    """Nodes and edges of a flowchart, checking every edge's nodes are declared."""
    lines = text.strip().splitlines()
    assert lines[0] == "flowchart LR"
    nodes = dict(re.findall(r'^\s+(n\d+)\["([^"]*)"\]$', text, re.M))
    edges = []
    for src, solid, dashed, dst in re.findall(
            r'^\s+(n\d+) (?:-- "([^"]*)" -->|-\. "([^"]*)" \.->) (n\d+)$', text, re.M):
        assert src in nodes and dst in nodes
        edges.append((nodes[src], nodes[dst], solid or dashed, bool(dashed)))
    assert len(nodes) + len(edges) == len(lines) - 1  # nothing else, nothing malformed
    return nodes, edges


def test_trace_mermaid_draws_allowed_solid_and_escalation_dashed(
        capsys: pytest.CaptureFixture[str]) -> None:
    # ci-runner-1 cannot reach the logs bucket: exit 1, and the only way there is dashed.
    assert main(["trace", "ci-runner-1", "acme-app-logs", "--format", "mermaid", "--demo"]) == 1
    _, edges = _mermaid_ok(capsys.readouterr().out)
    into_bucket = [e for e in edges if e[1] == "bucket acme-app-logs"]
    assert into_bucket and all(e[3] for e in into_bucket)
    assert any(e[2].startswith("PassRole + RunInstances") and e[1] == "role admin-box"
               and e[3] for e in edges)
    assert main(["trace", "web-1", "acme-app-logs", "--action", "s3:PutObject", "--format",
                 "mermaid", "--demo"]) == 0
    _, edges = _mermaid_ok(capsys.readouterr().out)
    last = edges[-1]
    assert last[1] == "bucket acme-app-logs" and not last[3]
    assert last[2].startswith("s3:PutObject: allowed<br/>identity policy web-server/")


def test_trace_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "ci-runner-1", "acme-public-website", "--format", "dot",
                 "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "path" {') and out.rstrip().endswith("}")
    edges = re.findall(r'^\s+(n\d+) -> (n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$', out,
                       re.M)
    assert len(edges) == out.count("->")
    assert [e for e in edges if "dashed" in e[3]]  # the escalation
    assert any("can assume" in e[2] and "dashed" not in e[3] for e in edges)


def test_json_marks_escalation_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "ci-runner-1", "acme-app-logs", "--format", "json", "--demo"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["paths"] == []  # not allowed
    gain = next(g for g in data["could_gain"] if g["target"].endswith(":role/admin-box"))
    assert gain["kind"] == "escalation"
    assert [s["action"] for s in gain["steps"]] == ["iam:PassRole", "ec2:RunInstances"]
    assert "s3:GetObject" in gain["gains"]
    assert main(["who-can", "acme-app-logs", "--format", "json", "--demo"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not any("ci-runner" in p["name"] for p in data["principals"])
    assert [g["via"] for g in data["could_gain"]] == [
        "lambda:UpdateFunctionCode → function log-digest (runs at its next invocation)",
        "PassRole + RunInstances"]
    assert main(["who-can", "acme-app-logs", "--action", "s3:GetObject", "--demo"]) == 0
    text = capsys.readouterr().out
    assert "could gain" in text and "ci-runner-1" in text and "not allowed now" in text


def test_markdown_review_starts_with_findings(demo: AccessGraph, tmp_path: Path) -> None:
    path = tmp_path / "review.md"
    export(demo, "md", path)
    text = path.read_text()
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[0] == "Findings"
    # The escalation to admin-box and legacy-reports' exposed credentials (they change
    # permissions on buckets, behind an open door).
    assert "2 critical" in text.split("\n## ", 2)[1]
    charts = text.count("```mermaid\nflowchart LR")
    assert charts == text.count("\n### CRITICAL: ") + text.count("\n### HIGH: ") == 5
    # Then what is exposed, counted: no section per instance (those are in --detail).
    assert [s.split(" (")[0] for s in sections[1:]] == [
        "Public buckets", "Granted to other accounts and services", "Roles by what they reach",
        "Instances by exposure", "Buckets"]
    assert not any(s.startswith("web-1 ") for s in sections)


def test_json_export_lists_escalation_apart_from_permissions(demo: AccessGraph,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "perms.json"
    export(demo, "json", path)
    data = json.loads(path.read_text())
    ci = [p for p in data["permissions"] if p["instance_name"] == "ci-runner-1"]
    assert ci and not any(p["bucket"] == "acme-app-logs" for p in ci)
    assert [(e["via"], e["target"].rsplit("/", 1)[-1]) for e in data["could_gain"]] == [
        ("lambda:UpdateFunctionCode → function log-digest (runs at its next invocation)",
         "analytics"), ("PassRole + RunInstances", "admin-box")]


@pytest.mark.parametrize("source", ["demo", "findings"])
def test_a_streamed_export_lists_the_paths_every_finding_does(
        source: str, findings_snapshot: object) -> None:
    """The export's "could gain" list is computed without deciding the whole account first
    (`gain_paths`); it must be the escalation list less the role chains, in its order."""
    from graph.findings import escalations, gain_paths

    snapshot = (open_source(SourceSpec(demo=True)).snapshot if source == "demo"
                else findings_snapshot)
    fresh = build_access_graph(snapshot, decide=False)  # type: ignore[arg-type]
    streamed = gain_paths(fresh)
    assert fresh.data.complete is False or len(fresh.data.roles) < 3, "not all decided"
    every = build_access_graph(snapshot)  # type: ignore[arg-type]
    expected = tuple(e for e in escalations(every) if e.kind != "assume")
    assert streamed == expected
    assert expected, "the account has escalation paths other than role chains"
    assert gain_paths(every) == expected

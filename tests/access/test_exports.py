"""Exports read back: CSV and JSON rows as documented, Markdown per instance, GraphML."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest

from graph.access import AccessGraph
from graph.exports import columns, export


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_default_csv_has_one_row_per_instance_bucket_level_outcome(
        layers: AccessGraph, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    count = export(layers, "csv", out)
    rows = _csv(out)
    assert len(rows) == count
    assert list(rows[0]) == [*columns("default"), "assumed_context"]
    assert {r["assumed_context"] for r in rows} == {"{}"}
    app_data = [r for r in rows if r["instance_name"] == "app-1" and r["bucket"] == "data"]
    by_level = {(r["access_level"], r["outcome"]): r for r in app_data}
    assert set(by_level) == {("List", "allowed"), ("Read", "allowed"), ("Write", "allowed")}
    assert by_level[("Write", "allowed")]["actions"] == "s3:PutObject"
    assert by_level[("Write", "allowed")]["prefixes"] == "uploads/"
    assert by_level[("Read", "allowed")]["granted_by"] == "identity policy app/app-s3, statement 1"
    assert {r["outcome"] for r in rows} <= {"allowed", "conditional", "unknown"}
    keys = {(r["instance_id"], r["bucket"], r["access_level"], r["outcome"], r["via"])
            for r in rows}
    assert len(keys) == len(rows)


def test_include_denied_adds_denied_rows(layers: AccessGraph, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    export(layers, "csv", out, include_denied=True, instance="app-1", bucket="data")
    denied = [r for r in _csv(out) if r["outcome"] == "denied"]
    assert [(r["access_level"], r["actions"]) for r in denied] == [("Write", "s3:DeleteObject")]


def test_per_action_json_rows(layers: AccessGraph, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    count = export(layers, "json", out, mode="per-action", instance="reader-1")
    data = json.loads(out.read_text())
    assert data["account"] == "111111111111"
    assert any("GetBucketPolicy" in w for w in data["warnings"])
    rows = data["permissions"]
    assert len(rows) == count
    assert all("action" in r and "actions" not in r for r in rows)
    secure = [r for r in rows if r["bucket"] == "secure"]
    assert secure == [{**secure[0], "action": "s3:GetObject", "outcome": "conditional",
                       "conditions": [
                           "only over TLS — aws:SecureTransport must be true (Deny if Bool "
                           "aws:SecureTransport [false]: bucket policy, statement 1 "
                           "(DenyInsecureTransport))"]}]
    # The Deny whose condition the answer depends on is named among its statements.
    assert "bucket policy, statement 1 (DenyInsecureTransport)" in secure[0]["granted_by"]
    assert {r["bucket"]: r["outcome"] for r in rows}["unknown"] == "unknown"


def test_by_role_lists_instances_and_follows_chains(layers: AccessGraph, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    export(layers, "json", out, mode="by-role")
    rows = json.loads(out.read_text())["permissions"]
    vpc = [r for r in rows if r["role_name"] == "vpc-only" and r["bucket"] == "data"]
    assert vpc[0]["instances"] == ["i-0000000000000a003", "i-0000000000000a004"]
    assert vpc[0]["outcome"] == "conditional"
    chained = [r for r in rows if r["role_name"] == "looper" and len(r["via"]) == 3]
    assert {tuple(v.rsplit("/", 1)[-1] for v in r["via"]) for r in chained} == {
        ("hopper", "target", "looper")}


def test_markdown_detail_is_grouped_by_instance(layers: AccessGraph, tmp_path: Path) -> None:
    out, detail = tmp_path / "r.md", tmp_path / "detail.md"
    export(layers, "md", out, detail=detail)
    assert out.read_text().startswith("# rolemap review: account 111111111111")
    text = detail.read_text()
    assert text.startswith("# Effective S3 permissions")
    assert "## app-1 (i-0000000000000a001) via app" in text
    assert text.count("## hopper-1") == 3  # its own role, then two assumed roles
    assert "| data | not checked | Write | allowed | s3:PutObject |" in text


def test_graphml_reads_back_with_every_access_edge(layers: AccessGraph, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    export(layers, "graphml", out)
    back = nx.read_graphml(out, force_multigraph=True)
    assert back.nodes["public"]["kind"] == "public"
    assert back.nodes["bucket:data"]["kind"] == "bucket"
    edges = [d for u, v, d in back.edges(data=True)
             if u == "role:arn:aws:iam::111111111111:role/app" and v == "bucket:data"]
    assert len(edges) == 1
    assert json.loads(edges[0]["actions"])["s3:GetObject"] == "allowed"
    assert "app/app-s3" in edges[0]["evidence"]
    assert any(d["relation"] == "can assume" for _, _, d in back.edges(data=True))


@pytest.mark.parametrize("seed", [3, 7])
def test_exports_decided_role_by_role_equal_exports_decided_first(
        seed: int, tmp_path: Path) -> None:
    """`rolemap export` (json, csv) decides each role as its rows are reached; the rows must
    be byte for byte those written after deciding the whole account, in every shape."""
    from graph.access import build_access_graph
    from graph.sources import SourceSpec, open_source
    from graph.sources.synth import write_synthetic

    folder = tmp_path / "account"
    write_synthetic(folder, roles=40, instances=150, buckets=30, policies=15, seed=seed)
    snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
    for fmt in ("json", "csv"):
        for mode in ("default", "per-action", "by-role"):
            for denied in (False, True):
                texts = []
                for decide in (True, False):
                    out = tmp_path / f"{fmt}-{mode}-{denied}-{decide}"
                    export(build_access_graph(snapshot, decide=decide), fmt, out, mode=mode,
                           include_denied=denied)
                    texts.append([line for line in out.read_text().splitlines()
                                  if "generated_at" not in line])
                assert texts[0] == texts[1], (fmt, mode, denied)
                assert len(texts[0]) > 2, "rows were written"

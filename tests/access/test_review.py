"""The Markdown review: findings by cause and what is exposed, counted — its size follows
roles and buckets, not instances × buckets × actions; a scoped review keeps its scope."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.exports import export
from graph.sources import SourceSpec, open_source


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def _review(g: AccessGraph, tmp_path: Path, **scope: str) -> tuple[str, str]:
    out, detail = tmp_path / "review.md", tmp_path / "detail.md"
    export(g, "md", out, detail=detail, **scope)
    return out.read_text(), detail.read_text()


def test_the_review_does_not_grow_with_instances(demo: AccessGraph, tmp_path: Path) -> None:
    snap = demo.snapshot
    web = next(i for i in snap.instances if i.name == "web-1")
    more = tuple(dataclasses.replace(web, instance_id=f"i-{n:017x}", name=f"web-extra-{n}")
                 for n in range(300))
    bigger = build_access_graph(dataclasses.replace(snap, instances=(*snap.instances, *more)))
    review, detail = _review(demo, tmp_path)
    review2, detail2 = _review(bigger, tmp_path)
    # 300 more instances of one role: the detail grows by their rows, the review by nothing
    # but counts ("302 (302)" where it said "2 (2)").
    assert len(detail2) > len(detail) + 300 * 200
    assert abs(len(review2) - len(review)) < 200
    assert "| web-server | 302 (302) |" in review2


def test_the_review_says_what_is_exposed(demo: AccessGraph, tmp_path: Path) -> None:
    review, _ = _review(demo, tmp_path)
    assert "| acme-public-website | s3:GetObject | bucket policy, statement 1 (PublicRead) |" \
        in review
    assert "| acme-partner-exchange | account arn:aws:iam::210987654321:root |" in review
    # legacy-reports runs with a public IP and IMDSv1: the one exposed instance.
    assert "| legacy-reporting | 1 | 1 | 1 | 1 | 1 |" in review
    assert "--detail FILE" in review


def test_a_scoped_review_keeps_to_its_scope(demo: AccessGraph, tmp_path: Path) -> None:
    review, _ = _review(demo, tmp_path, bucket="acme-customer-data")
    assert review.startswith("# rolemap review: account 123456789012 — bucket "
                             "acme-customer-data")
    assert "acme-public-website" not in review.split("## Public buckets")[1].split("##")[0]
    # Only findings that concern the bucket; the public website's own finding is not one.
    assert "public-bucket" not in review.split("## Public buckets")[0]
    assert "# Who can reach each bucket" in review and "## acme-customer-data" in review
    everything, _ = _review(demo, tmp_path)
    assert "public-bucket" in everything.split("## Public buckets")[0]


def test_the_json_export_ends_with_what_the_review_says(demo: AccessGraph,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    export(demo, "json", out)
    data = json.loads(out.read_text())
    assert [p["bucket"] for p in data["public"]] == ["acme-public-website"]
    assert [(o["bucket"], o["account"]) for o in data["other_accounts"]] == [
        ("acme-partner-exchange", "210987654321")]
    assert {f["category"] for f in data["findings"]} >= {"public-bucket", "admin-role"}
    export(demo, "json", out, bucket="acme-customer-data")
    scoped = json.loads(out.read_text())
    assert scoped["public"] == [] and "public-bucket" not in {
        f["category"] for f in scoped["findings"]}

"""Answers a reviewer can defend (issue #11) on the demo account, through the real loader:
prefix-limited grants to other accounts, complete evidence, role chains in who-can."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.access import AccessGraph, build_access_graph
from graph.access.model import chain_label
from graph.exports import export
from graph.policy import Outcome, PolicyKind
from graph.sources import SourceSpec, open_source

PARTNER = "210987654321"


@pytest.fixture(scope="module")
def demo() -> AccessGraph:
    return build_access_graph(open_source(SourceSpec(demo=True)).snapshot)


def test_partner_account_reads_exports_prefix(demo: AccessGraph) -> None:
    """The bucket policy grants the partner GetObject on exports/* only: who-can lists it,
    limited to that prefix, with the statement that grants it."""
    [partner] = [p for p in demo.who_can("acme-partner-exchange") if p.kind == "account"]
    assert partner.id == PARTNER
    get = partner.actions["s3:GetObject"]
    assert get.outcome is Outcome.ALLOWED
    assert get.prefixes == ("exports/",)
    assert [e.sid for e in get.evidence] == ["PartnerReadsExports"]
    assert partner.actions["s3:ListBucket"].outcome is Outcome.ALLOWED
    # The graph's edges carry the same answer.
    edge = demo.graph.get_edge_data(f"account:{PARTNER}", "bucket:acme-partner-exchange")
    [attrs] = edge.values()
    assert attrs["actions"]["s3:GetObject"].prefixes == ("exports/",)


def test_every_role_answer_quotes_only_its_own_or_the_buckets_statements(
        demo: AccessGraph) -> None:
    """Answers shared between roles must not quote another role's identity statement."""
    for role in demo.snapshot.roles:
        rp = demo.data.book.role(role)
        own = {cp.policy.name for cp in rp.identity}
        if rp.boundary is not None:
            own.add(rp.boundary.policy.name)
        for bucket in demo.snapshot.buckets:
            for access in demo.role_bucket(role.arn, bucket.name).values():
                for ref in access.evidence:
                    if ref.policy_kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY):
                        assert ref.policy_name in own, (role.name, bucket.name, access.action)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_who_can_cli_json_lists_the_partner_with_its_prefix() -> None:
    proc = _cli("who-can", "--demo", "acme-partner-exchange", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["assumed_context"] == {}
    [partner] = [p for p in data["principals"] if p["kind"] == "account"]
    assert partner["actions"] == {"s3:ListBucket": "allowed", "s3:GetObject": "allowed"}
    get = next(d for d in partner["details"] if d["action"] == "s3:GetObject")
    assert get["prefixes"] == ["exports/"]
    assert get["granted_by"] == ["bucket policy, statement 1 (PartnerReadsExports)"]


def test_chained_instance_shows_its_chain_and_the_traces_count(demo: AccessGraph) -> None:
    """ci-runner-1 reaches the website bucket as ci-runner and, assuming website-deployer,
    with more actions: who-can names the whole chain and counts what the trace counts."""
    [ci] = [p for p in demo.who_can("acme-public-website") if p.name.startswith("ci-runner-1")]
    assert [chain_label(c) for c in ci.paths] == ["ci-runner",
                                                  "ci-runner → website-deployer"]
    assert chain_label(ci.via) == "ci-runner → website-deployer"
    traced: dict[str, Outcome] = {}
    for path in demo.reachable_from_instance(ci.id):
        if path.bucket == "acme-public-website":
            traced.update({k: a.outcome for k, a in path.actions.items()})
    assert {k: a.outcome for k, a in ci.actions.items()} == traced
    proc = _cli("who-can", "--demo", "acme-public-website")
    assert "via ci-runner → website-deployer" in proc.stdout


def _export_text(g: AccessGraph, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"export.{fmt}"
    export(g, fmt, out)
    return out.read_text()


def test_exports_state_the_assumed_context(demo: AccessGraph, tmp_path: Path) -> None:
    assumed = demo.with_assumed({"aws:SecureTransport": "true"})
    for g, context in ((demo, {}), (assumed, {"aws:SecureTransport": "true"})):
        data = json.loads(_export_text(g, "json", tmp_path))
        assert data["assumed_context"] == context
        rows = list(csv.DictReader(io.StringIO(_export_text(g, "csv", tmp_path))))
        assert rows and all(json.loads(r["assumed_context"]) == context for r in rows)
        md = _export_text(g, "md", tmp_path)
        line = next(x for x in md.splitlines() if x.startswith("Assumed request context"))
        assert ("`aws:SecureTransport=true`" in line) == bool(context)
        graphml = _export_text(g, "graphml", tmp_path)
        assert 'attr.name="assumed_context"' in graphml
        assert f">{json.dumps(context, sort_keys=True)}</data>" in graphml


def test_markdown_review_lists_every_kind_of_principal_per_bucket(
        demo: AccessGraph, tmp_path: Path) -> None:
    detail = tmp_path / "detail.md"
    export(demo, "md", tmp_path / "review.md", detail=detail)
    md = detail.read_text()  # the per-cell detail (the review counts, see test_review.py)
    review = md[md.index("# Who can reach each bucket"):]
    partner = review[review.index("## acme-partner-exchange"):]
    partner = partner[:partner.index("\n## ", 1)] if "\n## " in partner[1:] else partner
    assert "**Other accounts** (1)" in partner and "exports/" in partner
    assert "**Roles**" in partner and "**Instances**" in partner
    public = review[review.index("## acme-public-website"):]
    assert "**The public** (1)" in public
    assert "ci-runner-1" in public and "via ci-runner → website-deployer" in public

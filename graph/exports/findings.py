"""Findings as text (terminals), JSON (scripts), Markdown (review documents) and SARIF
(code-scanning dashboards, see sarif.py).

The JSON shape is the documented one: `{"account", "assumed_context", "findings": [{"id",
"severity", "category", "title", "instance", "role", "bucket", "principal", "instances",
"buckets", "actions", "evidence", "fix"}]}`, subject fields present only when they apply.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from graph.access import AccessGraph
from graph.exports.diagram import to_mermaid
from graph.findings import Finding, Severity
from graph.policy import StatementRef
from graph.text import markdown, printable

FINDING_FORMATS = ("text", "json", "md", "sarif")
#: Severities whose path the Markdown review draws as a flowchart.
DRAWN = (Severity.CRITICAL, Severity.HIGH)


def ref_json(ref: StatementRef) -> dict[str, Any]:
    """A statement as scripts read it: numbered from 1, as its label and the README count."""
    return {"policy": ref.policy_name, "kind": ref.policy_kind.value, "statement": ref.number,
            "sid": ref.sid, "label": ref.label}


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "severity": f.severity.value, "category": f.category,
                           "title": f.title}
    for key in ("instance", "role", "bucket", "principal"):
        value = getattr(f, key)
        if value is not None:
            out[key] = value
    # Every instance and bucket the cause concerns, however many: scripts act on them all.
    if f.instances:
        out["instances"] = list(f.instances)
    if f.buckets:
        out["buckets"] = list(f.buckets)
    out["actions"] = list(f.actions)
    out["evidence"] = [ref_json(r) for r in f.evidence]
    out["fix"] = f.fix
    return out


def findings_json(graph: AccessGraph, findings: Sequence[Finding]) -> dict[str, Any]:
    return {"account": graph.snapshot.account_id, "assumed_context": dict(graph.assumed),
            "findings": [finding_json(f) for f in findings]}


def counts_line(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.value}" for s in Severity if counts[s]]
    return f"{len(findings)} finding(s)" + (f": {', '.join(parts)}" if parts else "")


def write_text(out: TextIO, findings: Sequence[Finding]) -> None:
    for f in findings:
        out.write(f"{f.severity.value.upper():<8}  {f.category:<22}  {f.title}\n")
        for line in f.detail:
            out.write(f"          {line}\n")
        for ref in f.evidence[:5]:
            out.write(f"          by {ref.label}\n")
        if len(f.evidence) > 5:
            out.write(f"          … and {len(f.evidence) - 5} more statement(s)\n")
        out.write(f"          fix: {f.fix}\n          id: {f.id}\n\n")
    out.write(counts_line(findings) + "\n")


_md = markdown


def write_markdown_findings(out: TextIO, graph: AccessGraph, findings: Sequence[Finding],
                            level: str = "##", drawn: int | None = None) -> None:
    """The findings summary: counts, a ranked table, then each critical or high finding with
    its path as a Mermaid flowchart, its statements and its fix — the first `drawn` of them
    when given (the review keeps its size; `findings --format md` draws every one)."""
    out.write(f"{level} Findings\n\n{counts_line(findings)}.\n\n")
    if not findings:
        return
    out.write("| severity | category | finding | id |\n|---|---|---|---|\n")
    for f in findings:
        out.write(f"| {f.severity.value} | {f.category} | {_md(f.title)} | `{f.id}` |\n")
    out.write("\n")
    shown = [f for f in findings if f.severity in DRAWN]
    if drawn is not None and len(shown) > drawn:
        out.write(f"The first {drawn} of the {len(shown)} critical and high findings are "
                  "drawn below; `rolemap findings --format md` draws every one.\n\n")
        shown = shown[:drawn]
    for f in shown:
        out.write(f"{level}# {f.severity.value.upper()}: {_md(f.title)}\n\n")
        if f.path:
            out.write("```mermaid\n" + to_mermaid(f.path, graph) + "```\n\n")
        for line in f.detail:
            out.write(f"- {_md(line)}\n")
        if f.evidence:
            out.write("\nDeciding statements:\n\n")
            for ref in f.evidence:
                statement = json.dumps(ref.statement, default=str)
                # JSON escapes control characters itself; printable() is the same rule again.
                out.write(f"- {_md(ref.label)}: `{printable(statement)}`\n")
        out.write(f"\n**Fix:** {_md(f.fix)}\n\n")


def write_findings(out: TextIO, graph: AccessGraph, findings: Sequence[Finding],
                   fmt: str) -> None:
    if fmt == "json":
        json.dump(findings_json(graph, findings), out, indent=2)
        out.write("\n")
    elif fmt == "sarif":
        from graph.exports.sarif import to_sarif

        json.dump(to_sarif(graph, findings), out, indent=2)
        out.write("\n")
    elif fmt == "md":
        out.write(f"# Findings — account {graph.snapshot.account_id}\n\n")
        if graph.assumed:
            ctx = ", ".join(f"`{_md(k)}={_md(v)}`" for k, v in graph.assumed.items())
            out.write(f"Assumed request context: {ctx}.\n\n")
        write_markdown_findings(out, graph, findings, level="##")
    else:
        write_text(out, findings)

"""Findings as SARIF 2.1.0, for code-scanning dashboards: one rule per category.

An account has no source files, so each result's location names the resource twice: a
logical location (its ARN) and an artifact path `aws/<account>/<kind>/<name>` that
dashboards requiring a physical location accept. The finding's stable id is the result's
partial fingerprint, so a dashboard follows one risk across runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.access import AccessGraph
from graph.findings import CATEGORIES, Finding, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
#: GitHub code scanning reads `security-severity` (0-10) to rank security results.
SCORES = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
          Severity.LOW: "3.0", Severity.INFO: "1.0"}


def _rule(index: int) -> dict[str, Any]:
    c = CATEGORIES[index]
    return {
        "id": c.id,
        "name": "".join(word.capitalize() for word in c.id.split("-")),
        "shortDescription": {"text": c.name},
        "fullDescription": {"text": c.summary},
        "help": {"text": c.help},
        "defaultConfiguration": {"level": "error" if c.id in (
            "public-bucket", "privilege-escalation", "admin-role") else "warning"},
        "properties": {"tags": ["security", "aws", "iam", "s3"]},
    }


def _location(graph: AccessGraph, f: Finding) -> dict[str, Any]:
    account = graph.snapshot.account_id
    if f.bucket is not None and f.category in ("public-bucket", "cross-account",
                                               "no-block-public-access"):
        kind, name, arn = "bucket", f.bucket, f"arn:aws:s3:::{f.bucket}"
    elif f.category == "public-access-point" and f.principal is not None:
        kind, name, arn = "access-point", f.principal.rsplit("/", 1)[-1], f.principal
    elif f.instance is not None:
        inst = graph.snapshot.instance_by_id.get(f.instance)
        kind, name = "instance", f.instance
        arn = inst.arn if inst else f.instance
    elif f.role is not None:
        kind, name, arn = "role", f.role.rsplit("/", 1)[-1], f.role
    else:
        kind, name, arn = "account", account, f"arn:aws:iam::{account}:root"
    return {
        "physicalLocation": {"artifactLocation": {"uri": f"aws/{account}/{kind}/{name}"}},
        "logicalLocations": [{"name": name, "fullyQualifiedName": arn, "kind": "resource"}],
    }


def _result(graph: AccessGraph, f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    return {
        "ruleId": f.category,
        "ruleIndex": rule_index[f.category],
        "level": LEVELS[f.severity],
        "message": {"text": f"{f.title}. Fix: {f.fix}"},
        "locations": [_location(graph, f)],
        "partialFingerprints": {"rolemapFindingId/v1": f.id},
        "properties": {
            "severity": f.severity.value,
            "security-severity": SCORES[f.severity],
            "actions": list(f.actions),
            "evidence": [r.label for r in f.evidence],
            "detail": list(f.detail),
        },
    }


def to_sarif(graph: AccessGraph, findings: Sequence[Finding]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("rolemap")
    except PackageNotFoundError:
        tool_version = "0"
    rule_index = {c.id: i for i, c in enumerate(CATEGORIES)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rolemap", "version": tool_version,
                                "rules": [_rule(i) for i in range(len(CATEGORIES))]}},
            "automationDetails": {"id": f"rolemap/{graph.snapshot.account_id}/"},
            "properties": {"account": graph.snapshot.account_id,
                           "assumedContext": dict(graph.assumed)},
            "results": [_result(graph, f, rule_index) for f in findings],
        }],
    }

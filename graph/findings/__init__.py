"""Findings: the ranked risks of an account, each traceable to its statements.

Public API::

    findings = find(graph)                      # tuple[Finding, ...], worst first
    find(graph, min_severity="high")
    paths = escalations(graph)                  # every "could gain" path (trace, who-can)

Built on the access graph's decided answers and, for IAM/EC2 actions the graph does not
decide (iam:PassRole, ec2:RunInstances, iam:PutRolePolicy…), on the same policy engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from weakref import WeakKeyDictionary

from graph.access import AccessGraph
from graph.findings.access_points import public_point_findings
from graph.findings.buckets import cross_account_findings, no_block_findings, public_findings
from graph.findings.compute_unknown import unknown_compute_findings
from graph.findings.context import FindingContext
from graph.findings.endpoints import endpoint_findings
from graph.findings.escalation import Escalation, EscalationFinder
from graph.findings.escalation_causes import escalation_findings
from graph.findings.instances import exposure_findings
from graph.findings.kms import shared_key_findings, undecryptable_findings
from graph.findings.model import (
    CATEGORIES,
    CATEGORY_BY_ID,
    Category,
    Finding,
    PathStep,
    Severity,
    category_order,
)
from graph.findings.roles import admin_findings, broad_trust_findings
from graph.findings.trusted import trusted_findings

__all__ = [
    "CATEGORIES",
    "CATEGORY_BY_ID",
    "Category",
    "Escalation",
    "Finding",
    "PathStep",
    "Severity",
    "escalation_json",
    "escalations",
    "gain_paths",
    "escalations_of_roles",
    "escalations_to_bucket",
    "find",
]

Progress = Callable[[str, int, int], None]

_CACHE: WeakKeyDictionary[AccessGraph, tuple[tuple[Finding, ...], tuple[Escalation, ...]]] = \
    WeakKeyDictionary()


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def _compute(graph: AccessGraph, progress: Progress
             ) -> tuple[tuple[Finding, ...], tuple[Escalation, ...]]:
    found = _CACHE.get(graph)
    if found is not None:
        return found
    ctx = FindingContext(graph)
    rules = [
        ("findings: buckets", lambda: [*public_findings(ctx), *cross_account_findings(ctx),
                                       *no_block_findings(ctx)]),
        ("findings: KMS keys", lambda: [*shared_key_findings(ctx),
                                        *undecryptable_findings(ctx)]),
        ("findings: roles", lambda: [*admin_findings(ctx), *broad_trust_findings(ctx)]),
        ("findings: roles other accounts assume", lambda: list(trusted_findings(ctx))),
        ("findings: VPC endpoints", lambda: list(endpoint_findings(ctx))),
        ("findings: access points", lambda: list(public_point_findings(ctx))),
    ]
    out: list[Finding] = []
    total = len(rules) + 2
    for done, (step, rule) in enumerate(rules):
        progress(step, done, total)
        out.extend(rule())
    progress("findings: escalation", len(rules), total)
    paths = tuple(EscalationFinder(ctx).all())
    out.extend(escalation_findings(ctx, list(paths)))
    out.extend(unknown_compute_findings(ctx))
    progress("findings: exposure", len(rules) + 1, total)
    out.extend(exposure_findings(ctx))
    progress("findings", total, total)
    out.sort(key=lambda f: (-f.rank, category_order(f.category), f.title, f.id))
    found = (tuple(out), paths)
    _CACHE[graph] = found
    return found


def find(graph: AccessGraph, min_severity: Severity | str | None = None,
         progress: Progress | None = None) -> tuple[Finding, ...]:
    """Every finding of the account, worst first (severity, then category, then title)."""
    findings, _ = _compute(graph, progress or _no_progress)
    if min_severity is None:
        return findings
    floor = Severity.parse(min_severity) if isinstance(min_severity, str) else min_severity
    return tuple(f for f in findings if f.rank >= floor.rank)


def escalations(graph: AccessGraph) -> tuple[Escalation, ...]:
    """Every escalation path of the roles instances can act as ("could gain", not allowed)."""
    return _compute(graph, _no_progress)[1]


def gain_paths(graph: AccessGraph) -> tuple[Escalation, ...]:
    """"Could gain" paths, role chains left out (they are access already), in the order of
    `escalations`. Without the other findings and the chains, only roles that may change IAM
    are decided: a streamed export lists these before its first row, before any role is."""
    found = _CACHE.get(graph)
    if found is not None:
        return tuple(e for e in found[1] if e.kind != "assume")
    return tuple(EscalationFinder(FindingContext(graph), assume=False).all())


def escalations_of_roles(graph: AccessGraph, roles: Iterable[str]) -> list[Escalation]:
    """"Could gain" paths of these roles (role chains left out: they are access already)."""
    wanted = set(roles)
    return [e for e in escalations(graph) if e.role in wanted and e.kind != "assume"]


def escalations_to_bucket(graph: AccessGraph, bucket: str) -> list[Escalation]:
    """"Could gain" paths that add access to `bucket` (or let a role write its own policy)."""
    return [e for e in escalations(graph) if e.kind != "assume"
            and (bucket in e.gains or e.everything)]


def escalation_json(e: Escalation, bucket: str | None = None) -> dict[str, Any]:
    """How exports mark an escalation: never among allowed answers, always with its steps."""
    gained = e.gains.get(bucket, frozenset()) if bucket is not None else frozenset(
        a for acts in e.gains.values() for a in acts)
    return {
        "kind": "escalation", "path_kind": e.kind, "role": e.role, "via": e.via,
        "target": e.target, "through": list(e.through),
        **({"through_kind": e.through_kind} if e.through_kind != "instance" else {}),
        "steps_outcome": e.outcome.value, "instances": list(e.instances),
        "gains": "any action (writes its own policy)" if e.everything else sorted(gained),
        **({"note": e.note} if e.note else {}),
        "steps": [{"action": s.action, "resource": s.resource, "outcome": s.outcome.value,
                   "evidence": [r.label for r in s.evidence]} for s in e.steps],
    }

"""Findings that appear or go away between two snapshots (by their stable ids).

graph.findings gives every risk an id made of its category and subjects, never of its
position, so the same risk keeps its id across snapshots: a finding is new when its id is
only in the new snapshot, resolved when only in the old one.
"""

from __future__ import annotations

from graph.access import AccessGraph
from graph.diff.model import FindingChange
from graph.findings import Finding, find


def _change(f: Finding) -> FindingChange:
    return FindingChange(f.id, f.title, f.severity.value, f.category)


def compare_findings(old: AccessGraph, new: AccessGraph
                     ) -> tuple[tuple[FindingChange, ...], tuple[FindingChange, ...]]:
    """(new findings, resolved findings), worst first as graph.findings ranks them."""
    before, after = find(old), find(new)
    old_ids = {f.id for f in before}
    new_ids = {f.id for f in after}
    return (tuple(_change(f) for f in after if f.id not in old_ids),
            tuple(_change(f) for f in before if f.id not in new_ids))

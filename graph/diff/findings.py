"""Findings that appear or go away between two snapshots (by their stable ids).

Findings (graph.findings, issue 15) give every risk an id that survives across snapshots; a
diff reports the ids present on one side only. Until that package is in the tree there are
no findings to compare, and `compare_findings` says so by returning nothing on both sides.
"""

from __future__ import annotations

from graph.access import AccessGraph
from graph.diff.model import FindingChange


def compare_findings(old: AccessGraph, new: AccessGraph
                     ) -> tuple[tuple[FindingChange, ...], tuple[FindingChange, ...]]:
    """(new findings, resolved findings). Not wired yet: graph.findings has not landed, so
    both are empty (the JSON still carries "findings": {"new": [], "resolved": []})."""
    return (), ()

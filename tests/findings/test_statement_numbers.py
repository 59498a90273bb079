"""Statement numbers in JSON agree with their labels: 1 for a policy's first statement."""

from __future__ import annotations

import re

from graph.access import AccessGraph
from graph.exports.findings import findings_json
from graph.findings import find


def test_every_json_statement_number_is_the_one_its_label_shows(
    findings_graph: AccessGraph,
) -> None:
    evidence = [e for f in findings_json(findings_graph, find(findings_graph))["findings"]
                for e in f["evidence"]]
    assert evidence
    for e in evidence:
        shown = re.search(r"statement (\d+)", e["label"])
        assert shown, e["label"]
        assert e["statement"] == int(shown.group(1)) >= 1, e


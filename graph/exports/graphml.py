"""The whole access graph as GraphML, for Gephi, yEd and Neo4j (apoc.import.graphml).

GraphML attributes must be scalars: model objects are dropped, evidence becomes statement
labels, per-action answers become a JSON object string, enums become their words.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, BinaryIO

import networkx as nx

from graph.access import AccessGraph
from graph.exports.rows import unknown_reasons
from graph.model import Bucket, Instance, Role


def _node_attrs(attrs: dict[str, Any]) -> dict[str, str]:
    out = {"kind": str(attrs.get("kind", "")), "label": str(attrs.get("label", ""))}
    obj = attrs.get("obj")
    if isinstance(obj, Instance):
        out.update(region=obj.region, state=obj.state, vpc=obj.vpc_id or "")
    elif isinstance(obj, Bucket):
        out.update(region=obj.region, has_policy=str(obj.policy is not None).lower())
    elif isinstance(obj, Role):
        out.update(arn=obj.arn)
    return out


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _edge_attrs(attrs: dict[str, Any]) -> dict[str, str]:
    out = {"relation": _text(attrs.get("relation", "")),
           "outcome": _text(attrs.get("outcome", ""))}
    reasons = attrs.get("reasons") or ()
    out["reasons"] = " | ".join(reasons)
    evidence = attrs.get("evidence") or ()
    out["evidence"] = " | ".join(dict.fromkeys(e.label for e in evidence))
    actions = attrs.get("actions")
    if actions:
        out["actions"] = json.dumps({k: a.outcome.value for k, a in actions.items()})
        out["action_count"] = str(len(actions))
        out["unknown_because"] = " | ".join(unknown_reasons(actions.values()))
    return out


def flat_graph(g: AccessGraph) -> nx.MultiDiGraph:
    """A copy of the access graph with every attribute a string."""
    src = g.graph
    # What the answers assumed and what could not be read, on the graph itself.
    flat = nx.MultiDiGraph(account=g.snapshot.account_id,
                           assumed_context=json.dumps(dict(g.assumed), sort_keys=True),
                           warnings=" | ".join(str(w) for w in g.warnings))
    for node, attrs in src.nodes(data=True):
        flat.add_node(node, **_node_attrs(attrs))
    for u, v, key, attrs in src.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **_edge_attrs(attrs))
    return flat


def write_graphml(out: BinaryIO | str, g: AccessGraph) -> int:
    flat = flat_graph(g)
    nx.write_graphml(flat, out)
    return flat.number_of_edges()

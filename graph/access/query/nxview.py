"""The access graph as a networkx MultiDiGraph (for the app's graph views and GraphML).

Nodes: "instance:<id>", "profile:<arn>", "role:<arn>", "bucket:<name>", "service:<principal>",
"account:<id>", "public"; each with "kind", "label" and "obj" (the model object). Edges carry
"relation" ("runs as", "can assume", "can access"), an "outcome", and their evidence; a
"can access" edge holds every action's answer under "actions".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import networkx as nx

from graph.access.answers.class_answers import ValueKey, answers_key
from graph.access.model import OUTCOME_RANK, ActionAccess, PrincipalAccess, unique_refs
from graph.access.reach.build import AccessData
from graph.policy import Outcome, StatementRef


def _best(actions: Mapping[str, ActionAccess]) -> Outcome:
    return max((a.outcome for a in actions.values()), key=OUTCOME_RANK.__getitem__)


def build_networkx(data: AccessData, external: Callable[[str], list[PrincipalAccess]]
                   ) -> nx.MultiDiGraph:
    """`external`: the other accounts and services a bucket's policy grants to (the
    AccessGraph's cached query)."""
    snap = data.snapshot
    G = nx.MultiDiGraph(account=snap.account_id)
    G.add_node("public", kind="public", label="anyone (public)", obj=None)
    for b in snap.buckets:
        G.add_node(f"bucket:{b.name}", kind="bucket", label=b.name, obj=b)
    for r in snap.roles:
        G.add_node(f"role:{r.arn}", kind="role", label=r.name, obj=r)
    for p in snap.instance_profiles:
        G.add_node(f"profile:{p.arn}", kind="profile", label=p.name, obj=p)
        for arn in p.role_arns:
            if arn in snap.role_by_arn:
                ec2 = data.ec2_edge(arn)
                G.add_edge(f"profile:{p.arn}", f"role:{arn}", relation="runs as",
                           outcome=ec2.outcome, reasons=ec2.reasons, evidence=ec2.evidence)
    for profile_arn, stand_in in data.unread.items():
        # The account's IAM details were not read: the profile's role is a stand-in whose
        # answers are unknown (graph.access.decide.unread).
        G.add_node(f"role:{stand_in.arn}", kind="role", label=stand_in.name, obj=stand_in)
        G.add_node(f"profile:{profile_arn}", kind="profile",
                   label=profile_arn.rsplit("/", 1)[-1], obj=None)
        ec2 = data.ec2_edge(stand_in.arn)
        G.add_edge(f"profile:{profile_arn}", f"role:{stand_in.arn}", relation="runs as",
                   outcome=ec2.outcome, reasons=ec2.reasons, evidence=ec2.evidence)
    for i in snap.instances:
        G.add_node(f"instance:{i.instance_id}", kind="instance", label=i.label, obj=i)
        if i.instance_profile_arn:
            node = f"profile:{i.instance_profile_arn}"
            if node not in G:
                G.add_node(node, kind="profile", label=i.instance_profile_arn.split("/")[-1],
                           obj=None)
            G.add_edge(f"instance:{i.instance_id}", node, relation="runs as",
                       outcome=Outcome.ALLOWED, reasons=(), evidence=())
    for e in data.assume_edges + data.role_edges:
        if e.source not in G:
            kind, _, ident = e.source.partition(":")
            G.add_node(e.source, kind=kind, label=ident, obj=None)
        G.add_edge(e.source, f"role:{e.target_arn}", relation="can assume", outcome=e.outcome,
                   reasons=e.reasons, evidence=e.evidence, conditions=e.conditions)
    # Buckets that share an answer share one attribute dict's values (outcome, evidence).
    shared: dict[ValueKey, tuple[Outcome, tuple[StatementRef, ...]]] = {}
    for r in data.roles:
        src = f"role:{r.arn}"
        for res, names in data.reach.iter_classes(data.reach_for(r.arn, None)):
            key = answers_key(res)
            found = shared.get(key)
            if found is None:
                found = (_best(dict(res)), unique_refs(
                    e for a in res.values() for e in a.evidence))
                shared[key] = found
            outcome, evidence = found
            G.add_edges_from(
                (src, f"bucket:{name}", {"relation": "can access", "outcome": outcome,
                                         "actions": res, "evidence": evidence})
                for name in names)
    for b in snap.buckets:
        if b.policy is None:
            continue
        for ext in external(b.name):
            node = f"{ext.kind}:{ext.id}"
            if node not in G:
                G.add_node(node, kind=ext.kind, label=ext.name, obj=None)
            acts = dict(ext.actions)
            G.add_edge(node, f"bucket:{b.name}", relation="can access", outcome=_best(acts),
                       actions=acts,
                       evidence=tuple(e for a in acts.values() for e in a.evidence))
    for name, res in data.public.items():
        acts = dict(res)
        G.add_edge("public", f"bucket:{name}", relation="can access", outcome=_best(acts),
                   actions=acts, evidence=tuple(e for a in acts.values() for e in a.evidence))
    return G

"""Explaining one path: instance → profile → role (→ assumed roles) → bucket for one action,
each hop with its evidence; and one engine question for a pair never stored."""

from __future__ import annotations

from typing import Any

from graph.access.model import OUTCOME_RANK, ActionAccess, Explanation, Hop
from graph.access.query import across
from graph.access.query.lookup import find_instance
from graph.access.reach.build import Chain, instance_values
from graph.access.reach.chain import through
from graph.catalog import require_action
from graph.model import Instance
from graph.policy import Outcome

#: The AccessGraph asked (query/graph.py, which imports this module, so not named here).
AccessGraph = Any


def explain_path(g: AccessGraph, instance_id: str, bucket_name: str, action: str
                 ) -> Explanation:
    """The path from an instance to a bucket for one action, each hop with its evidence."""
    instance = find_instance(g.snapshot, instance_id)
    bucket = g.find_bucket(bucket_name)
    entry = require_action(action)
    hops: list[Hop] = []
    inst_node = f"instance:{instance.instance_id}"
    profile = instance.instance_profile_arn
    if not profile:
        return Explanation((), None)
    hops.append(Hop(inst_node, f"profile:{profile}", "runs as"))
    roles = g.data.instance_roles(instance)
    if not roles:
        return Explanation(tuple(hops), None)
    best: tuple[Chain, ActionAccess] | None = None
    ec2 = g.data.ec2_edge(roles[0])
    first = (ec2,) if ec2.outcome is not Outcome.ALLOWED else ()
    for chain in g.data.chains_from(roles[0]):
        own = instance if len(chain.roles) == 1 else None
        res = g.role_bucket(chain.roles[-1], bucket.name, own)
        if g.data.side(chain.roles[-1], bucket.name) is not None:
            res = g.net(chain.roles[-1], bucket.name).on_bucket(
                instance, chain.roles[-1], bucket.name, res, own)
        acc = res.get(entry.name)
        if acc is None:
            continue
        acc = through(acc, first + chain.hops)
        if best is None or OUTCOME_RANK[acc.outcome] > OUTCOME_RANK[best[1].outcome]:
            best = (chain, acc)
    if best is None:
        chain = g.data.chains_from(roles[0])[0]
        acc = g.decide_now(roles[0], bucket.name, entry.name, instance)
        if g.data.side(roles[0], bucket.name) is not None:
            acc = g.net(roles[0], bucket.name).on_bucket(
                instance, roles[0], bucket.name, {entry.name: acc}, instance)[entry.name]
        best = (chain, acc)
    chain, acc = best
    hops.append(Hop(f"profile:{profile}", f"role:{roles[0]}", "runs as", ec2.reasons,
                    ec2.evidence))
    if ec2.outcome is Outcome.DENIED:
        return Explanation(tuple(hops), None)
    for edge in chain.hops:
        hops.append(Hop(edge.source, f"role:{edge.target_arn}", "can assume", edge.reasons,
                        edge.evidence))
    net = g.net(chain.roles[-1], bucket.name).hop(instance, chain.roles[-1],
                                                     bucket.name, acc) \
        if g.data.side(chain.roles[-1], bucket.name) is not None else None
    hops.extend((net,) if net is not None else ())
    hops.append(Hop(f"role:{chain.roles[-1]}", f"bucket:{bucket.name}", "can access",
                    acc.reasons, acc.evidence))
    return Explanation(tuple(hops), acc)


def decide_now(g: AccessGraph, role_arn: str, bucket_name: str, action: str,
               instance: Instance | None = None) -> ActionAccess:
    """Ask the engine directly (for pairs never stored because nothing grants them)."""
    entry = require_action(action)
    data = g.data.side(role_arn, bucket_name)
    if data is None:
        return across.not_admitted(entry.name, bucket_name, role_arn, g.data)
    rf = data.facts_of(role_arn)
    bf = data.bucket_by_name[bucket_name]
    ctx = data.reach.instance_context(rf, instance_values(instance)) if instance \
        else {}
    return data.reach.decide_action(rf, bf, entry, ctx)

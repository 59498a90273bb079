"""Existing compute as principals of who-can: a Lambda function, stack, project, dev endpoint
or notebook reaches what its role reaches, when the role trusts the service that runs it.

The service's trust edge is decided like EC2's for an instance (`AccessGraph.instance_chains`):
a trust that does not admit the service hands the resource nothing; a conditional or unknown
one is the chain's first hop, so every answer through it is conditional or unknown too.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.access.reach.build import AccessData, Chain
from graph.model_compute import SERVICE_PRINCIPALS, ComputeResource
from graph.policy import Outcome


def compute_resources(data: AccessData) -> tuple[ComputeResource, ...]:
    facts = data.snapshot.compute
    return facts.resources if facts is not None else ()


def compute_chains(data: AccessData, resource: ComputeResource) -> Iterator[Chain]:
    """Chains of roles the resource's code can act as (none when its role is unknown here or
    does not trust the service)."""
    role = data.snapshot.role_by_arn.get(resource.role_arn)
    if role is None:
        return
    edge = data.trust.service_edge(role, SERVICE_PRINCIPALS[resource.kind])
    if edge.outcome is Outcome.DENIED:
        return
    for chain in data.chains_from(role.arn):
        yield chain if edge.outcome is Outcome.ALLOWED else Chain(chain.roles,
                                                                  (edge, *chain.hops))

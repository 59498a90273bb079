"""An account's snapshot widened with the other accounts' roles and buckets its paths reach:
what explains a change of its answers (the diff's causes) when the change is elsewhere in the
organisation, a trust policy in the data account or a bucket policy there.

Both sides of a diff must hold the same entities to be compared (a role present on one side
only reads as created or deleted), so the set reached on either side is read from each
side's own folder, one account at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from graph.access.query.graph import AccessGraph
from graph.model import AccountSnapshot
from graph.org.index import OrgIndex, OrgSource


def reached_names(g: AccessGraph) -> tuple[set[str], set[str]]:
    """(role ARNs, bucket names) of other accounts the analysis reaches."""
    foreign = g.data.foreign
    if foreign is None:
        return set(), set()
    return set(foreign.roles), set(foreign.buckets)


def with_reached(source: OrgSource, index: OrgIndex, snapshot: AccountSnapshot,
                 roles: Iterable[str], buckets: Iterable[str]) -> AccountSnapshot:
    """`snapshot` with those of `roles` and `buckets` this side's folder holds (and the
    managed policies the roles attach)."""
    wanted_roles = set(roles)
    wanted_buckets = set(buckets)
    accounts = {a.split(":")[4] for a in wanted_roles}
    accounts |= {index.buckets[b].account for b in wanted_buckets if b in index.buckets}
    accounts &= set(source.loaded)
    accounts.discard(snapshot.account_id)
    extra_roles = []
    extra_buckets = []
    policies = {p.arn: p for p in snapshot.managed_policies}
    for account in sorted(accounts):
        other = source.load(account)
        picked = [r for r in other.roles if r.arn in wanted_roles]
        extra_roles.extend(picked)
        extra_buckets.extend(b for b in other.buckets if b.name in wanted_buckets)
        attached = {a for r in picked
                    for a in (*r.attached_policy_arns, r.permissions_boundary_arn) if a}
        for p in other.managed_policies:
            if p.arn in attached:
                policies.setdefault(p.arn, p)
    if not extra_roles and not extra_buckets:
        return snapshot
    return dataclasses.replace(snapshot, roles=(*snapshot.roles, *extra_roles),
                               buckets=(*snapshot.buckets, *extra_buckets),
                               managed_policies=tuple(policies.values()))

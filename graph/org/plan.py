"""What one account's analysis needs of the rest of its organisation, from the index alone.

Starting from the account's roles, the foreign roles they may assume (the target's trust names
the caller, its account or anyone, and the caller's own Allow names the target: across
accounts both are needed; inside one account the trust naming the caller's ARN suffices),
transitively; then, for each account whose roles are callers, the buckets of other accounts
that admit it (and, for a foreign caller, its own account's buckets it names). Roles in
accounts that could not be loaded are kept as targets: their answers are unknown.
Over-approximate by construction (the engine decides each pair later), never under.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from graph.org.index import OrgIndex, RoleEntry


@dataclass
class Plan:
    account: str
    #: Foreign account -> its roles the account's chains may reach.
    pulled: dict[str, set[str]] = field(default_factory=dict)
    #: (caller, target) role ARNs whose "can assume" the engine decides across the sides.
    edges: list[tuple[str, str]] = field(default_factory=list)
    #: (callers' account, buckets' account) -> bucket names to decide in one view.
    sides: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    #: Caller ARN -> (role ARN or pattern, its account) in accounts that could not be loaded.
    failed_targets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: Buckets admitting an account that could not be loaded whose role the chains reach.
    failed_buckets: dict[str, set[str]] = field(default_factory=dict)

    @property
    def touches(self) -> set[str]:
        """Every foreign bucket the account's analysis holds."""
        out = {b for (_, owner), names in self.sides.items() for b in names
               if owner != self.account}
        out.update(b for names in self.failed_buckets.values() for b in names)
        return out


def _trusted_by(index: OrgIndex) -> dict[str, list[RoleEntry]]:
    """Roles by the accounts their trust names ("*" for anyone)."""
    out: dict[str, list[RoleEntry]] = {}
    for r in index.roles.values():
        seen: set[str] = set()
        for p in r.trusts:
            parts = p.split(":")
            acct = "*" if p == "*" else (parts[4] if len(parts) > 4 else p)
            if acct not in seen:
                seen.add(acct)
                out.setdefault(acct, []).append(r)
    return out


def plan_account(index: OrgIndex, account: str) -> Plan:
    plan = Plan(account)
    trusted = _trusted_by(index)
    queue = deque(r for r in index.roles_of(account))
    seen = {r.arn for r in queue}
    while queue:
        caller = queue.popleft()
        home = caller.account
        for target in (*trusted.get(home, ()), *trusted.get("*", ())):
            if target.arn == caller.arn or not target.trusts_caller(caller.arn):
                continue
            same = target.account == home
            if same and home == account:
                continue  # the account's own edges: its own analysis decides them
            if not (caller.may_assume(target.arn) or (same and caller.arn in target.trusts)):
                continue
            plan.edges.append((caller.arn, target.arn))
            if target.arn not in seen and target.account != account:
                seen.add(target.arn)
                plan.pulled.setdefault(target.account, set()).add(target.arn)
                queue.append(target)
        for pattern in caller.assumes:
            parts = pattern.split(":")
            if len(parts) > 4 and parts[4] in index.failed:
                plan.failed_targets.setdefault(caller.arn, []).append((pattern, parts[4]))
    callers: dict[str, list[RoleEntry]] = {
        acct: [index.roles[a] for a in arns] for acct, arns in plan.pulled.items()}
    for b in index.buckets.values():
        if b.account != account and b.admits(account):
            plan.sides.setdefault((account, b.account), set()).add(b.name)
        for acct, roles in callers.items():
            mine = b.account == acct
            if mine and not any(r.may_touch(b.name) for r in roles) \
                    and not b.admits(acct, [r.arn for r in roles]):
                continue
            if not mine and not (b.admits(acct, [r.arn for r in roles])
                                 and any(r.may_touch(b.name) for r in roles)):
                continue
            plan.sides.setdefault((acct, b.account), set()).add(b.name)
        for targets in plan.failed_targets.values():
            for _, acct in targets:
                if b.admits(acct):
                    plan.failed_buckets.setdefault(b.account, set()).add(b.name)
    return plan


def split_by_owner(plan: Plan, limit: int) -> list[Plan]:
    """The plan as parts of at most about `limit` foreign buckets each, whole owner accounts
    at a time (an owner with more stays whole); the first part keeps the account's own
    buckets and their foreign callers. Every part keeps the roles, hops and failed targets:
    a bucket's answers need every chain that reaches it, and no other bucket.

    An account whose chains reach every other account (the management account, through
    each member's OrganizationAccountAccessRole) reaches buckets in proportion to the
    organisation: analysed a part at a time, its memory stays bounded by `limit`.
    """
    own = plan.account
    sizes: dict[str, set[str]] = {}
    for (_, owner), names in plan.sides.items():
        if owner != own:
            sizes.setdefault(owner, set()).update(names)
    for owner, names in plan.failed_buckets.items():
        if owner != own:
            sizes.setdefault(owner, set()).update(names)
    batches: list[set[str]] = [set()]
    held = 0
    for owner in sorted(sizes):
        if held and held + len(sizes[owner]) > limit:
            batches.append(set())
            held = 0
        batches[-1].add(owner)
        held += len(sizes[owner])
    parts = []
    for i, batch in enumerate(batches):
        keep = batch | ({own} if i == 0 else set())
        parts.append(Plan(
            own, plan.pulled, plan.edges,
            {k: v for k, v in plan.sides.items() if k[1] in keep},
            plan.failed_targets,
            {k: v for k, v in plan.failed_buckets.items() if k in keep}))
    return parts

"""What a role's identity policies, boundary and SCPs can touch among buckets.

A role's statements are reduced to: which buckets they concern (via the bucket index), which
S3 actions they could grant, which object-key prefixes they name, and whether the answer
depends on who asks or on the instance: so only the decisions worth asking are asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from graph.access.compile.actions import action_mask
from graph.access.compile.index import BucketIndex
from graph.access.compile.policies import CompiledPolicy, PolicyBook, RolePolicies
from graph.access.compile.policy_part import PolicyPart, SigItem, policy_part
from graph.access.compile.statements import INSTANCE_KEYS, NETWORK_KEYS


@dataclass
class RoleFacts:
    """What a role's identity policies, boundary and SCPs can touch among buckets."""

    policies: RolePolicies
    parts: tuple[PolicyPart, ...] = ()
    #: S3 actions some identity Allow statement grants on every bucket alike.
    universal_actions: frozenset[str] = frozenset()
    #: Buckets any statement (Allow or Deny, identity, boundary or SCP) names specifically.
    special: Named = field(default_factory=lambda: Named(()))
    principal_sensitive: bool = False
    #: See PolicyPart.principal_keys.
    principal_keys: frozenset[str] = frozenset()
    instance_keys: frozenset[str] = frozenset()
    #: Network-path keys its statements read (aws:SourceVpce...): see decide/network.py.
    network_keys: frozenset[str] = frozenset()
    #: Statements concerning every bucket alike, as SigItems: part of every decision key.
    universal_sig: frozenset[SigItem] = frozenset()
    #: Each policy's place in the order the engine reads them (identity policies, boundary,
    #: SCPs), by CompiledPolicy.key: evidence lists statements in that order.
    order: dict[int, int] = field(default_factory=dict)
    _ordered: dict[tuple[SigItem, ...], tuple[SigItem, ...]] = field(
        default_factory=dict, repr=False, compare=False)

    @cached_property
    def universal_key(self) -> tuple[SigItem, ...]:
        """`universal_sig` in reading order: answers with the same statements in another
        order list their evidence in another order, so they are not shared."""
        return self.ordered(())

    def ordered(self, sig: tuple[SigItem, ...]) -> tuple[SigItem, ...]:
        """The statements concerning a bucket named by `sig`: the universal ones and `sig`'s,
        in reading order. Kept per sig: a role asks it for every bucket group it decides."""
        found = self._ordered.get(sig)
        if found is None:
            found = self._ordered[sig] = tuple(self.in_order([*self.universal_sig, *sig]))
        return found

    @cached_property
    def who(self) -> object:
        """What of the role its own statements read: nothing; the values of the principal
        tags they read (roles with the same values share answers); or the role itself (its
        ARN and tags) when they read anything else of it."""
        if not self.principal_sensitive:
            return None
        role = self.policies.role
        keys = self.principal_keys
        if not keys or "*" in keys:
            return (role.arn, tuple(sorted(role.tags.items())))
        prefix = len("aws:principaltag/")
        # The engine finds a tag by its exact name, else case-insensitively: every tag whose
        # name matches case-insensitively is what it can read.
        return ("tags", tuple(
            (k, tuple(sorted((t, v) for t, v in role.tags.items() if t.lower() == k[prefix:])))
            for k in sorted(keys)))

    def in_order(self, items: list[SigItem]) -> list[SigItem]:
        """Statements in the engine's reading order (their evidence order)."""
        order = self.order
        return sorted(items, key=lambda it: (order[it[0][0]], it[0][1], it[1], it[2] or ""))

    def sig_for(self, bucket: str) -> tuple[SigItem, ...]:
        """The statements that concern one specifically named bucket (decision key part)."""
        return tuple(it for part in self.parts for it in part.sig_of(bucket))

    def special_groups(self) -> dict[tuple[SigItem, ...], list[str]]:
        """Specifically named buckets grouped by the statements that concern them."""
        with_sig = [p for p in self.parts if p.special]
        if len(with_sig) == 1:
            return with_sig[0].groups
        if not with_sig:
            return {}
        # Start from the policy naming the most buckets (often a shared managed policy) and
        # recompute only the buckets other policies also name: a role with a team policy over
        # a thousand buckets and an inline one over a single bucket costs one bucket, not all.
        base = max(with_sig, key=lambda p: len(p.special))
        touched: set[str] = set()
        for part in with_sig:
            if part is not base:
                touched.update(part.special)
        groups = dict(base.groups)  # lists shared with `base` until changed
        gone: dict[tuple[SigItem, ...], set[str]] = {}
        for name in touched.intersection(base.special):
            gone.setdefault(base.sig_of(name), set()).add(name)
        for key, names in gone.items():
            kept = [n for n in groups[key] if n not in names]
            if kept:
                groups[key] = kept
            else:
                del groups[key]
        fresh: set[tuple[SigItem, ...]] = set()
        for name in sorted(touched):
            key = tuple(it for p in with_sig for it in p.sig_of(name))
            if key not in fresh:
                fresh.add(key)
                groups[key] = list(groups.get(key, ()))
            groups[key].append(name)
        return groups

    @cached_property
    def universal_mask(self) -> int:
        """`universal_actions` as a bitmask (compile/actions.py)."""
        return action_mask(self.universal_actions)

    def specific_mask(self, bucket: str) -> int:
        """The S3 actions identity Allow statements grant on this bucket specifically, as a
        bitmask (each policy's sets are kept, so their masks are cached lookups)."""
        out = 0
        for part in self.parts:
            if bucket in part.special:
                out |= action_mask(part.specific_of(bucket))
        return out


def role_facts(rp: RolePolicies, book: PolicyBook, index: BucketIndex) -> RoleFacts:
    groups: list[tuple[bool, CompiledPolicy]] = [(True, cp) for cp in rp.identity]
    if rp.boundary is not None:
        groups.append((False, rp.boundary))
    # SCPs, and the bucket account's RCPs (decide/gates/org_policies.py): their statements
    # that name buckets or actions split classes as the role's own do.
    for level in (*(book.scps or ()), *(book.rcps or ())):
        groups.extend((False, cp) for cp in level)
    parts = tuple(policy_part(cp, grants, book, index) for grants, cp in groups)
    keys_read = frozenset().union(*(p.keys_read for p in parts))
    return RoleFacts(
        policies=rp,
        parts=parts,
        universal_actions=frozenset().union(*(p.universal_actions for p in parts)),
        special=Named(tuple(p.special for p in parts if p.special)),
        principal_sensitive=any(p.sensitive for p in parts),
        principal_keys=frozenset().union(*(p.principal_keys for p in parts)),
        instance_keys=keys_read & INSTANCE_KEYS,
        network_keys=keys_read & NETWORK_KEYS,
        universal_sig=frozenset().union(*(p.universal_sig for p in parts)),
        order={cp.key: n for n, (_, cp) in enumerate(groups)},
    )


class Named:
    """The buckets any of a role's policies names: membership over the policies' own sets
    (a union would copy thousands of names per role for a boundary naming every bucket)."""

    __slots__ = ("sets",)

    def __init__(self, sets: tuple[frozenset[str], ...]) -> None:
        self.sets = sets

    def __contains__(self, name: object) -> bool:
        return any(name in s for s in self.sets)

    def __bool__(self) -> bool:
        return bool(self.sets)

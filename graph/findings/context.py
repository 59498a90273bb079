"""What every finding rule reads: the access graph, IAM decisions, who runs as which role, and
what each role reaches on S3 — computed once per graph and shared by the rules.

Everything here is per role or per instance profile, never per instance × bucket: on a large
account tens of thousands of instances share a few hundred profiles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

from graph.access import AccessGraph, ActionAccess
from graph.access.trust import EC2
from graph.catalog import LEVELS
from graph.findings.model import PathStep
from graph.findings.permissions import Permissions
from graph.model import Instance, Role
from graph.policy import Outcome, PolicyKind, PrincipalPolicies, Request, evaluate, parse_policy

#: Role ARN -> bucket -> granted S3 actions.
Reach = Mapping[str, frozenset[str]]

#: Access levels that change data or permissions (what makes a grant "high").
WRITE_LEVELS = frozenset({"Write", "Permissions management"})


def short(arn: str) -> str:
    """A role or policy ARN as people say it (its name)."""
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def granted_actions(actions: Mapping[str, ActionAccess]) -> frozenset[str]:
    return frozenset(k for k, a in actions.items() if a.granted)


def level_of(action: str) -> str:
    from graph.catalog import find_action

    entry = find_action(action)
    return entry.level if entry is not None else "Write"


def verbs(actions: Iterable[str]) -> str:
    """"read and write" from action names, by access level (List/Read/Write/...)."""
    levels = {level_of(a) for a in actions}
    words = {"List": "list", "Read": "read", "Write": "write", "Tagging": "tag",
             "Permissions management": "change permissions on"}
    said = [words[lv] for lv in LEVELS if lv in levels]
    if len(said) <= 1:
        return said[0] if said else "act on"
    return ", ".join(said[:-1]) + " and " + said[-1]


def listed(actions: Iterable[str], limit: int = 6) -> str:
    """A few action names in full; many as a count and what they do."""
    names = sorted(actions)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{len(names)} actions ({verbs(names)})"


def writes(actions: Iterable[str]) -> bool:
    return any(level_of(a) in WRITE_LEVELS for a in actions)


class FindingContext:
    """Shared facts for the rules of one graph."""

    def __init__(self, graph: AccessGraph) -> None:
        self.graph = graph
        self.snapshot = graph.snapshot
        self.perms = Permissions(graph.snapshot, graph.assumed)
        self._reach: dict[str, dict[str, frozenset[str]]] = {}
        self._by_answers: dict[int, tuple[object, frozenset[str]]] = {}

    # -- who runs as which role -----------------------------------------------------------------

    @cached_property
    def profile_roles(self) -> Mapping[str, tuple[str, ...]]:
        """Instance profile ARN -> the existing roles in it that EC2 may hand out."""
        out: dict[str, tuple[str, ...]] = {}
        known = self.snapshot.role_by_arn
        for p in self.snapshot.instance_profiles:
            out[p.arn] = tuple(a for a in p.role_arns if a in known and self.ec2_trusts(a))
        return out

    def ec2_trusts(self, role_arn: str) -> bool:
        """Whether EC2 may hand the role to an instance (its trust policy, via the engine)."""
        cache: dict[str, bool] = self.__dict__.setdefault("_ec2", {})
        if role_arn not in cache:
            role = self.snapshot.role_by_arn[role_arn]
            try:
                trust = parse_policy(role.trust_policy, name=role.name, kind=PolicyKind.TRUST)
            except Exception:  # noqa: BLE001 - a malformed trust policy hands out nothing
                cache[role_arn] = False
                return False
            req = Request(principal_arn=None, principal_service=EC2, action="sts:AssumeRole",
                          resource_arn=role.arn, resource_account=role.account_id,
                          context=self.graph.assumed, partial=True)
            d = evaluate(req, PrincipalPolicies(), trust)
            cache[role_arn] = d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)
        return cache[role_arn]

    @cached_property
    def profile_of_role(self) -> Mapping[str, tuple[str, ...]]:
        """Role ARN -> instance profile ARNs that hold it."""
        out: dict[str, list[str]] = {}
        for p in self.snapshot.instance_profiles:
            for arn in p.role_arns:
                out.setdefault(arn, []).append(p.arn)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def instances_by_profile(self) -> Mapping[str, tuple[Instance, ...]]:
        out: dict[str, list[Instance]] = {}
        for inst in self.snapshot.instances:
            if inst.instance_profile_arn:
                out.setdefault(inst.instance_profile_arn, []).append(inst)
        return {k: tuple(sorted(v, key=_instance_order)) for k, v in out.items()}

    @cached_property
    def chains_by_profile(self) -> Mapping[str, tuple[tuple[tuple[str, ...], tuple], ...]]:
        """Profile ARN -> (roles, hops) of every chain its instances can act as."""
        out: dict[str, tuple[tuple[tuple[str, ...], tuple], ...]] = {}
        for profile, instances in self.instances_by_profile.items():
            out[profile] = tuple((c.roles, c.hops) for c in self.graph.instance_chains(
                instances[0]))
        return out

    @cached_property
    def acting_instances(self) -> Mapping[str, tuple[Instance, ...]]:
        """Role ARN -> instances that can act as it (its profile's role, or by assuming)."""
        out: dict[str, list[Instance]] = {}
        for profile, chains in self.chains_by_profile.items():
            roles = {chain[0][-1] for chain in chains}
            for arn in roles:
                out.setdefault(arn, []).extend(self.instances_by_profile[profile])
        return {k: tuple(sorted({i.instance_id: i for i in v}.values(), key=_instance_order))
                for k, v in out.items()}

    def own_roles(self, profile: str) -> tuple[str, ...]:
        """The roles an instance of `profile` runs as directly (no assuming)."""
        return tuple(dict.fromkeys(c[0][0] for c in self.chains_by_profile.get(profile, ())))

    # -- what roles reach on S3 -----------------------------------------------------------------

    def role_reach(self, role_arn: str) -> dict[str, frozenset[str]]:
        """Bucket -> S3 actions the role itself is granted (allowed or conditional)."""
        found = self._reach.get(role_arn)
        if found is None:
            found = {}
            for res, names in self.graph.role_classes(role_arn):
                hit = self._by_answers.get(id(res))
                if hit is None or hit[0] is not res:
                    hit = (res, granted_actions(res))
                    self._by_answers[id(res)] = hit
                if hit[1]:
                    for name in names:
                        found[name] = hit[1]
            self._reach[role_arn] = found
        return found

    def union_reach(self, role_arns: Iterable[str]) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for arn in role_arns:
            for bucket, acts in self.role_reach(arn).items():
                out[bucket] = out[bucket] | acts if bucket in out else acts
        return out

    def chain_roles(self, role_arn: str) -> tuple[str, ...]:
        """The role and every role it can assume (for what a new identity would reach)."""
        return tuple(c.roles[-1] for c in self.graph.data.chains_from(role_arn))

    # -- paths --------------------------------------------------------------------------------

    def instance_path(self, instance: Instance, role_arn: str) -> list[PathStep]:
        """instance → profile → role (the role must be in the instance's profile)."""
        profile = instance.instance_profile_arn or ""
        return [PathStep(f"instance:{instance.instance_id}", f"profile:{profile}", "runs as"),
                PathStep(f"profile:{profile}", f"role:{role_arn}", "hands out role")]

    def role(self, arn: str) -> Role:
        # data.role also knows the stand-ins for roles that could not be read (unread.py).
        return self.graph.data.role(arn)


def _instance_order(inst: Instance) -> tuple[bool, str, str]:
    """Running instances first, then by name and id (stable across runs)."""
    return (inst.state != "running", inst.name, inst.instance_id)


def gained(base: Mapping[str, frozenset[str]], new: Mapping[str, frozenset[str]]
           ) -> dict[str, frozenset[str]]:
    """Bucket -> actions `new` grants that `base` does not."""
    out: dict[str, frozenset[str]] = {}
    for bucket, acts in new.items():
        extra = acts - base.get(bucket, frozenset())
        if extra:
            out[bucket] = extra
    return out

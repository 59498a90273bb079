"""What every finding rule reads: the access graph, IAM decisions, who runs as which role, and
what each role reaches on S3 — computed once per graph and shared by the rules.

Everything here is per role or per instance profile, never per instance × bucket: on a large
account tens of thousands of instances share a few hundred profiles.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from functools import cache, cached_property

from graph.access import AccessGraph, ActionAccess
from graph.access.compile.actions import actions_in
from graph.access.decide.trust import EC2
from graph.catalog import LEVELS
from graph.findings.answer_values import answers_key
from graph.findings.model import PathStep
from graph.findings.permissions import Permissions
from graph.model import Instance, Role
from graph.policy import (
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    StatementRef,
    evaluate,
    parse_policy,
)

#: Role ARN -> bucket -> granted S3 actions.
Reach = Mapping[str, frozenset[str]]

#: Access levels that change data or permissions (what makes a grant "high").
WRITE_LEVELS = frozenset({"Write", "Permissions management"})


def short(arn: str) -> str:
    """A role or policy ARN as people say it (its name)."""
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def granted_actions(actions: Mapping[str, ActionAccess]) -> frozenset[str]:
    return _granted_view(actions)[0]


def _granted_view(actions: Mapping[str, ActionAccess]
                  ) -> tuple[frozenset[str], tuple[StatementRef, ...]]:
    """Granted action names and their statements; answers kept per action class are read
    per class (one answer stands for all its actions), others action by action."""
    entries = getattr(actions, "entries", None)
    names: set[str] = set()
    refs: dict[tuple[str, str, int], StatementRef] = {}
    if entries is not None:
        for e in entries:
            if e.answer.granted:
                names.update(a.name for a in actions_in(e.mask))
                for r in e.answer.evidence:
                    refs.setdefault((r.policy_name, r.policy_kind.value, r.index), r)
    else:
        for k, a in actions.items():
            if a.granted:
                names.add(k)
                for r in a.evidence:
                    refs.setdefault((r.policy_name, r.policy_kind.value, r.index), r)
    return frozenset(names), tuple(refs.values())


@cache
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
        self.perms = Permissions(graph.snapshot, graph.request_context,
                                 getattr(graph.data, "book", None))
        self._reach: dict[str, dict[str, frozenset[str]]] = {}
        self._by_answers: dict[Hashable, tuple[frozenset[str], tuple[StatementRef, ...]]] = {}

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
        return self.service_trusts(role_arn, EC2)

    def service_trusts(self, role_arn: str, service: str) -> bool:
        """Whether the service principal may assume the role (its trust policy, decided by
        the engine): a service runs code as a passed role only when the role trusts it."""
        cache: dict[tuple[str, str], bool] = self.__dict__.setdefault("_trusts", {})
        key = (role_arn, service)
        if key not in cache:
            role = self.snapshot.role_by_arn.get(role_arn)
            if role is None:
                cache[key] = False
                return False
            try:
                trust = parse_policy(role.trust_policy, name=role.name, kind=PolicyKind.TRUST)
            except Exception:  # noqa: BLE001 - a malformed trust policy hands out nothing
                cache[key] = False
                return False
            req = Request(principal_arn=None, principal_service=service,
                          action="sts:AssumeRole", resource_arn=role.arn,
                          resource_account=role.account_id, context=self.graph.request_context,
                          partial=True)
            d = evaluate(req, PrincipalPolicies(), trust)
            cache[key] = d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)
        return cache[key]

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

    def granted_view(self, answers: Mapping[str, ActionAccess]
                     ) -> tuple[frozenset[str], tuple[StatementRef, ...]]:
        """The granted actions of a shared answer set and the statements granting them, read
        once per set (thousands of buckets and roles share a few sets)."""
        key = answers_key(answers)
        hit = self._by_answers.get(key)
        if hit is None:
            hit = self._by_answers[key] = _granted_view(answers)
        return hit

    def role_reach(self, role_arn: str) -> dict[str, frozenset[str]]:
        """Bucket -> S3 actions the role itself is granted (allowed or conditional)."""
        found = self._reach.get(role_arn)
        if found is None:
            found = {}
            for res, names in self.graph.role_classes(role_arn):
                acts = self.granted_view(res)[0]
                if acts:
                    for name in names:
                        found[name] = acts
            self._reach[role_arn] = found
        return found

    def caller_reach(self, caller: Role) -> dict[str, frozenset[str]]:
        """Bucket -> S3 actions granted to a caller the account does not hold (a user as the
        member of a group it could be added to), decided by the same engine and gates."""
        cache: dict[str, dict[str, frozenset[str]]] = self.__dict__.setdefault("_callers", {})
        if caller.arn in cache:  # many roles' paths lead to the same (user, group)
            return cache[caller.arn]
        found: dict[str, frozenset[str]] = cache.setdefault(caller.arn, {})
        data = self.graph.data
        for res, names in data.reach.iter_classes(data.caller_reach(caller)):
            acts = self.granted_view(res)[0]
            if acts:
                found.update(dict.fromkeys(names, acts))
        return found

    def instance_reach(self, inst: Instance
                       ) -> dict[str, tuple[frozenset[str], tuple[StatementRef, ...]]]:
        """Bucket -> (granted actions, granting statements) over every role the instance can
        act as; a chain through an assumption whose answer is unknown grants nothing sure."""
        out: dict[str, tuple[frozenset[str], tuple[StatementRef, ...]]] = {}
        for chain in self.graph.instance_chains(inst):
            if any(h.outcome is Outcome.UNKNOWN for h in chain.hops):
                continue
            own = inst if len(chain.roles) == 1 else None
            for res, names in self.graph.role_classes(chain.roles[-1], own):
                acts, refs = self.granted_view(res)
                if not acts:
                    continue
                for name in names:
                    if name in out:
                        out[name] = (out[name][0] | acts, out[name][1] + refs)
                    else:
                        out[name] = (acts, refs)
        return out

    def public_granted(self, bucket: str) -> frozenset[str]:
        """What anyone can do on the bucket (granted to the anonymous caller)."""
        cache: dict[str, frozenset[str]] = self.__dict__.setdefault("_public", {})
        if bucket not in cache:
            cache[bucket] = self.granted_view(self.graph.public_access(bucket))[0]
        return cache[bucket]

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

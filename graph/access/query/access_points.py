"""Paths to a bucket through its access points: per instance, role and the public.

A request through an access point is decided by its gate (decide/gates/access_point.py: the
point's and the bucket's policies, the bucket's other gates, Block Public Access); what differs
between instances is their network path (decide/network.py): a VPC-origin point answers only
requests that leave through an endpoint of its VPC, and the endpoint's policy must allow the
request on the point's ARN. Answers are kept per (caller, point, context), so instances of one
role and route class share them; the bucket's own answers are not touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from graph.access.decide.gate import Question
from graph.access.decide.gates.access_point import (
    AccessPointGate,
    could_pass,
    point_actions,
)
from graph.access.decide.network import (
    ENDPOINT,
    NO_PATH,
    NOT_CHECKED,
    UNKNOWN,
    NetworkPath,
    path_context,
)
from graph.access.model import OUTCOME_RANK, ActionAccess, Explanation, Hop, PointPath
from graph.access.query.network_gate import NetworkGates, conditional_on, either
from graph.access.reach.build import AccessData, Chain, instance_values
from graph.access.reach.chain import actions_through
from graph.catalog import require_action
from graph.errors import LookupFailed, RolemapError
from graph.model import AccountSnapshot, Instance
from graph.model_s3 import AccessPoint
from graph.policy import Outcome, PolicyKind
from graph.policy.document import Policy, parse_policy
from graph.suggest import near_names


class _Analysis(Protocol):
    """What the paths read of the AccessGraph (graph.py builds this module's object)."""

    data: AccessData
    network: NetworkGates

    @property
    def snapshot(self) -> AccountSnapshot: ...

    def instance_chains(self, instance: Instance) -> Iterator[Chain]: ...

    def explain(self, instance_id: str, bucket_name: str, action: str) -> Explanation: ...

Answers = Mapping[str, ActionAccess]
_NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip",
                           "aws:sourceip"})


class AccessPointPaths:
    """The access-point paths of one analysis (AccessGraph.points)."""

    def __init__(self, graph: _Analysis) -> None:
        self.graph = graph
        self.gate = AccessPointGate()
        self._decided: dict[tuple[object, ...], Answers] = {}

    # -- which points ------------------------------------------------------------------------

    def points_of(self, bucket: str) -> tuple[AccessPoint, ...]:
        """The account's access points on its bucket `bucket` (a point on another account's
        bucket is that account's to decide)."""
        return tuple(p for p in self.graph.snapshot.access_points or ()
                     if p.bucket == bucket and not p.bucket_account_id)

    def find(self, bucket: str, key: str) -> AccessPoint:
        """A point by name, ARN or alias; a point on another bucket is named as such."""
        every = self.graph.snapshot.access_points or ()
        found = [p for p in every if key in (p.name, p.arn, p.alias)]
        if not found:
            raise LookupFailed("access point", key, near_names(key, [p.name for p in every]))
        mine = [p for p in found if p.bucket == bucket]
        if not mine:
            raise RolemapError(f"access point {key!r} is on bucket {found[0].bucket}, "
                               f"not {bucket}")
        return mine[0]

    # -- answers ------------------------------------------------------------------------------

    def _reads(self, point: AccessPoint) -> frozenset[str]:
        doc = self.gate.policy(point)
        if not isinstance(doc, Policy):
            return frozenset()
        return frozenset(c.key.lower() for s in doc.statements for c in s.conditions)

    def _answers(self, point: AccessPoint, role_arn: str | None, bucket: str,
                 context: Mapping[str, Any]) -> Answers:
        key = (role_arn, point.arn, bucket, tuple(sorted(
            (k, v if isinstance(v, str) else tuple(v)) for k, v in context.items())))
        found = self._decided.get(key)
        if found is not None:
            return found
        data = self.graph.data
        decider = data.reach.decider
        bf = data.bucket_by_name[bucket]
        rp = data.facts_of(role_arn).policies if role_arn is not None else None
        out = {a.name: self.gate.decide(point, Question(bf, a, rp, decider.account, context),
                                        decider.gates)
               for a in point_actions()}
        found = self._decided[key] = MappingProxyType(out)
        return found

    def _context(self, role_arn: str | None, own: Instance | None,
                 extra: Mapping[str, Any]) -> dict[str, Any]:
        decider = self.graph.data.reach.decider
        if role_arn is None:
            return {**decider.resource_org, **decider.assumed}
        base = {**decider.principal_org, **decider.assumed}
        if own is not None:
            rf = self.graph.data.facts_of(role_arn)
            base.update(self.graph.data.reach.instance_context(rf, instance_values(own)))
        return {**base, **extra}

    def instance_paths(self, inst: Instance, bucket: str,
                       points: Iterable[AccessPoint] | None = None) -> list[PointPath]:
        """Every (role chain, point) of `inst` on `bucket`, denied answers included."""
        g = self.graph
        out: list[PointPath] = []
        for point in self.points_of(bucket) if points is None else points:
            path = g.network.path(inst, bucket)
            for chain in g.instance_chains(inst):
                target = chain.roles[-1]
                own = inst if len(chain.roles) == 1 else None
                read = (self._reads(point) | g.data.facts_of(target).network_keys
                        | g.data.bucket_by_name[bucket].network_keys) & _NETWORK_KEYS
                res = self._over(point, path, inst, target, own, bucket, read)
                alt = path.alternative
                if alt is not None and not all(a.outcome is Outcome.ALLOWED
                                               for a in res.values()):
                    # A second way out for clients configured for it (decide/network.py).
                    other = self._over(point, alt, inst, target, own, bucket, read)
                    res = either(res, conditional_on(other, alt.only_with), alt.only_with)
                out.append(PointPath(point.arn, point.name, "instance", inst.instance_id,
                                     inst.label, chain.roles,
                                     actions_through(res, chain.hops),
                                     path.evidence if path.kind != NOT_CHECKED else ""))
        return out

    def _over(self, point: AccessPoint, path: NetworkPath, inst: Instance, target: str,
              own: Instance | None, bucket: str, read: frozenset[str]) -> Answers:
        """The point's answers for `target` as `inst` gets them on `path`."""
        net = {k: v if isinstance(v, str) else ()
               for k, v in path_context(path, inst, read).items()} if path.passes else {}
        context = self._context(target, own, net)
        res = self._answers(point, target, bucket, context)
        return self._on_path(point, path, target, bucket, res, context)

    def role_paths(self, role_arn: str, bucket: str,
                   points: Iterable[AccessPoint] | None = None) -> list[PointPath]:
        """A role's paths through the points, wherever its requests come from."""
        g = self.graph
        role = g.snapshot.role_by_arn[role_arn]
        out: list[PointPath] = []
        for point in self.points_of(bucket) if points is None else points:
            for chain in g.data.chains_from(role_arn):
                target = chain.roles[-1]
                res = self._answers(point, target, bucket, self._context(target, None, {}))
                if point.vpc_only:
                    res = _only_from_vpc(res, point)
                out.append(PointPath(point.arn, point.name, "role", role.arn, role.name,
                                     chain.roles, actions_through(res, chain.hops)))
        return out

    def public_paths(self, bucket: str, points: Iterable[AccessPoint] | None = None
                     ) -> list[PointPath]:
        out: list[PointPath] = []
        for point in self.points_of(bucket) if points is None else points:
            res = self._answers(point, None, bucket, self._context(None, None, {}))
            if point.vpc_only:
                res = _limit(res, Outcome.DENIED, (
                    f"access point {point.name} answers only requests from {point.vpc_id} "
                    "(network origin VPC): the internet cannot reach it",))
            out.append(PointPath(point.arn, point.name, "public", "public",
                                 "anyone (public)", (), res))
        return out

    def _passable(self, role_arn: str, points: tuple[AccessPoint, ...]
                  ) -> tuple[AccessPoint, ...]:
        """The points some statement connects `role_arn` to (the rest deny it for sure)."""
        rp = self.graph.data.facts_of(role_arn).policies
        return tuple(p for p in points if could_pass(p, _policy(self.gate, p), rp))

    def who_can(self, bucket: str) -> list[PointPath]:
        """Who is granted something on `bucket` through its points: the public, instances
        (those alike in roles and route class decided once) and roles; roles no statement
        connects to a point are not asked about it."""
        points = self.points_of(bucket)
        if not points:
            return []
        g = self.graph
        found = [*self.public_paths(bucket, points)]
        shared: dict[tuple[object, ...], list[PointPath]] = {}
        plan = g.data.instance_plan
        for inst in g.snapshot.instances:
            roles, own = plan(inst)
            if not roles:
                continue
            key = (roles, *g.network.class_key(inst, roles, bucket))
            paths = None if own else shared.get(key)
            if paths is None:
                wanted = tuple(p for p in points if any(
                    self._passable(c.roles[-1], (p,)) for c in g.instance_chains(inst)))
                paths = self.instance_paths(inst, bucket, wanted) if wanted else []
                if not own:
                    shared[key] = paths
            found.extend(PointPath(p.point_arn, p.point_name, "instance", inst.instance_id,
                                   inst.label, p.via, p.actions, p.network) for p in paths)
        for role in g.snapshot.roles:
            wanted = tuple(p for p in points if any(
                self._passable(c.roles[-1], (p,)) for c in g.data.chains_from(role.arn)))
            if wanted:
                found.extend(self.role_paths(role.arn, bucket, wanted))
        return [p for p in found if p.reaching]

    def _on_path(self, point: AccessPoint, path: NetworkPath, role_arn: str, bucket: str,
                 res: Answers, ctx: Mapping[str, Any]) -> Answers:
        """The point's answers as an instance on `path` gets them: its network origin, then
        the endpoint policy on the point's ARN."""
        if point.vpc_only and path.kind not in (NOT_CHECKED, UNKNOWN) and not (
                path.kind == ENDPOINT and path.vpc_id == point.vpc_id):
            leaves = path.reason or path.evidence
            return _limit(res, Outcome.DENIED, (
                f"access point {point.name} answers only requests from {point.vpc_id} "
                f"(network origin VPC), through an endpoint of that VPC; this instance's "
                f"requests leave {leaves}",))
        if path.kind == NO_PATH:
            return _limit(res, Outcome.DENIED, (path.reason, path.evidence))
        if path.kind in (UNKNOWN, NOT_CHECKED) and (path.kind == UNKNOWN or point.vpc_only):
            why = path.reason or (f"the network path was not checked: access point "
                                  f"{point.name} answers only requests from {point.vpc_id}")
            return _limit(res, Outcome.UNKNOWN, (why,))
        ep = path.endpoint
        if path.kind != ENDPOINT or ep is None or (ep.policy is None and not ep.unread):
            return res
        gate = self.graph.network.endpoints
        account = role_arn.split(":")[4]  # asked as the caller's own account's request
        bucket_arn = self.graph.data.bucket_by_name[bucket].bucket.arn
        out: dict[str, ActionAccess] = {}
        for name, a in res.items():
            named = (point.arn,) if a.scope == "bucket" else tuple(
                f"{point.arn}/object/{p}" for p in a.prefixes) or (f"{point.arn}/object/*",)
            got = gate.decide(ep, path.route_table_id, role_arn, account, a, bucket_arn, ctx,
                              named) if a.granted else None
            out[name] = a if got is None else got
        return MappingProxyType(out)

    def explain(self, inst: Instance, bucket: str, action: str, point: AccessPoint
                ) -> Explanation:
        """Instance → profile → role (→ assumed) → network → access point → bucket."""
        entry = require_action(action)
        base = self.graph.explain(inst.instance_id, bucket, entry.name)
        lead = [h for h in base.hops if h.relation in ("runs as", "can assume",
                                                       "network path")]
        paths = self.instance_paths(inst, bucket, (point,))
        best: PointPath | None = None
        acc: ActionAccess | None = None
        for p in paths:
            got = p.actions.get(entry.name)
            if got is not None and (acc is None or OUTCOME_RANK[got.outcome]
                                    > OUTCOME_RANK[acc.outcome]):
                best, acc = p, got
        if best is None or acc is None:
            why = (f"access point {point.name} does not serve {entry.name}",) if paths else ()
            return Explanation(tuple(lead) + ((Hop(
                f"instance:{inst.instance_id}", f"accesspoint:{point.arn}", "through access "
                "point", why),) if why else ()), None)
        role = best.via[-1]
        evidence = tuple(e for e in acc.evidence if e.policy_name == f"access point "
                         f"{point.name}")
        point_hop = Hop(f"role:{role}", f"accesspoint:{point.arn}", "through access point",
                        _point_reasons(point, acc), evidence)
        last = Hop(f"accesspoint:{point.arn}", f"bucket:{bucket}", "can access", acc.reasons,
                   acc.evidence)
        return Explanation((*lead, point_hop, last), acc)


def _policy(gate: AccessPointGate, point: AccessPoint) -> Policy | None:
    """The point's policy for `could_pass`; an unreadable one may let anyone in."""
    doc = gate.policy(point)
    if isinstance(doc, str):
        return parse_policy({"Statement": [{"Effect": "Allow", "Principal": "*",
                                            "Action": "*", "Resource": "*"}]},
                            "unread", PolicyKind.RESOURCE)
    return doc


def _point_reasons(point: AccessPoint, acc: ActionAccess) -> tuple[str, ...]:
    origin = f"network origin VPC ({point.vpc_id})" if point.vpc_only \
        else "network origin Internet"
    out = [f"access point {point.name}: {origin}"]
    if acc.granted or not any("answers only requests from" in r for r in acc.reasons) and \
            not any(e.policy_name == f"access point {point.name}" for e in acc.evidence):
        out.append(f"access point {point.name} has no policy statement allowing "
                   f"{acc.action}" if point.policy is not None
                   else f"access point {point.name} has no policy")
    return tuple(out)


def _only_from_vpc(res: Answers, point: AccessPoint) -> Answers:
    """A role's answers through a VPC-origin point: only from that VPC."""
    out: dict[str, ActionAccess] = {}
    why = f"only from {point.vpc_id} (access point {point.name}'s network origin is VPC)"
    for name, a in res.items():
        if a.outcome is Outcome.ALLOWED:
            a = ActionAccess(a.action, a.level, a.scope, Outcome.CONDITIONAL,
                             (why, *a.reasons), a.evidence, a.conditions, a.blocked_by,
                             a.prefixes)
        out[name] = a
    return MappingProxyType(out)


def _limit(res: Answers, outcome: Outcome, why: tuple[str, ...]) -> Answers:
    out: dict[str, ActionAccess] = {}
    for name, a in res.items():
        if a.granted or (outcome is Outcome.UNKNOWN and a.outcome is Outcome.UNKNOWN):
            blocked = None if outcome is Outcome.DENIED else a.blocked_by
            reasons = why if outcome is Outcome.DENIED else why + a.reasons
            a = ActionAccess(a.action, a.level, a.scope, outcome, reasons,
                             a.evidence if outcome is not Outcome.DENIED else (),
                             a.conditions if outcome is not Outcome.DENIED else (),
                             blocked, a.prefixes)
        out[name] = a
    return MappingProxyType(out)

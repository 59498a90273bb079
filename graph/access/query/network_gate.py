"""An instance's answers after its network path and the VPC endpoint policy on it.

A role is decided once, for every instance wearing it; what differs between its instances on
the data path is the network their requests leave through (decide/network.py). So the two
network gates are applied here, on the role's answers as an instance (through any chain of
roles: an assumed role's requests leave through the same subnet) sees them:

- the path, decided per route class (route table × bucket region × public IP): no path
  denies what the policies grant ("no network path to S3 in <region>", a denial of its own
  kind); unread network facts make it unknown, with the reason;
- where a statement (the role's or the bucket policy's) reads a network key, the answer is
  decided again with the path's context (aws:SourceVpce... or aws:SourceIp, the others
  absent), so such conditions are decided for the instance, not left conditional;
- the endpoint policy on an endpoint path (gates/endpoint_policy.py), through the engine.

Answers are kept per (answers, path) and, behind an endpoint with a policy, per bucket, so
instances sharing a route class share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from graph.access.answers.class_answers import answers_key, outcomes
from graph.access.classify.bucket_facts import BucketFacts
from graph.access.classify.role_facts import RoleFacts
from graph.access.decide.gates.endpoint_policy import EndpointPolicyGate
from graph.access.decide.network import (
    ENDPOINT,
    NO_PATH,
    NOT_CHECKED,
    UNKNOWN,
    NetworkPath,
    PathFinder,
    path_context,
    route_key,
)
from graph.access.model import OUTCOME_RANK, ActionAccess, Hop
from graph.access.query.across import views
from graph.access.reach.build import AccessData, instance_values
from graph.model import Instance
from graph.policy import Outcome

Answers = Mapping[str, ActionAccess]

#: Answers in a path's context a NetworkGates keeps (then it starts afresh): each is a
#: reference to an answer the reach computer shares, so the bound is on the keys.
_IN_CONTEXT = 200_000


class NetworkGates:
    """The network path and endpoint-policy gates for instances of one analysis."""

    def __init__(self, data: AccessData) -> None:
        self.data = data
        self.paths = PathFinder(data.snapshot)
        self.endpoints = EndpointPolicyGate()
        self._limited: dict[tuple[object, ...], Answers] = {}
        self._reads: dict[tuple[tuple[str, ...], str], bool] = {}
        self._any_bucket_reads: bool | None = None
        #: Answers decided in a path's context (`_answer_in`), kept up to _IN_CONTEXT.
        self._in_context: dict[tuple[object, ...], Answers] = {}

    def path(self, inst: Instance, bucket: str) -> NetworkPath:
        return self.paths.path(inst, self.data.bucket_region(bucket))

    def _side(self, role_arn: str, bucket: str) -> AccessData:
        """The analysis holding the role's answers on the bucket: this one, or in an
        organisation the view of another account's bucket (its facts live there)."""
        return self.data.side(role_arn, bucket) or self.data

    def _bucket_facts(self, side: AccessData, bucket: str) -> BucketFacts | None:
        """The bucket's facts where `side` holds it, else in any view that does (None: no
        analysis here holds the bucket). A role of an account that could not be loaded has
        answers on other accounts' buckets (unknown, `ForeignSides.failed_reach`) that no
        view decides: the network gate still applies to them, on the bucket's own facts."""
        bf = side.bucket_by_name.get(bucket)
        if bf is None:
            bf = next((v.bucket_by_name[bucket] for v in views(self.data)
                       if bucket in v.bucket_by_name), None)
        return bf

    def _keys_read(self, role_arn: str, bucket: str) -> frozenset[str]:
        side = self._side(role_arn, bucket)
        bf = self._bucket_facts(side, bucket)
        keys = bf.network_keys if bf is not None else frozenset()
        if bucket not in side.bucket_by_name:
            return keys  # a stand-in role's answers: not decided here, never asked again
        return side.facts_of(role_arn).network_keys | keys

    def _simple(self, role_arn: str, bucket: str, path: NetworkPath) -> bool:
        """Whether the answers pass this path unchanged, bucket by bucket alike."""
        if path.kind in (NO_PATH, UNKNOWN) or path.only_with or path.alternative is not None:
            return False
        if path.kind == NOT_CHECKED:
            return True
        if self._keys_read(role_arn, bucket):
            return False
        return path.kind != ENDPOINT or path.endpoint is None or (
            path.endpoint.policy is None and not path.endpoint.unread)

    def on_bucket(self, inst: Instance, role_arn: str, bucket: str, res: Answers,
                  own: Instance | None) -> Answers:
        """The role's answers `res` on `bucket` as `inst` gets them (`own`: the instance when
        the role is its own, whose instance keys count)."""
        path = self.path(inst, bucket)
        got = self._on_path(inst, role_arn, bucket, res, own, path)
        alt = path.alternative
        if alt is None or outcomes(got) <= {Outcome.ALLOWED}:
            return got
        # A second way out, taken only by clients configured for it: what it allows beyond
        # the default way is allowed only on that condition (the strongest answer stands).
        other = self._on_path(inst, role_arn, bucket, res, own, alt)
        key = ("alternative", answers_key(got), answers_key(other), alt.only_with)
        found = self._limited.get(key)
        if found is None:
            found = self._limited[key] = either(got, other, alt.only_with)
        return found

    def _on_path(self, inst: Instance, role_arn: str, bucket: str, res: Answers,
                 own: Instance | None, path: NetworkPath) -> Answers:
        if self._simple(role_arn, bucket, path):
            return res
        read = self._keys_read(role_arn, bucket)
        ctx: dict[str, Any] = {}
        data = self._side(role_arn, bucket)
        if read and path.passes and bucket in data.bucket_by_name:
            ctx = dict(path_context(path, inst, read))
            rf = data.facts_of(role_arn)
            base = data.reach.instance_context(rf, instance_values(own)) if own else {}
            # Absent keys as () (hashable: the class cache keys hold the context).
            full = {**base, **{k: v if isinstance(v, str) else () for k, v in ctx.items()}}
            res = self._answer_in(data, rf, bucket, full)
        if outcomes(res) <= {Outcome.DENIED} or _unchanged(path):
            # Nothing to limit: the answers as decided in the path's context, shared as
            # they are (the rows summarise a shared answer once).
            return res
        per_bucket = path.kind == ENDPOINT and path.endpoint is not None and (
            path.endpoint.policy is not None or bool(path.endpoint.unread))
        key = (answers_key(res), path.kind, path.evidence, path.reason,
               id(path.endpoint) if path.endpoint is not None else None,
               (role_arn, bucket, tuple(sorted((k, str(v)) for k, v in ctx.items())))
               if per_bucket else None)
        found = self._limited.get(key)
        if found is None:
            found = self._limited[key] = self._limit(res, path, role_arn, bucket, ctx)
        return found

    def _answer_in(self, data: AccessData, rf: RoleFacts, bucket: str,
                   context: Mapping[str, object]) -> Answers:
        """The role's answers on the bucket in a path's context. Paths of many route
        tables set the same keys (a NAT's and an internet gateway's: no endpoint), so an
        answer is looked up by what it depends on before the reach computer is asked."""
        key = (id(data), rf.policies.role.arn, bucket, tuple(sorted(context.items())))
        found = self._in_context.get(key)
        if found is None:
            if len(self._in_context) >= _IN_CONTEXT:
                self._in_context.clear()
            found = self._in_context[key] = data.reach.bucket_answer(
                rf, data.bucket_by_name[bucket], context) or {}  # type: ignore[arg-type]
        return found

    def _limit(self, res: Answers, path: NetworkPath, role_arn: str, bucket: str,
               ctx: Mapping[str, Any]) -> Answers:
        out: dict[str, ActionAccess] = {}
        side = self._side(role_arn, bucket)
        bf = self._bucket_facts(side, bucket)
        bucket_arn = bf.bucket.arn if bf is not None else f"arn:aws:s3:::{bucket}"
        # The endpoint policy is asked as a request of the caller's own account (it filters,
        # it does not grant across accounts): the role's account, not this analysis' (an
        # organisation's role of another account, reached by a chain).
        account = role_arn.split(":")[4]
        if path.kind == ENDPOINT and path.endpoint is not None:
            # The request's whole context as the side deciding the bucket sees it: assumed
            # keys and the organisation's (aws:ResourceOrgID of a bucket whose account is in
            # the organisation is known), then what the path sets.
            decider = side.reach.decider
            ctx = {**decider.assumed, **decider.principal_org, **ctx}
        for name, a in res.items():
            if a.outcome is Outcome.DENIED:
                out[name] = a
            elif path.kind == NO_PATH:
                out[name] = ActionAccess(a.action, a.level, a.scope, Outcome.DENIED,
                                         (path.reason, path.evidence), (), (), None, a.prefixes)
            elif path.kind == UNKNOWN:
                out[name] = ActionAccess(a.action, a.level, a.scope, Outcome.UNKNOWN,
                                         (path.reason,) + a.reasons, a.evidence, a.conditions,
                                         a.blocked_by, a.prefixes)
            elif path.kind == ENDPOINT and path.endpoint is not None:
                found = self.endpoints.decide(path.endpoint, path.route_table_id, role_arn,
                                              account, a, bucket_arn, ctx)
                out[name] = a if found is None else found
            else:
                out[name] = a
        return conditional_on(MappingProxyType(out), path.only_with)

    def class_key(self, inst: Instance, roles: tuple[str, ...], bucket: str
                  ) -> tuple[object, ...]:
        """What of `inst` its answers on `bucket` depend on beyond its roles: its route
        class's path, and its own addresses where a statement reads a network key."""
        path = self.path(inst, bucket)
        reads = self._reads.get((roles, bucket))
        if reads is None:
            data = self.data
            arns = {a for r in roles for c in data.chains_from(r) for a in c.roles}
            own = data.bucket_by_name.get(bucket)
            reads = self._reads[(roles, bucket)] = bool(own and own.network_keys) or any(
                self._keys_read(a, bucket) for a in arns)
        own = (inst.private_ip, inst.public_ip, inst.ipv6_address) if reads else ()
        alt = path.alternative
        return (path.kind, path.evidence, path.reason,
                id(path.endpoint) if path.endpoint is not None else None,
                (alt.evidence, id(alt.endpoint) if alt.endpoint is not None else None)
                if alt is not None else None, *own)

    def route_class(self, inst: Instance, role_arn: str) -> tuple[object, ...]:
        """What `inst`'s answers as `role_arn` depend on beyond the role's reach, for every
        bucket: its route class, and its own addresses where a statement reads a network key.
        Equal keys, equal answers (the app's explorer counts per key, not per instance)."""
        if self._any_bucket_reads is None:
            # Every bucket the analysis answers on, another account's (its view's) included:
            # a foreign bucket policy reading aws:SourceIp sets instances of one route apart.
            self._any_bucket_reads = any(bf.network_keys for d in (self.data, *views(self.data))
                                         for bf in d.buckets)
        reads = self._any_bucket_reads or bool(self.data.facts_of(role_arn).network_keys)
        return (*route_key(self.data.snapshot, inst),
                *((inst.private_ip, inst.public_ip, inst.ipv6_address) if reads else ()))

    def hop(self, inst: Instance, role_arn: str, bucket: str, acc: ActionAccess
            ) -> Hop | None:
        """The trace's network step: the path, and the endpoint policy's statements (None
        for a snapshot without network facts: its load warning says the gate was not
        checked)."""
        path = self.path(inst, bucket)
        if path.kind == NOT_CHECKED:
            return None
        alt = path.alternative
        if alt is not None and alt.only_with in acc.reasons:
            # The answer is the other way's (the default way's was weaker): that way's step.
            path = alt
        reasons = (path.evidence,) + tuple(r for r in (path.reason, path.note, path.only_with)
                                           if r)
        if path.kind == ENDPOINT and path.endpoint is not None:
            if path.endpoint.policy is None and not path.endpoint.unread:
                reasons += (f"no endpoint policy on {path.endpoint.endpoint_id}: full access",)
            else:
                reasons += tuple(r for r in acc.reasons if "endpoint" in r)
        if path is not alt and alt is not None:
            reasons += (f"also {alt.evidence}, {alt.only_with}",)
        evidence = tuple(e for e in acc.evidence if e.policy_name.startswith("route table "))
        return Hop(f"instance:{inst.instance_id}", f"bucket:{bucket}", "network path",
                   reasons, evidence)

    def classes(self, inst: Instance, role_arn: str,
                classes: Iterable[tuple[Answers, list[str]]], own: Instance | None
                ) -> Iterator[tuple[Answers, list[str]]]:
        """`classes` (answers, bucket names) as `inst` gets them: split by the path of each
        bucket's region, and by bucket only where the path reads the bucket."""
        for res, names in classes:
            groups: dict[object, tuple[Answers, list[str]]] = {}
            for name in names:
                path = self.path(inst, name)
                if self._simple(role_arn, name, path):
                    got: Answers = res
                else:
                    got = self.on_bucket(inst, role_arn, name, res, own)
                k = id(got)
                found = groups.get(k)
                if found is None:
                    groups[k] = (got, [name])
                else:
                    found[1].append(name)
            yield from groups.values()


def _unchanged(path: NetworkPath) -> bool:
    """Whether the path lets every answer through as it is (NetworkGates._limit keeps it):
    a way out with no endpoint policy to pass, on no condition."""
    if path.kind in (NO_PATH, UNKNOWN) or path.only_with:
        return False
    return path.kind != ENDPOINT or path.endpoint is None or (
        path.endpoint.policy is None and not path.endpoint.unread)


def conditional_on(res: Answers, only_with: str) -> Answers:
    """`res` as answered on a way out only some clients take: allowed only on `only_with`."""
    if not only_with:
        return res
    out: dict[str, ActionAccess] = {}
    for name, a in res.items():
        if a.outcome is Outcome.ALLOWED:
            a = ActionAccess(a.action, a.level, a.scope, Outcome.CONDITIONAL,
                             (only_with,) + a.reasons, a.evidence, a.conditions,
                             a.blocked_by, a.prefixes)
        out[name] = a
    return MappingProxyType(out)


def either(default: Answers, other: Answers, only_with: str) -> Answers:
    """Per action, the stronger of the default way's answer and the other way's (already
    conditional on `only_with` where it grants); a tie keeps the default's."""
    out: dict[str, ActionAccess] = {}
    for name, a in default.items():
        b = other.get(name)
        if b is not None and OUTCOME_RANK[b.outcome] > OUTCOME_RANK[a.outcome]:
            if b.outcome is Outcome.UNKNOWN and only_with not in b.reasons:
                b = ActionAccess(b.action, b.level, b.scope, b.outcome,
                                 (only_with,) + b.reasons, b.evidence, b.conditions,
                                 b.blocked_by, b.prefixes)
            a = b
        out[name] = a
    return MappingProxyType(out)

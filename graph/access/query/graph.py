"""The AccessGraph: queries over the decided data, and the networkx view of it.

Queries (reachable buckets, who can, explain) read the compact per-role answers directly,
so they stay fast on large accounts; the networkx MultiDiGraph is built on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from types import MappingProxyType

import networkx as nx

from graph.access.answers.class_answers import ClassAnswers, ValueKey, answers_key
from graph.access.compile.policies import BUCKET_ACL, BUCKET_POLICY, BUCKET_PUBLIC_ACL
from graph.access.decide.trust import AssumeEdge
from graph.access.model import (
    ActionAccess,
    BucketAccess,
    Explanation,
    PrincipalAccess,
)
from graph.access.query import across
from graph.access.query.access_points import AccessPointPaths
from graph.access.query.compute import compute_chains, compute_resources
from graph.access.query.explain import decide_now, explain_path
from graph.access.query.instance_class import InstanceClasses
from graph.access.query.lookup import find_bucket, find_instance, find_role
from graph.access.query.merge import action_filter, keep_filter, stronger
from graph.access.query.network_gate import NetworkGates
from graph.access.query.nxview import build_networkx
from graph.access.reach.build import AccessData, Chain, Progress, _no_progress
from graph.access.reach.chain import actions_through
from graph.access.reach.external import external_principals
from graph.access.reach.reuse import Reuse
from graph.model import AccountSnapshot, Bucket, Instance, LoadWarning
from graph.policy import Outcome, PolicyKind, StatementRef

PUBLIC_ID = "public"


class AccessGraph:
    """Which instance (via which role) can do what on which bucket, and why."""

    def __init__(self, data: AccessData) -> None:
        self.data = data
        self._views: dict[ValueKey, Mapping[str, ActionAccess]] = {}
        self._early_who_can: dict[tuple[object, ...], list[PrincipalAccess]] = {}

    def _answers(self, res: Mapping[str, ActionAccess], hops: tuple[AssumeEdge, ...],
                 include_denied: bool) -> Mapping[str, ActionAccess]:
        """A role's answers on one bucket as seen through `hops`, denied ones dropped unless
        asked for.

        The common case (the instance's own role, denied kept) hands out the analysed answers
        themselves, read-only (`ClassAnswers`: callers summarise each distinct answer set once,
        by its value key, so a trace of a role reaching a thousand buckets opens in
        milliseconds), or one read-only view of any other map, shared by equal maps, instead
        of copying ~180 entries per bucket.
        """
        acts = actions_through(res, hops) if hops else res
        if not include_denied:
            return {k: a for k, a in acts.items() if a.outcome is not Outcome.DENIED}
        if acts is not res or isinstance(res, ClassAnswers):
            return acts
        key = answers_key(res)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = MappingProxyType(res)
        return found

    @property
    def snapshot(self) -> AccountSnapshot:
        return self.data.snapshot

    @property
    def assumed(self) -> Mapping[str, str]:
        """What the user assumed (--assume): what exports say the answers assumed."""
        return dict(self.data.assumed)

    @property
    def request_context(self) -> Mapping[str, str]:
        """Every key decisions read: the time keys at `decided_at`, then `assumed`."""
        return dict(self.data.context)

    @property
    def decided_at(self) -> datetime:
        """The analysis time the time keys (aws:CurrentTime...) were decided at."""
        return self.data.decided_at

    @property
    def warnings(self) -> tuple[LoadWarning, ...]:
        return self.data.warnings

    @property
    def complete(self) -> bool:
        """Whether every role is decided (see `decide_all`)."""
        return self.data.complete

    def decide_all(self, progress: Progress | None = None,
                   cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Decide every role not decided yet (thread-safe next to on-demand queries); False
        when `cancelled` stopped it early."""
        return self.data.decide_all(progress or _no_progress, cancelled)

    @cached_property
    def network(self) -> NetworkGates:
        """The network path and VPC endpoint gates an instance's requests pass."""
        return NetworkGates(self.data)

    @cached_property
    def points(self) -> AccessPointPaths:
        """Paths through the buckets' access points (query/access_points.py)."""
        return AccessPointPaths(self)

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        return build_networkx(self.data, self.external)

    def with_assumed(self, context: Mapping[str, str]) -> AccessGraph:
        """The same account re-decided under another assumed context (replaces the old one)."""
        return build_access_graph(self.snapshot, assumed=context, at=self.decided_at)

    # -- chains and per-role answers ---------------------------------------------------------

    def instance_chains(self, instance: Instance) -> Iterator[Chain]:
        """Chains of roles an instance can act as (its role must trust EC2). When that trust
        is conditional or unknown (a trust policy that could not be read), the EC2 edge is
        the chain's first hop, so every answer through it is conditional or unknown too,
        never a silent "no credentials"."""
        for arn in self.data.instance_roles(instance):
            ec2 = self.data.ec2_edge(arn)
            if ec2.outcome is Outcome.DENIED:
                continue
            if ec2.outcome is Outcome.ALLOWED:
                yield from self.data.chains_from(arn)
            else:
                for chain in self.data.chains_from(arn):
                    yield Chain(chain.roles, (ec2, *chain.hops))

    def role_buckets(self, role_arn: str, instance: Instance | None = None
                     ) -> Iterator[tuple[str, Mapping[str, ActionAccess]]]:
        """(bucket name, action answers) for every bucket the role touches (in an
        organisation's analysis, other accounts' buckets too: across.py)."""
        data = self.data
        if data.foreign is None or role_arn in data.snapshot.role_by_arn \
                or role_arn in data.unread_by_arn:
            for bf, res in data.reach.iter_buckets(data.reach_for(role_arn, instance)):
                yield bf.bucket.name, res
        if data.foreign is not None:
            yield from across.foreign_buckets(data, role_arn, instance)

    def role_classes(self, role_arn: str, instance: Instance | None = None
                     ) -> Iterator[tuple[Mapping[str, ActionAccess], list[str]]]:
        """The role's buckets grouped by shared answers (for exports of large accounts)."""
        data = self.data
        if data.foreign is None:
            return data.reach.iter_classes(data.reach_for(role_arn, instance))
        return across.org_classes(data, role_arn, instance)

    def network_classes(self, inst: Instance, role_arn: str,
                        classes: Iterable[tuple[Mapping[str, ActionAccess], list[str]]],
                        own: Instance | None
                        ) -> Iterator[tuple[Mapping[str, ActionAccess], list[str]]]:
        """`classes` after the network gates (NetworkGates.classes), each bucket through
        the gates of the analysis that decided it (an organisation's views)."""
        if self.data.foreign is None:
            yield from self.network.classes(inst, role_arn, classes, own)
            return
        for first, res, names in across.by_side(self.data, role_arn, classes):
            if first is None:
                yield res, names
            else:
                yield from self.net(role_arn, first).classes(inst, role_arn, [(res, names)],
                                                             own)

    @cached_property
    def instance_classes(self) -> InstanceClasses:
        """Instances whose answers cannot differ, keyed alike (exports work each out once)."""
        return InstanceClasses(self.data)

    def own_evidence(self, bucket: str, refs: tuple[StatementRef, ...]
                     ) -> tuple[StatementRef, ...]:
        """`refs` with bucket-policy and ACL statements taken from `bucket`'s own documents.

        Buckets whose policies differ only by their own name share one decided answer, so its
        evidence may quote a look-alike bucket's statement: same position, same effect, but
        the other bucket's ARN. Shown to a person, it must be this bucket's statement.
        """
        policies = across.holder(self.data, bucket).book.bucket(self.find_bucket(bucket))
        own = {BUCKET_POLICY: policies.policy, BUCKET_ACL: policies.acl,
               BUCKET_PUBLIC_ACL: policies.public_acl}
        out: list[StatementRef] = []
        for ref in refs:
            compiled = own.get(ref.policy_name) if ref.policy_kind is PolicyKind.RESOURCE \
                else None
            statements = compiled.policy.statements if compiled is not None else ()
            out.append(statements[ref.index].ref if ref.index < len(statements) else ref)
        return tuple(out)

    def role_bucket(self, role_arn: str, bucket: str, instance: Instance | None = None
                    ) -> Mapping[str, ActionAccess]:
        data = self.data.side(role_arn, bucket)
        if data is None:
            foreign = self.data.foreign
            return dict(foreign.failed_answers(role_arn)).get(bucket, {}) if foreign else {}
        return data.bucket_answer(role_arn, bucket, instance) or {}

    def find_bucket(self, name: str) -> Bucket:
        """A bucket of the account, or (an organisation's analysis) another account's that
        this account's roles can touch."""
        found = across.foreign_bucket(self.data, name)
        return found if found is not None else find_bucket(self.snapshot, name)

    def net(self, role_arn: str, bucket: str) -> NetworkGates:
        """The network gates for the role's requests to the bucket (the view holding the
        pair, in an organisation's analysis: the instance's network is the same)."""
        data = self.data.side(role_arn, bucket)
        if data is None or data is self.data:
            return self.network
        cache: dict[int, NetworkGates] = self.__dict__.setdefault("_nets", {})
        found = cache.get(id(data))
        if found is None:
            found = cache[id(data)] = NetworkGates(data)
        return found

    # -- queries -----------------------------------------------------------------------------

    def reachable_from_role(self, role_arn: str, include_denied: bool = False
                            ) -> list[BucketAccess]:
        role = find_role(self.snapshot, role_arn)
        out: list[BucketAccess] = []
        for chain in self.data.chains_from(role.arn):
            for name, res in self.role_buckets(chain.roles[-1]):
                acts = self._answers(res, chain.hops, include_denied)
                if acts:
                    out.append(BucketAccess(name, chain.roles[-1], chain.roles, acts))
        out.sort(key=lambda b: (b.bucket, len(b.via)))
        return out

    def reachable_from_instance(self, instance_id: str, include_denied: bool = False
                                ) -> list[BucketAccess]:
        instance = find_instance(self.snapshot, instance_id)
        out: list[BucketAccess] = []
        for chain in self.instance_chains(instance):
            own = instance if len(chain.roles) == 1 else None
            target = chain.roles[-1]
            for name, res in self.role_buckets(target, own):
                if name in self.data.bucket_by_name or self.data.side(target, name):
                    res = self.net(target, name).on_bucket(instance, target, name, res, own)
                acts = self._answers(res, chain.hops, include_denied)
                if acts:
                    out.append(BucketAccess(name, chain.roles[-1], chain.roles, acts))
        out.sort(key=lambda b: (b.bucket, len(b.via)))
        return out

    def who_can(self, bucket_name: str, action: str | None = None, level: str | None = None,
                include_denied: bool = False) -> list[PrincipalAccess]:
        """Instances, roles, IAM users, the public, external accounts and services that reach
        a bucket.

        Before every role is decided, the answer is decided for this bucket alone, ahead of
        the background analysis (`first_in_line`), and kept: the view that asked redraws it
        without deciding again.
        """
        if self.data.complete:
            self._early_who_can.clear()
            return self._who_can(bucket_name, action, level, include_denied)
        key = (bucket_name, action, level, include_denied)
        found = self._early_who_can.get(key)
        if found is None:
            with self.data.first_in_line():
                found = self._who_can(bucket_name, action, level, include_denied)
            self._early_who_can[key] = found
        return list(found)

    def _who_can(self, bucket_name: str, action: str | None, level: str | None,
                 include_denied: bool) -> list[PrincipalAccess]:
        bucket = self.find_bucket(bucket_name)
        #: Another account's bucket (an organisation's analysis): this account's instances
        #: and roles only; the public and outside principals are the bucket account's answer.
        foreign = bucket.name not in self.snapshot.bucket_by_name
        wanted = action_filter(action, level)
        keep = keep_filter(include_denied)
        everything = action is None and level is None and include_denied
        # Thousands of instances share a handful of answer sets (same role, same hops): each
        # distinct set is filtered once and handed out read-only, not copied per instance.
        picked: dict[tuple[Hashable, ...], Mapping[str, ActionAccess]] = {}

        def pick(res: Mapping[str, ActionAccess], hops: tuple[AssumeEdge, ...] = ()
                 ) -> Mapping[str, ActionAccess]:
            key = (answers_key(res), *hops)
            found = picked.get(key)
            if found is not None:
                return found
            if everything:
                acts = self._answers(res, hops, include_denied=True)
            else:
                seen = actions_through(res, hops) if hops else res
                acts = MappingProxyType({k: a for k, a in seen.items() if wanted(a) and keep(a)})
            picked[key] = acts
            return acts

        out: list[PrincipalAccess] = []
        pub = pick({} if foreign else self.data.public.get(bucket.name, {}))
        if pub:
            out.append(PrincipalAccess("public", PUBLIC_ID, "anyone (public)", pub))
        # Instances with the same roles get the same answer unless a statement reads an
        # instance's own keys (its ARN, VPC, IP): decide once per role set, not per instance.
        shared: dict[tuple[object, ...], tuple[Mapping[str, ActionAccess], tuple[str, ...],
                                            tuple[tuple[str, ...], ...]]] = {}
        plan = self.data.instance_plan
        for inst in self.snapshot.instances:
            roles, own = plan(inst)
            if not roles:
                continue
            # Instances share answers per route class too (the network path, decide/network.py).
            share = (roles, *self.network.class_key(inst, roles, bucket.name)) \
                if not foreign else ()
            found = None if own or foreign else shared.get(share)
            if found is None:
                found = self._instance_on_bucket(inst, bucket.name, pick)
                if not own:
                    shared[share] = found
            merged, via, chains = found
            if merged:
                out.append(PrincipalAccess("instance", inst.instance_id, inst.label, merged,
                                           via, chains))
        for role in self.snapshot.roles:
            # Through the role's chains (itself, then roles it can assume), as its trace
            # (`reachable_from_role`) lists them: the two views count the same actions.
            merged, via, chains = self._chains_on_bucket(
                self.data.chains_from(role.arn), bucket.name, pick)
            if merged:
                out.append(PrincipalAccess("role", role.arn, role.name, merged, via, chains))
        for resource in compute_resources(self.data):
            merged, via, chains = self._chains_on_bucket(
                compute_chains(self.data, resource), bucket.name, pick)
            if merged:
                out.append(PrincipalAccess(resource.kind, resource.arn, resource.name, merged,
                                           via, chains))
        for user in self.data.users:
            # No instance: the IAM gates only (model_users.USER_GATES_NOTE says so).
            merged, via, chains = self._chains_on_bucket(
                self.data.chains_from(user.arn), bucket.name, pick)
            if merged:
                out.append(PrincipalAccess("user", user.arn, user.name, merged, via, chains))
        for ext in self.external(bucket.name) if not foreign else ():
            acts = pick(ext.actions)
            if acts:
                out.append(PrincipalAccess(ext.kind, ext.id, ext.name, acts))
        return out

    def _instance_on_bucket(
        self, inst: Instance, bucket: str,
        pick: Callable[[Mapping[str, ActionAccess], tuple[AssumeEdge, ...]],
                       Mapping[str, ActionAccess]],
    ) -> tuple[Mapping[str, ActionAccess], tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """The instance's strongest answer per action over every role it can act as, the chain
        of roles that grants the most actions, and every chain that grants any."""
        return self._chains_on_bucket(self.instance_chains(inst), bucket, pick, inst)

    def _chains_on_bucket(
        self, chains: Iterable[Chain], bucket: str,
        pick: Callable[[Mapping[str, ActionAccess], tuple[AssumeEdge, ...]],
                       Mapping[str, ActionAccess]],
        inst: Instance | None = None,
    ) -> tuple[Mapping[str, ActionAccess], tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """Strongest answer per action over `chains` (the first role's instance context for
        a chain of one role), the chain granting the most, and every chain granting any."""
        merged: Mapping[str, ActionAccess] = {}
        found: list[tuple[tuple[str, ...], int]] = []
        for chain in chains:
            own = inst if len(chain.roles) == 1 else None
            res = self.role_bucket(chain.roles[-1], bucket, own)
            if inst is not None and self.data.side(chain.roles[-1], bucket) is not None:
                res = self.net(chain.roles[-1], bucket).on_bucket(inst, chain.roles[-1],
                                                                  bucket, res, own)
            acts = pick(res, chain.hops)
            if not acts:
                continue
            granted = sum(1 for a in acts.values() if a.outcome is not Outcome.DENIED)
            if granted or not found:
                found.append((chain.roles, granted))
            if acts is merged:
                continue
            merged = stronger(merged, acts) if merged else acts
        if not found:
            return merged, (), ()
        via = max(found, key=lambda f: f[1])[0]
        chains = tuple(roles for roles, n in found if n) if len(found) > 1 else ()
        return merged, via, chains

    def external(self, bucket_name: str) -> list[PrincipalAccess]:
        """Other accounts and AWS services the bucket policy grants to (cached)."""
        cache: dict[str, list[PrincipalAccess]] = self.__dict__.setdefault("_external", {})
        if bucket_name not in cache:
            cache[bucket_name] = external_principals(
                self.data.bucket_by_name[bucket_name], self.snapshot.account_id,
                self.data.context)
        return cache[bucket_name]

    def explain(self, instance_id: str, bucket_name: str, action: str) -> Explanation:
        """The path from an instance to a bucket for one action, each hop with its evidence."""
        return explain_path(self, instance_id, bucket_name, action)

    def decide_now(self, role_arn: str, bucket_name: str, action: str,
                   instance: Instance | None = None) -> ActionAccess:
        """Ask the engine directly (for pairs never stored because nothing grants them)."""
        return decide_now(self, role_arn, bucket_name, action, instance)

    def public_access(self, bucket_name: str) -> Mapping[str, ActionAccess]:
        return self.data.public.get(bucket_name, {})


def build_access_graph(snapshot: AccountSnapshot, assumed: Mapping[str, str] | None = None,
                       progress: Progress | None = None, *, decide: bool = True,
                       reuse_from: AccessGraph | None = None,
                       at: datetime | None = None) -> AccessGraph:
    """Decide every layer for the snapshot (see reach/computer.py for how work is shared).

    `decide=False` sets up the account-wide layers only: every query still answers (deciding
    the roles it needs on first use), and `decide_all` decides the rest, e.g. in a worker.
    `reuse_from`: another snapshot's analysis (usually an earlier one of the same account)
    whose compiled policies and decisions are taken where they are provably the same
    (reuse.py); answers identical on both sides are then the same objects.
    `at`: the analysis time for aws:CurrentTime and the other time keys (default: now, or
    `reuse_from`'s; an assumed aws:CurrentTime wins).
    """
    reuse = Reuse(reuse_from.data) if reuse_from is not None else None
    return AccessGraph(AccessData(snapshot, assumed or {}, progress or _no_progress,
                                  decide=decide, reuse=reuse, at=at))


"""Building the access graph from a snapshot: every layer decided once, kept compact.

`build_access_graph` decides what each role can do on each bucket it can touch (see
reach/computer.py), what the public can do, and who can assume which role. The answers are kept in
compact per-role maps; the networkx graph, the queries and the exports all read those.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from graph.access.classify.bucket_facts import BucketFacts, bucket_facts
from graph.access.classify.role_facts import RoleFacts, role_facts
from graph.access.compile.index import BucketIndex
from graph.access.compile.policies import PolicyBook
from graph.access.decide.decider import Decider
from graph.access.decide.trust import EC2, AssumeEdge, TrustAnalyzer
from graph.access.decide.unread import ec2_edge as unread_ec2_edge
from graph.access.decide.unread import seed, unread_roles
from graph.access.reach.computer import ClassResult, ReachComputer, RoleReach
from graph.access.reach.foreign import ForeignSides
from graph.access.reach.public import public_reach
from graph.access.reach.reuse import Reuse
from graph.catalog import s3_actions
from graph.model import AccountSnapshot, ForeignAccount, Instance, LoadWarning, Role
from graph.model_users import user_callers
from graph.policy.clock import analysis_time, with_time
from graph.sources.bulk import bulk_allocation

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Chain:
    """A way for an instance to act as a role: its own role, then roles it can assume."""

    roles: tuple[str, ...]
    hops: tuple[AssumeEdge, ...]


def instance_values(instance: Instance) -> dict[str, str | None]:
    """The condition keys whose value an instance's credentials carry."""
    return {
        "ec2:SourceInstanceARN": instance.arn,
        "aws:EC2InstanceSourceVPC": instance.vpc_id,
        "aws:EC2InstanceSourcePrivateIPv4": instance.private_ip,
    }


class AccessData:
    """Everything decided for one snapshot and one assumed context.

    With `decide=False` only the account-wide layers are set up (bucket facts, public
    access, trust); each role is then decided when first asked (`reach_of`, `bucket_answer`)
    or by `decide_all`, which the app runs in a background worker while the user already
    browses. One lock serialises the deciding, so a trace asked for on demand waits at most
    for the role the background is deciding, and both get the same cached answers.
    """

    def __init__(self, snapshot: AccountSnapshot, assumed: Mapping[str, str],
                 progress: Progress = _no_progress, *, decide: bool = True,
                 reuse: Reuse | None = None, at: datetime | None = None,
                 owner: ForeignAccount | None = None) -> None:
        #: When the analysis asks its questions (graph/policy/clock.py): the time keys'
        #: value. An analysis reusing another's asks at the same moment.
        self.decided_at = analysis_time(
            assumed, at if at is not None else reuse.first.decided_at if reuse else None)
        #: The request context every decision reads: the time keys, then what was assumed.
        self.context = with_time(assumed, self.decided_at)
        #: The buckets' account when it is not the snapshot's (a *view* of an organisation's
        #: analysis: these roles asked about another account's buckets; no public answers).
        self.owner = owner
        #: The other accounts' roles and buckets this account's roles reach (foreign.py);
        #: None for an analysis of one account alone.
        self.foreign: ForeignSides | None = None
        with bulk_allocation(keep=True):  # the collector pauses while layers are set up
            self._set_up(snapshot, assumed, progress, reuse)
        if decide:
            self.decide_all(progress)

    def _set_up(self, snapshot: AccountSnapshot, assumed: Mapping[str, str],
                progress: Progress, reuse: Reuse | None) -> None:
        self.snapshot = snapshot
        self.assumed = dict(assumed)
        self._lock = threading.RLock()
        #: The analysis this one shares compiled policies and decisions with (see reuse.py);
        #: kept alive because shared cache keys hold the identities of its objects.
        self.reused_from = reuse.first if reuse else None
        self.book = PolicyBook(snapshot, reuse.first.book if reuse else None, self.owner)
        #: Stand-in roles for instance profiles whose role could not be read (unread.py).
        self.unread = unread_roles(snapshot)
        self.unread_by_arn = {r.arn: r for r in self.unread.values()}
        #: IAM users as callers (graph.model_users): decided like roles, without an instance.
        self.users: tuple[Role, ...] = user_callers(snapshot)
        self.user_by_arn = {u.arn: u for u in self.users}
        for stand_in in self.unread.values():
            seed(self.book, stand_in)
        names = [b.name for b in snapshot.buckets]
        same_buckets = reuse is not None and reuse.same_buckets(names, snapshot.account.partition)
        self.index = reuse.first.index if reuse and same_buckets else BucketIndex(
            names, snapshot.account.partition)
        if reuse is not None:
            reuse.seed_book(self.book, same_buckets)
        self.decider = Decider(snapshot.account, self.context,
                               organization=snapshot.organization, owner=self.owner)
        total_b = len(snapshot.buckets)
        progress("buckets", 0, total_b)
        self.buckets: list[BucketFacts] = [
            bucket_facts(b, self.book, self.index) for b in snapshot.buckets]
        self.bucket_by_name = {bf.bucket.name: bf for bf in self.buckets}
        progress("buckets", total_b, total_b)
        self.reach = ReachComputer(self.decider, self.book, self.buckets)
        if reuse is not None:
            reuse.seed_reach(self.reach, self)
        #: Filled role by role (all of them once `complete`).
        self.role_facts: dict[str, RoleFacts] = {}
        self.role_reach: dict[str, RoleReach] = {}
        self._instance_reach: dict[tuple[str, tuple[tuple[str, str], ...]], RoleReach] = {}
        self._profile_plans: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._instances_by_role: dict[str, tuple[str, ...]] | None = None
        progress("public access", 0, total_b)
        actions = s3_actions()
        self.public: dict[str, ClassResult] = {}
        same = reuse.public_answers(self) if reuse is not None else {}
        for bf in self.buckets if self.owner is None else ():
            if bf.bucket.name in same:
                if same[bf.bucket.name]:
                    self.public[bf.bucket.name] = same[bf.bucket.name]
            elif (bf.anyone_actions or bf.policies.public_acl is not None
                    or bf.policy_unreadable):
                res = public_reach(self.decider, bf, actions)
                if res:
                    self.public[bf.bucket.name] = res
        progress("public access", total_b, total_b)
        progress("trust", 0, 1)
        self.trust = TrustAnalyzer(snapshot, self.book, self.context)
        # A view (another account's buckets) asks about roles only: the account's own
        # analysis and the organisation's (graph/org/analysis.py) decide who assumes whom.
        view = self.owner is not None
        self.assume_edges: list[AssumeEdge] = [] if view else self.trust.external_edges()
        self.role_edges: list[AssumeEdge] = [] if view else self.trust.role_edges()
        self.assumable: dict[str, list[AssumeEdge]] = {}
        for e in self.role_edges:
            if e.granted or e.outcome.value == "unknown":
                self.assumable.setdefault(e.source.split(":", 1)[1], []).append(e)
        self._ec2: dict[str, AssumeEdge] = {
            e.target_arn: e for e in self.assume_edges if e.source == f"service:{EC2}"}
        self._chains: dict[str, tuple[Chain, ...]] = {}
        progress("trust", 1, 1)

    @contextlib.contextmanager
    def first_in_line(self) -> Iterator[None]:
        """Hold the deciding lock for a whole query (a trace, a who-can) asked before the
        analysis is done: the background worker waits after its current role instead of
        taking turns with the query's many small decisions. Free once all is decided."""
        if self.complete:
            yield
            return
        with self._lock:
            yield

    @property
    def complete(self) -> bool:
        """Whether every role is decided (the per-role maps are full)."""
        return len(self.role_reach) >= len(self.roles) + len(self.users)

    def decide_all(self, progress: Progress = _no_progress,
                   cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Decide every role not decided yet; False when `cancelled` stopped it early."""
        roles = self.roles + self.users
        total = len(roles)
        progress("roles", 0, total)
        # Deciding builds millions of acyclic objects; the cyclic collector walking them
        # again and again took half of the analysis time (sources/bulk.py).
        with bulk_allocation(keep=True):
            # Every role's facts first (a second or two on 5,000 roles): a who-can asked
            # meanwhile reads every role's facts, and then finds them made.
            for n, role in enumerate(roles, 1):
                if n % 500 == 0 and cancelled():  # facts take about a millisecond a role
                    return False
                self.facts_of(role.arn)
            for i, role in enumerate(roles, 1):
                if cancelled():
                    return False
                self.reach_of(role.arn)
                if i % 20 == 0:
                    progress("roles", i, total)
        progress("roles", total, total)
        return True

    def facts_of(self, role_arn: str) -> RoleFacts:
        """The role's facts, computed on first use."""
        found = self.role_facts.get(role_arn)
        if found is None:
            with self._lock:
                found = self.role_facts.get(role_arn)
                if found is None:
                    role = self.role(role_arn)
                    found = role_facts(self.book.role(role), self.book, self.index)
                    self.role_facts[role_arn] = found
        return found

    def reach_of(self, role_arn: str) -> RoleReach:
        """The role's reach on every bucket (without an instance's own context), decided on
        first use."""
        found = self.role_reach.get(role_arn)
        if found is None:
            with self._lock:
                found = self.role_reach.get(role_arn)
                if found is None:
                    found = self.reach.role_reach(self.facts_of(role_arn), {})
                    self.role_reach[role_arn] = found
        return found

    def caller_reach(self, caller: Role) -> RoleReach:
        """The reach of a caller the snapshot does not hold (not kept: asked once, e.g. a
        user as the member of a group an escalation could add it to)."""
        with self._lock:
            facts = role_facts(self.book.role(caller), self.book, self.index)
            return self.reach.role_reach(facts, {})

    def forget(self, role_arn: str) -> None:
        """Drop the role's decided reach and facts (decided again if asked again): for a
        process that writes each role once and then ends, such as an export's forked writer.
        The answers the role shared with others stay cached."""
        with self._lock:
            self.role_reach.pop(role_arn, None)
            self.role_facts.pop(role_arn, None)

    def bucket_answer(self, role_arn: str, bucket: str, instance: Instance | None = None
                      ) -> ClassResult | None:
        """The role's answers on one bucket: looked up in its decided reach, or (before the
        role is decided) decided for that bucket alone, e.g. for a who-can asked early."""
        bf = self.bucket_by_name[bucket]
        if role_arn in self.role_reach or instance is not None and self.reads_instance_keys(
                role_arn):
            return self.reach_for(role_arn, instance).lookup(bf)
        with self._lock:
            if role_arn in self.role_reach:
                return self.role_reach[role_arn].lookup(bf)
            return self.reach.bucket_answer(self.facts_of(role_arn), bf, {})

    def side(self, role_arn: str, bucket: str) -> AccessData | None:
        """The analysis that decides the role on the bucket: this one for its own pairs,
        else (an organisation's analysis) the view holding the pair; None when none does."""
        if self.foreign is None:
            return self
        if bucket in self.bucket_by_name and (role_arn in self.snapshot.role_by_arn
                                              or role_arn in self.unread_by_arn):
            return self
        return self.foreign.side(role_arn, bucket)

    def bucket_region(self, bucket: str) -> str:
        """The bucket's region (another account's bucket's too, in an organisation)."""
        found = self.bucket_by_name.get(bucket)
        if found is None and self.foreign is not None and bucket in self.foreign.buckets:
            return self.foreign.buckets[bucket][0].region
        return self.bucket_by_name[bucket].bucket.region

    @property
    def warnings(self) -> tuple[LoadWarning, ...]:
        return tuple(self.snapshot.warnings) + tuple(self.book.warnings)

    def ec2_edge(self, role_arn: str) -> AssumeEdge:
        """Whether EC2 may hand this role to an instance (else the instance gets nothing)."""
        edge = self._ec2.get(role_arn)
        if edge is None:
            role = self.role(role_arn)
            edge = (unread_ec2_edge(role) if role_arn in self.unread_by_arn
                    else self.trust.service_edge(role, EC2))
            self._ec2[role_arn] = edge
        return edge

    def chains_from(self, role_arn: str) -> tuple[Chain, ...]:
        """The role itself and every role reachable by assuming (shortest path; cycles end)."""
        found = self._chains.get(role_arn)
        if found is not None:
            return found
        out = [Chain((role_arn,), ())]
        seen = {role_arn}
        queue = [out[0]]
        while queue:
            chain = queue.pop(0)
            last = chain.roles[-1]
            edges = self.assumable.get(last, [])
            if self.foreign is not None:
                edges = self.foreign.edges_from(last, edges)
            for edge in edges:
                if edge.target_arn in seen:
                    continue
                seen.add(edge.target_arn)
                nxt = Chain(chain.roles + (edge.target_arn,), chain.hops + (edge,))
                out.append(nxt)
                queue.append(nxt)
        self._chains[role_arn] = tuple(out)
        return self._chains[role_arn]

    def role(self, role_arn: str) -> Role:
        """A role of the account, the stand-in for a role that could not be read, or an IAM
        user as a caller."""
        found = self.snapshot.role_by_arn.get(role_arn)
        if found is None and self.foreign is not None:
            found = self.foreign.role(role_arn)
        if found is not None:
            return found
        user = self.user_by_arn.get(role_arn)
        return user if user is not None else self.unread_by_arn[role_arn]

    @property
    def roles(self) -> tuple[Role, ...]:
        """The account's roles, and the stand-ins for roles that could not be read."""
        return self.snapshot.roles + tuple(self.unread.values())

    def instance_roles(self, instance: Instance) -> tuple[str, ...]:
        """The roles of the instance's profile that exist in the account."""
        return self.instance_plan(instance)[0]

    def instances_by_role(self) -> dict[str, tuple[str, ...]]:
        """Each role's instances (ids, in the account's order), by the role's ARN: the
        by-role export lists them on every row of the role."""
        if self._instances_by_role is None:
            found: dict[str, list[str]] = {}
            for inst in self.snapshot.instances:
                for arn in self.instance_roles(inst):
                    found.setdefault(arn, []).append(inst.instance_id)
            self._instances_by_role = {arn: tuple(ids) for arn, ids in found.items()}
        return self._instances_by_role

    def instance_plan(self, instance: Instance) -> tuple[tuple[str, ...], bool]:
        """The instance's roles, and whether its answers are its own (a statement reads an
        instance-derived key) or shared with every instance of the same profile. Kept per
        profile: who-can asks for each of thousands of instances sharing a few profiles."""
        arn = instance.instance_profile_arn or ""
        found = self._profile_plans.get(arn)
        if found is None:
            profile = self.snapshot.profile_by_arn.get(arn)
            known = self.snapshot.role_by_arn
            roles = tuple(a for a in profile.role_arns if a in known) if profile else ()
            if arn in self.unread:
                roles = (self.unread[arn].arn,)
            found = (roles, any(self.reads_instance_keys(r) for r in roles))
            self._profile_plans[arn] = found
        return found

    def reads_instance_keys(self, role_arn: str) -> bool:
        """Whether the role's statements or any bucket policy read an instance-derived key."""
        return bool(self.facts_of(role_arn).instance_keys or self.reach.bucket_instance_keys)

    def reach_key(self, role_arn: str, instance: Instance | None) -> tuple[object, ...]:
        """What the role's reach as worn by `instance` depends on, as values: the role, and
        the instance's context where the role's statements (or a bucket policy) read it.
        Equal keys, the same reach (`reach_for`)."""
        if instance is None or not self.reads_instance_keys(role_arn):
            return (role_arn,)
        ctx = self.reach.instance_context(self.facts_of(role_arn), instance_values(instance))
        return (role_arn, tuple(sorted(ctx.items()))) if ctx else (role_arn,)

    def reach_for(self, role_arn: str, instance: Instance | None) -> RoleReach:
        """The role's reach, with the instance's own context when its statements read it."""
        if instance is None or not self.reads_instance_keys(role_arn):
            return self.reach_of(role_arn)  # most roles: no statement reads an instance's keys
        rf = self.facts_of(role_arn)
        ctx = self.reach.instance_context(rf, instance_values(instance))
        if not ctx:
            return self.reach_of(role_arn)
        key = (role_arn, tuple(sorted(ctx.items())))
        found = self._instance_reach.get(key)
        if found is None:
            with self._lock:
                found = self._instance_reach.get(key)
                if found is None:
                    found = self.reach.role_reach(rf, ctx)
                    self._instance_reach[key] = found
        return found

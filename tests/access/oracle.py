"""The plain cell-by-cell decision path: the oracle the access graph is tested against.

For every role, bucket and S3 action it asks the engine (through `Decider`, which layers a
bucket's policy, ACL, Block Public Access and unreadable facts over the engine's answers)
directly: no classes, no shared answers, no caches. The object-key prefixes it probes are the
ones named by the statements about that action that concern the bucket: the role's identity
policies, boundary and SCPs, and the Allow statements of the bucket's policy and ACL that can
apply to the role (for the public: all of them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graph.access.compile.index import BucketIndex
from graph.access.compile.policies import CompiledPolicy, PolicyBook
from graph.access.compile.statements import INSTANCE_KEYS, StatementFacts
from graph.access.decide.decider import Decider
from graph.access.model import ActionAccess
from graph.access.reach.build import instance_values
from graph.catalog import S3Action, s3_actions
from graph.model import AccountSnapshot, Bucket, Instance, Role
from graph.policy import Outcome
from graph.policy.clock import analysis_time, with_time


def _parts(policies: list[CompiledPolicy], action: S3Action, bucket: Bucket,
           index: BucketIndex, allow_only: bool, role: Role | None = None) -> set[str]:
    out: set[str] = set()
    for cp in policies:
        for f in cp.facts:
            if action.name not in f.s3_actions or f.not_resource:
                continue
            if allow_only and f.effect != "Allow":
                continue
            if role is not None and not _applies_to(f, role):
                continue
            for r in f.resources:
                scope = index.scope(r)
                concerns = scope.universal or bucket.name in scope.buckets
                if concerns and scope.key_part not in ("", "*"):
                    out.add(scope.key_part)
    return out


def _applies_to(f: StatementFacts, role: Role) -> bool:
    """Whether a bucket-policy statement's Principal/NotPrincipal can name the role: "*",
    its account, NotPrincipal, or its ARN (the engine matches ARNs exactly)."""
    acct = role.account_id
    return f.not_principal or any(
        p in ("*", acct, role.arn) or p == f"arn:aws:iam::{acct}:root" for p in f.aws_principals)


class Oracle:
    """Answers one cell at a time."""

    def __init__(self, snapshot: AccountSnapshot, assumed: Mapping[str, str] | None = None
                 ) -> None:
        self.snapshot = snapshot
        self.book = PolicyBook(snapshot)
        self.index = BucketIndex([b.name for b in snapshot.buckets], snapshot.account.partition)
        # The time keys as the analysis sets them (graph/policy/clock.py): a condition on
        # aws:CurrentTime is decided at the time of analysis on both sides.
        context = with_time(dict(assumed or {}), analysis_time(dict(assumed or {})))
        self.decider = Decider(snapshot.account, context, organization=snapshot.organization)
        from graph.access.classify.bucket_facts import (
            bucket_facts,  # the bucket's policies as the engine needs
        )
        self.bucket_facts = {b.name: bucket_facts(b, self.book, self.index)
                             for b in snapshot.buckets}

    def _role_policies(self, role: Role) -> list[CompiledPolicy]:
        rp = self.book.role(role)
        out = list(rp.identity)
        if rp.boundary is not None:
            out.append(rp.boundary)
        for level in (*(self.book.scps or ()), *(self.book.rcps or ())):
            out.extend(level)
        return out

    def instance_context(self, role: Role, instance: Instance | None) -> dict[str, str]:
        """The instance-derived keys some statement in play reads (role side or any bucket)."""
        if instance is None:
            return {}
        read: set[str] = set()
        for cp in self._role_policies(role):
            for f in cp.facts:
                read |= f.condition_keys
        for bf in self.bucket_facts.values():
            read |= bf.instance_keys
        wanted = read & INSTANCE_KEYS
        return {k: v for k, v in instance_values(instance).items() if v and k.lower() in wanted}

    def role_cell(self, role: Role, bucket: Bucket, action: S3Action,
                  instance: Instance | None = None) -> ActionAccess:
        rp = self.book.role(role)
        bf = self.bucket_facts[bucket.name]
        parts = _parts(self._role_policies(role), action, bucket, self.index, False)
        bucket_side = [cp for cp in (bf.policies.policy, bf.policies.acl) if cp is not None]
        parts |= _parts(bucket_side, action, bucket, self.index, True, role)
        return self.decider.role_action(rp, bf, action, frozenset(parts),
                                        self.instance_context(role, instance))

    def public_cell(self, bucket: Bucket, action: S3Action) -> ActionAccess | None:
        bf = self.bucket_facts[bucket.name]
        bucket_side = [cp for cp in (bf.policies.policy, bf.policies.public_acl)
                       if cp is not None]
        parts = frozenset(_parts(bucket_side, action, bucket, self.index, True))
        known: ActionAccess | None = self.decider.public_action(bf, action, parts)
        if known is not None and known.outcome is Outcome.DENIED and not known.evidence:
            known = None  # nothing grants it: the unread policy alone decides (below)
        unread = self.decider.public_unread(bf, action, known)
        if unread is not None:
            known = unread
        return known

    def cells(self) -> Iterator[tuple[Role, Bucket, S3Action]]:
        for role in self.snapshot.roles:
            for bucket in self.snapshot.buckets:
                for action in s3_actions():
                    yield role, bucket, action


def same(a: ActionAccess, b: ActionAccess) -> bool:
    """Equal in everything a user sees: outcome, reasons, evidence, conditions, prefixes."""
    return (a.action, a.level, a.scope, a.outcome, a.reasons, a.blocked_by, a.prefixes) == (
        b.action, b.level, b.scope, b.outcome, b.reasons, b.blocked_by, b.prefixes) and [
        (e.policy_name, e.policy_kind, e.index, e.statement) for e in a.evidence] == [
        (e.policy_name, e.policy_kind, e.index, e.statement) for e in b.evidence] and [
        (c.statement.policy_name, c.statement.index, c.text) for c in a.conditions] == [
        (c.statement.policy_name, c.statement.index, c.text) for c in b.conditions]

"""One action on one bucket for one caller: the gates' answers, combined.

The gates (gates/, protocol in gate.py) say what the engine is asked and what limits or
unread facts change; combine.py holds AWS's rules for putting them together. This module
asks per resource: object actions are decided for the whole bucket (`bucket/*`) and, when
that is not granted, for each object-key prefix a grant names; answers over prefixes are
merged into one, with every prefix and its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.index import key_prefix_label
from graph.access.compile.policies import RolePolicies
from graph.access.decide import gates as registry
from graph.access.decide.combine import decide, limited, may_deny, may_grant, plan, unread
from graph.access.decide.gate import Gate, Question
from graph.access.decide.gate_memo import GateMemo
from graph.access.decide.gates.access_point import DIRECT
from graph.access.decide.gates.org_policies import org_keys
from graph.access.decide.unread import UNREAD_POLICY, is_stand_in
from graph.access.model import OUTCOME_RANK, ActionAccess, unique_conditions, unique_refs
from graph.catalog import S3Action
from graph.model import Account, ForeignAccount
from graph.model_org import Organization
from graph.policy import (
    Decision,
    Outcome,
    Policy,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
)
from graph.policy.document import Statement
from graph.policy.evaluate import CallerHits, caller_hits, combine, resource_hits
from graph.policy.hits import Hit, matches_arn

#: The engine's decisions for one action on one bucket: the deciding one, the object-key
#: prefixes it is limited to, and the decisions of those prefixes.
Core = tuple[Decision, tuple[str, ...], list[Decision]]


def _granted(d: Decision) -> bool:
    return d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)


def generic_reasons(reasons: tuple[str, ...], bucket_arn: str) -> tuple[str, ...]:
    """Reasons without the bucket's own ARN: buckets that look alike share one answer."""
    return tuple(r.replace(bucket_arn, "the bucket") for r in reasons)


def _access(action: S3Action, d: Decision, *, outcome: Outcome | None = None,
            extra: tuple[str, ...] = (), blocked_by: PolicyKind | None = None,
            prefixes: tuple[str, ...] = ()) -> ActionAccess:
    return ActionAccess(
        action=action.name,
        level=action.level,
        scope=action.scope,
        outcome=outcome or d.outcome,
        reasons=extra + d.reasons,
        evidence=d.deciding,
        conditions=d.conditions,
        blocked_by=blocked_by if blocked_by is not None else (
            d.blocked_by if d.outcome is Outcome.DENIED else None),
        prefixes=prefixes,
    )


class Decider:
    """Asks the engine about roles and the anonymous public on buckets, gate by gate
    (gates/, combined by combine.py)."""

    def __init__(self, account: Account, assumed: Mapping[str, str],
                 gates: tuple[Gate, ...] | None = None,
                 organization: Organization | None = None,
                 owner: ForeignAccount | None = None) -> None:
        #: The buckets' account (its id is every request's resource account; its Block
        #: Public Access, RCPs and KMS keys are the bucket side's): `owner`'s when the buckets
        #: are another account's than the callers' (an organisation's analysis).
        self.account = owner.account if owner is not None else account
        self.assumed = dict(assumed)
        #: What the organisation says of a request from the callers' account to the buckets'
        #: (aws:PrincipalOrgID/OrgPaths, aws:ResourceOrgID/OrgPaths), so conditions on them
        #: are decided; the anonymous public has no principal keys.
        principal_org, resource_org = org_keys(
            organization, owner.organization if owner is not None else None)
        # A direct request carries no access point's keys: absent, so a bucket policy's
        # delegation to access points (s3:DataAccessPointAccount) is decided, not conditional.
        self.principal_org: dict[str, Any] = {**DIRECT, **principal_org}
        self.resource_org: dict[str, Any] = {**DIRECT, **resource_org}
        #: The registered gates (gates/__init__.py), read when the analysis starts.
        self.gates = gates if gates is not None else registry.GATES
        #: Engine evaluations that matched statements: whole requests, and each side of a
        #: role's requests (its caller side once per `caller` key, see `role_core`).
        self.calls = 0
        #: Of those, the role's side matched (identity policies, boundary, SCPs).
        self.identity_calls = 0
        #: Role requests decided from both sides' matched statements, kept (`combine`).
        self.combined = 0
        self._callers: dict[tuple[object, ...], CallerHits] = {}
        self._resources: dict[tuple[object, ...], tuple[Hit, ...]] = {}
        #: The gates' plan and unread facts for the role and bucket asked about last.
        self.memo = GateMemo(self.gates, self.account)

    def _evaluate(self, request: Request, principal: PrincipalPolicies,
                  resource: Policy | None) -> Decision:
        self.calls += 1
        return evaluate(request, principal, resource)

    def trim(self) -> None:
        """Forget the matched sides (exact memos: they are matched again when asked)."""
        self._callers.clear()
        self._resources.clear()

    def _sided(self, caller: object, probes: tuple[Statement, ...], who: object,
               bucket_arn: str) -> Callable[[Request, PrincipalPolicies, Policy | None], Decision]:
        """The engine for one role's requests on one bucket, each side matched once.

        `caller` names what the role's matching statements depend on for this bucket and
        action class (the computer's key: the statements concerning it, boundary, missing
        documents, what they read of the role, the context), so roles and buckets with equal
        keys share the caller side; `who` names what the bucket's documents can read of the
        caller. A side depends on the request only through its action and where under the
        bucket it asks (the ARN's suffix); the engine's own `combine` then decides from both
        (AWS's rules, the boundary's exceptions, the exact reasons and evidence order).
        """
        cut = len(bucket_arn)
        callers = self._callers
        resources = self._resources
        # Every question of this role on this bucket asks the same few ARNs (and the probe
        # lists of its action classes share statements).
        matched = self.memo.matched
        each = self.memo.matched_each

        def match(stmt: Statement, arn: str) -> bool:
            found = each.get((stmt, arn))
            if found is None:
                found = each[(stmt, arn)] = matches_arn(stmt, arn)
            return found

        def evaluate_(request: Request, principal: PrincipalPolicies,
                      resource: Policy | None) -> Decision:
            arn = request.resource_arn
            suffix = arn[cut:]
            key: tuple[object, ...] = (caller, request.action, suffix)
            if probes:
                found_match = matched.get((probes, arn))
                if found_match is None:
                    found_match = matched[(probes, arn)] = tuple(map(match, probes,
                                                                     repeat(arn)))
                key = (*key, found_match)
            side = callers.get(key)
            if side is None:
                self.calls += 1
                self.identity_calls += 1
                side = callers[key] = caller_hits(request, principal)
            hits: tuple[Hit, ...] = ()
            if resource is not None:
                rkey = (resource, request.action, suffix, who)
                found = resources.get(rkey)
                if found is None:
                    self.calls += 1
                    found = resources[rkey] = resource_hits(request, resource,
                                                            side.has_boundary)
                hits = found
            self.combined += 1
            return combine(request, side, hits)

        return evaluate_

    def _object_or_bucket(self, action: S3Action, bf: BucketFacts, key_parts: frozenset[str],
                          make: Callable[[str], Decision]) -> Core:
        arn = bf.bucket.arn
        if action.scope == "bucket":
            return make(arn), (), []
        whole = make(f"{arn}/*")
        if _granted(whole) or not key_parts:
            return whole, (), []
        partial: list[tuple[str, Decision]] = []
        blocked: tuple[str, Decision] | None = None
        for part in sorted(key_parts):
            d = make(f"{arn}/{part}")
            if _granted(d):
                partial.append((key_prefix_label(part), d))
            elif blocked is None and (d.verdict is Verdict.EXPLICIT_DENY or d.blocked_by not in (
                    None, PolicyKind.IDENTITY)):
                # A grant under a prefix that a later layer blocks says more than "no grant".
                blocked = (key_prefix_label(part), d)
        if not partial:
            if blocked is not None:
                return blocked[1], (blocked[0],), []
            return whole, (), []
        best = max(partial, key=lambda p: OUTCOME_RANK[p[1].outcome])[1]
        return best, tuple(p for p, _ in partial), [d for _, d in partial]

    def role_core(self, rp: RolePolicies, bf: BucketFacts, action: S3Action,
                  key_parts: frozenset[str], instance_context: Mapping[str, str],
                  caller: object = None, probes: tuple[Statement, ...] = ()) -> Core:
        """The engine's decisions for one action: on the bucket or its objects, and on each
        object-key prefix a statement names when the whole bucket is not granted.

        With a `caller` key (see `_sided`) each side of the engine's evaluation is matched
        once for every request that shares it; without one, every request is evaluated."""
        context = {**self.principal_org, **self.assumed, **instance_context}
        role = rp.role
        memo = self.memo
        q = memo.question(rp, bf, action, context)
        context = q.context  # type: ignore[assignment]
        asked = memo.plan(q)
        evaluate_: Callable[..., Decision] = self._evaluate
        if caller is not None:
            # Everything else a bucket's statements can read of the request (the same for
            # every question of this role on this bucket).
            side = memo.extra.get("who")
            if side is None:
                who: object = None
                if bf.principal_specific or role.arn in bf.named_roles:
                    who = (role.arn, tuple(sorted(role.tags.items())))
                side = memo.extra["who"] = (who, rp.boundary is not None,
                                            role.arn.split(":")[4],
                                            tuple(sorted(context.items())))
            evaluate_ = self._sided(caller, probes, side, bf.bucket.arn)

        # One request derived, then copied per resource (the bucket, its objects, prefixes).
        template = Request(principal_arn=role.arn, action=action.name,
                           resource_arn=bf.bucket.arn, resource_account=self.account.account_id,
                           context=context, principal_tags=role.tags, partial=True)

        def make(resource: str) -> Decision:
            return decide(template.on(resource), asked, evaluate_)

        return self._object_or_bucket(action, bf, key_parts, make)

    def role_finish(self, action: S3Action, core: Core, bf: BucketFacts,
                    rp: RolePolicies, instance_context: Mapping[str, str]) -> ActionAccess:
        """A role's answer from the engine's decisions: merged over prefixes, then made
        "unknown" where a gate's facts could not be read and could change it."""
        d, prefixes, others = core
        access = _merge(action, d, others, prefixes, bf.bucket.arn)
        memo = self.memo
        q = memo.question(rp, bf, action,
                          {**self.principal_org, **self.assumed, **instance_context})
        stopped = limited(self.gates, q, access)
        if stopped is not None:
            if not stopped.granted:
                return stopped
            access = stopped
        unreads = memo.unread(q)
        if not unreads:
            return access
        why = (may_deny(unreads) if access.granted
               else may_grant(unreads, d, action.name, "this role"))
        return _unknown(access, why) if why else access

    def role_action(self, rp: RolePolicies, bf: BucketFacts, action: S3Action,
                    key_parts: frozenset[str], instance_context: Mapping[str, str]
                    ) -> ActionAccess:
        """A role's answer for one action on one bucket (one cell, asked directly)."""
        core = self.role_core(rp, bf, action, key_parts, instance_context)
        return self.role_finish(action, core, bf, rp, instance_context)

    def public_action(self, bf: BucketFacts, action: S3Action,
                      key_parts: frozenset[str]) -> ActionAccess:
        """What an anonymous caller can do, after the limit gates (Block Public Access)."""
        context = {**self.resource_org, **self.assumed}
        q = Question(bf, action, None, self.account, context)
        asked = plan(self.gates, q)
        evaluate_ = self._evaluate

        def make(resource: str) -> Decision:
            req = Request(principal_arn=None, action=action.name, resource_arn=resource,
                          resource_account=self.account.account_id, context=context,
                          partial=True)
            return decide(req, asked, evaluate_)

        d, prefixes, others = self._object_or_bucket(action, bf, key_parts, make)
        access = _merge(action, d, others, prefixes, bf.bucket.arn)
        stopped = limited(self.gates, q, access)
        if stopped is not None:
            if not stopped.granted:
                return stopped
            access = stopped
        if access.granted:
            why = may_deny(unread(self.gates, q))
            if why:
                return _unknown(access, why)
        return access

    def public_unread(self, bf: BucketFacts, action: S3Action,
                      known: ActionAccess | None) -> ActionAccess | None:
        """The public's answer when a document could not be read: it may grant anything to
        anyone, so a "denied" would be a guess. None when the answer stands: already
        granted, or the gates' settings known to be on confine what it could grant."""
        if not bf.policy_unreadable or (known is not None and known.granted):
            return None
        why = may_grant(unread(self.gates, Question(bf, action, None, self.account,
                                                    {**self.resource_org, **self.assumed})),
                        None, action.name, "anyone")
        if not why:
            return None
        if known is None:
            return ActionAccess(action.name, action.level, action.scope, Outcome.UNKNOWN, why)
        return _unknown(known, why)


def for_member(core: Core, rep: S3Action, member: S3Action) -> Core | None:
    """The class representative's decisions as the member's own.

    Within an action class every statement matches both actions alike, so the engine's
    decisions are the same statements, verdicts and conditions; only an implicit denial's
    reason names the action it was asked about ("... does not allow s3:GetObject"). That one
    reason is rewritten for the member; None (ask the engine) if it does not read as expected.
    """
    d, prefixes, others = core
    if d.verdict is not Verdict.IMPLICIT_DENY or d.outcome is not Outcome.DENIED:
        return core
    if len(d.reasons) != 1 or d.reasons[0].count(rep.name) != 1:
        return None
    head, tail = d.reasons[0].split(rep.name)
    if tail and tail[0] not in " )":
        return None
    # Built directly: `dataclasses.replace` costs more than the rest of this, per member.
    return Decision(d.verdict, d.outcome, (head + member.name + tail,), d.deciding,
                    d.blocked_by, d.conditions), prefixes, others


def _merge(action: S3Action, d: Decision, others: list[Decision],
           prefixes: tuple[str, ...], bucket_arn: str) -> ActionAccess:
    if not others:
        access = _access(action, d, prefixes=prefixes)
        if access.outcome is Outcome.DENIED:
            a = access
            return ActionAccess(a.action, a.level, a.scope, a.outcome,
                                generic_reasons(a.reasons, bucket_arn), a.evidence,
                                a.conditions, a.blocked_by, a.prefixes)
        return access
    evidence = unique_refs(e for o in others for e in o.deciding)
    conditions = unique_conditions(c for o in others for c in o.conditions)
    reasons = tuple(dict.fromkeys(r for o in others for r in o.reasons))
    return ActionAccess(action.name, action.level, action.scope, d.outcome,
                        (f"only for objects under {', '.join(prefixes)}",) + reasons,
                        evidence, conditions, None, prefixes)


def _unknown(access: ActionAccess, why: tuple[str, ...]) -> ActionAccess:
    # A role that could not be read is decided with a stand-in policy (unread.py): it is not
    # the account's, so it is never quoted.
    evidence = tuple(e for e in access.evidence if not is_stand_in(e.policy_name))
    reasons = tuple(r for r in access.reasons if UNREAD_POLICY not in r)
    return ActionAccess(access.action, access.level, access.scope, Outcome.UNKNOWN,
                        why + reasons, evidence, access.conditions,
                        access.blocked_by, access.prefixes)

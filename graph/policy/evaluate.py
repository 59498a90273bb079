"""AWS's policy evaluation logic for one request, with the statements that decided it.

Order, from the IAM User Guide's "Policy evaluation logic" and "Cross-account policy
evaluation logic" pages:
1. an explicit Deny in any policy (SCP, resource, identity, boundary) wins;
2. every SCP level (root, OUs, account) must allow;
3. same account: a resource-policy grant to `*`, to an IAM user's ARN or to a role session ARN
   allows on its own (boundaries do not limit it); a grant to the role ARN allows unless the
   boundary does not allow the action; a grant to the account only delegates to identity
   policies; otherwise identity policy AND boundary must allow. Role trust policies and KMS
   key policies are the exception: they must grant the caller or its account explicitly, an
   identity Allow alone is not enough;
4. cross account: the resource policy must grant (to `*`, the caller or its account) AND the
   caller's identity policy and boundary must allow.

SCPs do not restrict service-linked roles (path /aws-service-role/).

Partial evaluation (unknown condition keys) is decided twice — unknown Allow conditions taken
as true and unknown Deny conditions as false, then the reverse — so the answer is definite when
both agree and *conditional* (with the conditions it depends on) when they do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.policy.conditions import Condition, resource_variable_condition
from graph.policy.context import EvalContext
from graph.policy.decision import (
    ConditionRef,
    Decision,
    Outcome,
    PolicyKind,
    StatementRef,
    Verdict,
)
from graph.policy.document import Policy, Statement, match_variables
from graph.policy.principals import GrantKind
from graph.policy.request import Request


@dataclass(frozen=True)
class PrincipalPolicies:
    """The policies attached to (or governing) the calling role."""

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    #: One tuple of SCPs per organization level; None when Organizations is not in play.
    scps: tuple[tuple[Policy, ...], ...] | None = None


NO_POLICIES = PrincipalPolicies()


@dataclass(slots=True, eq=False)
class _Hit:
    """A statement that matches the request (certainly, or depending on unknown conditions).

    Compared by identity: certain hits are shared (see `_certain_hit`), so a tuple of them is a
    cheap, exact key for the decision memo.
    """

    stmt: Statement
    certain: bool
    unknown: tuple[Condition, ...]
    grant: GrantKind | None
    deny: bool
    #: Interned (see `_certain_hit`, `_conditional_hit`): identity stands for equality.
    shared: bool = True


@dataclass(slots=True)
class _Result:
    verdict: Verdict
    deciding: tuple[_Hit, ...]
    blocked_by: PolicyKind | None
    reasons: tuple[str, ...]


#: Hits that depend only on the statement and how its Principal names the caller are shared
#: (a decision reads them, never changes them): most hits need no allocation at all.
_SHARED_HITS: dict[tuple[Any, ...], _Hit] = {}
_SHARED_LIMIT = 500_000


def _conditional_hit(stmt: Statement, grant: GrantKind | None,
                     unknown: tuple[Condition, ...]) -> _Hit:
    """A hit that depends on unknown keys of the statement's own conditions: interned too,
    so decisions that depend on the same unknowns are memoised like definite ones."""
    key = (stmt, grant, unknown)
    hit = _SHARED_HITS.get(key)
    if hit is None:
        if len(_SHARED_HITS) > _SHARED_LIMIT:
            _SHARED_HITS.clear()
        hit = _SHARED_HITS[key] = _Hit(stmt, False, unknown, grant, stmt.deny)
    return hit


def _certain_hit(stmt: Statement, grant: GrantKind | None) -> _Hit:
    key = (stmt, grant)
    hit = _SHARED_HITS.get(key)
    if hit is None:
        if len(_SHARED_HITS) > _SHARED_LIMIT:
            _SHARED_HITS.clear()
        hit = _SHARED_HITS[key] = _Hit(stmt, True, (), grant, stmt.deny)
    return hit


#: (statement, resource fullmatch or None, literal prefixes and exact ARNs when every plain
#:  Resource pattern is one of those (else None), NotResource?, has variables?, no Resource
#:  element?, the grant its Principal makes to the caller, the shared hit when nothing else
#:  can vary)
_Step = tuple[Statement, Any, "tuple[tuple[str, ...], frozenset[str]] | None", bool, bool, bool,
              "GrantKind | None", "_Hit | None"]


_PLAN_LIMIT = 50_000


def _plan(policy: Policy, request: Request, has_boundary: bool) -> tuple[_Step, ...]:
    """The statements of `policy` that can apply to this caller and action, resolved once.

    Action and Principal depend only on (action, caller), which repeat across thousands of
    requests: only the Resource and Condition tests remain per request.
    """
    # Identity policies and boundaries name no principal: their plan serves every caller
    # (the access graph asks the same managed policy for thousands of roles).
    key: Any = ((request.action, request.principal_arn, request.principal_service,
                 request.session_arn, has_boundary)
                if policy.names_principals else request.action)
    plans = policy._caller_plans
    plan = plans.get(key)
    if plan is not None:
        return plan
    steps: list[_Step] = []
    for stmt in policy.statements_for(request.action):
        grant: GrantKind | None = None
        principal = stmt.principal
        if principal is not None:
            if stmt.not_principal:
                # A principal with a permissions boundary is never exempted by NotPrincipal+Deny.
                if principal.exempts(request) and not (has_boundary and stmt.deny):
                    continue
                grant = GrantKind.ANY
            else:
                grant = principal.match(request)
                if grant is None:
                    continue
        regex = stmt._resource_re
        dynamic = bool(stmt._resource_vars)
        shared = _certain_hit(stmt, grant) if not stmt.conditions and not dynamic else None
        steps.append((stmt, regex.fullmatch if regex is not None else None,
                      stmt._literal, stmt.not_resource, dynamic,
                      stmt.resources is None, grant, shared))
    if len(plans) > _PLAN_LIMIT:
        plans.clear()
    plan = plans[key] = tuple(steps)
    return plan


def _hits(policy: Policy | None, request: Request, ctx: EvalContext,
          has_boundary: bool) -> list[_Hit]:
    if policy is None:
        return []
    out: list[_Hit] = []
    arn = request.resource_arn
    # A pattern ARN (the access graph's "bucket/prefix/*") matches glob against glob: the
    # policy caches those answers per (action, ARN).
    static = policy.matching(request.action, arn, ctx) if "*" in arn else None
    for stmt, fullmatch, literal, negated, dynamic, always, grant, shared in _plan(
            policy, request, has_boundary):
        if static is not None:
            if stmt not in static:
                continue
        elif not always:
            if literal is not None:
                hit = arn.startswith(literal[0]) or arn in literal[1]
            else:
                hit = fullmatch is not None and fullmatch(arn) is not None
            if not hit and dynamic:
                maybe = match_variables(stmt, arn, ctx)
                hit = maybe if maybe is not None else not negated  # unknown: keep, ask below
            if hit == negated:
                continue
        if shared is not None:
            out.append(shared)
            continue
        unknown: list[Condition] = []
        if dynamic:
            unknown.extend(
                resource_variable_condition(key, stmt.resources or ())
                for key in stmt.unknown_resource_keys(arn, ctx)
            )
        failed = False
        for cond in stmt.conditions:
            result = cond.evaluate(ctx)
            if result is False:
                failed = True
                break
            if result is None:
                unknown.append(cond)
        if failed:
            continue
        if not unknown:
            out.append(_certain_hit(stmt, grant))
        elif dynamic:  # pseudo-conditions made for this request's ARN: not interned
            out.append(_Hit(stmt, False, tuple(unknown), grant, stmt.deny, shared=False))
        else:
            out.append(_conditional_hit(stmt, grant, tuple(unknown)))
    return out


def _label(hit: _Hit) -> str:
    return hit.stmt.ref.label


def _active(hits: list[_Hit], optimistic: bool) -> list[_Hit]:
    """The hits that count when unknown conditions are resolved one way."""
    return [h for h in hits if h.certain or optimistic != h.deny]


def _decide(
    request: Request,
    identity: list[_Hit],
    boundary: list[_Hit] | None,
    scps: list[list[_Hit]] | None,
    resource: list[_Hit],
) -> _Result:
    denies = [h for h in identity if h.deny]
    if boundary:
        denies.extend(h for h in boundary if h.deny)
    if scps:
        for level_hits in scps:
            denies.extend(h for h in level_hits if h.deny)
    denies.extend(h for h in resource if h.deny)
    if denies:
        return _Result(
            Verdict.EXPLICIT_DENY,
            tuple(denies),
            denies[0].stmt.ref.policy_kind,
            tuple(f"explicitly denied by {_label(h)}" for h in denies),
        )

    def allows(hits: list[_Hit]) -> tuple[_Hit, ...]:
        return tuple(h for h in hits if not h.deny)

    if scps is not None:
        for level, hits in enumerate(scps):
            if not allows(hits):
                return _Result(
                    Verdict.IMPLICIT_DENY, (), PolicyKind.SCP,
                    (f"no service control policy at organization level {level} allows "
                     f"{request.action}",),
                )

    granted = allows(resource)
    if request.principal_type in ("service", "anonymous"):
        if granted:
            return _Result(Verdict.ALLOW, granted, None,
                           tuple(f"allowed by {_label(h)}" for h in granted))
        who = request.principal_service or "an anonymous caller"
        return _Result(Verdict.IMPLICIT_DENY, (), PolicyKind.RESOURCE,
                       (f"no resource policy statement grants {request.action} to {who}",))

    identity_ok = allows(identity)
    boundary_ok = allows(boundary) if boundary is not None else ()
    boundary_passes = boundary is None or bool(boundary_ok)
    explicit = request.explicit_grant
    owner = ("the role's trust policy" if explicit == "trust" else "the key policy"
             if explicit == "key" else "the resource policy")

    if request.cross_account:
        if not granted:
            return _Result(Verdict.IMPLICIT_DENY, (), _resource_layer(explicit), (
                f"cross-account: {owner} of account {request.resource_account} "
                f"does not grant {request.action} to this {request.principal_type} or its "
                "account",))
        if not identity_ok:
            return _Result(Verdict.IMPLICIT_DENY, (), PolicyKind.IDENTITY, (
                f"cross-account: no identity policy of the {request.principal_type} allows "
                f"{request.action}",))
        if not boundary_passes:
            return _Result(Verdict.IMPLICIT_DENY, (), PolicyKind.BOUNDARY, (
                f"the permissions boundary does not allow {request.action}",))
        deciding = identity_ok + granted + boundary_ok
        return _Result(Verdict.ALLOW, deciding, None,
                       tuple(f"allowed by {_label(h)}" for h in deciding))

    # Same account. Permissions boundaries page: a resource-policy grant to `*`, to an IAM
    # user's ARN or to a role session ARN is not limited by an implicit deny of the boundary;
    # a grant to the role ARN is.
    user = request.principal_type == "user"
    free = tuple(h for h in granted if h.grant is GrantKind.ANY or h.grant is GrantKind.SESSION
                 or (user and h.grant is GrantKind.ARN))
    bounded = tuple(h for h in granted if h.grant is GrantKind.ARN and not user)
    delegated = tuple(h for h in granted if h.grant is GrantKind.ACCOUNT)
    # Trust and key policies must grant explicitly: an identity Allow counts only where the
    # resource policy delegates to the account.
    identity_counts = bool(identity_ok) and (explicit is None or bool(delegated))
    # Every statement that would allow on its own is evidence, not only the first found.
    deciding_list: list[_Hit] = list(free)
    if boundary_passes:
        deciding_list.extend(bounded)
        if identity_counts:
            deciding_list.extend(identity_ok)
            if explicit is not None:
                deciding_list.extend(delegated)
        if len(deciding_list) > len(free):
            deciding_list.extend(boundary_ok)
    if deciding_list:
        deciding = tuple(deciding_list)
        return _Result(Verdict.ALLOW, deciding, None, tuple(
            f"allowed by {_label(h)}" + (" (grant to *)" if h.grant is GrantKind.ANY else "")
            for h in deciding))
    if (identity_counts or bounded) and not boundary_passes:
        return _Result(Verdict.IMPLICIT_DENY, (), PolicyKind.BOUNDARY, (
            f"the permissions boundary does not allow {request.action}",))
    if explicit is not None and not delegated:
        return _Result(Verdict.IMPLICIT_DENY, (), _resource_layer(explicit), (
            f"{owner} does not grant {request.action} to this {request.principal_type} "
            "(an identity policy alone cannot allow it)",))
    return _Result(Verdict.IMPLICIT_DENY, (), PolicyKind.IDENTITY, (
        f"no identity or resource policy statement allows {request.action} on this resource",))


def _resource_layer(explicit: str | None) -> PolicyKind:
    return PolicyKind.TRUST if explicit == "trust" else PolicyKind.RESOURCE


def _condition_refs(hits: list[_Hit]) -> tuple[ConditionRef, ...]:
    out: list[ConditionRef] = []
    for h in hits:
        if h.certain:
            continue
        for c in h.unknown:
            out.append(ConditionRef(h.stmt.ref, c.operator, c.key, c.values,
                                    must_hold=not h.stmt.deny))
    return tuple(out)


#: Definite decisions by (certain hits, request shape): see `evaluate`. `_decide` reads only
#: the hits and the request fields in the key, so an entry is exact, never an approximation.
_DECISIONS: dict[tuple[Any, ...], Decision] = {}
_DECISIONS_LIMIT = 200_000


def evaluate(
    request: Request,
    principal: PrincipalPolicies = NO_POLICIES,
    resource_policy: Policy | None = None,
) -> Decision:
    """Decide one request; the Decision says allow/deny, how sure, and which statements."""
    ctx = EvalContext(request)
    is_role = request.principal_type in ("role", "user")
    has_boundary = is_role and principal.boundary is not None
    identity: list[_Hit] = []
    boundary: list[_Hit] | None = None
    scps: list[list[_Hit]] | None = None
    if is_role:
        for policy in principal.identity:
            identity.extend(_hits(policy, request, ctx, has_boundary))
        if principal.boundary is not None:
            boundary = _hits(principal.boundary, request, ctx, has_boundary)
        # Service control policies page: SCPs do not affect service-linked roles.
        if principal.scps is not None and not request.service_linked:
            scps = [
                [h for p in level for h in _hits(p, request, ctx, has_boundary)]
                for level in principal.scps
            ]
    resource = _hits(resource_policy, request, ctx, has_boundary)

    everything: list[_Hit] = []
    if request.partial:
        everything = identity + (boundary or []) + [h for lv in scps or [] for h in lv] + resource
    if request.partial and not all(h.shared for h in everything):
        return _decide_partial(request, identity, boundary, scps, resource, everything)
    # Every hit is interned: the same hits with the same request shape give the same
    # Decision, which thousands of requests (one per object key, bucket, role) reuse.
    # `_decide` reads only the hits and the request fields in the key.
    key = (tuple(identity), tuple(boundary) if boundary is not None else None,
           tuple(tuple(level) for level in scps) if scps is not None else None,
           tuple(resource), request.action, request.principal_type, request.cross_account,
           request.principal_service, request.resource_account, request.explicit_grant)
    decision = _DECISIONS.get(key)
    if decision is None:
        decision = _decide_partial(request, identity, boundary, scps, resource, everything)
        if len(_DECISIONS) > _DECISIONS_LIMIT:
            _DECISIONS.clear()
        _DECISIONS[key] = decision
    return decision


def _decide_partial(request: Request, identity: list[_Hit], boundary: list[_Hit] | None,
                    scps: list[list[_Hit]] | None, resource: list[_Hit],
                    everything: list[_Hit]) -> Decision:
    """One pass when every hit is certain; else twice (unknowns for, then against access)."""
    if all(h.certain for h in everything):
        result = _decide(request, identity, boundary, scps, resource)
        return _to_decision(result, Outcome.ALLOWED if result.verdict is Verdict.ALLOW
                            else Outcome.DENIED, ())

    def resolved(optimistic: bool) -> _Result:
        return _decide(
            request,
            _active(identity, optimistic),
            _active(boundary, optimistic) if boundary is not None else None,
            [_active(level, optimistic) for level in scps] if scps is not None else None,
            _active(resource, optimistic),
        )

    best = resolved(True)
    worst = resolved(False)
    if best.verdict is Verdict.ALLOW and worst.verdict is not Verdict.ALLOW:
        conditions = _condition_refs(everything)
        reasons = best.reasons + tuple(condition_reason(c) for c in conditions)
        # The answer depends on the statements whose conditions it lists, wherever they are
        # (a bucket policy's Deny on aws:SecureTransport=false): they are evidence too.
        deciding = [h.stmt.ref for h in best.deciding]
        deciding.extend(c.statement for c in conditions
                        if all(c.statement is not r for r in deciding))
        return Decision(worst.verdict, Outcome.CONDITIONAL, reasons, tuple(deciding),
                        worst.blocked_by, conditions)
    if best.verdict is Verdict.ALLOW:
        return _to_decision(worst, Outcome.ALLOWED, ())
    return _to_decision(best, Outcome.DENIED, ())


def condition_reason(c: ConditionRef) -> str:
    """"only if the VPC endpoint must be …" reads badly when the plain words already say
    "only over TLS": every such reason starts with "only " either way."""
    text = str(c)
    return text if text.startswith("only ") else f"only if {text}"


def _to_decision(result: _Result, outcome: Outcome,
                 conditions: tuple[ConditionRef, ...]) -> Decision:
    refs: tuple[StatementRef, ...] = tuple(h.stmt.ref for h in result.deciding)
    return Decision(result.verdict, outcome, result.reasons, refs, result.blocked_by, conditions)

"""Which statements of one policy match one request: the engine's per-policy step.

Kept apart from the combination (evaluate.py) so that each side of a decision, the caller's
policies and the resource's, can be matched once and combined with many of the other side's
(the access graph decides a role's identity side once for every bucket of one kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.policy.conditions import Condition, resource_variable_condition
from graph.policy.context import EvalContext
from graph.policy.document import Policy, Statement, match_variables
from graph.policy.principals import GrantKind
from graph.policy.request import Request


@dataclass(slots=True, eq=False)
class Hit:
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


#: Hits that depend only on the statement and how its Principal names the caller are shared
#: (a decision reads them, never changes them): most hits need no allocation at all.
_SHARED_HITS: dict[tuple[Any, ...], Hit] = {}
_SHARED_LIMIT = 500_000


def forget_hits() -> None:
    """Drop the interned hits (see `graph.policy.evaluate.forget_memos`)."""
    _SHARED_HITS.clear()


def hits_size() -> int:
    return len(_SHARED_HITS)


def _conditional_hit(stmt: Statement, grant: GrantKind | None,
                     unknown: tuple[Condition, ...]) -> Hit:
    """A hit that depends on unknown keys of the statement's own conditions: interned too,
    so decisions that depend on the same unknowns are memoised like definite ones."""
    key = (stmt, grant, unknown)
    hit = _SHARED_HITS.get(key)
    if hit is None:
        if len(_SHARED_HITS) > _SHARED_LIMIT:
            _SHARED_HITS.clear()
        hit = _SHARED_HITS[key] = Hit(stmt, False, unknown, grant, stmt.deny)
    return hit


def _certain_hit(stmt: Statement, grant: GrantKind | None) -> Hit:
    key = (stmt, grant)
    hit = _SHARED_HITS.get(key)
    if hit is None:
        if len(_SHARED_HITS) > _SHARED_LIMIT:
            _SHARED_HITS.clear()
        hit = _SHARED_HITS[key] = Hit(stmt, True, (), grant, stmt.deny)
    return hit


#: (statement, resource fullmatch or None, literal prefixes and exact ARNs when every plain
#:  Resource pattern is one of those (else None), NotResource?, has variables?, no Resource
#:  element?, the grant its Principal makes to the caller, the shared hit when nothing else
#:  can vary)
_Step = tuple[Statement, Any, "tuple[tuple[str, ...], frozenset[str]] | None", bool, bool, bool,
              "GrantKind | None", "Hit | None"]


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


def policy_hits(policy: Policy | None, request: Request, ctx: EvalContext,
          has_boundary: bool) -> list[Hit]:
    if policy is None:
        return []
    out: list[Hit] = []
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
            out.append(Hit(stmt, False, tuple(unknown), grant, stmt.deny, shared=False))
        else:
            out.append(_conditional_hit(stmt, grant, tuple(unknown)))
    return out


def arn_decides(stmt: Statement) -> bool:
    """Whether the ARN alone decides if the statement's Resource element matches (no policy
    variables in it): then `matches_arn` says it for every request on that ARN."""
    return not stmt._resource_vars


def matches_arn(stmt: Statement, arn: str) -> bool | None:
    """Whether the statement's Resource (or NotResource) element matches the ARN, as the
    engine tests it for any request on that ARN; None when it holds policy variables (then
    the answer depends on the request). A pattern ARN ("bucket/*") is tested as a string,
    as `Policy.matching` tests statements without variables."""
    if not arn_decides(stmt):
        return None
    if stmt.resources is None:
        return True
    literal = stmt._literal
    if literal is not None:
        hit = arn in literal[1] or arn.startswith(literal[0])
    else:
        regex = stmt._resource_re
        hit = regex is not None and regex.fullmatch(arn) is not None
    return hit != stmt.not_resource

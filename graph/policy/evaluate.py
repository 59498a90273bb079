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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.policy.context import EvalContext
from graph.policy.decision import (
    ConditionRef,
    Decision,
    Outcome,
    PolicyKind,
    StatementRef,
    Verdict,
)
from graph.policy.document import Policy
from graph.policy.hits import Hit, forget_hits, hits_size, policy_hits
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


@dataclass(slots=True)
class _Result:
    verdict: Verdict
    deciding: tuple[Hit, ...]
    blocked_by: PolicyKind | None
    reasons: tuple[str, ...]


def _label(hit: Hit) -> str:
    return hit.stmt.ref.label


def _active(hits: Sequence[Hit], optimistic: bool) -> list[Hit]:
    """The hits that count when unknown conditions are resolved one way."""
    return [h for h in hits if h.certain or optimistic != h.deny]


def _decide(
    request: Request,
    identity: Sequence[Hit],
    boundary: Sequence[Hit] | None,
    scps: Sequence[Sequence[Hit]] | None,
    resource: Sequence[Hit],
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

    def allows(hits: Sequence[Hit]) -> tuple[Hit, ...]:
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
    deciding_list: list[Hit] = list(free)
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


def _condition_refs(hits: Sequence[Hit]) -> tuple[ConditionRef, ...]:
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


def forget_memos() -> None:
    """Drop the engine's process-wide memos (definite decisions, interned hits).

    They are exact, so dropping them never changes an answer; they are bounded by count, not
    by whose statements they hold. A process that analyses one account after another (an
    organisation, #27) drops them between accounts: else each account's decisions stay
    behind it and memory grows with the number of accounts analysed, not with the largest.
    """
    _DECISIONS.clear()
    forget_hits()


def memo_size() -> int:
    """Entries the engine's memos hold now (how tests see that `forget_memos` bounds them)."""
    return len(_DECISIONS) + hits_size()


@dataclass(frozen=True, slots=True, eq=False)
class CallerHits:
    """The caller's side of one request, matched: its identity policies', boundary's and
    SCP levels' statements that apply. What the engine reads of the caller; combined with a
    resource side by `combine`, it can be matched once and combined with many resources'."""

    identity: tuple[Hit, ...]
    boundary: tuple[Hit, ...] | None
    scps: tuple[tuple[Hit, ...], ...] | None
    #: Whether the caller has a permissions boundary (NotPrincipal+Deny reads it).
    has_boundary: bool
    #: Every hit, in the engine's reading order.
    flat: tuple[Hit, ...]
    #: Every hit interned (see hits.py): the decision memo can hold the combination.
    shared: bool


def caller_hits(request: Request, principal: PrincipalPolicies = NO_POLICIES,
                ctx: EvalContext | None = None) -> CallerHits:
    """The caller's statements that apply to the request (none for a service or anonymous
    caller: only the resource policy speaks for those)."""
    is_role = request.principal_type in ("role", "user")
    has_boundary = is_role and principal.boundary is not None
    if not is_role:
        return CallerHits((), None, None, has_boundary, (), True)
    if ctx is None:
        ctx = EvalContext(request)
    identity: list[Hit] = []
    for policy in principal.identity:
        identity.extend(policy_hits(policy, request, ctx, has_boundary))
    boundary: tuple[Hit, ...] | None = None
    if principal.boundary is not None:
        boundary = tuple(policy_hits(principal.boundary, request, ctx, has_boundary))
    scps: tuple[tuple[Hit, ...], ...] | None = None
    # Service control policies page: SCPs do not affect service-linked roles.
    if principal.scps is not None and not request.service_linked:
        scps = tuple(tuple(h for p in level for h in policy_hits(p, request, ctx, has_boundary))
                     for level in principal.scps)
    flat = (*identity, *(boundary or ()), *(h for level in scps or () for h in level))
    return CallerHits(tuple(identity), boundary, scps, has_boundary, flat,
                      all(h.shared for h in flat))


def resource_hits(request: Request, policy: Policy | None, has_boundary: bool,
                  ctx: EvalContext | None = None) -> tuple[Hit, ...]:
    """The resource policy's statements that apply to the request (its other side)."""
    if policy is None:
        return ()
    return tuple(policy_hits(policy, request, ctx or EvalContext(request), has_boundary))


def evaluate(
    request: Request,
    principal: PrincipalPolicies = NO_POLICIES,
    resource_policy: Policy | None = None,
) -> Decision:
    """Decide one request; the Decision says allow/deny, how sure, and which statements."""
    ctx = EvalContext(request)
    caller = caller_hits(request, principal, ctx)
    return combine(request, caller, resource_hits(request, resource_policy,
                                                  caller.has_boundary, ctx))


def combine(request: Request, caller: CallerHits, resource: tuple[Hit, ...]) -> Decision:
    """The decision from both sides' matched statements, by AWS's rules (`_decide`).

    The hits must be those of this request (or of one the caller knows matches the same
    statements the same way: the decision reads only the hits and the request's action,
    caller type, accounts and service, never its resource ARN)."""
    everything: tuple[Hit, ...] = ()
    if request.partial:
        everything = caller.flat + resource
        if not (caller.shared and all(h.shared for h in resource)):
            return _decide_partial(request, caller, resource, everything)
    # Every hit is interned: the same hits with the same request shape give the same
    # Decision, which thousands of requests (one per object key, bucket, role) reuse.
    # `_decide` reads only the hits and the request fields in the key.
    key = (caller.identity, caller.boundary, caller.scps, resource, request.action,
           request.principal_type, request.cross_account, request.principal_service,
           request.resource_account, request.explicit_grant)
    decision = _DECISIONS.get(key)
    if decision is None:
        decision = _decide_partial(request, caller, resource, everything)
        if len(_DECISIONS) > _DECISIONS_LIMIT:
            _DECISIONS.clear()
        _DECISIONS[key] = decision
    return decision


def _decide_partial(request: Request, caller: CallerHits, resource: tuple[Hit, ...],
                    everything: tuple[Hit, ...]) -> Decision:
    """One pass when every hit is certain; else twice (unknowns for, then against access)."""
    identity, boundary, scps = caller.identity, caller.boundary, caller.scps
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

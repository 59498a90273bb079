"""AWS's rules for combining the gates' answers to one request (see gate.py).

Explicit deny anywhere wins. The policy gates are one engine question; a grant gate is asked
only while nothing has allowed or explicitly denied, and the strongest answer stands; each
limit gate must let a granted answer through. Where a gate's facts could not be read, the
answer is unknown exactly where those facts could change it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.access.decide.gate import Gate, Question, Stage, Unread
from graph.access.model import OUTCOME_RANK, ActionAccess
from graph.policy import Decision, Outcome, Policy, PrincipalPolicies, Request, Verdict
from graph.policy.evaluate import NO_POLICIES


@dataclass(frozen=True)
class Plan:
    """What the engine is asked for one question, from the gates that apply to it."""

    principal: PrincipalPolicies
    #: The policy gates' resource policy (the engine takes one), with the caller's.
    resource: Policy | None
    #: The grant gates' documents, each asked on its own.
    grants: tuple[Policy, ...]


def plan(gates: Sequence[Gate], q: Question) -> Plan:
    principal = NO_POLICIES
    resource: Policy | None = None
    grants: list[Policy] = []
    for gate in gates:
        if gate.stage is Stage.LIMIT or not gate.applies(q):
            continue
        docs = gate.documents(q)
        if gate.stage is Stage.POLICY:
            if docs.principal is not None:
                principal = docs.principal
            if docs.resource is not None:
                if resource is not None:
                    raise ValueError(f"two resource policies in one engine question ({gate.name})")
                resource = docs.resource
        elif docs.resource is not None:
            grants.append(docs.resource)
    return Plan(principal, resource, tuple(grants))


def decide(request: Request, p: Plan, evaluate: Callable[..., Decision]) -> Decision:
    """One request through the policy and grant gates."""
    d = evaluate(request, p.principal, p.resource)
    for document in p.grants:
        if d.outcome is Outcome.ALLOWED:
            return d
        if d.verdict is Verdict.EXPLICIT_DENY and d.outcome is Outcome.DENIED:
            return d
        d2 = evaluate(request, p.principal, document)
        if OUTCOME_RANK[d2.outcome] > OUTCOME_RANK[d.outcome]:
            d = d2
    return d


def limited(gates: Sequence[Gate], q: Question, access: ActionAccess) -> ActionAccess | None:
    """A granted answer after the limit gates, in order (None: every one lets it pass as it
    is). A gate may pass it on with its own evidence added (the KMS key's statements); the
    first that denies it (or leaves it unknown) ends the walk."""
    if not access.granted:
        return None
    out: ActionAccess | None = None
    for gate in gates:
        if gate.stage is not Stage.LIMIT or not gate.applies(q):
            continue
        found = gate.limit(q, access)
        if found is not None:
            out = access = found
            if not found.granted:
                return found
    return out


def unread(gates: Sequence[Gate], q: Question) -> tuple[Unread, ...]:
    """Every gate's facts that could not be read for this question."""
    return tuple(u for u in (gate.unread(q) for gate in gates) if u is not None)


def may_deny(unreads: Sequence[Unread]) -> tuple[str, ...]:
    """Why a granted answer is only unknown (empty: it stands)."""
    out: list[str] = []
    for u in unreads:
        if u.may_deny:
            out.extend(u.said)
            if u.what is not None:
                out.append(f"{u.what} could not be read (it may deny)")
    return tuple(out)


def may_grant(unreads: Sequence[Unread], d: Decision | None, action: str, who: str
              ) -> tuple[str, ...]:
    """Why an ungranted answer is only unknown (empty: "denied" stands). An explicit deny,
    or an implicit deny of a layer the unread facts cannot pass, keeps it denied."""
    open_: list[Unread] = []
    for u in unreads:
        if not u.may_grant:
            continue
        if d is not None and (d.verdict is Verdict.EXPLICIT_DENY
                              or d.blocked_by in u.cannot_pass):
            continue
        open_.append(u)
    for u in open_:
        if u.said:
            return u.said
    names = [u.what for u in open_ if u.what is not None]
    if not names:
        return ()
    return (f"{_together(names)} could not be read (it may grant {action} to {who})",)


def _together(names: list[str]) -> str:
    """"the bucket policy" and "the bucket ACL" read as "the bucket policy and ACL"."""
    if len(names) == 1:
        return names[0]
    words = [n.split(" ") for n in names]
    shared = 0
    while all(len(w) > shared + 1 and w[shared] == words[0][shared] for w in words):
        shared += 1
    head = " ".join(words[0][:shared])
    rests = [" ".join(w[shared:]) for w in words]
    joined = ", ".join(rests[:-1]) + " and " + rests[-1]
    return f"{head} {joined}" if head else joined

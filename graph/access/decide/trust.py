"""Who can become which role: services, external accounts and other roles (role chaining).

A role can assume another when the target's trust policy allows it: naming the caller's ARN
grants it directly, naming the caller's account delegates to the caller's own policies, which
must then allow `sts:AssumeRole` on the target; the engine applies that rule (a trust policy
must allow explicitly, an identity Allow alone is never enough). Services and
external accounts are decided on the trust policy alone: a service needs nothing else, and
an external account's own policies are not loaded (the answer says so).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graph.access.compile.policies import CompiledPolicy, PolicyBook
from graph.access.compile.statements import StatementFacts, document_facts
from graph.access.model import unique_conditions, unique_refs
from graph.model import AccountSnapshot, Role
from graph.model_users import is_user, user_callers
from graph.policy import (
    ConditionRef,
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    StatementRef,
    evaluate,
    parse_policy,
)
from graph.policy.limits import refusal
from graph.policy.principals import account_of_root

ASSUME = "sts:AssumeRole"
EC2 = "ec2.amazonaws.com"

#: Stands in for an external account's own (unloaded) policies: the trust policy decides.
_EXTERNAL_ALLOW = parse_policy(
    {"Version": "2012-10-17",
     "Statement": [{"Sid": "NotLoaded", "Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="(the external account's own policies, not loaded)", kind=PolicyKind.IDENTITY)


@dataclass(frozen=True)
class AssumeEdge:
    """One "can assume" answer: who, which role, how sure, and why."""

    source: str  # "role:<arn>", "service:<name>", "account:<id>"
    target_arn: str
    outcome: Outcome
    reasons: tuple[str, ...]
    evidence: tuple[StatementRef, ...]
    conditions: tuple[ConditionRef, ...]

    @property
    def granted(self) -> bool:
        return self.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)


class TrustAnalyzer:
    """Decides trust questions for every role of a snapshot."""

    def __init__(self, snapshot: AccountSnapshot, book: PolicyBook,
                 assumed: dict[str, str]) -> None:
        self.snapshot = snapshot
        self.book = book
        self.assumed = assumed
        self._trust: dict[str, CompiledPolicy | None] = {}

    def trust(self, role: Role) -> CompiledPolicy | None:
        if role.arn not in self._trust:
            self._trust[role.arn] = self.book.compile(
                role.trust_policy, role.name, PolicyKind.TRUST)
        return self._trust[role.arn]

    def service_edge(self, role: Role, service: str) -> AssumeEdge:
        """Can an AWS service (EC2 for instances) take this role?"""
        trust = self.trust(role)
        req = Request(principal_arn=None, principal_service=service, action=ASSUME,
                      resource_arn=role.arn, resource_account=role.account_id,
                      context=self.assumed, partial=True)
        if trust is None:
            return AssumeEdge(f"service:{service}", role.arn, Outcome.UNKNOWN,
                              (_unparsed(role),), (), ())
        d = evaluate(req, PrincipalPolicies(), trust.policy)
        return AssumeEdge(f"service:{service}", role.arn, d.outcome, d.reasons, d.deciding,
                          d.conditions)

    def named(self, role: Role) -> Iterator[tuple[str, StatementFacts]]:
        """The principals the trust policy's statements name (services, accounts, ARNs)."""
        for f in document_facts(role.trust_policy):
            for p in f.service_principals:
                yield f"service:{p}", f
            for p in f.aws_principals:
                yield p, f

    def account_edge(self, role: Role, principal: str) -> AssumeEdge:
        """Can an external account (or a principal of it) assume this role?"""
        trust = self.trust(role)
        acct = account_of_root(principal) or principal.split(":")[4]
        caller = principal if principal.startswith("arn:") else f"arn:aws:iam::{acct}:root"
        if trust is None:
            return AssumeEdge(f"account:{acct}", role.arn, Outcome.UNKNOWN,
                              (_unparsed(role),), (), ())
        req = Request(principal_arn=caller, action=ASSUME, resource_arn=role.arn,
                      resource_account=role.account_id, context=self.assumed, partial=True)
        d = evaluate(req, PrincipalPolicies(identity=(_EXTERNAL_ALLOW,)), trust.policy)
        reasons = d.reasons + (f"and only if account {acct}'s own policies allow it "
                               "(not loaded)",)
        evidence = tuple(e for e in d.deciding if e.policy_kind is PolicyKind.TRUST)
        return AssumeEdge(f"account:{acct}", role.arn, d.outcome, reasons, evidence,
                          d.conditions)

    def role_edge(self, caller: Role, target: Role) -> AssumeEdge:
        """Role chaining: trust policy AND the caller's own policies, both via the engine."""
        trust = self.trust(target)
        source = f"{'user' if is_user(caller.arn) else 'role'}:{caller.arn}"
        if trust is None:
            return AssumeEdge(source, target.arn, Outcome.UNKNOWN,
                              (_unparsed(target),), (), ())
        rp = self.book.role(caller)
        req = Request(principal_arn=caller.arn, action=ASSUME, resource_arn=target.arn,
                      resource_account=target.account_id, context=self.assumed,
                      principal_tags=caller.tags, partial=True)
        d = evaluate(req, rp.principal, trust.policy)
        outcome = d.outcome
        if outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL) and rp.missing:
            outcome = Outcome.UNKNOWN
        reasons = tuple(dict.fromkeys(d.reasons + rp.missing))
        return AssumeEdge(source, target.arn, outcome, reasons, unique_refs(d.deciding),
                          unique_conditions(d.conditions))

    def may_assume(self, caller: Role, target: Role) -> bool:
        """Cheap pre-check: the target's trust names the caller's ARN (a direct grant), or
        some identity Allow of the caller names sts:AssumeRole on the target."""
        if any(p == caller.arn for p, _ in self.named(target)):
            return True
        for cp in self.book.role(caller).identity:
            for f in cp.facts:
                if f.effect == "Allow" and f.names_action(ASSUME) and f.resource_matches(
                        target.arn):
                    return True
        return False

    def _may_call(self, caller: Role) -> bool:
        """Whether some identity Allow of the caller names sts:AssumeRole at all (cached)."""
        cache: dict[str, bool] = self.__dict__.setdefault("_callers", {})
        found = cache.get(caller.arn)
        if found is None:
            found = cache[caller.arn] = any(
                f.effect == "Allow" and f.names_action(ASSUME)
                for cp in self.book.role(caller).identity for f in cp.facts)
        return found

    def role_edges(self) -> list[AssumeEdge]:
        """Every role → role edge the engine grants (or leaves conditional/unknown)."""
        acct = self.snapshot.account_id
        # IAM users assume roles too: their chains are part of what a user reaches.
        callers = self.snapshot.roles + user_callers(self.snapshot)
        edges: list[AssumeEdge] = []
        for target in self.snapshot.roles:
            principals = {p for p, _ in self.named(target) if not p.startswith("service:")}
            if not principals:
                continue
            broad = "*" in principals or acct in {account_of_root(p) for p in principals}
            for caller in callers:
                if not (broad or caller.arn in principals):
                    continue
                if caller.arn not in principals and not self._may_call(caller):
                    continue
                if not self.may_assume(caller, target):
                    continue
                edge = self.role_edge(caller, target)
                if edge.outcome is not Outcome.DENIED:
                    edges.append(edge)
        return edges

    def external_edges(self) -> list[AssumeEdge]:
        """Service and external-account principals named in trust policies."""
        acct = self.snapshot.account_id
        edges: list[AssumeEdge] = []
        for role in self.snapshot.roles:
            seen: set[str] = set()
            for p, _ in self.named(role):
                if p in seen:
                    continue
                seen.add(p)
                if p.startswith("service:"):
                    edge = self.service_edge(role, p.split(":", 1)[1])
                elif p == "*":
                    continue
                else:
                    other = account_of_root(p) or (p.split(":")[4] if p.count(":") >= 5
                                                   else None)
                    if other is None or other == acct:
                        continue
                    edge = self.account_edge(role, p)
                if edge.outcome is not Outcome.DENIED:
                    edges.append(edge)
        return edges


def _unparsed(role: Role) -> str:
    if refusal(role.trust_policy) is not None:
        return "the trust policy is over AWS's size limit (not analysed)"
    return "the trust policy could not be parsed"

"""Principals outside the account that a bucket policy names: other accounts and services.

Their own policies are not loaded, so an external account is decided on the bucket's side
only (its identity policies stand in as "allow everything", and the answer says so); a
service principal needs nothing but the bucket policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from graph.access.facts import BucketFacts
from graph.access.index import key_prefix_label
from graph.access.model import OUTCOME_RANK, ActionAccess, PrincipalAccess
from graph.access.trust import _EXTERNAL_ALLOW
from graph.catalog import s3_actions
from graph.policy import Decision, Outcome, PrincipalPolicies, Request, evaluate
from graph.policy.evaluate import NO_POLICIES
from graph.policy.principals import account_of_root


def _account(principal: str) -> str | None:
    acct = account_of_root(principal)
    if acct is None and principal.startswith("arn:") and principal.count(":") >= 5:
        acct = principal.split(":")[4]
    return acct


def _decide(bf: BucketFacts, scope: str, ask: Callable[[str], Decision]
            ) -> tuple[Decision, tuple[str, ...]]:
    """A bucket action on the bucket; an object action on every object (`bucket/*`) and,
    when that is not granted, on each object-key prefix the bucket policy grants: a grant
    to a partner account limited to `exports/*` is a grant, not a "no"."""
    arn = bf.bucket.arn
    if scope == "bucket":
        return ask(arn), ()
    whole = ask(f"{arn}/*")
    if whole.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL) or not bf.key_parts:
        return whole, ()
    parts = [(key_prefix_label(part), ask(f"{arn}/{part}")) for part in sorted(bf.key_parts)]
    granted = [(label, d) for label, d in parts
               if d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)]
    if not granted:
        return whole, ()
    best = max((d for _, d in granted), key=lambda d: OUTCOME_RANK[d.outcome])
    return best, tuple(label for label, _ in granted)


def external_principals(bf: BucketFacts, own_account: str, assumed: Mapping[str, str]
                        ) -> list[PrincipalAccess]:
    """Accounts and services the bucket policy grants something to (allowed/conditional)."""
    cp = bf.policies.policy
    if cp is None:
        return []
    wanted: dict[tuple[str, str], set[str]] = {}
    for f in cp.facts:
        if f.effect != "Allow" or not f.s3_actions:
            continue
        for p in f.aws_principals:
            acct = _account(p)
            if p != "*" and acct is not None and acct != own_account:
                wanted.setdefault(("account", p), set()).update(f.s3_actions)
        for svc in f.service_principals:
            wanted.setdefault(("service", svc), set()).update(f.s3_actions)
    out: list[PrincipalAccess] = []
    for (kind, who), names in sorted(wanted.items()):
        actions: dict[str, ActionAccess] = {}
        for action in s3_actions():
            if action.name not in names:
                continue
            if kind == "account":
                arn = who if who.startswith("arn:") else f"arn:aws:iam::{who}:root"
                base = Request(principal_arn=arn, action=action.name, resource_arn="",
                               resource_account=own_account, context=assumed, partial=True)
                principal = PrincipalPolicies(identity=(_EXTERNAL_ALLOW,))
                note = (f"and only if account {_account(who)}'s own policies allow it "
                        "(not loaded)",)
            else:
                base = Request(principal_arn=None, principal_service=who, action=action.name,
                               resource_arn="", resource_account=own_account,
                               context=assumed, partial=True)
                principal = NO_POLICIES
                note = ()
            d, prefixes = _decide(bf, action.scope,
                                  lambda r, b=base, p=principal: evaluate(
                                      replace(b, resource_arn=r), p, cp.policy))
            if d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
                where = (f"only for objects under {', '.join(prefixes)}",) if prefixes else ()
                actions[action.name] = ActionAccess(
                    action.name, action.level, action.scope, d.outcome,
                    where + d.reasons + note,
                    tuple(e for e in d.deciding if e.policy_name != _EXTERNAL_ALLOW.name),
                    d.conditions, prefixes=prefixes)
        if actions:
            ident = _account(who) or who if kind == "account" else who
            out.append(PrincipalAccess(kind, ident, who, actions))
    return out

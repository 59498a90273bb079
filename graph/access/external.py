"""Principals outside the account that a bucket policy names: other accounts and services.

Their own policies are not loaded, so an external account is decided on the bucket's side
only (its identity policies stand in as "allow everything", and the answer says so); a
service principal needs nothing but the bucket policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.access.facts import BucketFacts
from graph.access.index import key_prefix_label
from graph.access.model import ActionAccess, PrincipalAccess
from graph.access.trust import _EXTERNAL_ALLOW
from graph.catalog import s3_actions
from graph.policy import Decision, Outcome, Policy, PrincipalPolicies, Request, evaluate
from graph.policy.evaluate import NO_POLICIES
from graph.policy.principals import account_of_root


def _account(principal: str) -> str | None:
    acct = account_of_root(principal)
    if acct is None and principal.startswith("arn:") and principal.count(":") >= 5:
        acct = principal.split(":")[4]
    return acct


def _decide(kind: str, who: str, action: str, resource: str, own_account: str,
            assumed: Mapping[str, str], policy: Policy) -> Decision:
    if kind == "account":
        arn = who if who.startswith("arn:") else f"arn:aws:iam::{who}:root"
        req = Request(principal_arn=arn, action=action, resource_arn=resource,
                      resource_account=own_account, context=assumed, partial=True)
        return evaluate(req, PrincipalPolicies(identity=(_EXTERNAL_ALLOW,)), policy)
    req = Request(principal_arn=None, principal_service=who, action=action,
                  resource_arn=resource, resource_account=own_account, context=assumed,
                  partial=True)
    return evaluate(req, NO_POLICIES, policy)


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
            # Object actions: the whole bucket first, then each object-key prefix a statement
            # names (a grant on "exports/*" is a grant, not a "no").
            arn = bf.bucket.arn
            resources = [arn] if action.scope == "bucket" else [f"{arn}/*"] + [
                f"{arn}/{part}" for part in sorted(bf.key_parts)]
            for resource in resources:
                d = _decide(kind, who, action.name, resource, own_account, assumed, cp.policy)
                if d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
                    break
            note = (f"and only if account {_account(who)}'s own policies allow it "
                    "(not loaded)",) if kind == "account" else ()
            if d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
                prefixes = () if resource in (arn, f"{arn}/*") else (
                    key_prefix_label(resource[len(arn) + 1:]),)
                actions[action.name] = ActionAccess(
                    action.name, action.level, action.scope, d.outcome, d.reasons + note,
                    tuple(e for e in d.deciding if e.policy_name != _EXTERNAL_ALLOW.name),
                    d.conditions, prefixes=prefixes)
        if actions:
            ident = _account(who) or who if kind == "account" else who
            out.append(PrincipalAccess(kind, ident, who, actions))
    return out

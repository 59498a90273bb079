"""Principals outside the account that a bucket policy names: other accounts and services.

Their own policies are not loaded, so an external account is decided on the bucket's side
only (its identity policies stand in as "allow everything", and the answer says so); a
service principal needs nothing but the bucket policy. Object actions are asked on the whole
bucket and, when that is not granted, on each object-key prefix the bucket's statements name
(`bucket/exports/*`), so a grant limited to a prefix is listed with its prefixes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.index import key_prefix_label
from graph.access.decide.trust import _EXTERNAL_ALLOW
from graph.access.model import (
    OUTCOME_RANK,
    ActionAccess,
    PrincipalAccess,
    unique_conditions,
    unique_refs,
)
from graph.catalog import S3Action, s3_actions
from graph.policy import Decision, Outcome, PrincipalPolicies, Request, evaluate
from graph.policy.evaluate import NO_POLICIES
from graph.policy.principals import account_of_root


def _account(principal: str) -> str | None:
    acct = account_of_root(principal)
    if acct is None and principal.startswith("arn:") and principal.count(":") >= 5:
        acct = principal.split(":")[4]
    return acct


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
                note = (f"and only if account {_account(who)}'s own policies allow it "
                        "(not loaded)",)

                def make(resource: str, arn: str = arn, action: S3Action = action
                         ) -> Decision:
                    req = Request(principal_arn=arn, action=action.name,
                                  resource_arn=resource, resource_account=own_account,
                                  context=assumed, partial=True)
                    return evaluate(req, PrincipalPolicies(identity=(_EXTERNAL_ALLOW,)),
                                    cp.policy)
            else:
                note = ()

                def make(resource: str, who: str = who, action: S3Action = action
                         ) -> Decision:
                    req = Request(principal_arn=None, principal_service=who,
                                  action=action.name, resource_arn=resource,
                                  resource_account=own_account, context=assumed,
                                  partial=True)
                    return evaluate(req, NO_POLICIES, cp.policy)
            found = _decide(action, bf, make, note)
            if found is not None:
                actions[action.name] = found
        if actions:
            ident = _account(who) or who if kind == "account" else who
            out.append(PrincipalAccess(kind, ident, who, actions))
    return out


def _granted(d: Decision) -> bool:
    return d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)


def _decide(action: S3Action, bf: BucketFacts, make: Callable[[str], Decision],
            note: tuple[str, ...]) -> ActionAccess | None:
    """The action on the bucket, on all its objects, or else on the prefixes granted."""
    arn = bf.bucket.arn
    if action.scope == "bucket":
        granted = [(make(arn), "")]
    else:
        whole = make(f"{arn}/*")
        granted = [(whole, "")] if _granted(whole) else [
            (d, key_prefix_label(part)) for part in sorted(bf.key_parts)
            if _granted(d := make(f"{arn}/{part}"))]
    granted = [(d, part) for d, part in granted if _granted(d)]
    if not granted:
        return None
    prefixes = tuple(part for _, part in granted if part)
    outcome = max((d.outcome for d, _ in granted), key=OUTCOME_RANK.__getitem__)
    reasons = tuple(dict.fromkeys(r for d, _ in granted for r in d.reasons))
    if prefixes:
        reasons = (f"only for objects under {', '.join(prefixes)}",) + reasons
    evidence = unique_refs(e for d, _ in granted for e in d.deciding
                           if e.policy_name != _EXTERNAL_ALLOW.name)
    return ActionAccess(action.name, action.level, action.scope, outcome, reasons + note,
                        evidence, unique_conditions(c for d, _ in granted for c in d.conditions),
                        None, prefixes)

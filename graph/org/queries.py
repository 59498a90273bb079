"""Queries over a whole organisation: names resolved across accounts, and who-can on a bucket
from every account whose paths reach it (each account analysed in turn, then dropped).

Names: an instance id, Name tag or bucket name is taken as it is when exactly one account
has it; otherwise `ACCOUNT/name` or the ARN says which, and the error lists the candidates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.access.decide.gates.org_policies import rcp_limit
from graph.access.model import ActionAccess, PrincipalAccess
from graph.access.query.graph import AccessGraph
from graph.access.query.merge import action_filter
from graph.catalog import s3_actions
from graph.errors import RolemapError
from graph.org.analysis import analyse_account
from graph.org.extracts import Extracts
from graph.org.index import OrgIndex, OrgSource
from graph.org.plan import plan_account
from graph.policy import Outcome, Request


class AmbiguousName(RolemapError):
    """A name more than one account holds (or none): the candidates are listed."""


def _split(key: str) -> tuple[str | None, str]:
    """`ACCOUNT/name` -> (account, name); an ARN -> (its account, its last part)."""
    if key.startswith("arn:"):
        parts = key.split(":", 5)
        if len(parts) == 6:
            return parts[4] or None, parts[5].rsplit("/", 1)[-1].split(":::")[-1]
    head, sep, tail = key.partition("/")
    if sep and len(head) == 12 and head.isdigit():
        return head, tail
    return None, key


def resolve_instance(index: OrgIndex, key: str) -> tuple[str, str]:
    """(account, instance id) for an instance id, Name tag, `ACCOUNT/…` or ARN."""
    account, name = _split(key)
    found = [(acct, iid) for acct, items in index.instances.items() for iid, tag in items
             if (account is None or acct == account) and name in (iid, tag)]
    if len(found) == 1:
        return found[0]
    if not found:
        where = f" in account {account}" if account else " in any loaded account"
        raise AmbiguousName(f"instance {key!r}: none{where}")
    listed = ", ".join(f"{a}/{i}" for a, i in found[:8])
    raise AmbiguousName(f"instance {key!r} is in several accounts: {listed}; name one as "
                        "ACCOUNT/name or by its ARN")


def resolve_role(index: OrgIndex, key: str) -> tuple[str, str]:
    """(account, role ARN) for a role name, `ACCOUNT/name` or ARN."""
    if key.startswith("arn:") and key in index.roles:
        return index.roles[key].account, key
    account, name = _split(key)
    found = [r.arn for r in index.roles.values()
             if (account is None or r.account == account) and r.arn.rsplit("/", 1)[-1] == name]
    if len(found) == 1:
        return found[0].split(":")[4], found[0]
    if not found:
        where = f" in account {account}" if account else " in any loaded account"
        raise AmbiguousName(f"role {key!r}: none{where}")
    raise AmbiguousName(f"role {key!r} is in several accounts: {', '.join(found[:8])}; name "
                        "one as ACCOUNT/name or by its ARN")


def resolve_bucket(index: OrgIndex, key: str) -> tuple[str, str]:
    """(account, bucket) for a bucket name, `ACCOUNT/bucket` or `arn:aws:s3:::bucket`."""
    if key.startswith("arn:aws:s3:::"):
        key = key[len("arn:aws:s3:::"):].split("/", 1)[0]
    account, name = _split(key)
    entry = index.buckets.get(name)
    if entry is None or (account is not None and entry.account != account):
        where = f" in account {account}" if account else " in any loaded account"
        failed = [a for a in index.failed if account is None or a == account]
        maybe = (f" (account{'s' if len(failed) > 1 else ''} {', '.join(failed)} could not "
                 "be loaded: it may be there, and what reaches it is unknown)") if failed else ""
        raise AmbiguousName(f"bucket {key!r}: none{where}{maybe}")
    return entry.account, name


@dataclass(frozen=True)
class OrgPrincipal:
    """A who-can row of an organisation: the principal, and the account it was found in."""

    account: str
    principal: PrincipalAccess
    #: For another account named by the bucket (kind "account"): whether it is in the
    #: organisation ("inside"/"outside"); "" for the others.
    membership: str = ""


def who_can_org(source: OrgSource, index: OrgIndex, bucket: str,
                assumed: Mapping[str, str] | None = None, action: str | None = None,
                level: str | None = None) -> list[OrgPrincipal]:
    """Every account's instances and roles that reach the bucket, the bucket account's own
    answer (the public, outside accounts and services among them): one account analysed
    at a time."""
    owner, name = resolve_bucket(index, bucket)
    out: list[OrgPrincipal] = []
    extracts = Extracts(source)  # the bucket's account is read once, not once per reader
    for account in index.loaded:
        plan = plan_account(index, account)
        if account != owner and name not in plan.touches:
            continue
        g = analyse_account(source, index, account, assumed, decide=False, plan=plan,
                            extracts=extracts)
        for p in g.who_can(name, action=action, level=level):
            if p.kind == "account" and account == owner:
                p = _after_rcps(g, index, name, p, assumed or {})
                if not any(a.granted for a in p.actions.values()):
                    continue
            out.append(OrgPrincipal(account, p, membership(index, p)))
    out.extend(_failed_rows(index, owner, name, action, level))
    return out


def _failed_rows(index: OrgIndex, owner: str, bucket: str, action: str | None,
                 level: str | None) -> list[OrgPrincipal]:
    """Accounts of the organisation that could not be loaded and that the bucket's policy
    admits: what their principals may do there is unknown (never "nobody")."""
    wanted = action_filter(action, level)
    entry = index.buckets[bucket]
    out: list[OrgPrincipal] = []
    for acct, reason in sorted(index.failed.items()):
        granted = entry.actions_for(acct)
        if acct == owner or not granted:
            continue
        why = (f"account {index.account_label(acct)} could not be loaded ({reason}): what its "
               f"principals may do on {bucket} (whose policy admits that account) is unknown",)
        actions = {a.name: ActionAccess(a.name, a.level, a.scope, Outcome.UNKNOWN, why)
                   for a in s3_actions() if "*" in granted or a.name in granted}
        actions = {k: a for k, a in actions.items() if wanted(a)}
        if actions:
            p = PrincipalAccess("account", acct, f"arn:aws:iam::{acct}:root", actions)
            out.append(OrgPrincipal(owner, p, membership(index, p)))
    return out


def _after_rcps(g: AccessGraph, index: OrgIndex, bucket: str, p: PrincipalAccess,
                assumed: Mapping[str, str]) -> PrincipalAccess:
    """Another account's row after the bucket account's RCPs (the single-account analysis
    decides it on the bucket policy alone): an account inside the organisation carries its
    aws:PrincipalOrgID, one outside has none."""
    bf = g.data.bucket_by_name[bucket]
    levels = bf.policies.rcps
    if levels is None:
        return p
    org = index.tree
    # An account's principals are no AWS service; outside the organisation they have no
    # organisation keys at all (known absent: an empty value).
    context: dict[str, str | tuple[str, ...]] = {
        **assumed, "aws:ResourceOrgID": org.organization_id,
        "aws:PrincipalIsAWSService": "false", "aws:PrincipalOrgID": (),
        "aws:PrincipalOrgPaths": ()}
    if index.in_organization(p.id):
        context["aws:PrincipalOrgID"] = org.organization_id
        context["aws:PrincipalOrgPaths"] = org.org_path(p.id) or ()
    caller = p.name if p.name.startswith("arn:") else f"arn:aws:iam::{p.id}:root"
    actions = {}
    for key, a in p.actions.items():
        resource = bf.bucket.arn if a.scope == "bucket" else f"{bf.bucket.arn}/*"
        req = Request(principal_arn=caller, action=a.action, resource_arn=resource,
                      resource_account=g.snapshot.account_id, context=context, partial=True)
        limited = rcp_limit(levels, req, a) if a.granted else None
        found = limited if limited is not None else a
        if found.granted:
            actions[key] = found
    return PrincipalAccess(p.kind, p.id, p.name, actions, p.via, p.chains)


def membership(index: OrgIndex, p: PrincipalAccess) -> str:
    """"inside" or "outside" the organisation for another account's row; "" otherwise."""
    if p.kind != "account":
        return ""
    return "inside" if index.in_organization(p.id) else "outside"


def analyse_for_instance(source: OrgSource, index: OrgIndex, key: str,
                         assumed: Mapping[str, str] | None = None) -> tuple[AccessGraph, str]:
    """The analysis of the account holding the instance, and the instance's id."""
    account, instance = resolve_instance(index, key)
    return analyse_account(source, index, account, assumed, decide=False), instance

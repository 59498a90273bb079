"""One account's analysis in its organisation: its own, plus the foreign roles and buckets its
paths can touch (graph/access/reach/foreign.py routes the queries; plan.py says what).

Memory stays bounded by the analysed account plus what it reaches: another account's snapshot
is read, the part needed is kept (the pulled-in roles and the policies they attach; the
buckets admitting the callers, with that account's bucket-side facts) and the rest dropped
before the next is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from graph.access.compile.policies import PolicyBook
from graph.access.decide.gates.org_policies import org_keys, rcp_limit
from graph.access.decide.trust import ASSUME, AssumeEdge, TrustAnalyzer
from graph.access.model import ActionAccess
from graph.access.query.graph import AccessGraph
from graph.access.reach.build import AccessData, Progress, _no_progress
from graph.access.reach.foreign import ForeignSides
from graph.catalog import s3_actions
from graph.model import AccountSnapshot, ForeignAccount, Role
from graph.org.extracts import Extracts
from graph.org.index import OrgIndex, OrgSource
from graph.org.plan import Plan, plan_account
from graph.policy import Outcome, PolicyKind, Request, evaluate, forget_memos, parse_policy

#: Stands in for the trust policy of a role in an account that could not be loaded: the
#: caller's side is decided (its identity policies, SCPs), the trust is unknown.
_UNREAD_TRUST = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                             "Action": "sts:AssumeRole"}]},
    name="(trust policy not loaded)", kind=PolicyKind.TRUST)


def caller_part(snapshot: AccountSnapshot, arns: set[str], home: AccountSnapshot
                ) -> AccountSnapshot:
    """What a view needs of a foreign account whose roles are callers: those roles and the
    managed policies they attach, its SCPs and organisation; the instances' network (the
    analysed account's, `home`: requests leave from its instances)."""
    roles = tuple(r for r in snapshot.roles if r.arn in arns)
    wanted = {a for r in roles for a in (*r.attached_policy_arns, r.permissions_boundary_arn)
              if a}
    return dataclasses.replace(
        snapshot, roles=roles, instances=(), instance_profiles=(), buckets=(),
        managed_policies=tuple(p for p in snapshot.managed_policies if p.arn in wanted),
        network=home.network, access_points=())


def analyse_account(source: OrgSource, index: OrgIndex, account: str,
                    assumed: Mapping[str, str] | None = None,
                    progress: Progress = _no_progress, *, decide: bool = True,
                    plan: Plan | None = None, fresh: bool = True,
                    callers: dict[str, AccountSnapshot] | None = None,
                    extracts: Extracts | None = None, own_buckets: bool = True
                    ) -> AccessGraph:
    """The account's access graph, extended across its organisation.

    `fresh` (the default) first drops the engine's memos of whatever was analysed before:
    accounts are analysed one after another and memory must stay bounded by one account
    plus the index, not grow with each account done (the answers are the same either way).
    False keeps them, for a second analysis of the same account (diff's new side).

    `callers`, when given, keeps the foreign accounts' caller parts between analyses of the
    same account (its parts, results/work.py): each is read once, not once per part.
    `extracts` reads the other accounts (extracts.py; kept across analyses when the caller
    keeps it). `own_buckets` False leaves the account's own buckets out: a later part of its
    analysis (results/work.py), whose rows on them the first part wrote."""
    if fresh:
        forget_memos()
    assumed = dict(assumed or {})
    plan = plan or plan_account(index, account)
    home = source.load(account)
    if not own_buckets:
        home = dataclasses.replace(home, buckets=())
    extracts = extracts or Extracts(source)
    own = AccessData(home, assumed, progress, decide=False)
    foreign = ForeignSides(account, failed=dict(index.failed))
    own.foreign = foreign
    parts: dict[str, AccountSnapshot] = {account: home}
    books: dict[str, PolicyBook] = {account: own.book}
    for acct, arns in sorted(plan.pulled.items()):
        part = callers.get(acct) if callers is not None else None
        if part is None:
            part = caller_part(extracts.get(acct), arns, home)
            if callers is not None:
                callers[acct] = part
        parts[acct] = part
        books[acct] = PolicyBook(parts[acct])
        foreign.roles.update((r.arn, r) for r in parts[acct].roles)
    # Trust hops and failed accounts read the same context as the account's own answers
    # (the time keys of graph/policy/clock.py included); views ask at the same moment.
    context = own.context
    _edges(plan, parts, books, foreign, context)
    owners: dict[str, dict[str, set[str]]] = {}
    for (caller, owner), names in plan.sides.items():
        owners.setdefault(owner, {})[caller] = names
    for owner in plan.failed_buckets:
        owners.setdefault(owner, {})
    for owner, callers in sorted(owners.items()):
        snap = home if owner == account else extracts.get(owner)
        facts = ForeignAccount(snap.account, snap.organization, snap.kms)
        for caller, names in sorted(callers.items()):
            buckets = tuple(b for b in snap.buckets if b.name in names)
            view = AccessData(dataclasses.replace(parts[caller], buckets=buckets), assumed,
                              decide=False, owner=facts, at=own.decided_at)
            foreign.views.setdefault(caller, []).append(view)
            for b in buckets:
                foreign.sides[(caller, b.name)] = view
        if owner != account:
            for b in snap.buckets:
                if any(b.name in n for n in callers.values()) \
                        or b.name in plan.failed_buckets.get(owner, ()):
                    foreign.buckets[b.name] = (b, owner)
    _failed(plan, index, books, foreign, context)
    if decide:
        own.decide_all(progress)
    return AccessGraph(own)


def _cross_context(assumed: Mapping[str, str], caller: AccountSnapshot,
                   target: AccountSnapshot) -> dict[str, str]:
    """The request context of a call from one account to another's role: the organisation
    keys of both sides (aws:PrincipalOrgID/OrgPaths, aws:ResourceOrgID/OrgPaths)."""
    principal, _ = org_keys(caller.organization, target.organization)
    return {**principal, **assumed}


def _edges(plan: Plan, parts: Mapping[str, AccountSnapshot], books: Mapping[str, PolicyBook],
           foreign: ForeignSides, assumed: Mapping[str, str]) -> None:
    """The engine's "can assume" for every candidate pair that crosses into another account
    or lies inside a foreign one (trust and the caller's permission, SCPs included)."""
    analyzers: dict[tuple[str, str], TrustAnalyzer] = {}
    for caller_arn, target_arn in plan.edges:
        ca, ta = caller_arn.split(":")[4], target_arn.split(":")[4]
        if ca not in parts or ta not in parts:
            continue
        caller = parts[ca].role_by_arn.get(caller_arn)
        target = parts[ta].role_by_arn.get(target_arn)
        if caller is None or target is None:
            continue
        key = (ca, ta)
        analyzer = analyzers.get(key)
        if analyzer is None:
            context = dict(assumed) if ca == ta else _cross_context(assumed, parts[ca],
                                                                    parts[ta])
            analyzer = analyzers[key] = TrustAnalyzer(parts[ca], books[ca], context)
        edge = analyzer.role_edge(caller, target)
        if ca != ta:
            edge = _after_target_rcps(edge, books[ta], caller, analyzer.assumed)
        if edge.outcome is not Outcome.DENIED:
            foreign.edges.setdefault(caller_arn, []).append(edge)


def _after_target_rcps(edge: AssumeEdge, book: PolicyBook, caller: Role,
                       context: Mapping[str, str]) -> AssumeEdge:
    """A hop into another account after the RCPs on that account's path (they apply to
    sts:AssumeRole on its roles as to its buckets; not in the management account)."""
    levels = book.rcps
    if levels is None or not edge.granted:
        return edge
    req = Request(principal_arn=caller.arn, action=ASSUME, resource_arn=edge.target_arn,
                  resource_account=edge.target_arn.split(":")[4], context=dict(context),
                  principal_tags=caller.tags, partial=True)
    if req.service_linked:
        return edge
    access = ActionAccess(ASSUME, "Write", "role", edge.outcome, edge.reasons, edge.evidence,
                          edge.conditions)
    limited = rcp_limit(levels, req, access)
    if limited is None:
        return edge
    return AssumeEdge(edge.source, edge.target_arn, limited.outcome, limited.reasons,
                      limited.evidence, limited.conditions)


def _failed(plan: Plan, index: OrgIndex, books: Mapping[str, PolicyBook],
            foreign: ForeignSides, assumed: Mapping[str, str]) -> None:
    """Roles in accounts that could not be loaded: the hop is unknown unless the caller's
    own side denies it, and their answers are unknown on every bucket admitting that
    account (never "denied": the account's own policies were not read)."""
    for caller_arn, targets in plan.failed_targets.items():
        ca = caller_arn.split(":")[4]
        book = books.get(ca)
        caller = book.snapshot.role_by_arn.get(caller_arn) if book is not None else None
        if book is None or caller is None:
            continue
        rp = book.role(caller)
        for arn, acct in targets:
            reason = index.failed.get(acct, "not loaded")
            d = evaluate(Request(principal_arn=caller.arn, action=ASSUME, resource_arn=arn,
                                 resource_account=acct, context=dict(assumed),
                                 principal_tags=caller.tags, partial=True),
                         rp.principal, _UNREAD_TRUST)
            if d.outcome is Outcome.DENIED:
                continue
            why = (f"account {index.account_label(acct)} could not be loaded ({reason}): "
                   f"whether {arn} trusts {caller.name} is unknown")
            foreign.roles.setdefault(arn, Role(arn, arn.rsplit("/", 1)[-1], {}))
            foreign.edges.setdefault(caller_arn, []).append(AssumeEdge(
                f"role:{caller_arn}", arn, Outcome.UNKNOWN, (why,),
                tuple(e for e in d.deciding if e.policy_kind is PolicyKind.IDENTITY), ()))
            reach: dict[str, Mapping[str, ActionAccess]] = {}
            for owner, names in plan.failed_buckets.items():
                for name in names:
                    entry = index.buckets[name]
                    granted = entry.actions_for(acct)
                    if not granted:
                        continue
                    said = (f"account {index.account_label(acct)} could not be loaded "
                            f"({reason}): what {arn.rsplit('/', 1)[-1]} may do on {name} "
                            f"(account {owner}, whose policy admits that account) is unknown",)
                    reach[name] = {a.name: ActionAccess(a.name, a.level, a.scope,
                                                        Outcome.UNKNOWN, said)
                                   for a in s3_actions()
                                   if "*" in granted or a.name in granted}
            foreign.failed_reach[arn] = reach

"""The organisation's resource control policies (RCPs) on the bucket account's path.

A limit gate: at every level of the path root → OUs → account, an RCP must allow the request
and none may deny it, whoever asks (the account's roles, other accounts, the anonymous
public). RCPs do not apply to the management account's resources (PolicyBook leaves them
out there), nor to service-linked roles. Each level is decided through the engine, each RCP
as the resource-side document of the request (their statements name `Principal: "*"`), with
the organisation's keys in the context (`aws:PrincipalOrgID`, `aws:ResourceOrgID`), so the
usual "deny unless the caller is in the organisation" RCP is decided, not conditional.
Object actions are asked on `bucket/*`, or on the prefixes a grant is limited to (an RCP
naming a prefix is decided for those objects). The caller's SCPs are the identity gate's
(they are the caller's side).
"""

from __future__ import annotations

from graph.access.compile.policies import CompiledPolicy
from graph.access.decide.gate import Documents, Question, Stage, Unread
from graph.access.decide.gates.prefixes import per_prefix
from graph.access.model import ActionAccess, unique_conditions
from graph.model_org import IN_ORGANIZATION, Organization
from graph.policy import (
    Decision,
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
    parse_policy,
)
from graph.policy.evaluate import NO_POLICIES


def org_keys(org: Organization | None, owner: Organization | None = None
             ) -> tuple[dict[str, str], dict[str, str]]:
    """(the keys of a request from this account's principals, those of any request to its
    resources) that the organisation decides. `owner`: the organisation facts of the
    buckets' account when it is another (an organisation's cross-account analysis)."""
    resource = _keys(owner if owner is not None else org, "Resource")
    return {**_keys(org, "Principal"), **resource}, resource


def _keys(org: Organization | None, side: str) -> dict[str, str]:
    """aws:<side>OrgID, and aws:<side>OrgPaths where the account's path is known."""
    if org is None or org.status != IN_ORGANIZATION or not org.organization_id:
        return {}
    out = {f"aws:{side}OrgID": org.organization_id}
    if org.org_path:
        out[f"aws:{side}OrgPaths"] = org.org_path
    return out


#: The caller's side taken as granted when an RCP is asked about a cross-account request.
_CALLER_ALLOWED = PrincipalPolicies(identity=(parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                             "Resource": "*"}]},
    name="(the caller's side, decided by the identity gate)", kind=PolicyKind.IDENTITY),))


def _rcp_only(d: Decision) -> Decision:
    """The decision with only the RCP's own statements as evidence."""
    refs = tuple(r for r in d.deciding if r.policy_kind is PolicyKind.RCP)
    if len(refs) == len(d.deciding):
        return d
    reasons = tuple(r for r in d.reasons if "(the caller's side" not in r)
    return Decision(d.verdict, d.outcome, reasons, refs, d.blocked_by, d.conditions)


class ResourceControlGate:
    """The bucket account's RCPs, level by level."""

    name = "resource control policies"
    stage = Stage.LIMIT
    asks = frozenset[str]()
    reads = ("the organisation's resource control policies on the account's path "
             "(organizations, or --org-policies)",)

    def applies(self, q: Question) -> bool:
        return q.bucket.policies.rcps is not None

    def documents(self, q: Question) -> Documents:
        return Documents()

    def limit(self, q: Question, access: ActionAccess) -> ActionAccess | None:
        levels = q.bucket.policies.rcps
        if levels is None or not access.granted:
            return None
        role = q.caller.role if q.caller is not None else None
        req = Request(principal_arn=role.arn if role else None, action=q.action.name,
                      resource_arn=q.bucket.bucket.arn, resource_account=q.account.account_id,
                      context=dict(q.context), principal_tags=role.tags if role else {},
                      partial=True)
        if req.service_linked:
            return None
        return per_prefix(access, q.bucket.bucket.arn,
                          lambda a, resource: rcp_limit(levels, req.on(resource), a))

    def unread(self, q: Question) -> Unread | None:
        reason = q.bucket.policies.rcps_unread
        if reason is None:
            return None
        return Unread(said=(reason,), may_deny=True)


def rcp_limit(levels: tuple[tuple[CompiledPolicy, ...], ...], req: Request,
              access: ActionAccess) -> ActionAccess | None:
    """`access` after the RCP levels for `req` (None: they let it pass unchanged)."""
    # An RCP only filters: a request from another account is asked with its identity
    # side granted (the identity gate decided it), or the engine's cross-account rule
    # would read the RCP's Allow as not enough.
    caller = _CALLER_ALLOWED if req.principal_arn is not None and req.cross_account \
        else NO_POLICIES
    conditional: list[Decision] = []
    for n, level in enumerate(levels):
        if not level:
            continue
        decided = [_rcp_only(evaluate(req, caller, cp.policy)) for cp in level]
        denies = [d for d in decided if d.verdict is Verdict.EXPLICIT_DENY]
        certain = [d for d in denies if d.outcome is Outcome.DENIED]
        if certain:
            refs = tuple(r for d in certain for r in d.deciding)
            return ActionAccess(
                access.action, access.level, access.scope, Outcome.DENIED,
                tuple(f"explicitly denied by {r.label}" for r in refs) + access.reasons,
                refs + access.evidence, (), PolicyKind.RCP, access.prefixes)
        if not any(d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL) for d in decided
                   if d.verdict is not Verdict.EXPLICIT_DENY):
            return ActionAccess(
                access.action, access.level, access.scope, Outcome.DENIED,
                (f"no resource control policy at organization level {n} allows "
                 f"{access.action}",) + access.reasons,
                access.evidence, (), PolicyKind.RCP, access.prefixes)
        conditional.extend(d for d in decided if d.outcome is Outcome.CONDITIONAL)
    if not conditional:
        return None
    # Allowed only if the RCPs' conditions hold (or their deny conditions do not).
    return ActionAccess(
        access.action, access.level, access.scope, Outcome.CONDITIONAL,
        access.reasons + tuple(r for d in conditional for r in d.reasons),
        access.evidence + tuple(r for d in conditional for r in d.deciding),
        unique_conditions((*access.conditions,
                           *(c for d in conditional for c in d.conditions))),
        None, access.prefixes)

"""One action on one bucket for one caller: the engine's decisions, combined across layers.

The engine takes one resource policy per request; a bucket has two resource-side layers
(its policy and its ACL) plus Block Public Access and facts that may be missing. This
module asks the engine once per layer and combines: an explicit deny anywhere wins, then
any grant; Block Public Access and unreadable data turn answers into denied or unknown
with the reason said. Object actions are decided for the whole bucket (`bucket/*`) and,
when that is not granted, for each object-key prefix a grant names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from graph.access.acl import acl_unknown, effective_block
from graph.access.facts import BucketFacts
from graph.access.index import key_prefix_label
from graph.access.model import OUTCOME_RANK, ActionAccess, unique_conditions, unique_refs
from graph.access.unread import UNREAD_POLICY, is_stand_in
from graph.catalog import S3Action
from graph.model import Account, Role
from graph.policy import (
    Decision,
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    Verdict,
    evaluate,
)
from graph.policy.evaluate import NO_POLICIES

#: The engine's decisions for one action on one bucket: the deciding one, the object-key
#: prefixes it is limited to, and the decisions of those prefixes.
Core = tuple[Decision, tuple[str, ...], list[Decision]]


def _granted(d: Decision) -> bool:
    return d.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)


def generic_reasons(reasons: tuple[str, ...], bucket_arn: str) -> tuple[str, ...]:
    """Reasons without the bucket's own ARN: buckets that look alike share one answer."""
    return tuple(r.replace(bucket_arn, "the bucket") for r in reasons)


def _access(action: S3Action, d: Decision, *, outcome: Outcome | None = None,
            extra: tuple[str, ...] = (), blocked_by: PolicyKind | None = None,
            prefixes: tuple[str, ...] = ()) -> ActionAccess:
    return ActionAccess(
        action=action.name,
        level=action.level,
        scope=action.scope,
        outcome=outcome or d.outcome,
        reasons=extra + d.reasons,
        evidence=d.deciding,
        conditions=d.conditions,
        blocked_by=blocked_by if blocked_by is not None else (
            d.blocked_by if d.outcome is Outcome.DENIED else None),
        prefixes=prefixes,
    )


class Decider:
    """Asks the engine about roles and the anonymous public on buckets, layer by layer."""

    def __init__(self, account: Account, assumed: Mapping[str, str]) -> None:
        self.account = account
        self.assumed = dict(assumed)
        self.calls = 0

    def _ask(self, request: Request, principal: PrincipalPolicies, bf: BucketFacts,
             public: bool) -> Decision:
        """Bucket policy first; the ACL only when the policy neither denies nor grants."""
        self.calls += 1
        pol = bf.policies.policy
        d = evaluate(request, principal, pol.policy if pol else None)
        acl = bf.policies.public_acl if public else bf.policies.acl
        if acl is None or d.outcome is Outcome.ALLOWED:
            return d
        if d.verdict is Verdict.EXPLICIT_DENY and d.outcome is Outcome.DENIED:
            return d
        self.calls += 1
        d2 = evaluate(request, principal, acl.policy)
        if OUTCOME_RANK[d2.outcome] > OUTCOME_RANK[d.outcome]:
            return d2
        return d

    def _object_or_bucket(self, action: S3Action, bf: BucketFacts, key_parts: frozenset[str],
                          make: Callable[[str], Decision]) -> Core:
        arn = bf.bucket.arn
        if action.scope == "bucket":
            return make(arn), (), []
        whole = make(f"{arn}/*")
        if _granted(whole) or not key_parts:
            return whole, (), []
        partial: list[tuple[str, Decision]] = []
        blocked: tuple[str, Decision] | None = None
        for part in sorted(key_parts):
            d = make(f"{arn}/{part}")
            if _granted(d):
                partial.append((key_prefix_label(part), d))
            elif blocked is None and (d.verdict is Verdict.EXPLICIT_DENY or d.blocked_by not in (
                    None, PolicyKind.IDENTITY)):
                # A grant under a prefix that a later layer blocks says more than "no grant".
                blocked = (key_prefix_label(part), d)
        if not partial:
            if blocked is not None:
                return blocked[1], (blocked[0],), []
            return whole, (), []
        best = max(partial, key=lambda p: OUTCOME_RANK[p[1].outcome])[1]
        return best, tuple(p for p, _ in partial), [d for _, d in partial]

    def role_core(self, role: Role, principal: PrincipalPolicies, bf: BucketFacts,
                  action: S3Action, key_parts: frozenset[str],
                  instance_context: Mapping[str, str]) -> Core:
        """The engine's decisions for one action: on the bucket or its objects, and on each
        object-key prefix a statement names when the whole bucket is not granted."""
        context = {**self.assumed, **instance_context}

        def make(resource: str) -> Decision:
            req = Request(principal_arn=role.arn, action=action.name, resource_arn=resource,
                          resource_account=self.account.account_id, context=context,
                          principal_tags=role.tags, partial=True)
            return self._ask(req, principal, bf, public=False)

        return self._object_or_bucket(action, bf, key_parts, make)

    def role_finish(self, action: S3Action, core: Core, bf: BucketFacts,
                    missing: tuple[str, ...], identity_unread: bool = False) -> ActionAccess:
        """A role's answer from the engine's decisions: merged over prefixes, then made
        "unknown" where data is missing or the bucket policy could not be read."""
        d, prefixes, others = core
        access = _merge(action, d, others, prefixes, bf.bucket.arn)
        policy_unread, acl_unread = unread_documents(bf)
        if (identity_unread and not access.granted and d.verdict is not Verdict.EXPLICIT_DENY
                and d.blocked_by not in (PolicyKind.SCP, PolicyKind.BOUNDARY)):
            # The unread identity policy may grant what the readable ones do not; only a read
            # explicit deny, the SCPs or the boundary make the answer a certain no.
            return _unknown(access, missing)
        if access.granted and (missing or policy_unread):
            why = list(missing)
            if policy_unread:
                why.append("the bucket policy could not be read (it may deny)")
            return _unknown(access, tuple(why))
        if ((policy_unread or acl_unread) and not access.granted
                and d.verdict is not Verdict.EXPLICIT_DENY and d.blocked_by is not PolicyKind.SCP):
            # In the same account a bucket policy or ACL alone can grant the role (to its ARN,
            # to "*", to the owner's canonical id); only an explicit deny or the SCPs make
            # the answer a certain no.
            return _unknown(access, (f"{_documents(policy_unread, acl_unread)} could not be "
                                     f"read (it may grant {action.name} to this role)",))
        return access

    def role_action(self, role: Role, principal: PrincipalPolicies, bf: BucketFacts,
                    action: S3Action, key_parts: frozenset[str],
                    instance_context: Mapping[str, str], missing: tuple[str, ...],
                    identity_unread: bool = False) -> ActionAccess:
        """A role's answer for one action on one bucket (one cell, asked directly)."""
        core = self.role_core(role, principal, bf, action, key_parts, instance_context)
        return self.role_finish(action, core, bf, missing, identity_unread)

    def public_action(self, bf: BucketFacts, action: S3Action,
                      key_parts: frozenset[str]) -> ActionAccess:
        """What an anonymous caller can do, after Block Public Access."""
        context = dict(self.assumed)

        def make(resource: str) -> Decision:
            req = Request(principal_arn=None, action=action.name, resource_arn=resource,
                          resource_account=self.account.account_id, context=context,
                          partial=True)
            return self._ask(req, NO_POLICIES, bf, public=True)

        d, prefixes, others = self._object_or_bucket(action, bf, key_parts, make)
        access = _merge(action, d, others, prefixes, bf.bucket.arn)
        bpa, bpa_unknown = effective_block(bf.bucket, self.account)
        if access.granted and bpa.restrict_public_buckets and any(
            e.policy_kind is PolicyKind.RESOURCE and e.effect == "Allow"
            and not e.policy_name.startswith("bucket ACL") for e in access.evidence
        ):
            return ActionAccess(
                action.name, action.level, action.scope, Outcome.DENIED,
                ("Block Public Access (RestrictPublicBuckets) limits this public bucket "
                 "policy to AWS services and the bucket owner's account",) + access.reasons,
                access.evidence, (), PolicyKind.RESOURCE, access.prefixes,
            )
        if access.granted and bpa_unknown:
            return _unknown(access, ("Block Public Access settings could not be read "
                                     "(they may block this)",))
        return access


    def public_unread(self, bf: BucketFacts, action: S3Action,
                      known: ActionAccess | None) -> ActionAccess | None:
        """The public's answer when the bucket policy could not be read: it may grant
        anything to anyone, so a "denied" would be a guess. None when the answer stands:
        already granted, or Block Public Access (known to be on) confines policy grants to
        the owner account and AWS services."""
        if not bf.policy_unreadable or (known is not None and known.granted):
            return None
        bpa, bpa_unknown = effective_block(bf.bucket, self.account)
        policy_unread, acl_unread = unread_documents(bf)
        # RestrictPublicBuckets confines a policy's public grants, IgnorePublicAcls an ACL's.
        policy_unread = policy_unread and not (bpa.restrict_public_buckets and not bpa_unknown)
        acl_unread = acl_unread and not (bpa.ignore_public_acls and not bpa_unknown)
        if not (policy_unread or acl_unread):
            return None
        why = (f"{_documents(policy_unread, acl_unread)} could not be read (it may grant "
               f"{action.name} to anyone)",)
        if known is None:
            return ActionAccess(action.name, action.level, action.scope, Outcome.UNKNOWN, why)
        return _unknown(known, why)


def for_member(core: Core, rep: S3Action, member: S3Action) -> Core | None:
    """The class representative's decisions as the member's own.

    Within an action class every statement matches both actions alike, so the engine's
    decisions are the same statements, verdicts and conditions; only an implicit denial's
    reason names the action it was asked about ("... does not allow s3:GetObject"). That one
    reason is rewritten for the member; None (ask the engine) if it does not read as expected.
    """
    d, prefixes, others = core
    if d.verdict is not Verdict.IMPLICIT_DENY or d.outcome is not Outcome.DENIED:
        return core
    if len(d.reasons) != 1 or d.reasons[0].count(rep.name) != 1:
        return None
    head, tail = d.reasons[0].split(rep.name)
    if tail and tail[0] not in " )":
        return None
    return replace(d, reasons=(head + member.name + tail,)), prefixes, others


def unread_documents(bf: BucketFacts) -> tuple[bool, bool]:
    """(the bucket policy could not be read or parsed, the bucket ACL could not be read)."""
    acl = acl_unknown(bf.bucket)
    policy = bf.bucket.policy_unknown or (bf.bucket.policy is not None
                                          and bf.policies.policy is None)
    return policy, acl


def _documents(policy: bool, acl: bool) -> str:
    if policy and acl:
        return "the bucket policy and ACL"
    return "the bucket policy" if policy else "the bucket ACL"


def _merge(action: S3Action, d: Decision, others: list[Decision],
           prefixes: tuple[str, ...], bucket_arn: str) -> ActionAccess:
    if not others:
        access = _access(action, d, prefixes=prefixes)
        if access.outcome is Outcome.DENIED:
            return replace(access, reasons=generic_reasons(access.reasons, bucket_arn))
        return access
    evidence = unique_refs(e for o in others for e in o.deciding)
    conditions = unique_conditions(c for o in others for c in o.conditions)
    reasons = tuple(dict.fromkeys(r for o in others for r in o.reasons))
    return ActionAccess(action.name, action.level, action.scope, d.outcome,
                        (f"only for objects under {', '.join(prefixes)}",) + reasons,
                        evidence, conditions, None, prefixes)


def _unknown(access: ActionAccess, why: tuple[str, ...]) -> ActionAccess:
    # A role that could not be read is decided with a stand-in policy (unread.py): it is not
    # the account's, so it is never quoted.
    evidence = tuple(e for e in access.evidence if not is_stand_in(e.policy_name))
    reasons = tuple(r for r in access.reasons if UNREAD_POLICY not in r)
    return ActionAccess(access.action, access.level, access.scope, Outcome.UNKNOWN,
                        why + reasons, evidence, access.conditions,
                        access.blocked_by, access.prefixes)

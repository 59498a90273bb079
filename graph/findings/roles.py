"""Role findings: administrator-equivalent roles and trust policies open too wide.

"Administrator-equivalent" is asked of the engine, not read off policy names: a set of
sensitive actions across services, each on a resource of its kind. Allowed for all of them is
administrator; allowed for all but IAM is the NotAction shape (PowerUserAccess) that leaves
nearly everything. A permissions boundary or an SCP that cuts them is honoured by the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from graph.access.model import unique_refs
from graph.access.decide.trust import _EXTERNAL_ALLOW
from graph.catalog import expand_action_pattern
from graph.findings.context import FindingContext, short
from graph.findings.fixes import identity_fix
from graph.findings.model import Finding, PathStep, Severity, finding_id
from graph.findings.permissions import granted
from graph.model import Instance, Role
from graph.policy import (
    Decision,
    Outcome,
    PolicyKind,
    PrincipalPolicies,
    Request,
    StatementRef,
    evaluate,
    parse_policy,
)

#: (action, resource pattern) probes; {a} is the account id. IAM probes come first.
IAM_PROBES = (
    ("iam:CreateUser", "arn:aws:iam::{a}:user/rolemap-probe"),
    ("iam:AttachRolePolicy", "arn:aws:iam::{a}:role/rolemap-probe"),
    ("iam:PutRolePolicy", "arn:aws:iam::{a}:role/rolemap-probe"),
)
OTHER_PROBES = (
    ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:{a}:instance/i-0rolemapprobe"),
    ("s3:DeleteBucket", "arn:aws:s3:::rolemap-probe-bucket"),
    ("s3:GetObject", "arn:aws:s3:::rolemap-probe-bucket/key"),
    # (Not KMS: a key policy must grant too, so an identity policy alone never allows it.)
    ("sqs:DeleteQueue", "arn:aws:sqs:us-east-1:{a}:rolemap-probe"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:{a}:secret:probe"),
    ("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:{a}:function:rolemap-probe"),
    ("dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:{a}:table/rolemap-probe"),
    ("cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:{a}:trail/rolemap-probe"),
)
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
#: Explicit denies of fewer actions than this still leave a "*" on "*" role an administrator.
CARVE_OUT_LIMIT = 20

#: Trust conditions that keep a third party's (or anyone's) assumption in check.
SAFE_TRUST_KEYS = frozenset({"sts:externalid", "aws:principalorgid", "aws:principalorgpaths",
                             "aws:principalaccount", "aws:principalarn", "aws:sourceaccount",
                             "aws:sourcearn", "aws:userid"})
#: Stands in for "some principal of another account" when a trust statement names "*".
_STRANGER = "arn:aws:iam::000000000000:role/stranger"


def admin_level(ctx: FindingContext, role: Role) -> tuple[str, tuple[StatementRef, ...]] | None:
    """("admin" | "nearly-admin", deciding statements), or None."""
    found = admin_detail(ctx, role)
    return None if found is None else (found.kind, found.evidence)


@dataclass(frozen=True)
class AdminLevel:
    """How a role is an administrator, and what the engine found deciding it."""

    #: "admin" or "nearly-admin".
    kind: str
    evidence: tuple[StatementRef, ...]
    #: Actions explicitly denied on every resource that still leave it an administrator.
    carve_outs: tuple[str, ...] = ()
    #: The Deny statements of those carve-outs.
    carve_out_evidence: tuple[StatementRef, ...] = ()
    #: True when it is one because it may write IAM (it can grant itself the rest).
    by_iam: bool = False


def admin_detail(ctx: FindingContext, role: Role) -> AdminLevel | None:
    cache: dict[str, AdminLevel | None] = ctx.__dict__.setdefault("_admin", {})
    if role.arn in cache:
        return cache[role.arn]
    found = _admin_level(ctx, role)
    cache[role.arn] = found
    return found


def _admin_level(ctx: FindingContext, role: Role) -> AdminLevel | None:
    """The rule (README, admin-role): a role is an administrator when the engine allows
    1. every probed action on every resource; or
    2. every probed IAM write (it can attach any policy to itself); or
    3. an unconditional Allow of "*" on "*" that explicit Deny statements on every resource
       cut by fewer than CARVE_OUT_LIMIT actions, every probe outside them still allowed
       (a boundary or SCP that limits it fails the probes);
    and nearly one when everything probed but IAM is allowed (PowerUserAccess's NotAction).
    A Deny on named resources (one secret bucket) leaves it an administrator elsewhere."""
    acct = role.account_id
    perms = ctx.perms
    probes = (*OTHER_PROBES, *IAM_PROBES)
    if not perms.may_allow(role, [a for a, _ in probes]):
        return None
    principal = perms.role(role).principal
    full = _full_grant(principal)
    answers: dict[str, Decision] = {}

    def allowed(probes: tuple[tuple[str, str], ...], stop: bool) -> bool:
        """Whether the engine allows each probe; stops at the first refusal when `stop`."""
        every = True
        for action, resource in probes:
            d = answers.get(action) or perms.decide(role, action, resource.format(a=acct))
            answers[action] = d
            if d.outcome is not Outcome.ALLOWED:
                every = False
                if stop:
                    return False
        return every

    # Most roles fail the first probes: ask no more than the rule needs.
    iam_ok = allowed(IAM_PROBES, stop=not full)
    other_ok = allowed(OTHER_PROBES, stop=not full)

    def refs(actions: Iterable[str]) -> tuple[StatementRef, ...]:
        return unique_refs(r for a in actions for r in answers[a].deciding)

    iam = [a for a, _ in IAM_PROBES]
    other = [a for a, _ in OTHER_PROBES]
    if iam_ok and other_ok:
        return AdminLevel("admin", refs([*other, *iam]))
    carved = _carve_outs(principal) if full else None
    if carved is not None:
        denied, deny_refs = carved
        lowered = {d.lower() for d in denied}
        outside = [a for a in (*other, *iam) if a.lower() not in lowered]
        if all(answers[a].outcome is Outcome.ALLOWED for a in outside):
            return AdminLevel("admin", refs(outside), tuple(sorted(denied)),
                              unique_refs(deny_refs))
    if iam_ok:
        return AdminLevel("admin", refs(iam), by_iam=True)
    if other_ok:
        return AdminLevel("nearly-admin", refs(other))
    return None


def _full_grant(principal: PrincipalPolicies) -> bool:
    """An unconditional Allow of every action on every resource in the identity policies."""
    return any(
        st.effect == "Allow" and not st.not_action and not st.not_resource
        and not st.conditions and any(a in ("*", "*:*") for a in st.actions)
        and st.resources is not None and "*" in st.resources
        for policy in principal.identity for st in policy.statements)


def _carve_outs(principal: PrincipalPolicies
                ) -> tuple[frozenset[str], list[StatementRef]] | None:
    """Actions denied on every resource by explicit Deny statements (identity, boundary,
    SCPs), or None when they are too many to be carve-outs (a NotAction deny, a wildcard
    outside S3, CARVE_OUT_LIMIT actions or more)."""
    policies = list(principal.identity)
    if principal.boundary is not None:
        policies.append(principal.boundary)
    policies.extend(p for level in principal.scps or () for p in level)
    denied: set[str] = set()
    refs: list[StatementRef] = []
    for policy in policies:
        for st in policy.statements:
            if not st.deny:
                continue
            if not st.not_resource and st.resources is not None and "*" not in st.resources:
                continue  # named resources: an administrator everywhere else
            if st.not_action:
                return None
            for pattern in st.actions:
                if "*" not in pattern and "?" not in pattern:
                    denied.add(pattern)
                elif pattern.lower().startswith("s3:"):
                    denied |= expand_action_pattern(pattern)
                else:
                    return None
            refs.append(st.ref)
            if len(denied) >= CARVE_OUT_LIMIT:
                return None
    return frozenset(denied), refs


def admin_findings(ctx: FindingContext) -> Iterator[Finding]:
    for role in ctx.snapshot.roles:
        found = admin_detail(ctx, role)
        if found is None:
            continue
        kind, evidence = found.kind, found.evidence
        instances = ctx.acting_instances.get(role.arn, ())
        running = [i for i in instances if i.state == "running"]
        carve = ""
        if kind == "admin":
            severity = Severity.CRITICAL if running else Severity.HIGH
            what = "administrator access (every action tested is allowed on every resource)"
            if found.carve_outs:
                what = (f"administrator access less {len(found.carve_outs)} denied "
                        "action(s)")
                carve = f"denied on every resource: {', '.join(found.carve_outs)}"
            elif found.by_iam:
                what = "administrator access through IAM (it may attach any policy to itself)"
        else:
            severity = Severity.HIGH if running else Severity.MEDIUM
            what = "nearly administrator access (everything tested but IAM)"
        on = (f"; {len(instances)} instance(s) can act as it ({len(running)} running)"
              if instances else "; no instance runs as it")
        named = " (AdministratorAccess)" if ADMIN_POLICY in role.attached_policy_arns else ""
        fix = [identity_fix(ctx.snapshot, ref, "replace the wildcard Action and Resource with "
                            "what the workload uses", role)
               for ref in evidence if ref.policy_kind is PolicyKind.IDENTITY]
        fix.append("grant only the actions and resources the workload uses (the role "
                   "wizard, w, writes a least-privilege role)")
        path: list[PathStep] = []
        if instances:
            path.extend(ctx.instance_path(instances[0], role.arn)
                        if role.arn in ctx.own_roles(instances[0].instance_profile_arn or "")
                        else [PathStep(f"instance:{instances[0].instance_id}", f"role:{role.arn}",
                                       "can assume")])
        path.append(PathStep(f"role:{role.arn}", "everything", "can do", evidence))
        detail = ((carve,) if carve else ()) + tuple(_acting_lines(instances))
        yield Finding(
            finding_id("admin-role", role.arn), severity, "admin-role",
            f"role {role.name}{named}: {what}{on}", "; ".join(dict.fromkeys(fix)),
            detail=detail,
            instance=instances[0].instance_id if instances else None, role=role.arn,
            actions=("*",), evidence=evidence,
            instances=tuple(i.instance_id for i in instances), path=tuple(path),
            view=("role", role.arn))


#: Instances named in a finding's text; the JSON lists every one.
SHOWN_INSTANCES = 10


def _acting_lines(instances: Sequence[Instance]) -> Iterator[str]:
    """The instances that can act as a role, running first, by name: who to look at."""
    ordered = sorted(instances, key=lambda i: (i.state != "running", i.name, i.instance_id))
    for inst in ordered[:SHOWN_INSTANCES]:
        name = f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id
        yield f"acts as it: instance {name}, {inst.state}, {inst.region}"
    if len(ordered) > SHOWN_INSTANCES:
        yield f"… and {len(ordered) - SHOWN_INSTANCES} more instance(s)"


def _trust_statements(role: Role) -> list[dict]:
    doc = role.trust_policy
    if not isinstance(doc, dict):
        return []
    stmts = doc.get("Statement", [])
    return [s for s in (stmts if isinstance(stmts, list) else [stmts]) if isinstance(s, dict)]


def _named_principals(stmt: dict) -> list[str]:
    principal = stmt.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    aws = principal.get("AWS", [])
    return [str(p) for p in (aws if isinstance(aws, list) else [aws])]


def broad_trust_findings(ctx: FindingContext) -> Iterator[Finding]:
    own = ctx.snapshot.account_id
    assumed = ctx.graph.assumed
    for role in ctx.snapshot.roles:
        try:
            trust = parse_policy(role.trust_policy, name=role.name, kind=PolicyKind.TRUST)
        except Exception:  # noqa: BLE001 - the access graph warns about malformed trust
            continue
        seen: set[str] = set()
        for stmt in _trust_statements(role):
            if stmt.get("Effect") != "Allow" or "NotPrincipal" in stmt:
                continue
            for who in _named_principals(stmt):
                account = _account_of(who)
                if who != "*" and (account is None or account == own):
                    continue
                if who in seen:
                    continue
                seen.add(who)
                caller = _STRANGER if who == "*" else (
                    who if ":root" not in who and who.startswith("arn:")
                    else f"arn:aws:iam::{account}:root")
                req = Request(principal_arn=caller, action="sts:AssumeRole",
                              resource_arn=role.arn, resource_account=own, context=assumed,
                              partial=True)
                d = evaluate(req, PrincipalPolicies(identity=(_EXTERNAL_ALLOW,)), trust)
                if not granted(d):
                    continue
                # An Allow conditioned on them, or a Deny unless they hold: both keep
                # strangers out.
                keys = {c.key.lower() for c in d.conditions}
                if keys & SAFE_TRUST_KEYS:
                    continue
                yield _broad(ctx, role, who, account, d.conditions,
                             tuple(e for e in d.deciding if e.policy_kind is PolicyKind.TRUST))


def _account_of(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" and parts[4] else None


def _broad(ctx: FindingContext, role: Role, who: str, account: str | None,
           conditions: tuple, evidence: tuple[StatementRef, ...]) -> Finding:
    # What the role reaches itself and through the roles it may assume in turn.
    reach = ctx.union_reach(ctx.chain_roles(role.arn))
    admin = admin_level(ctx, role)
    if who == "*":
        severity, subject = Severity.CRITICAL, "any AWS principal (Principal \"*\")"
    else:
        severity = Severity.HIGH
        subject = f"account {account}" if who.endswith(":root") or who == account \
            else f"{short(who)} of account {account}"
    if conditions:
        severity = severity.lowered()
    powers = "administrator access" if admin else (
        f"reaches {len(reach)} bucket(s)" if reach else "reaches no bucket")
    detail = [f"only if {', '.join(str(c) for c in conditions)}"] if conditions else []
    fix = (f"in role {role.name}'s trust policy, name the exact principal and add "
           '"Condition": {"StringEquals": {"sts:ExternalId": "<secret agreed with the third '
           'party>"}} (or aws:PrincipalOrgID for your own organization)')
    node = "public" if who == "*" else f"account:{account}"
    return Finding(
        finding_id("broad-trust", role.arn, who), severity, "broad-trust",
        f"role {role.name}: {subject} can assume it without an ExternalId or organization "
        f"condition ({powers})", fix, role=role.arn, principal=who, actions=("sts:AssumeRole",),
        evidence=evidence, detail=tuple(detail),
        path=(PathStep(node, f"role:{role.arn}", "can assume", evidence),),
        view=("role", role.arn))

"""Creating a principal to become (Rhino Security Labs' CreateRole-style methods, PMapper's
IAM edge checker, cloudsplaining's CreateRole/PutRolePolicy and CreateUser/CreateAccessKey
pairs).

A role that may create a user, give it an access key and write a policy into it (inline, or
an attached one) becomes that user with any permission its own SCPs allow (a new user has no
boundary unless CreateUser's iam:PermissionsBoundary condition demands one: then the path is
conditional). Each action is decided on the new user's ARN, tried under each Resource pattern
of the CreateUser grants, as for roles below.

A role that may create a role, write a policy into it and assume it gains anything its
boundary and SCPs allow. The new role's trust policy is written by the caller, so the engine
decides sts:AssumeRole with a trust policy naming the caller's role ARN: within one account
such a trust grants the assumption by itself (AWS evaluates it as a resource policy naming the
principal), so only a Deny on the caller's side (identity policy, boundary, SCP) stops it.
Each action is decided on the new role's ARN: a name under each Resource pattern the
CreateRole grant names (`role/ci-*` → `role/ci-x`), so a grant limited to a prefix is
followed there; a condition the engine cannot settle
(iam:PermissionsBoundary on CreateRole, iam:PolicyARN on AttachRolePolicy) makes the path
conditional, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.findings.escalation_model import Escalation, PathFinder, Step, step_of
from graph.findings.permissions import granted
from graph.model import Role
from graph.policy import Outcome, PolicyKind, parse_policy

#: Either policy write gives the new role any permission.
POLICY_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
#: The name shown for the role the caller would create (when any name will do).
NEW_ROLE = "<new role>"
#: Names tried per role (one per Resource pattern of its CreateRole grants).
MAX_NAMES = 5
#: A new user's policy writes, and the name shown for it.
USER_POLICY_WRITES = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
NEW_USER = "<new user>"


def _names(finder: PathFinder, role: Role, kind: str = "role", new: str = NEW_ROLE,
           create: str = "iam:CreateRole") -> list[str]:
    """ARNs the caller may create: the generic one, then one under each pattern."""
    prefix = f"arn:{finder.partition}:iam::{finder.acct}:{kind}/"
    out = [prefix + new]
    for facts in finder.ctx.perms.role(role).allows:
        if facts.not_resource or not facts.names_action(create):
            continue
        for pattern in facts.resources:
            if pattern.startswith(prefix) and "${" not in pattern:
                out.append(pattern.replace("*", "x").replace("?", "x"))
    return list(dict.fromkeys(out))[:MAX_NAMES]


def create_role_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """CreateRole + (PutRolePolicy | AttachRolePolicy) + sts:AssumeRole."""
    perms = finder.ctx.perms
    if not perms.may_allow(role, ["iam:CreateRole"]) or not perms.may_allow(role, POLICY_WRITES):
        return
    trust = parse_policy({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": role.arn}, "Action": "sts:AssumeRole"}]},
        name="trust policy the caller writes", kind=PolicyKind.TRUST)

    def step(action: str, arn: str) -> Step | None:
        assume = action == "sts:AssumeRole"
        if not assume and not perms.may_allow(role, [action], arn):
            return None
        d = perms.decide(role, action, arn, resource_policy=trust if assume else None)
        return step_of(action, arn, d) if granted(d) or d.outcome is Outcome.UNKNOWN \
            else None

    for arn in _names(finder, role):
        create = step("iam:CreateRole", arn)
        write = next((s for s in (step(a, arn) for a in POLICY_WRITES) if s is not None), None)
        assume = step("sts:AssumeRole", arn)
        if create is None or write is None or assume is None:
            continue
        via = f"CreateRole + {write.action.split(':')[1]} + AssumeRole"
        # The caller's own statements are the evidence of AssumeRole; the trust policy is
        # its own creation, not a statement of the account.
        assume = Step(assume.action, assume.resource, assume.outcome, tuple(
            r for r in assume.evidence if r.policy_kind is not PolicyKind.TRUST),
            assume.conditions)
        yield Escalation(role.arn, "create-role", via, arn, (create, write, assume), {},
                         everything=True)
        return


def create_user_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """CreateUser + CreateAccessKey + (PutUserPolicy | AttachUserPolicy): a user of its own."""
    perms = finder.ctx.perms
    if not perms.may_allow(role, ["iam:CreateUser"]) or not perms.may_allow(
            role, ["iam:CreateAccessKey"]) or not perms.may_allow(role, USER_POLICY_WRITES):
        return

    def step(action: str, arn: str) -> Step | None:
        if not perms.may_allow(role, [action], arn):
            return None
        d = perms.decide(role, action, arn)
        return step_of(action, arn, d) if granted(d) or d.outcome is Outcome.UNKNOWN \
            else None

    for arn in _names(finder, role, "user", NEW_USER, "iam:CreateUser"):
        create = step("iam:CreateUser", arn)
        key = step("iam:CreateAccessKey", arn)
        write = next((s for s in (step(a, arn) for a in USER_POLICY_WRITES) if s is not None),
                     None)
        if create is None or key is None or write is None:
            continue
        via = f"CreateUser + CreateAccessKey + {write.action.split(':')[1]}"
        yield Escalation(role.arn, "create-user", via, arn, (create, key, write), {},
                         everything=True)
        return

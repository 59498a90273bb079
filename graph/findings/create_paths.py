"""Creating a principal to become (Rhino Security Labs' CreateRole-style methods, PMapper's
IAM edge checker, cloudsplaining's CreateRole/PutRolePolicy pairs).

A role that may create a role, write a policy into it and assume it gains anything its
boundary and SCPs allow: the new role's trust policy is written by the caller (it names the
caller), so sts:AssumeRole needs only the caller's own permission. Each action is decided by
the engine on the new role's ARN (any name: the wildcard under the account's roles); a
condition the engine cannot settle (iam:PermissionsBoundary on CreateRole, iam:PolicyARN on
AttachRolePolicy) makes the path conditional, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from graph.findings.escalation import Escalation, Step, step_of
from graph.findings.permissions import granted
from graph.model import Role
from graph.policy import Outcome

if TYPE_CHECKING:
    from graph.findings.escalation import EscalationFinder

#: Either policy write gives the new role any permission.
POLICY_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
#: The name shown for the role the caller would create.
NEW_ROLE = "<new role>"


def create_role_paths(finder: EscalationFinder, role: Role) -> Iterator[Escalation]:
    """CreateRole + (PutRolePolicy | AttachRolePolicy) + sts:AssumeRole."""
    perms = finder.ctx.perms
    if not perms.may_allow(role, ["iam:CreateRole"]) or not perms.may_allow(role, POLICY_WRITES):
        return
    new_role = f"arn:{finder.partition}:iam::{finder.acct}:role/{NEW_ROLE}"

    def step(action: str) -> Step | None:
        if not perms.may_allow(role, [action], new_role):
            return None
        d = perms.decide(role, action, new_role)
        return step_of(action, new_role, d) if granted(d) or d.outcome is Outcome.UNKNOWN \
            else None

    create = step("iam:CreateRole")
    write = next((s for s in map(step, POLICY_WRITES) if s is not None), None)
    assume = step("sts:AssumeRole")
    if create is None or write is None or assume is None:
        return
    via = f"CreateRole + {write.action.split(':')[1]} + AssumeRole"
    yield Escalation(role.arn, "create-role", via, new_role, (create, write, assume), {},
                     everything=True)

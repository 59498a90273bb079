"""Fixes a person can apply: the exact policy, statement (numbered from 1) and field to change.

A fix that cannot be carried out is worse than none: a reviewer who reads "narrow identity
policy AdministratorAccess" opens the console and finds it read-only. So the fix follows
what each kind of policy allows:
- an AWS-managed policy cannot be edited, only detached, or replaced by a customer-managed
  policy scoped to the workload (the role wizard writes one from its task presets);
- a customer-managed policy is changed by a new default version; an inline policy in place;
- a trust policy has no Resource: who may assume the role is its Principal and Condition,
  and the other side of the door is the caller's own `sts:AssumeRole` permission;
- a bucket policy statement is narrowed or removed in the bucket's policy.
"""

from __future__ import annotations

from graph.model import AccountSnapshot, Role
from graph.policy import PolicyKind, StatementRef

#: What the wizard offers instead of a broad AWS-managed policy.
WIZARD = "the role wizard (w, or rolemap role plan) writes one from the tasks the workload needs"


def statement_place(ref: StatementRef) -> str:
    """'statement 2 (Sid)': the statement as the policy's author counts it."""
    return f"statement {ref.number}" + (f" ({ref.sid})" if ref.sid else "")


def aws_managed_arn(snapshot: AccountSnapshot, ref: StatementRef,
                    role: Role | None = None) -> str | None:
    """The ARN of the AWS-managed policy `ref` belongs to, or None when it is the account's own.

    Names alone can collide (a customer policy may share an AWS policy's name), so the role's
    own attachments decide when the role is known."""
    if ref.policy_kind not in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY) or "/" in ref.policy_name:
        return None
    arns = role.attached_policy_arns if role is not None else tuple(snapshot.policy_by_arn)
    if role is not None and ref.policy_kind is PolicyKind.BOUNDARY:
        arns = (role.permissions_boundary_arn,) if role.permissions_boundary_arn else ()
    for arn in arns:
        policy = snapshot.policy_by_arn.get(arn)
        if policy is not None and policy.name == ref.policy_name:
            return arn if policy.is_aws_managed else None
    return None


def identity_fix(snapshot: AccountSnapshot, ref: StatementRef, change: str,
                 role: Role | None = None) -> str:
    """How to take a permission away at an identity statement; `change` says what to do to
    the statement ("remove iam:PassRole from its Action")."""
    arn = aws_managed_arn(snapshot, ref, role)
    on = f" from role {role.name}" if role is not None else ""
    if arn is not None:
        return (f"detach AWS-managed policy {arn}{on} (AWS policies cannot be edited) or "
                f"replace it with a customer-managed policy scoped to the workload: {WIZARD}")
    if ref.policy_kind is PolicyKind.TRUST:
        return trust_fix(ref)
    if "/" in ref.policy_name:  # "role/policy": an inline policy
        owner, name = ref.policy_name.split("/", 1)
        # A group's inline policy is named "group NAME/POLICY" (graph.model_users).
        whose = owner if owner.startswith("group ") else f"role {owner}"
        return f"in inline policy {name} of {whose}, {statement_place(ref)}: {change}"
    return (f"in customer-managed policy {ref.policy_name}, {statement_place(ref)}: {change} "
            "(as a new default version)")


def trust_fix(ref: StatementRef, caller: str | None = None) -> str:
    """How to close a trust statement: narrow who it admits, or condition it."""
    who = f" so it no longer admits {caller}" if caller else ""
    return (f"in role {ref.policy_name}'s trust policy, {statement_place(ref)}: narrow the "
            f"Principal{who}, or add a Condition (sts:ExternalId for a third party, "
            "aws:PrincipalOrgID for your organization)")

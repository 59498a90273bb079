"""IAM users as callers: each user with its groups' policies, as the engine decides callers.

A user's request carries the user's inline and attached policies, every policy of every group
it is in, and the user's permissions boundary (the boundary limits all of them; groups have
none). The engine, the access graph and the findings decide callers as `Role` records (ARN,
identity policies, boundary, tags), so a user is handed to them as one: the user's ARN (the
engine tells a user from a role by it: `aws:username`, principal type), its policies with the
groups' inline ones named "group NAME/POLICY" (a name no IAM policy can have, so evidence
says where the statement lives), and a trust policy that trusts no one (nobody assumes a user).

A group the user is in but the account details did not list makes its grants unknown: it is
kept as an unreadable inline policy, so the engine answers "unknown", never "no".
"""

from __future__ import annotations

from graph.model import AccountSnapshot, InlinePolicy, Role, User

#: Said wherever a user's reach is shown: a user has no instance, so no route table or VPC
#: endpoint says where its requests leave from.
USER_GATES_NOTE = ("IAM user: how its requests leave (network path, VPC endpoint policy) is "
                   "not known, so only the IAM gates are decided (identity policies, groups, "
                   "boundary, SCPs, bucket policy, ACLs, Block Public Access, KMS)")
#: Said when the snapshot holds no users at all (an older snapshot or export folder).
USERS_UNREAD = ("IAM users and groups were not read (an older snapshot or export folder): "
                "escalation through users (CreateAccessKey, login profiles, group and policy "
                "changes) is unknown, not absent")
#: A trust policy that lets no one in: nobody assumes a user.
_NO_TRUST = {"Version": "2012-10-17", "Statement": []}


def group_policy_name(group: str, policy: str) -> str:
    """How a group's inline policy is named in evidence ("group devs/read-reports")."""
    return f"group {group}/{policy}"


def as_caller(user: User, snapshot: AccountSnapshot) -> Role:
    """The user as a caller record the engine decides (see the module docstring)."""
    inline = list(user.inline_policies)
    attached = list(user.attached_policy_arns)
    groups = snapshot.group_by_name
    for name in user.group_names:
        group = groups.get(name)
        if group is None:  # listed as a membership, not read: its grants are unknown
            inline.append(InlinePolicy(group_policy_name(name, "(group not read)"), None))
            continue
        inline.extend(InlinePolicy(group_policy_name(name, p.name), p.document)
                      for p in group.inline_policies)
        attached.extend(group.attached_policy_arns)
    return Role(
        arn=user.arn, name=user.name, trust_policy=_NO_TRUST, path=user.path,
        role_id=user.user_id, inline_policies=tuple(inline),
        attached_policy_arns=tuple(dict.fromkeys(attached)),
        permissions_boundary_arn=user.permissions_boundary_arn, tags=user.tags,
        description="IAM user", create_date=user.create_date)


def user_callers(snapshot: AccountSnapshot) -> tuple[Role, ...]:
    """Every user of the snapshot as a caller (none when users were not read)."""
    return tuple(as_caller(u, snapshot) for u in snapshot.users or ())


def is_user(arn: str) -> bool:
    """Whether an ARN names an IAM user (arn:aws:iam::ACCOUNT:user/PATH/NAME)."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("user/")


def inline_name(owner: str, policy: str) -> str:
    """An inline policy's name in evidence: "role/policy", or a group's as it is named."""
    return policy if policy.startswith("group ") and "/" in policy else f"{owner}/{policy}"

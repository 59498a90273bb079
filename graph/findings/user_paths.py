"""IAM users as targets (Rhino Security Labs' CreateAccessKey, CreateLoginProfile,
UpdateLoginProfile, AddUserToGroup, Attach/PutUserPolicy, Attach/PutGroupPolicy and
CreatePolicyVersion methods; PMapper's IAM edge checker; cloudsplaining's credential and
policy-write pairs).

A role that may make credentials for a user (an access key, or a console password it sets)
acts as that user afterwards: it gains what the user reaches (its own, its groups' policies
and the roles it can assume). Acting as a user, it may then change what the user may do:
write or attach a user policy, write or attach a policy of a group the user is in, or a new
default version of a customer policy attached to the user or one of its groups — each gains
anything the user's boundary and the SCPs allow. Adding the user to a group gains what that
group's policies grant, decided for the user as a member of it.

Each action is decided by the engine on the user's (or group's, or policy's) ARN with the
user's tags as `aws:ResourceTag/…` / `iam:ResourceTag/…`: a grant scoped to another path or
name, a Deny, or a condition that does not hold ends the path there. A user reaching nothing
the role lacks (and no administrator) is no gain, unless a policy write follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from graph.findings.context import gained
from graph.findings.escalation_model import Escalation, PathFinder, Step, step_of
from graph.findings.permissions import granted
from graph.model import Group, Role, User
from graph.model_users import as_caller
from graph.policy import Outcome

#: Ways to get credentials of an existing user (CreateLoginProfile when it has no console
#: password, UpdateLoginProfile when it has one: either gives console access as the user).
#: One path kind: the finding is one per cause (the role's statements), listing the users.
CREDENTIAL_ACTIONS = (("iam:CreateAccessKey", "keys"), ("iam:CreateLoginProfile", "console"),
                      ("iam:UpdateLoginProfile", "console"))
CREDENTIALS = "user-credentials"
USER_WRITES = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
GROUP_WRITES = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
USER_ACTIONS = (*(a for a, _ in CREDENTIAL_ACTIONS), *USER_WRITES, *GROUP_WRITES,
                "iam:AddUserToGroup", "iam:CreatePolicyVersion", "iam:CreateUser")
#: Groups (with a policy) tried per user for AddUserToGroup (each one's reach is decided for
#: the user as a member, once per (user, group) however many roles lead there).
MAX_GROUPS = 20


def tag_context(user: User) -> dict[str, str]:
    """The user's tags under the keys resource-scoped IAM statements read."""
    out: dict[str, str] = {}
    for key, value in user.tags.items():
        out[f"aws:ResourceTag/{key}"] = value
        out[f"iam:ResourceTag/{key}"] = value
    return out


def _step(finder: PathFinder, role: Role, action: str, resource: str,
          context: dict[str, str] | None = None) -> Step | None:
    """The step when the engine grants it (or cannot tell: unknown is never "no")."""
    perms = finder.ctx.perms
    if not perms.may_allow(role, [action], resource):
        return None
    d = perms.decide(role, action, resource, context)
    return step_of(action, resource, d) if granted(d) or d.outcome is Outcome.UNKNOWN else None


def user_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """Credentials for each user it may make them for, then what it could change as them."""
    snapshot = finder.ctx.snapshot
    if not snapshot.users or not finder.ctx.perms.may_allow(role, USER_ACTIONS):
        return
    examined = 0
    for user in snapshot.users:
        if examined >= finder.max_targets:
            return
        context = tag_context(user)
        found = [(s, kind) for action, kind in CREDENTIAL_ACTIONS
                 if (s := _step(finder, role, action, user.arn, context)) is not None]
        if not found:
            continue
        examined += 1
        gains = gained(finder.base(role.arn), finder.reach_of(user.arn))
        admin = finder.is_admin(user.arn)
        seen: set[str] = set()
        for step, way in found:
            if way in seen:
                continue  # CreateLoginProfile and UpdateLoginProfile: one way in
            seen.add(way)
            if gains or admin:
                yield Escalation(role.arn, CREDENTIALS, step.action, user.arn, (step,), gains,
                                 target_admin=admin)
        if not admin:
            yield from _as_user(finder, role, user, (found[0][0],))


def _as_user(finder: PathFinder, role: Role, user: User, prefix: tuple[Step, ...]
             ) -> Iterator[Escalation]:
    """Acting as `user` (after `prefix`): changing its policies or its groups'."""
    snapshot = finder.ctx.snapshot
    context = tag_context(user)
    first = prefix[0].action
    for action in USER_WRITES:
        step = _step(finder, role, action, user.arn, context)
        if step is not None:
            yield Escalation(role.arn, "user-policy-write", f"{first} + {action}", user.arn,
                             prefix + (step,), {}, everything=True)
            break
    groups = [g for g in (snapshot.group_by_name.get(n) for n in user.group_names) if g]
    for group in groups:
        step = next((s for a in GROUP_WRITES
                     if (s := _step(finder, role, a, group.arn)) is not None), None)
        if step is not None:
            yield Escalation(role.arn, "group-policy-write",
                             f"{first} + {step.action} on group {group.name}", user.arn,
                             prefix + (step,), {}, everything=True)
            break
    yield from _policy_versions(finder, role, user, groups, prefix)
    yield from _add_to_group(finder, role, user, prefix)


def _policy_versions(finder: PathFinder, role: Role, user: User, groups: list[Group],
                     prefix: tuple[Step, ...]) -> Iterator[Escalation]:
    """A new default version of a customer policy attached to the user or its groups."""
    attached = dict.fromkeys((*user.attached_policy_arns,
                              *(a for g in groups for a in g.attached_policy_arns)))
    for arn in attached:
        if ":iam::aws:policy/" in arn:
            continue  # AWS managed policies cannot be changed by anyone
        step = _step(finder, role, "iam:CreatePolicyVersion", arn)
        if step is not None:
            yield Escalation(role.arn, "user-policy-version",
                             f"{prefix[0].action} + CreatePolicyVersion on "
                             f"{arn.rsplit('/', 1)[-1]}", user.arn, prefix + (step,), {},
                             everything=True)
            return


def _add_to_group(finder: PathFinder, role: Role, user: User, prefix: tuple[Step, ...]
                  ) -> Iterator[Escalation]:
    """AddUserToGroup (decided on the group's ARN): gains what the user reaches as a member,
    decided by the engine for the user with that group's policies added."""
    snapshot = finder.ctx.snapshot
    if not finder.ctx.perms.may_allow(role, ["iam:AddUserToGroup"]):
        return
    have = finder.reach_of(user.arn)
    groups = [g for g in snapshot.groups or () if g.inline_policies or g.attached_policy_arns]
    for group in groups[:MAX_GROUPS]:
        if group.name in user.group_names:
            continue  # a group with no policy adds nothing
        step = _step(finder, role, "iam:AddUserToGroup", group.arn)
        if step is None:
            continue
        member = replace(user, arn=_member_arn(user, group),
                         group_names=(*user.group_names, group.name))
        caller = as_caller(member, snapshot)
        reach = finder.ctx.caller_reach(caller)
        admin = _admin(finder, caller) and not finder.is_admin(user.arn)
        if gained(have, reach) or admin:
            gains = gained(finder.base(role.arn), reach)
            yield Escalation(role.arn, "user-add-to-group",
                             f"{prefix[0].action} + AddUserToGroup {group.name}", user.arn,
                             prefix + (step,), gains, target_admin=admin)


def _member_arn(user: User, group: Group) -> str:
    """A distinct ARN for "the user as a member of `group`" (its decisions are cached by ARN);
    the name stays the user's, so `aws:username` reads the same."""
    parts = user.arn.split(":")
    name = user.arn.rsplit("/", 1)[-1]
    return f"arn:{parts[1]}:iam::{parts[4]}:user/rolemap-member-of-{group.name}/{name}"


def _admin(finder: PathFinder, caller: Role) -> bool:
    from graph.findings.roles import admin_level

    found = admin_level(finder.ctx, caller)
    return found is not None and found[0] == "admin"

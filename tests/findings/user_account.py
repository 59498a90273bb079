"""The escalation account of escalation_account.py with IAM users and groups planted: `app`
(on instance app-1) gets the statements of one path, users and groups are the targets."""

from __future__ import annotations

from typing import Any

from graph.access import AccessGraph, build_access_graph
from graph.model import (
    Account,
    AccountSnapshot,
    Bucket,
    Group,
    InlinePolicy,
    Instance,
    InstanceProfile,
    ManagedPolicy,
)

from .escalation_account import ACCT, APP, REGION, doc, role, trusts

__all__ = ["ACCT", "APP", "build_users", "group", "group_arn", "user", "user_arn"]


def user_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCT}:user{path}{name}"


def group_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:group/{name}"


def user(name: str, *statements: dict[str, Any], path: str = "/", groups: tuple[str, ...] = (),
         attached: tuple[str, ...] = (), tags: dict[str, str] | None = None) -> Any:
    from graph.model import User

    inline = (InlinePolicy(f"{name}-policy", doc(*statements)),) if statements else ()
    return User(user_arn(name, path), name, path, inline_policies=inline,
                attached_policy_arns=attached, group_names=groups, tags=tags or {})


def group(name: str, *statements: dict[str, Any], attached: tuple[str, ...] = ()) -> Group:
    inline = (InlinePolicy(f"{name}-policy", doc(*statements)),) if statements else ()
    return Group(group_arn(name), name, inline_policies=inline, attached_policy_arns=attached)


def build_users(app_statements: list[dict[str, Any]], users: list[Any],
                groups: list[Group] = (),  # type: ignore[assignment]
                policies: tuple[ManagedPolicy, ...] = ()) -> AccessGraph:
    """`app` (no S3 access of its own) with these statements; the users and groups; the
    bucket `data`."""
    app = role("app", trusts("ec2.amazonaws.com"), *app_statements)
    profile = InstanceProfile(f"arn:aws:iam::{ACCT}:instance-profile/app", "app",
                              role_arns=(APP,))
    inst = Instance("i-app1", REGION, "running", ACCT, name="app-1",
                    instance_profile_arn=profile.arn)
    snapshot = AccountSnapshot(Account(ACCT), roles=(app,), instance_profiles=(profile,),
                               instances=(inst,), buckets=(Bucket("data"),),
                               managed_policies=policies, users=tuple(users),
                               groups=tuple(groups))
    return build_access_graph(snapshot)

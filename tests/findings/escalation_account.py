"""A small account built in memory for the escalation path kinds: a caller role `app` (its
instance app-1) with no S3 access, and stronger roles that reach the bucket `data`. Each test
gives `app` the statements of one path (or of a near miss) and plants the target it needs."""

from __future__ import annotations

from typing import Any

from graph.access import AccessGraph, build_access_graph
from graph.model import (
    Account,
    AccountSnapshot,
    Bucket,
    InlinePolicy,
    Instance,
    InstanceProfile,
    ManagedPolicy,
    Role,
    Scp,
)

ACCT = "123456789012"
REGION = "us-east-1"
APP = f"arn:aws:iam::{ACCT}:role/app"
DATA_ALL = {"Effect": "Allow", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trusts(*services: str, roles: tuple[str, ...] = ()) -> dict[str, Any]:
    principal: dict[str, Any] = {}
    if services:
        principal["Service"] = list(services)
    if roles:
        principal["AWS"] = list(roles)
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:role/{name}"


def instance_arn(instance_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCT}:instance/{instance_id}"


def role(name: str, trust: dict[str, Any], *statements: dict[str, Any],
         attached: tuple[str, ...] = ()) -> Role:
    inline = (InlinePolicy(f"{name}-policy", doc(*statements)),) if statements else ()
    return Role(role_arn(name), name, trust, inline_policies=inline,
                attached_policy_arns=attached)


def build(app_statements: list[dict[str, Any]], targets: list[Role],
          instances: list[tuple[str, str, str, dict[str, str]]] = (),  # type: ignore[assignment]
          profiled: tuple[str, ...] = (), policies: tuple[ManagedPolicy, ...] = (),
          scps: tuple[tuple[Scp, ...], ...] | None = None) -> AccessGraph:
    """`app` with these statements, the target roles, and instances (id, role, state, tags)
    besides app-1; every role named in `profiled` or running an instance gets a profile."""
    app = role("app", trusts("ec2.amazonaws.com"), *app_statements)
    roles = (app, *targets)
    placed = [("i-app1", "app", "running", {"Name": "app-1"}), *instances]
    names = dict.fromkeys([r for _, r, _, _ in placed] + list(profiled))
    profiles = tuple(InstanceProfile(f"arn:aws:iam::{ACCT}:instance-profile/{n}", n,
                                     role_arns=(role_arn(n),)) for n in names)
    insts = tuple(Instance(iid, REGION, state, ACCT, name=tags.get("Name", ""),
                           instance_profile_arn=f"arn:aws:iam::{ACCT}:instance-profile/{r}",
                           tags=tags) for iid, r, state, tags in placed)
    snapshot = AccountSnapshot(Account(ACCT), roles=roles, instance_profiles=profiles,
                               instances=insts, buckets=(Bucket("data"),),
                               managed_policies=policies, scps=scps)
    return build_access_graph(snapshot)

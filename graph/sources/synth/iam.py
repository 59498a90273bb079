"""get-account-authorization-details of a synthetic account: roles, profiles, users, policies.

Managed policies are attached with a Zipf skew (a few customer policies on hundreds of roles),
AWS managed policies with their real shares, and trust policies in every shape the AWS CLI
prints them (service lists, one statement per service, other accounts with an external id).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graph.sources.synth import aws_managed, policies
from graph.sources.synth.world import (
    DATE,
    PARTNERS,
    TEAMS,
    RolePlan,
    World,
    weighted,
    zipf_index,
)

NON_EC2 = ("lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com",
           "states.amazonaws.com", "codebuild.amazonaws.com")
EC2 = "ec2.amazonaws.com"


@dataclass
class Iam:
    """The authorization details and what instances need from them."""

    details: dict[str, Any]
    #: Instance profile ARNs in the order drawn (Zipf rank 0 is the most used).
    profiles: list[str] = field(default_factory=list)


def _statement(rng: random.Random, principal: dict[str, Any],
               condition: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rng.random() < 0.2:
        out["Sid"] = ""
    actions: Any = "sts:AssumeRole"
    if rng.random() < 0.1:
        actions = ["sts:AssumeRole", "sts:TagSession"]
    out.update({"Effect": "Allow", "Principal": principal, "Action": actions})
    if condition:
        out["Condition"] = condition
    return out


def trust_policy(rng: random.Random, world: World, role: RolePlan) -> tuple[dict[str, Any], bool]:
    """A trust policy and whether EC2 may assume the role."""
    roll = rng.random()
    stmts: list[dict[str, Any]]
    ec2 = True
    if roll < 0.75:
        stmts = [_statement(rng, {"Service": EC2})]
    elif roll < 0.85:
        services = [EC2, *rng.sample(NON_EC2, rng.randint(1, 2))]
        if rng.random() < 0.5:
            stmts = [_statement(rng, {"Service": services})]
        else:
            stmts = [_statement(rng, {"Service": s}) for s in services]
    elif roll < 0.92:
        if rng.random() < 0.5:
            stmts = [_statement(rng, {"AWS": f"arn:aws:iam::{rng.choice(PARTNERS)}:root"},
                                {"StringEquals": {"sts:ExternalId": f"ext-{role.index:05d}"}})]
        else:
            deployer = world.roles[zipf_index(rng, min(5, len(world.roles)))]
            stmts = [_statement(rng, {"AWS": deployer.arn})]
        ec2 = rng.random() < 0.4
        if ec2:
            stmts.append(_statement(rng, {"Service": EC2}))
    else:
        stmts = [_statement(rng, {"Service": rng.choice(NON_EC2)})]
        ec2 = False
    return {"Version": "2012-10-17", "Statement": stmts}, ec2


def _customer_policy(arn: str, doc: dict[str, Any], versions: list[dict[str, Any]],
                     default: int, attachments: int, boundary_uses: int = 0) -> dict[str, Any]:
    name = arn.rsplit("/", 1)[1]
    listed = [{"Document": d, "VersionId": f"v{k + 1}", "IsDefaultVersion": k == default,
               "CreateDate": DATE} for k, d in enumerate(versions)] if versions else [
        {"Document": doc, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": DATE}]
    ident = "ANPA" + name.upper().replace("-", "")[:17].ljust(17, "X")
    return {"PolicyName": name, "PolicyId": ident,
            "Arn": arn, "Path": "/", "DefaultVersionId": f"v{default + 1}",
            "AttachmentCount": attachments, "PermissionsBoundaryUsageCount": boundary_uses,
            "IsAttachable": True, "CreateDate": DATE, "UpdateDate": DATE,
            "PolicyVersionList": listed}


def _versions(rng: random.Random, doc: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """~35% of customer policies have 2-5 versions; the default is usually the newest."""
    if rng.random() >= 0.35:
        return [doc], 0
    n = rng.randint(2, 5)
    versions = [policies.older_version(rng, doc) for _ in range(n - 1)] + [doc]
    default = n - 1
    if rng.random() < 0.15:
        default = rng.randrange(n - 1)
        versions[default], versions[-1] = doc, versions[default]
    return versions, default


def build_iam(world: World, n_policies: int) -> Iam:
    rng = world.rng("iam")
    prng = world.rng("policies")
    teams = [TEAMS[zipf_index(prng, len(TEAMS), 0.6)] for _ in range(n_policies)]
    docs = [policies.customer_policy(prng, world, t) for t in teams]
    arns = [f"arn:aws:iam::{world.account}:policy/{t}-policy-{i:04d}"
            for i, t in enumerate(teams)]
    counts = [0] * n_policies
    aws_counts = {p.name: 0 for p in aws_managed.COMMON}
    broad_arn = f"arn:aws:iam::{world.account}:policy/legacy-s3-all"
    broad_uses = 0
    boundaries: dict[tuple[str, int], int] = {}
    roles: list[dict[str, Any]] = []
    profiles: list[str] = []
    ec2_roles: list[dict[str, Any]] = []
    callers, targets = _chains(world)
    for plan in world.roles:
        trust, ec2 = trust_policy(rng, world, plan)
        if plan.name in callers:  # no draw from `rng`: the other roles' draws stay as they were
            arns_back = callers[plan.name]
            trust["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal":
                                       {"AWS": arns_back[0] if len(arns_back) == 1
                                        else arns_back}})
        attached: list[str] = []
        if n_policies:
            for _ in range(rng.randint(1, 5) if rng.random() < 0.5 else rng.randint(1, 2)):
                k = zipf_index(rng, n_policies, world.shape.zipf_s)
                if arns[k] not in attached:
                    attached.append(arns[k])
                    counts[k] += 1
        if ec2:
            for p in aws_managed.COMMON:
                if rng.random() < p.share:
                    attached.append(p.arn)
                    aws_counts[p.name] += 1
        if rng.random() < 0.005:
            attached.append(broad_arn)
            broad_uses += 1
        role: dict[str, Any] = {
            "Path": plan.path, "RoleName": plan.name, "RoleId": f"AROA{plan.index:017d}",
            "Arn": plan.arn, "CreateDate": DATE, "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": [], "RolePolicyList": [
                {"PolicyName": f"inline-{k}", "PolicyDocument":
                 policies.inline_policy(rng, world, plan.team)}
                for k in range(weighted(rng, range(len(world.shape.inline_counts)),
                                        world.shape.inline_counts))],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in attached],
            "Tags": [], "RoleLastUsed": {},
        }
        if plan.name in targets:
            role["RolePolicyList"].append({"PolicyName": "assume-chain", "PolicyDocument":
                                           policies.assume_roles(targets[plan.name])})
        if rng.random() < 0.6:
            role["Tags"] = [{"Key": "team", "Value": plan.team}, {"Key": "env", "Value": plan.env},
                            {"Key": "app", "Value": plan.name.split("-")[1]},
                            {"Key": "owner", "Value": f"{plan.team}@acme.example"}]
        if rng.random() < 0.2:
            key = (plan.team, rng.randrange(3))
            boundaries[key] = boundaries.get(key, 0) + 1
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": _boundary_arn(
                                               world.account, *key)}
        if rng.random() < (0.78 if ec2 else 0.03):
            for extra in range(2 if rng.random() < 0.02 else 1):
                name = plan.name if not extra else f"{plan.name}-alt"
                parn = f"arn:aws:iam::{world.account}:instance-profile{plan.path}{name}"
                role["InstanceProfileList"].append({
                    "Path": plan.path, "InstanceProfileName": name,
                    "InstanceProfileId": f"AIPA{plan.index:016d}{extra}", "Arn": parn,
                    "CreateDate": DATE, "Roles": [{k: role[k] for k in (
                        "Path", "RoleName", "RoleId", "Arn", "CreateDate",
                        "AssumeRolePolicyDocument")}]})
                profiles.append(parn)
        roles.append(role)
        if ec2:
            ec2_roles.append(role)
    if ec2_roles and not aws_counts[aws_managed.ADMIN.name]:
        # At least one administrator role: every real account has one.
        rng.choice(ec2_roles)["AttachedManagedPolicies"].append(
            {"PolicyName": aws_managed.ADMIN.name, "PolicyArn": aws_managed.ADMIN.arn})
        aws_counts[aws_managed.ADMIN.name] = 1
    rng.shuffle(profiles)
    details_policies = []
    for k, (arn, doc) in enumerate(zip(arns, docs, strict=True)):
        versions, default = _versions(prng, doc)
        details_policies.append(_customer_policy(arn, doc, versions, default, counts[k]))
    if broad_uses:
        details_policies.append(_customer_policy(broad_arn, policies.broad_s3(), [], 0,
                                                 broad_uses))
    for (team, kind), uses in sorted(boundaries.items()):
        details_policies.append(_customer_policy(
            _boundary_arn(world.account, team, kind), policies.boundary(prng, team, kind,
                                                                        world.org),
            [], 0, 0, uses))
    details_policies += [aws_managed.policy_detail(p, aws_counts[p.name])
                         for p in aws_managed.COMMON if aws_counts[p.name]]
    users, groups = _users_and_groups(world, arns)
    return Iam({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
                "Policies": details_policies}, profiles)


def _chains(world: World) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Role chains of the shape: who may be assumed by whom (target name -> caller ARNs) and
    whom each caller may assume (caller name -> target ARNs), from a random source of their
    own, drawn from only when the shape has chains."""
    callers: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    if not world.shape.chains or len(world.roles) < 2:
        return callers, targets
    rng = world.rng("chains")
    for plan in world.roles:
        if rng.random() >= world.shape.chains:
            continue
        k = rng.randint(1, 3)
        others = rng.sample(world.roles, min(k + 1, len(world.roles)))
        picked = [o for o in others if o is not plan][:k]
        targets[plan.name] = [o.arn for o in picked]
        for other in picked:
            callers.setdefault(other.name, []).append(plan.arn)
    return callers, targets


def _boundary_arn(account: str, team: str, kind: int) -> str:
    return f"arn:aws:iam::{account}:policy/boundary-{team}-{('broad', 'team', 'notaction')[kind]}"


def _users_and_groups(world: World, arns: list[str]) -> tuple[list[Any], list[Any]]:
    """Users (about roles/25) and a few groups, with inline and managed policies."""
    rng = world.rng("users")
    groups = []
    for g, team in enumerate(TEAMS[: 2 + len(world.roles) // 400]):
        groups.append({
            "Path": "/", "GroupName": f"{team}-engineers", "GroupId": f"AGPA{g:017d}",
            "Arn": f"arn:aws:iam::{world.account}:group/{team}-engineers", "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": "console", "PolicyDocument": policies.inline_policy(
                rng, world, team)}],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in rng.sample(arns, min(2, len(arns)))]})
    users = []
    for u in range(len(world.roles) // 25):
        team = rng.choice(TEAMS)
        users.append({
            "Path": "/", "UserName": f"{team}-user-{u:04d}", "UserId": f"AIDA{u:017d}",
            "Arn": f"arn:aws:iam::{world.account}:user/{team}-user-{u:04d}", "CreateDate": DATE,
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": policies.inline_policy(
                rng, world, team)}] if rng.random() < 0.4 else [],
            "GroupList": [rng.choice(groups)["GroupName"]] if groups else [],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                                        for a in rng.sample(arns, min(1, len(arns)))],
            "Tags": [{"Key": "team", "Value": team}]})
    return users, groups

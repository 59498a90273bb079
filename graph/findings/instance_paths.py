"""Acting on a running instance that runs as a stronger role (Rhino Security Labs' SSM and
EC2 Instance Connect methods, PMapper's SSM edge checker, cloudsplaining's ssm:SendCommand).

Code run on the instance (a command, a shell, an SSH session, new user data run at boot) reads
the instance's role credentials from its metadata service, so the caller gains what that role
(and every role it can assume) reaches. Each action is decided by the engine on the instance's
ARN, with the instance's tags as `ec2:ResourceTag/…` / `aws:ResourceTag/…` / `ssm:resourceTag/…`
(the resource-scoped statements teams write to limit SendCommand), and for SendCommand on the
document too: AWS authorizes ssm:SendCommand against both the instance and the document
(AWS-RunShellScript, an AWS-owned document, has no account in its ARN).

Which instance states count: the SSM agent and an SSH daemon answer only on a running
instance, so those routes need one; new user data runs at the next start, so that route needs
a running instance (stopped first: StopInstances + ModifyInstanceAttribute + StartInstances)
or a stopped one (ModifyInstanceAttribute + StartInstances). Instances shutting down or
terminated run nothing.

ssm:StartSession is decided on the instance only: with its default document AWS checks the
session document only when the policy sets ssm:SessionDocumentAccessCheck.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graph.findings.context import gained
from graph.findings.escalation_model import Escalation, PathFinder, Step, step_of
from graph.findings.permissions import granted
from graph.model import Instance, Role
from graph.policy import Outcome

RUNNING = frozenset({"running"})
STARTABLE = frozenset({"running", "stopped"})
#: Instances of one target role examined per route (the rest are counted).
MAX_INSTANCES = 50
#: Instances named in a path's `via` (the rest are counted there).
NAMED = 3


@dataclass(frozen=True)
class InstanceRoute:
    """One way to run code on an instance as its role."""

    kind: str
    #: Actions decided on the instance's ARN, in the order a user takes them.
    actions: tuple[str, ...]
    states: frozenset[str]
    #: Documents the first action also needs (any one of them).
    documents: tuple[str, ...] = ()
    #: Actions left out for an instance already stopped.
    when_running: tuple[str, ...] = ()


ROUTES: tuple[InstanceRoute, ...] = (
    InstanceRoute("instance-ssm-command", ("ssm:SendCommand",), RUNNING,
                  documents=("arn:{p}:ssm:{r}::document/AWS-RunShellScript",
                             "arn:{p}:ssm:{r}::document/AWS-RunPowerShellScript")),
    InstanceRoute("instance-ssm-session", ("ssm:StartSession",), RUNNING),
    InstanceRoute("instance-connect-ssh", ("ec2-instance-connect:SendSSHPublicKey",), RUNNING),
    InstanceRoute("instance-serial-console",
                  ("ec2-instance-connect:SendSerialConsoleSSHPublicKey",), RUNNING),
    InstanceRoute("instance-user-data", ("ec2:StopInstances", "ec2:ModifyInstanceAttribute",
                                         "ec2:StartInstances"), STARTABLE,
                  when_running=("ec2:StopInstances",)),
)
ACT_ACTIONS = tuple(dict.fromkeys(a for r in ROUTES for a in r.actions))


def instance_arn(inst: Instance) -> str:
    return f"arn:{inst.partition}:ec2:{inst.region}:{inst.account_id}:instance/{inst.instance_id}"


def tag_context(inst: Instance) -> dict[str, str]:
    """The instance's tags under the keys resource-scoped statements read."""
    out: dict[str, str] = {}
    for key, value in inst.tags.items():
        for prefix in ("ec2:ResourceTag/", "aws:ResourceTag/", "ssm:resourceTag/"):
            out[f"{prefix}{key}"] = value
    return out


def targets_by_role(finder: PathFinder) -> Mapping[str, tuple[Instance, ...]]:
    """Role ARN -> instances running as it directly (running first), that could run code."""
    ctx = finder.ctx
    out: dict[str, list[Instance]] = {}
    for profile, instances in ctx.instances_by_profile.items():
        live = [i for i in instances if i.state in STARTABLE]
        if not live:
            continue
        for arn in ctx.own_roles(profile):
            out.setdefault(arn, []).extend(live)
    return {k: tuple(sorted(v, key=lambda i: (i.state != "running", i.name, i.instance_id)))
            for k, v in out.items()}


def _route_steps(finder: PathFinder, role: Role, route: InstanceRoute,
                 inst: Instance) -> tuple[Step, ...] | None:
    """The route's steps on this instance when the engine grants every one."""
    perms = finder.ctx.perms
    arn = instance_arn(inst)
    context = tag_context(inst)
    steps: list[Step] = []
    for action in route.actions:
        if inst.state != "running" and action in route.when_running:
            continue
        d = perms.decide(role, action, arn, context)
        if not (granted(d) or d.outcome is Outcome.UNKNOWN):
            return None
        steps.append(step_of(action, arn, d))
    if route.documents:
        for template in route.documents:
            doc = template.format(p=inst.partition, r=inst.region)
            d = perms.decide(role, route.actions[0], doc)
            if granted(d) or d.outcome is Outcome.UNKNOWN:
                steps.append(step_of(route.actions[0], doc, d))
                break
        else:
            return None
    return tuple(steps)


def instance_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """One path per (route, target role): the instances it works on named in `through`."""
    ctx = finder.ctx
    if not ctx.perms.may_allow(role, ACT_ACTIONS):
        return
    # The cheap look at statement shapes, once per route: every action must be named.
    routes = [r for r in ROUTES if all(ctx.perms.may_allow(role, [a]) for a in r.actions
                                       if a not in r.when_running)]
    if not routes:
        return
    for target, instances in sorted(finder.instance_targets.items()):
        if target == role.arn:
            continue
        gains = gained(finder.base(role.arn), finder.reach_of(target))
        admin = finder.is_admin(target)
        if not gains and not admin:
            continue
        for route in routes:
            found: list[tuple[Instance, tuple[Step, ...]]] = []
            for inst in instances[:MAX_INSTANCES]:
                if inst.state not in route.states:
                    continue
                steps = _route_steps(finder, role, route, inst)
                if steps is not None:
                    found.append((inst, steps))
            if not found:
                continue
            names = [i.label for i, _ in found[:NAMED]]
            more = len(found) - NAMED
            where = ", ".join(names) + (f" (+{more} more)" if more > 0 else "")
            verbs = " + ".join(a.split(":")[1] for a in route.actions
                               if a in {s.action for s in found[0][1]})
            yield Escalation(role.arn, route.kind, f"{verbs} → instance {where}", target,
                             found[0][1], gains, target_admin=admin,
                             through=tuple(i.instance_id for i, _ in found))


"""Escalation through existing compute that could not be read: "unknown", never "none".

When a service's resources were not read (ListFunctions refused in a region, an older
snapshot or export folder without them), a role that may change such resources there might
run code as a stronger role, and nothing says which. Each such role (one an instance acts as)
gets one finding per kind of resource: the statements that grant the change, the facts not
read and why, and the fix (read them, or narrow the statement). The change is decided on the
kind's every-resource ARN in the region not read (`*` when no region was read), so only a
statement broad enough to reach resources rolemap cannot see is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.findings.compute_paths import ROUTE_ACTIONS, ROUTES
from graph.findings.context import FindingContext, short
from graph.findings.escalation_model import Step, step_of
from graph.findings.model import Finding, Severity, finding_id
from graph.findings.permissions import granted
from graph.model_common import Unread
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    COMPUTE_KINDS,
    GATE_COMPUTE,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
)
from graph.policy import Outcome

#: Every resource of a kind in one region of the account.
EVERY: dict[str, str] = {
    LAMBDA_FUNCTION: "arn:{p}:lambda:{r}:{a}:function:*",
    CLOUDFORMATION_STACK: "arn:{p}:cloudformation:{r}:{a}:stack/*",
    CODEBUILD_PROJECT: "arn:{p}:codebuild:{r}:{a}:project/*",
    GLUE_DEV_ENDPOINT: "arn:{p}:glue:{r}:{a}:devEndpoint/*",
    SAGEMAKER_NOTEBOOK: "arn:{p}:sagemaker:{r}:{a}:notebook-instance/*",
}
NOT_READ = "not read by this source"


def unread_of(ctx: FindingContext) -> tuple[Unread, ...]:
    facts = ctx.snapshot.compute
    if facts is None:
        return (Unread(GATE_COMPUTE, "all", NOT_READ),)
    return facts.unread


def _regions(unread: tuple[Unread, ...], kind: str) -> list[tuple[str, Unread]]:
    out = []
    for u in unread:
        if u.fact == "all":
            out.append(("*", u))
        elif u.fact.startswith(f"{kind} in "):
            out.append((u.fact.removeprefix(f"{kind} in "), u))
    return out


def _steps(ctx: FindingContext, role_arn: str, kind: str, region: str) -> tuple[Step, ...]:
    role = ctx.role(role_arn)
    snapshot = ctx.snapshot
    resource = EVERY[kind].format(p=snapshot.account.partition, r=region,
                                  a=snapshot.account_id)
    for route in ROUTES:
        if route.resource_kind != kind or not all(
                ctx.perms.may_allow(role, [a]) for a in route.actions):
            continue
        steps = []
        for action in route.actions:
            d = ctx.perms.decide(role, action, resource)
            if not (granted(d) or d.outcome is Outcome.UNKNOWN):
                break
            steps.append(step_of(action, resource, d))
        else:
            return tuple(steps)
    return ()


def unknown_compute_findings(ctx: FindingContext) -> Iterator[Finding]:
    """One finding per (role an instance acts as, kind of compute not read) it may change."""
    from graph.findings.roles import admin_level

    unread = unread_of(ctx)
    if not unread:
        return
    for role_arn, instances in sorted(ctx.acting_instances.items()):
        role = ctx.snapshot.role_by_arn.get(role_arn)
        if role is None or not instances or not ctx.perms.may_allow(role, ROUTE_ACTIONS):
            continue
        level = admin_level(ctx, role)
        if level is not None and level[0] == "admin":
            continue  # an administrator has nothing left to gain (admin-role reports it)
        for kind in COMPUTE_KINDS:
            for region, why in _regions(unread, kind):
                steps = _steps(ctx, role_arn, kind, region)
                if not steps:
                    continue
                yield _finding(ctx, role_arn, kind, region, why, steps)
                break


def _finding(ctx: FindingContext, role_arn: str, kind: str, region: str, why: Unread,
             steps: tuple[Step, ...]) -> Finding:
    instances = ctx.acting_instances[role_arn]
    first = instances[0]
    where = "" if region == "*" else f" in {region}"
    actions = " + ".join([steps[0].action, *(s.action.split(":")[1] for s in steps[1:])])
    title = (f"{first.label}: escalation via {actions} → {kind}s{where} unknown: they were "
             f"not read ({why.reason})")
    detail = [f"as role {short(role_arn)}"]
    for step in steps:
        refs = ", ".join(r.label for r in step.evidence) or "no statement (unknown)"
        detail.append(f"step {step.action} on {step.resource}: {refs}")
    detail.append(f"not read: {why.fact}: {why.reason}; which roles those {kind}s run as, "
                  "and what they reach, is unknown")
    evidence = tuple(dict.fromkeys(r for s in steps for r in s.evidence))
    fix = (f"load the account with read access to its {kind}s (see the load warnings) to "
           f"decide the path; or limit the Resource of {', '.join(r.label for r in evidence)}"
           f" to the {kind}s the workload changes")
    return Finding(
        finding_id("privilege-escalation", role_arn, f"unknown {kind}"), Severity.MEDIUM,
        "privilege-escalation", title, fix, instance=first.instance_id, role=role_arn,
        actions=tuple(s.action for s in steps), evidence=evidence, detail=tuple(detail),
        instances=tuple(i.instance_id for i in instances), view=("instance", first.instance_id))

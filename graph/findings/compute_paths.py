"""Changing existing compute that runs as a stronger role (Rhino Security Labs' UpdateFunctionCode,
UpdateDevEndpoint and UpdateStack methods, PMapper's Lambda / CloudFormation / CodeBuild /
SageMaker edge checkers, cloudsplaining's lambda:UpdateFunctionCode and glue:UpdateDevEndpoint).

The resource's role is attached already, so no iam:PassRole is needed: whoever may change the
code a resource runs (or open it) runs code as its role and gains what that role (and every
role it can assume) reaches. Each action is decided by the engine on the resource's own ARN
(with its tags as `aws:ResourceTag/…` where the listing returned them), so a statement scoped
to another function, or a Deny, leaves the resource out. The role must trust the service, or
the resource's code gets no credentials.

What each route requires:
- Lambda: UpdateFunctionCode, or UpdateFunctionConfiguration (a layer or handler of the
  caller's choosing); the new code runs at the function's next invocation. InvokeFunction is
  shown as a step when granted (the caller runs it at once); without it the path waits for the
  function's own triggers, which rolemap does not read, and says so.
- CloudFormation: UpdateStack, or CreateChangeSet + ExecuteChangeSet, on a stack with a service
  role in a state that can be updated (the update runs as that role; no PassRole when the
  stack's role is kept).
- CodeBuild: StartBuild (or StartBuildBatch) with a buildspec override: no IAM condition key
  limits the override, so StartBuild on the project is enough.
- Glue: UpdateDevEndpoint (adds an SSH public key) on an endpoint that is ready or provisioning.
- SageMaker: CreatePresignedNotebookInstanceUrl on a notebook in service (a stopped one needs
  StartNotebookInstance first).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graph.findings.context import gained
from graph.findings.escalation_model import Escalation, PathFinder, Step, step_of
from graph.findings.permissions import granted
from graph.model import Role
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
    SERVICE_PRINCIPALS,
    ComputeResource,
)
from graph.policy import Outcome

#: Stack states UpdateStack and ExecuteChangeSet accept.
UPDATABLE_STACKS = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
                              "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", ""})
READY_ENDPOINTS = frozenset({"READY", "PROVISIONING", ""})
OPEN_NOTEBOOKS = frozenset({"InService", "Pending", "Updating", ""})
STOPPED_NOTEBOOKS = frozenset({"Stopped"})
#: Resources of one target role examined (the rest are not decided one by one).
MAX_RESOURCES = 50
#: Resources named in a path's `via`.
NAMED = 3


@dataclass(frozen=True)
class ComputeRoute:
    """One way to run code as an existing resource's role."""

    #: The path kind: one finding per (role, kind).
    kind: str
    resource_kind: str
    #: Actions decided on the resource's ARN, all needed, in the order a user takes them.
    actions: tuple[str, ...]
    #: The resource statuses the route works in (`ComputeResource.status`).
    states: frozenset[str] | None = None
    #: An action shown as a step when granted, not needed for the path.
    then: str = ""


ROUTES: tuple[ComputeRoute, ...] = (
    ComputeRoute("compute-lambda", LAMBDA_FUNCTION, ("lambda:UpdateFunctionCode",),
                 then="lambda:InvokeFunction"),
    ComputeRoute("compute-lambda", LAMBDA_FUNCTION, ("lambda:UpdateFunctionConfiguration",),
                 then="lambda:InvokeFunction"),
    ComputeRoute("compute-cloudformation", CLOUDFORMATION_STACK,
                 ("cloudformation:UpdateStack",), UPDATABLE_STACKS),
    ComputeRoute("compute-cloudformation", CLOUDFORMATION_STACK,
                 ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
                 UPDATABLE_STACKS),
    ComputeRoute("compute-codebuild", CODEBUILD_PROJECT, ("codebuild:StartBuild",)),
    ComputeRoute("compute-codebuild", CODEBUILD_PROJECT, ("codebuild:StartBuildBatch",)),
    ComputeRoute("compute-glue", GLUE_DEV_ENDPOINT, ("glue:UpdateDevEndpoint",),
                 READY_ENDPOINTS),
    ComputeRoute("compute-sagemaker", SAGEMAKER_NOTEBOOK,
                 ("sagemaker:CreatePresignedNotebookInstanceUrl",), OPEN_NOTEBOOKS),
    ComputeRoute("compute-sagemaker", SAGEMAKER_NOTEBOOK,
                 ("sagemaker:StartNotebookInstance",
                  "sagemaker:CreatePresignedNotebookInstanceUrl"), STOPPED_NOTEBOOKS),
)
#: Every action a route needs (the cheap pre-check before deciding anything).
ROUTE_ACTIONS = tuple(dict.fromkeys(a for r in ROUTES for a in r.actions))
#: The resource kinds' short names in a path ("function etl").
NOUNS: Mapping[str, str] = {
    LAMBDA_FUNCTION: "function", CLOUDFORMATION_STACK: "stack", CODEBUILD_PROJECT: "project",
    GLUE_DEV_ENDPOINT: "dev endpoint", SAGEMAKER_NOTEBOOK: "notebook",
}


def tag_context(resource: ComputeResource) -> dict[str, str]:
    """The resource's tags under the key resource-scoped statements read."""
    return {f"aws:ResourceTag/{k}": v for k, v in resource.tags.items()}


def _steps(finder: PathFinder, role: Role, route: ComputeRoute, resource: ComputeResource
           ) -> tuple[Step, ...] | None:
    """The route's steps on this resource when the engine grants every one (or cannot tell)."""
    perms = finder.ctx.perms
    context = tag_context(resource)
    steps: list[Step] = []
    for action in route.actions:
        d = perms.decide(role, action, resource.arn, context)
        if not (granted(d) or d.outcome is Outcome.UNKNOWN):
            return None
        steps.append(step_of(action, resource.arn, d))
    if route.then and perms.may_allow(role, [route.then]):
        d = perms.decide(role, route.then, resource.arn, context)
        if granted(d):
            steps.append(step_of(route.then, resource.arn, d))
    return tuple(steps)


def targets_by_role(resources: tuple[ComputeResource, ...]
                    ) -> Mapping[str, tuple[ComputeResource, ...]]:
    """Role ARN -> the resources that run as it."""
    out: dict[str, list[ComputeResource]] = {}
    for r in resources:
        out.setdefault(r.role_arn, []).append(r)
    return {k: tuple(v) for k, v in out.items()}


def _via(route: ComputeRoute, steps: tuple[Step, ...], found: list[ComputeResource]) -> str:
    actions = [s.action for s in steps]
    verbs = " + ".join([actions[0], *(a.split(":")[1] for a in actions[1:])])
    names = ", ".join(r.name for r in found[:NAMED])
    more = len(found) - NAMED
    where = f"{NOUNS[route.resource_kind]} {names}" + (f" (+{more} more)" if more > 0 else "")
    if route.then and route.then not in actions:
        where += " (runs at its next invocation)"
    return f"{verbs} → {where}"


def compute_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """One path per (kind, target role): the resources it works on named in `through`."""
    ctx = finder.ctx
    facts = ctx.snapshot.compute
    if facts is None or not facts.resources or not ctx.perms.may_allow(role, ROUTE_ACTIONS):
        return
    routes = [r for r in ROUTES if all(ctx.perms.may_allow(role, [a]) for a in r.actions)]
    if not routes:
        return
    for target, resources in sorted(targets_by_role(facts.resources).items()):
        if target == role.arn or target not in ctx.snapshot.role_by_arn:
            continue
        gains = gained(finder.base(role.arn), finder.reach_of(target))
        admin = finder.is_admin(target)
        if not gains and not admin:
            continue
        by_kind: dict[str, list[tuple[ComputeRoute, ComputeResource, tuple[Step, ...]]]] = {}
        for resource in resources[:MAX_RESOURCES]:
            if not ctx.service_trusts(target, SERVICE_PRINCIPALS[resource.kind]):
                continue
            for route in routes:
                if route.resource_kind != resource.kind or (
                        route.states is not None and resource.status not in route.states):
                    continue
                steps = _steps(finder, role, route, resource)
                if steps is not None:
                    by_kind.setdefault(route.kind, []).append((route, resource, steps))
                    break
        for kind, found in sorted(by_kind.items()):
            route, _, steps = found[0]
            named = [r for rt, r, _ in found if rt == route]
            yield Escalation(role.arn, kind, _via(route, steps, named), target, steps, gains,
                             target_admin=admin, through=tuple(r.arn for _, r, _ in found),
                             through_kind=route.resource_kind)

"""PassRole to a service that runs code as the passed role (Rhino Security Labs' PassRole
methods, PMapper's Lambda / CloudFormation / CodeBuild / SageMaker / EC2 / Auto Scaling edge
checkers, cloudsplaining's privilege-escalation list).

One table row per service: the principal the passed role must trust, the value of
`iam:PassedToService` the caller's PassRole is decided with, and the routes (sets of actions
that together make the service run code as the role). A path needs, each decided by the engine
with the caller's identity policies, boundary and SCPs:
- iam:PassRole on the target with `iam:PassedToService` set to the service;
- every action of one route (the first route granted is the one shown);
- the target's trust policy admitting the service principal (decided against the trust policy);
- for the EC2 routes, an instance profile holding the target (or the right to make one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graph.findings.context import gained
from graph.findings.escalation_model import Escalation, PathFinder, Step, step_of
from graph.findings.permissions import granted
from graph.model import Role
from graph.policy import Decision, Outcome

EC2 = "ec2.amazonaws.com"


@dataclass(frozen=True)
class ServicePath:
    """One service that runs code as a role passed to it."""

    #: The path kind ("passrole-lambda"...): one finding per (role, kind).
    kind: str
    #: The service principal the passed role's trust policy must admit.
    principal: str
    #: The iam:PassedToService value AWS sets when the role is passed to this service.
    passed_to: str
    #: Each route: the actions that together run code as the role, first granted wins.
    routes: tuple[tuple[str, ...], ...]
    #: The role reaches an instance through an instance profile (EC2 launch routes).
    needs_profile: bool = False


#: Action -> the resource it is decided on (any name the caller picks: the wildcard ARN).
RESOURCES: dict[str, str] = {
    "lambda:CreateFunction": "arn:{p}:lambda:{r}:{a}:function:*",
    "lambda:InvokeFunction": "arn:{p}:lambda:{r}:{a}:function:*",
    "lambda:AddPermission": "arn:{p}:lambda:{r}:{a}:function:*",
    "lambda:CreateEventSourceMapping": "*",
    "glue:CreateDevEndpoint": "arn:{p}:glue:{r}:{a}:devEndpoint/*",
    "glue:CreateJob": "arn:{p}:glue:{r}:{a}:job/*",
    "glue:StartJobRun": "arn:{p}:glue:{r}:{a}:job/*",
    "cloudformation:CreateStack": "arn:{p}:cloudformation:{r}:{a}:stack/*",
    "cloudformation:UpdateStack": "arn:{p}:cloudformation:{r}:{a}:stack/*",
    "cloudformation:CreateChangeSet": "arn:{p}:cloudformation:{r}:{a}:stack/*",
    "cloudformation:ExecuteChangeSet": "arn:{p}:cloudformation:{r}:{a}:stack/*",
    "datapipeline:CreatePipeline": "*",
    "datapipeline:PutPipelineDefinition": "arn:{p}:datapipeline:{r}:{a}:pipeline/*",
    "datapipeline:ActivatePipeline": "arn:{p}:datapipeline:{r}:{a}:pipeline/*",
    "codebuild:CreateProject": "arn:{p}:codebuild:{r}:{a}:project/*",
    "codebuild:StartBuild": "arn:{p}:codebuild:{r}:{a}:project/*",
    "sagemaker:CreateNotebookInstance": "arn:{p}:sagemaker:{r}:{a}:notebook-instance/*",
    "sagemaker:CreatePresignedNotebookInstanceUrl":
        "arn:{p}:sagemaker:{r}:{a}:notebook-instance/*",
    "sagemaker:CreateTrainingJob": "arn:{p}:sagemaker:{r}:{a}:training-job/*",
    "sagemaker:CreateProcessingJob": "arn:{p}:sagemaker:{r}:{a}:processing-job/*",
    "ecs:RegisterTaskDefinition": "*",
    "ecs:RunTask": "arn:{p}:ecs:{r}:{a}:task-definition/*",
    "ecs:StartTask": "arn:{p}:ecs:{r}:{a}:task-definition/*",
    "ecs:CreateService": "arn:{p}:ecs:{r}:{a}:service/*",
    "ec2:RunInstances": "arn:{p}:ec2:{r}:{a}:instance/*",
    "ec2:RequestSpotInstances": "arn:{p}:ec2:{r}:{a}:spot-instances-request/*",
    "ec2:CreateLaunchTemplate": "arn:{p}:ec2:{r}:{a}:launch-template/*",
    "ec2:CreateLaunchTemplateVersion": "arn:{p}:ec2:{r}:{a}:launch-template/*",
    "ec2:ModifyLaunchTemplate": "arn:{p}:ec2:{r}:{a}:launch-template/*",
    "autoscaling:CreateLaunchConfiguration":
        "arn:{p}:autoscaling:{r}:{a}:launchConfiguration:*:launchConfigurationName/*",
    "autoscaling:CreateAutoScalingGroup":
        "arn:{p}:autoscaling:{r}:{a}:autoScalingGroup:*:autoScalingGroupName/*",
    "autoscaling:UpdateAutoScalingGroup":
        "arn:{p}:autoscaling:{r}:{a}:autoScalingGroup:*:autoScalingGroupName/*",
}

SERVICES: tuple[ServicePath, ...] = (
    ServicePath("passrole-lambda", "lambda.amazonaws.com", "lambda.amazonaws.com", (
        ("lambda:CreateFunction", "lambda:InvokeFunction"),
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        ("lambda:CreateFunction", "lambda:AddPermission"))),
    ServicePath("passrole-glue", "glue.amazonaws.com", "glue.amazonaws.com", (
        ("glue:CreateDevEndpoint",),
        ("glue:CreateJob", "glue:StartJobRun"))),
    ServicePath("passrole-cloudformation", "cloudformation.amazonaws.com",
                "cloudformation.amazonaws.com", (
                    ("cloudformation:CreateStack",),
                    ("cloudformation:UpdateStack",),
                    ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"))),
    ServicePath("passrole-datapipeline", "datapipeline.amazonaws.com",
                "datapipeline.amazonaws.com", (
                    ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                     "datapipeline:ActivatePipeline"),)),
    ServicePath("passrole-codebuild", "codebuild.amazonaws.com", "codebuild.amazonaws.com", (
        ("codebuild:CreateProject", "codebuild:StartBuild"),)),
    ServicePath("passrole-sagemaker", "sagemaker.amazonaws.com", "sagemaker.amazonaws.com", (
        ("sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
        ("sagemaker:CreateTrainingJob",),
        ("sagemaker:CreateProcessingJob",))),
    ServicePath("passrole-ecs", "ecs-tasks.amazonaws.com", "ecs-tasks.amazonaws.com", (
        ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
        ("ecs:RegisterTaskDefinition", "ecs:CreateService"))),
    ServicePath("passrole-spot", EC2, EC2, (("ec2:RequestSpotInstances",),),
                needs_profile=True),
    # A new default version reaches whatever launches from the template (an Auto Scaling
    # group, a fleet) without RunInstances of its own.
    ServicePath("passrole-launch-template", EC2, EC2, (
        ("ec2:CreateLaunchTemplate", "ec2:RunInstances"),
        ("ec2:CreateLaunchTemplateVersion", "ec2:RunInstances"),
        ("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate")),
                needs_profile=True),
    ServicePath("passrole-autoscaling", EC2, EC2, (
        ("autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"),
        ("autoscaling:CreateLaunchConfiguration", "autoscaling:UpdateAutoScalingGroup")),
                needs_profile=True),
)
#: Every action some route needs (the cheap pre-check before deciding anything).
ROUTE_ACTIONS = tuple(RESOURCES)


def resource_for(action: str, partition: str, region: str, account: str) -> str:
    return RESOURCES[action].format(p=partition, r=region, a=account)


class _Decider:
    """One role's decisions, each asked once (routes share actions, services share
    iam:PassedToService values)."""

    def __init__(self, finder: PathFinder, role: Role, region: str) -> None:
        self.finder = finder
        self.role = role
        self.region = region
        self._steps: dict[str, Step | None] = {}
        self._passes: dict[tuple[str, str], Decision] = {}

    def step(self, action: str) -> Step | None:
        """The action's step when the engine grants it (or cannot tell), else None."""
        if action not in self._steps:
            perms = self.finder.ctx.perms
            found = None
            if perms.may_allow(self.role, [action]):
                resource = resource_for(action, self.finder.partition, self.region,
                                        self.finder.acct)
                d = perms.decide(self.role, action, resource)
                if granted(d) or d.outcome is Outcome.UNKNOWN:
                    found = step_of(action, resource, d)
            self._steps[action] = found
        return self._steps[action]

    def route(self, service: ServicePath) -> tuple[Step, ...] | None:
        for actions in service.routes:
            steps = [self.step(a) for a in actions]
            if all(s is not None for s in steps):
                return tuple(s for s in steps if s is not None)
        return None

    def pass_role(self, target: str, passed_to: str) -> Decision:
        key = (target, passed_to)
        if key not in self._passes:
            self._passes[key] = self.finder.ctx.perms.decide(
                self.role, "iam:PassRole", target, {"iam:PassedToService": passed_to})
        return self._passes[key]


def service_paths(finder: PathFinder, role: Role) -> Iterator[Escalation]:
    """Every (service, target role) the role could run code as by passing the target."""
    ctx = finder.ctx
    perms = ctx.perms
    if not perms.may_allow(role, ["iam:PassRole"]) or not perms.may_allow(role, ROUTE_ACTIONS):
        return
    decider = _Decider(finder, role, finder.region_of(role))
    new_profile: list[Step] | None = None
    for service in SERVICES:
        route = decider.route(service)
        if route is None:
            continue
        if service.needs_profile and new_profile is None:
            new_profile = finder.new_profile_steps(role)
        examined = 0
        for target in ctx.snapshot.roles:
            if target.arn == role.arn or examined >= finder.max_targets:
                continue
            profiled = bool(ctx.profile_of_role.get(target.arn))
            if service.needs_profile and not profiled and not new_profile:
                continue
            if not perms.may_allow(role, ["iam:PassRole"], target.arn):
                continue
            if not ctx.service_trusts(target.arn, service.principal):
                continue
            examined += 1
            d = decider.pass_role(target.arn, service.passed_to)
            if not (granted(d) or d.outcome is Outcome.UNKNOWN):
                continue
            gains = gained(finder.base(role.arn),
                           finder.reach_of(target.arn))
            admin = finder.is_admin(target.arn)
            if not gains and not admin:
                continue
            steps = (step_of("iam:PassRole", target.arn, d), *route)
            names = [s.action.split(":")[1] for s in route]
            if service.needs_profile and not profiled:
                steps = (*steps, *(new_profile or ()))
                names.insert(0, "CreateInstanceProfile")
            yield Escalation(role.arn, service.kind, " + ".join(["PassRole", *names]),
                             target.arn, steps, gains, target_admin=admin)

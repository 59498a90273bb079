"""Existing compute that runs code as a role: Lambda functions, CloudFormation stacks with a
service role, CodeBuild projects, Glue dev endpoints and SageMaker notebook instances.

Whoever may change such a resource's code (or open it) runs code as its role without
iam:PassRole (the role is attached already): the escalation paths of graph/findings/
compute_paths.py, and principals of their own in who-can. A service (in a region) whose
resources could not be read is named in `ComputeFacts.unread`: escalation through it is
unknown there, never "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.model_common import Unread

LAMBDA_FUNCTION = "lambda function"
CLOUDFORMATION_STACK = "cloudformation stack"
CODEBUILD_PROJECT = "codebuild project"
GLUE_DEV_ENDPOINT = "glue dev endpoint"
SAGEMAKER_NOTEBOOK = "sagemaker notebook"
#: Every kind, in the order they are read and listed.
COMPUTE_KINDS = (LAMBDA_FUNCTION, CLOUDFORMATION_STACK, CODEBUILD_PROJECT, GLUE_DEV_ENDPOINT,
                 SAGEMAKER_NOTEBOOK)
#: The service principal each kind's role must trust for its code to get the role's
#: credentials.
SERVICE_PRINCIPALS: Mapping[str, str] = {
    LAMBDA_FUNCTION: "lambda.amazonaws.com",
    CLOUDFORMATION_STACK: "cloudformation.amazonaws.com",
    CODEBUILD_PROJECT: "codebuild.amazonaws.com",
    GLUE_DEV_ENDPOINT: "glue.amazonaws.com",
    SAGEMAKER_NOTEBOOK: "sagemaker.amazonaws.com",
}
#: Each kind's group title where principals are listed by kind (who-can).
COMPUTE_TITLES: Mapping[str, str] = {
    LAMBDA_FUNCTION: "Lambda functions",
    CLOUDFORMATION_STACK: "CloudFormation stacks",
    CODEBUILD_PROJECT: "CodeBuild projects",
    GLUE_DEV_ENDPOINT: "Glue dev endpoints",
    SAGEMAKER_NOTEBOOK: "SageMaker notebooks",
}
#: The gate name `Unread` records of compute use (what cannot be checked).
GATE_COMPUTE = "escalation through existing compute"


@dataclass(frozen=True)
class ComputeResource:
    """One function, stack, project, dev endpoint or notebook and the role it runs as."""

    #: One of COMPUTE_KINDS.
    kind: str
    name: str
    arn: str
    region: str
    role_arn: str
    #: The service's own status word (Active, UPDATE_COMPLETE, READY, InService...); "" when
    #: the listing did not say.
    status: str = ""
    #: Its tags, when the listing returns them (resource-tag conditions read them).
    tags: Mapping[str, str] = field(default_factory=dict)
    #: Whether `tags` were read (else a resource-tag condition cannot be decided).
    tags_read: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind.split()[-1]} {self.name}"


@dataclass(frozen=True)
class ComputeFacts:
    """The compute resources read, and the services (per region) that could not be read."""

    resources: tuple[ComputeResource, ...] = ()
    #: Unread(GATE_COMPUTE, "<kind> in <region>", reason) per service and region not read.
    unread: tuple[Unread, ...] = ()

    def unread_kind(self, kind: str, region: str) -> Unread | None:
        """Why this kind's resources in `region` are not known (None when they were read)."""
        for u in self.unread:
            if u.fact in (f"{kind} in {region}", f"{kind} in every region", "all"):
                return u
        return None

"""The role plan: everything the wizard (or `rolemap role`) will create, before anything exists.

One frozen value carries the user's choices from step to step; documents, scripts, lint
findings, the API-call plan and the what-if preview are all derived from it, so every view of
the role shows the same thing and nothing is written until the plan is applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.catalog import S3Action, find_action
from graph.errors import RolemapError
from graph.wizard.actions import LEVELS, level_actions
from graph.wizard.tasks import (
    TASK_BY_TOKEN,
    grantable_action,
    level_token,
    parse_level_token,
    token_choices,
)

#: The service principal of EC2: trusting it is what makes an instance profile useful.
EC2_SERVICE = "ec2.amazonaws.com"

#: Service principals offered in the wizard's searchable list (any other can be typed).
COMMON_SERVICES: tuple[str, ...] = (
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "ecs.amazonaws.com",
    "eks.amazonaws.com",
    "pods.eks.amazonaws.com",
    "batch.amazonaws.com",
    "glue.amazonaws.com",
    "sagemaker.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
    "scheduler.amazonaws.com",
    "codebuild.amazonaws.com",
    "codepipeline.amazonaws.com",
    "elasticmapreduce.amazonaws.com",
    "firehose.amazonaws.com",
    "apigateway.amazonaws.com",
    "datasync.amazonaws.com",
    "backup.amazonaws.com",
    "ssm.amazonaws.com",
)


class PlanInputError(RolemapError):
    """A choice cannot be understood (bad `--grant` or `--tag` syntax, unknown level)."""


@dataclass(frozen=True)
class TrustCondition:
    """A condition every trust statement carries, e.g. StringEquals sts:ExternalId."""

    operator: str
    key: str
    values: tuple[str, ...]

    def as_policy(self) -> dict[str, dict[str, str | list[str]]]:
        value: str | list[str] = self.values[0] if len(self.values) == 1 else list(self.values)
        return {self.operator: {self.key: value}}


@dataclass(frozen=True)
class BucketGrant:
    """Access to one bucket, optionally under a key prefix: tasks (the least-privilege
    presets of graph.wizard.tasks), single actions, and — the advanced choice — whole AWS
    access levels."""

    bucket: str
    #: Task tokens ("list", "read", "write", "delete"), in TASKS order.
    tasks: tuple[str, ...] = ()
    #: Object-key prefix the grant is limited to ("" = the whole bucket).
    prefix: str = ""
    #: Deny-by-omission of plain HTTP: the grant holds only when aws:SecureTransport is true.
    require_tls: bool = False
    #: Whole AWS access levels (LEVELS spelling); every action of each level is granted.
    levels: tuple[str, ...] = ()
    #: Single actions by catalogue name ("s3:GetObjectTagging").
    actions: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str, require_tls: bool = False) -> BucketGrant:
        """Parse `TOKEN[,TOKEN...]:BUCKET[/PREFIX]`, the `--grant` syntax; a token is a task
        (read), a single action (s3:GetObjectTagging) or an AWS level (level-read)."""
        head, _, prefix = spec.partition("/")
        tokens_part, sep, bucket = head.rpartition(":")
        if not sep or not bucket or not tokens_part:
            raise PlanInputError(f"grant {spec!r}: expected TASK[,TASK...]:BUCKET[/PREFIX], "
                                 "e.g. list,read:my-bucket/logs/")
        tasks: list[str] = []
        levels: list[str] = []
        actions: list[str] = []
        for token in (t.strip() for t in tokens_part.split(",")):
            level = parse_level_token(token)
            action = grantable_action(token)
            if token.lower() in TASK_BY_TOKEN:
                tasks.append(token.lower())
            elif level is not None:
                levels.append(level)
            elif action is not None:
                actions.append(action.name)
            else:
                what = "S3 action on a bucket or object" if ":" in token else "task"
                raise PlanInputError(f"grant {spec!r}: unknown {what} {token!r} "
                                     f"({token_choices()})")
        return cls(bucket=bucket, tasks=ordered_tasks(tasks), prefix=prefix,
                   require_tls=require_tls, levels=ordered_levels(levels),
                   actions=tuple(sorted(set(actions))))

    @property
    def granted(self) -> tuple[S3Action, ...]:
        """Every action the grant gives, from its tasks, single actions and levels."""
        names = {a for token in self.tasks for a in TASK_BY_TOKEN[token].actions}
        names.update(self.actions)
        for level in self.levels:
            names.update(level_actions(level).all)
        found = (find_action(name) for name in sorted(names))
        return tuple(a for a in found if a is not None)

    @property
    def bucket_actions(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.granted if a.scope == "bucket")

    @property
    def object_actions(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.granted if a.scope == "object")

    @property
    def is_empty(self) -> bool:
        return not (self.tasks or self.levels or self.actions)

    @property
    def label(self) -> str:
        """The grant in `--grant` syntax (parse(label) gives the same grant back)."""
        tokens = [*self.tasks, *(level_token(lv) for lv in self.levels), *self.actions]
        target = f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket
        return f"{','.join(tokens)}:{target}"


def ordered_tasks(tasks: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Task tokens deduplicated in TASKS order, so equal choices compare equal."""
    unknown = [t for t in tasks if t not in TASK_BY_TOKEN]
    if unknown:
        raise PlanInputError(f"unknown task {unknown[0]!r} ({', '.join(TASK_BY_TOKEN)})")
    return tuple(t for t in TASK_BY_TOKEN if t in set(tasks))


def ordered_levels(levels: list[str] | tuple[str, ...] | set[str]) -> tuple[str, ...]:
    """Levels deduplicated, in the catalogue's order, so equal choices compare equal."""
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise PlanInputError(f"unknown access level {unknown[0]!r}")
    return tuple(lv for lv in LEVELS if lv in set(levels))


def parse_tag(spec: str) -> tuple[str, str]:
    """Parse `key=value` (the value may be empty, as IAM allows)."""
    key, sep, value = spec.partition("=")
    if not sep:
        raise PlanInputError(f"tag {spec!r}: expected KEY=VALUE")
    return key, value


@dataclass(frozen=True)
class KmsNeed:
    """What one granted SSE-KMS bucket needs of its key (graph/wizard/kms.py fills these in
    from the account; a plan made without one has none)."""

    bucket: str
    key_arn: str
    region: str
    #: "kms:Decrypt", "kms:GenerateDataKey".
    operations: tuple[str, ...]
    #: The key policy lets IAM policies count (the inline statement is then enough).
    delegates: bool
    key_label: str = ""
    #: The key and its policy were read (else `delegates` could not be proven).
    known: bool = True
    #: The planned role's ARN in the account (what a key policy must name).
    role_arn: str = ""


@dataclass(frozen=True)
class RolePlan:
    """A role to create, with its trust, permissions, boundary, details and instance profile."""

    name: str
    trusted_services: tuple[str, ...] = ()
    #: Other accounts or roles: 12-digit account ids, account root ARNs, role ARNs, or "*".
    trusted_principals: tuple[str, ...] = ()
    trust_conditions: tuple[TrustCondition, ...] = ()
    grants: tuple[BucketGrant, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()
    boundary_arn: str | None = None
    path: str = "/"
    description: str = ""
    #: Ordered (key, value) pairs; a tuple so the plan stays hashable and comparable.
    tags: tuple[tuple[str, str], ...] = ()
    max_session_duration: int = 3600
    #: Create an instance profile of the same name (only meaningful when EC2 is trusted).
    create_instance_profile: bool = True
    partition: str = "aws"
    #: The granted SSE-KMS buckets' keys (graph/wizard/kms.py `with_kms`).
    kms: tuple[KmsNeed, ...] = ()

    @property
    def instance_profile_name(self) -> str | None:
        """The profile to create: EC2 can hand a role to an instance only through one."""
        if self.create_instance_profile and EC2_SERVICE in self.trusted_services:
            return self.name
        return None

    @property
    def inline_policy_name(self) -> str:
        return f"{self.name}-s3-access"

    @property
    def tag_dict(self) -> dict[str, str]:
        return dict(self.tags)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role{self.path}{self.name}"

    def instance_profile_arn(self, account_id: str) -> str | None:
        name = self.instance_profile_name
        if name is None:
            return None
        return f"arn:{self.partition}:iam::{account_id}:instance-profile{self.path}{name}"

"""The role plan: everything the wizard (or `rolemap role`) will create, before anything exists.

One frozen value carries the user's choices from step to step; documents, scripts, lint
findings, the API-call plan and the what-if preview are all derived from it, so every view of
the role shows the same thing and nothing is written until the plan is applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.errors import RolemapError
from graph.wizard.actions import LEVEL_TOKENS, LEVELS, LevelActions, level_actions

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
    """Access to one bucket at one or more access levels, optionally under a key prefix."""

    bucket: str
    levels: tuple[str, ...]
    #: Object-key prefix the grant is limited to ("" = the whole bucket).
    prefix: str = ""
    #: Deny-by-omission of plain HTTP: the grant holds only when aws:SecureTransport is true.
    require_tls: bool = False

    @classmethod
    def parse(cls, spec: str, require_tls: bool = False) -> BucketGrant:
        """Parse `level[,level...]:bucket[/prefix]`, the `--grant` syntax."""
        levels_part, sep, target = spec.partition(":")
        if not sep or not target:
            raise PlanInputError(
                f"grant {spec!r}: expected LEVEL:BUCKET[/PREFIX], e.g. read:my-bucket/logs/"
            )
        levels = []
        for token in levels_part.split(","):
            level = LEVEL_TOKENS.get(token.strip().lower())
            if level is None:
                choices = ", ".join(sorted(set(LEVEL_TOKENS) - {"permissions"}))
                raise PlanInputError(f"grant {spec!r}: unknown access level {token!r} ({choices})")
            levels.append(level)
        bucket, _, prefix = target.partition("/")
        return cls(bucket=bucket, levels=ordered_levels(levels), prefix=prefix,
                   require_tls=require_tls)

    def actions(self) -> tuple[LevelActions, ...]:
        return tuple(level_actions(level) for level in self.levels)

    @property
    def bucket_actions(self) -> tuple[str, ...]:
        return tuple(sorted({a for la in self.actions() for a in la.bucket}))

    @property
    def object_actions(self) -> tuple[str, ...]:
        return tuple(sorted({a for la in self.actions() for a in la.object}))

    @property
    def label(self) -> str:
        levels = ",".join(level.lower().replace(" ", "-") for level in self.levels)
        target = f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket
        return f"{levels}:{target}"


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

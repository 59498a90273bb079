"""Task presets: the fewest S3 actions that let a role do one job on a bucket.

AWS's access levels are too coarse for least privilege: the Read level is about 48 actions,
among them GetBucketPolicy, GetBucketAcl and every Get*Configuration, none of which reading
objects needs. A grant is therefore built from tasks (read objects, list keys, write objects,
delete objects), with single actions added by name; a whole access level stays available as
an explicit, advanced choice (spelled `level-read` on the command line) and is linted.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.catalog import LEVELS, S3Action, find_action


@dataclass(frozen=True)
class Task:
    """One preset: its command-line token, what the wizard calls it, and its actions."""

    token: str
    title: str
    actions: tuple[str, ...]


#: The presets in the order people read them; `list` is narrowed with s3:prefix under a prefix.
TASKS: tuple[Task, ...] = (
    Task("list", "List keys", ("s3:ListBucket",)),
    Task("read", "Read objects", ("s3:GetObject", "s3:GetObjectVersion")),
    Task("write", "Write objects", ("s3:PutObject",)),
    Task("delete", "Delete objects", ("s3:DeleteObject",)),
)

TASK_BY_TOKEN: dict[str, Task] = {task.token: task for task in TASKS}

#: `level-<token>` names a whole AWS access level (the advanced choice).
LEVEL_PREFIX = "level-"

#: Levels with no task of their own, accepted without the prefix (their names say what they are).
_BARE_LEVELS = {"tagging": "Tagging", "permissions-management": "Permissions management",
                "permissions": "Permissions management"}


def level_token(level: str) -> str:
    """`level-read`, `level-permissions-management`: the command-line spelling of a level."""
    return LEVEL_PREFIX + level.lower().replace(" ", "-")


def parse_level_token(token: str) -> str | None:
    """The level a token names (`level-read`, `tagging`), or None when it names none."""
    key = token.strip().lower()
    if key in _BARE_LEVELS:
        return _BARE_LEVELS[key]
    if key.startswith(LEVEL_PREFIX):
        wanted = key.removeprefix(LEVEL_PREFIX).replace("-", " ")
        return next((lv for lv in LEVELS if lv.lower() == wanted), None)
    return None


def grantable_action(name: str) -> S3Action | None:
    """A single action the wizard can scope to one bucket (bucket or object resource)."""
    return find_action(name) if name.lower().startswith("s3:") else None


def token_choices() -> str:
    """Every accepted token, for error messages and --help."""
    tasks = ", ".join(TASK_BY_TOKEN)
    levels = ", ".join(level_token(lv) for lv in LEVELS)
    return f"tasks {tasks}; single actions such as s3:GetObjectTagging; AWS levels {levels}"

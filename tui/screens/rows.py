"""The explorer's table rows, computed once per workspace (off the UI thread).

Counts come from the access graph: an instance "reaches" a bucket when any S3 action is not
plainly denied (conditional and unknown count, because unknown is not "no").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.access import AccessGraph, ActionAccess
from graph.model import AccountSnapshot, Role
from graph.policy import Outcome
from tui.widgets.table_model import Column, Row

INSTANCE_COLUMNS = (
    Column("name", "Name", 28),
    Column("id", "Instance id", 20),
    Column("region", "Region", 14),
    Column("state", "State", 10),
    Column("role", "Role", 32),
    Column("buckets", "Buckets", 8),
)
ROLE_COLUMNS = (
    Column("name", "Role", 36),
    Column("trusted", "Trusted services", 34),
    Column("instances", "Instances", 10),
    Column("buckets", "Buckets", 8),
)
BUCKET_COLUMNS = (
    Column("name", "Bucket", 36),
    Column("region", "Region", 14),
    Column("public", "Public?", 12),
    Column("who", "Who can", 8),
)
WARNING_COLUMNS = (
    Column("operation", "Operation", 30),
    Column("target", "Target", 36),
    Column("message", "Message", 80),
)


@dataclass(frozen=True)
class ExplorerRows:
    """Rows of each explorer tab, keyed by instance id, role ARN, bucket name, warning index."""

    instances: tuple[Row, ...]
    roles: tuple[Row, ...]
    buckets: tuple[Row, ...]
    warnings: tuple[Row, ...]


def _open(actions: Iterable[ActionAccess]) -> list[Outcome]:
    return [a.outcome for a in actions]


def _any_reach(outcomes: list[Outcome]) -> bool:
    return any(o is not Outcome.DENIED for o in outcomes)


def trusted_services(role: Role) -> tuple[str, ...]:
    """Service principals an Allow statement of the trust policy names (for the Roles column)."""
    statements: Any = (
        (role.trust_policy or {}).get("Statement", [])
        if isinstance(role.trust_policy, dict)
        else []
    )
    if isinstance(statements, dict):
        statements = [statements]
    services: list[str] = []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        named = principal.get("Service", [])
        for service in [named] if isinstance(named, str) else named:
            if service not in services:
                services.append(service)
    return tuple(services)


def role_name_of_instance(snapshot: AccountSnapshot, profile_arn: str | None) -> str:
    if profile_arn is None:
        return "-"
    profile = snapshot.profile_by_arn.get(profile_arn)
    if profile is None or not profile.role_arns:
        return "(profile without role)"
    names = [
        snapshot.role_by_arn[a].name if a in snapshot.role_by_arn else a.rsplit("/", 1)[-1]
        for a in profile.role_arns
    ]
    return ", ".join(names)


def build_rows(graph: AccessGraph, progress: Callable[[str, int, int], None]) -> ExplorerRows:
    snapshot = graph.snapshot
    total = len(snapshot.instances)
    instances: list[Row] = []
    users: dict[str, int] = {}
    for done, instance in enumerate(snapshot.instances, 1):
        reachable = {
            access.bucket
            for access in graph.reachable_from_instance(instance.instance_id)
            if _any_reach(_open(access.actions.values()))
        }
        profile = snapshot.profile_by_arn.get(instance.instance_profile_arn or "")
        for arn in profile.role_arns if profile else ():
            users[arn] = users.get(arn, 0) + 1
        instances.append(
            Row.of(
                instance.instance_id,
                instance.name or "-",
                instance.instance_id,
                instance.region,
                instance.state,
                role_name_of_instance(snapshot, instance.instance_profile_arn),
                len(reachable),
            )
        )
        if done % 500 == 0 or done == total:
            progress("tables: instances", done, total)
    roles: list[Row] = []
    for done, role in enumerate(snapshot.roles, 1):
        reachable = {
            access.bucket
            for access in graph.reachable_from_role(role.arn)
            if _any_reach(_open(access.actions.values()))
        }
        roles.append(
            Row.of(
                role.arn,
                role.name,
                ", ".join(trusted_services(role)) or "-",
                users.get(role.arn, 0),
                len(reachable),
            )
        )
        if done % 200 == 0 or done == len(snapshot.roles):
            progress("tables: roles", done, len(snapshot.roles))
    buckets: list[Row] = []
    for done, bucket in enumerate(snapshot.buckets, 1):
        principals = graph.who_can(bucket.name)
        reaching = [p for p in principals if _any_reach(_open(p.actions.values()))]
        buckets.append(
            Row.of(
                bucket.name,
                bucket.name,
                bucket.region,
                _public_word(reaching, bucket.policy_unknown),
                len(reaching),
            )
        )
        if done % 200 == 0 or done == len(snapshot.buckets):
            progress("tables: buckets", done, len(snapshot.buckets))
    warnings = tuple(
        Row.of(str(i), w.operation, w.target or "(account)", _warning_text(w.message, w.code))
        for i, w in enumerate(snapshot.warnings)
    )
    return ExplorerRows(tuple(instances), tuple(roles), tuple(buckets), warnings)


def _public_word(reaching: list[Any], policy_unknown: bool) -> str:
    """Say "yes", "conditional" or "no" in words, so the column reads without colour."""
    outcomes = [a.outcome for p in reaching if p.kind == "public" for a in p.actions.values()]
    if Outcome.ALLOWED in outcomes:
        return "yes"
    if Outcome.CONDITIONAL in outcomes:
        return "conditional"
    if policy_unknown or Outcome.UNKNOWN in outcomes:
        return "unknown"
    return "no"


def _warning_text(message: str, code: str) -> str:
    return f"{message} [{code}]" if code else message

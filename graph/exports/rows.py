"""Effective-permission rows, generated lazily so large exports stream.

Three shapes (the issue's): one row per (instance, bucket, access level, outcome) with the
actions listed (default); one row per (instance, bucket, action) (`per_action`); one row per
(role, bucket, access level, outcome) with the role's instances listed (`by_role`), the
compact form for very large accounts. Denied answers appear only with `include_denied`.
Summaries of a shared answer are computed once and reused for every bucket that shares it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph.access import AccessGraph, ActionAccess
from graph.access.chain import actions_through
from graph.access.lookup import find_bucket, find_instance, find_role
from graph.catalog import LEVELS
from graph.model import Instance
from graph.policy import Outcome

MODES = ("default", "per-action", "by-role")
OUTCOME_ORDER = (Outcome.ALLOWED, Outcome.CONDITIONAL, Outcome.UNKNOWN, Outcome.DENIED)

INSTANCE_COLUMNS = ["instance_id", "instance_name", "region", "state", "instance_profile",
                    "role", "bucket", "access_level", "outcome"]
TAIL_COLUMNS = ["conditions", "granted_by", "prefixes", "via"]


def columns(mode: str) -> list[str]:
    if mode == "by-role":
        return ["role", "role_name", "instances", "bucket", "access_level", "outcome",
                "actions", *TAIL_COLUMNS]
    if mode == "per-action":
        return [*INSTANCE_COLUMNS, "action", *TAIL_COLUMNS]
    return [*INSTANCE_COLUMNS, "actions", *TAIL_COLUMNS]


@dataclass(frozen=True)
class Group:
    """Actions of one access level with one outcome, and what they depend on."""

    level: str
    outcome: Outcome
    actions: tuple[str, ...]
    conditions: tuple[str, ...]
    granted_by: tuple[str, ...]
    prefixes: tuple[str, ...]


def _summary(items: list[ActionAccess]) -> Group:
    first = items[0]
    return Group(
        level=first.level,
        outcome=first.outcome,
        actions=tuple(a.action for a in items),
        conditions=tuple(dict.fromkeys(str(c) for a in items for c in a.conditions)),
        granted_by=tuple(dict.fromkeys(e.label for a in items for e in a.evidence)),
        prefixes=tuple(dict.fromkeys(p for a in items for p in a.prefixes)),
    )


class Summaries:
    """Groups per shared answer (keyed by identity: shared answers are the same object)."""

    def __init__(self, include_denied: bool, per_action: bool) -> None:
        self.include_denied = include_denied
        self.per_action = per_action
        self._cache: dict[int, tuple[Mapping[str, ActionAccess], list[Group]]] = {}

    def groups(self, res: Mapping[str, ActionAccess]) -> list[Group]:
        found = self._cache.get(id(res))
        if found is not None and found[0] is res:
            return found[1]
        buckets: dict[tuple[str, Outcome], list[ActionAccess]] = {}
        for a in res.values():
            if a.outcome is Outcome.DENIED and not self.include_denied:
                continue
            if self.per_action:
                buckets[(a.action, a.outcome)] = [a]
            else:
                buckets.setdefault((a.level, a.outcome), []).append(a)
        out = [_summary(v) for v in buckets.values()]
        out.sort(key=lambda g: (LEVELS.index(g.level), OUTCOME_ORDER.index(g.outcome),
                                g.actions))
        self._cache[id(res)] = (res, out)
        return out


def _tail(group: Group, via: tuple[str, ...]) -> dict[str, Any]:
    return {
        "conditions": list(group.conditions),
        "granted_by": list(group.granted_by),
        "prefixes": list(group.prefixes),
        "via": list(via),
    }


def instance_rows(g: AccessGraph, *, per_action: bool = False, include_denied: bool = False,
                  instance: str | None = None, role: str | None = None,
                  bucket: str | None = None) -> Iterator[dict[str, Any]]:
    """Rows per instance (default and per-action shapes)."""
    snap = g.snapshot
    sums = Summaries(include_denied, per_action)
    instances: tuple[Instance, ...] | list[Instance] = snap.instances
    if instance is not None:
        instances = [find_instance(snap, instance)]
    role_arn = find_role(snap, role).arn if role is not None else None
    only_bucket = find_bucket(snap, bucket).name if bucket is not None else None
    for inst in instances:
        profile = inst.instance_profile_arn or ""
        base = {
            "instance_id": inst.instance_id,
            "instance_name": inst.name,
            "region": inst.region,
            "state": inst.state,
            "instance_profile": profile.split("/")[-1] if profile else "",
        }
        for chain in g.instance_chains(inst):
            if role_arn is not None and role_arn not in chain.roles:
                continue
            own = inst if len(chain.roles) == 1 else None
            target = chain.roles[-1]
            if only_bucket is not None:
                pairs = [(only_bucket, g.role_bucket(target, only_bucket, own))]
            else:
                pairs = list(g.role_buckets(target, own))
            for name, res in pairs:
                if chain.hops:
                    res = actions_through(res, chain.hops)
                for group in sums.groups(res):
                    row = dict(base)
                    row["role"] = target
                    row["bucket"] = name
                    row["access_level"] = group.level
                    row["outcome"] = group.outcome.value
                    if per_action:
                        row["action"] = group.actions[0]
                    else:
                        row["actions"] = list(group.actions)
                    row.update(_tail(group, chain.roles))
                    yield row


def role_rows(g: AccessGraph, *, include_denied: bool = False, instance: str | None = None,
              role: str | None = None, bucket: str | None = None
              ) -> Iterator[dict[str, Any]]:
    """One row per (role, bucket, access level, outcome), the role's instances listed."""
    snap = g.snapshot
    sums = Summaries(include_denied, per_action=False)
    by_role: dict[str, list[str]] = {}
    for inst in snap.instances:
        for arn in g.data.instance_roles(inst):
            by_role.setdefault(arn, []).append(inst.instance_id)
    roles = list(snap.roles)
    if role is not None:
        roles = [find_role(snap, role)]
    if instance is not None:
        inst = find_instance(snap, instance)
        wanted = set(g.data.instance_roles(inst))
        roles = [r for r in roles if r.arn in wanted]
    only_bucket = find_bucket(snap, bucket).name if bucket is not None else None
    for r in roles:
        instances = by_role.get(r.arn, [])
        for chain in g.data.chains_from(r.arn):
            target = chain.roles[-1]
            if only_bucket is not None:
                pairs = [(only_bucket, g.role_bucket(target, only_bucket))]
            else:
                pairs = list(g.role_buckets(target))
            for name, res in pairs:
                if chain.hops:
                    res = actions_through(res, chain.hops)
                for group in sums.groups(res):
                    row: dict[str, Any] = {
                        "role": target,
                        "role_name": target.rsplit("/", 1)[-1],
                        "instances": instances,
                        "bucket": name,
                        "access_level": group.level,
                        "outcome": group.outcome.value,
                        "actions": list(group.actions),
                    }
                    row.update(_tail(group, chain.roles))
                    yield row


def rows(g: AccessGraph, mode: str = "default", **filters: Any) -> Iterator[dict[str, Any]]:
    if mode == "by-role":
        return role_rows(g, **filters)
    return instance_rows(g, per_action=mode == "per-action", **filters)

"""Effective-permission rows, generated lazily so large exports stream.

Three shapes (the issue's): one row per (instance, bucket, access level, outcome) with the
actions listed (default); one row per (instance, bucket, action) (`per_action`); one row per
(role, bucket, access level, outcome) with the role's instances listed (`by_role`), the
compact form for very large accounts. Denied answers appear only with `include_denied`.
Summaries of a shared answer are computed once and reused for every bucket that shares it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from graph.access import AccessGraph, ActionAccess
from graph.access.answers.class_answers import ClassAnswer, ClassAnswers
from graph.access.compile.actions import actions_in, mask_of
from graph.access.decide.network import path_label
from graph.access.decide.trust import AssumeEdge
from graph.access.query.lookup import find_instance, find_role
from graph.access.reach.build import Chain
from graph.access.reach.chain import actions_through
from graph.catalog import LEVELS, s3_actions
from graph.model import Instance
from graph.policy import Outcome

MODES = ("default", "per-action", "by-role")
OUTCOME_ORDER = (Outcome.ALLOWED, Outcome.CONDITIONAL, Outcome.UNKNOWN, Outcome.DENIED)

#: `network`: how the instance's requests to the bucket's region leave (decide/network.py).
INSTANCE_COLUMNS = ["instance_id", "instance_name", "region", "state", "instance_profile",
                    "role", "network", "bucket", "access_level", "outcome"]
TAIL_COLUMNS = ["conditions", "granted_by", "prefixes", "unknown_because", "via"]


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
    #: For unknown answers: what could not be read (the reasons that are not a grant,
    #: a deny or a condition).
    unknown_because: tuple[str, ...] = ()
    #: The hash, made once: groups key the merging of rows and the writers' encoded parts,
    #: millions of lookups of a value holding dozens of action names.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((
            self.level, self.outcome, self.actions, self.conditions, self.granted_by,
            self.prefixes, self.unknown_because)))

    def __hash__(self) -> int:
        return self._hash


def _summary(items: list[ActionAccess]) -> Group:
    first = items[0]
    return Group(
        level=first.level,
        outcome=first.outcome,
        actions=tuple(a.action for a in items),
        conditions=tuple(dict.fromkeys(str(c) for a in items for c in a.conditions)),
        granted_by=tuple(dict.fromkeys(e.label for a in items for e in a.evidence)),
        prefixes=tuple(dict.fromkeys(p for a in items for p in a.prefixes)),
        unknown_because=unknown_reasons(items),
    )


#: Reasons that name what decided (a grant, a deny, a condition, a prefix: "only ...").
_DECIDING = ("allowed by ", "explicitly denied by ", "only ")


def unknown_reasons(items: Iterable[ActionAccess]) -> tuple[str, ...]:
    """Why unknown answers are unknown: their reasons, less the deciding statements'."""
    return tuple(dict.fromkeys(
        r for a in items if a.outcome is Outcome.UNKNOWN for r in a.reasons
        if not r.startswith(_DECIDING)))


@cache
def _level_masks() -> tuple[tuple[str, int], ...]:
    """Each access level's actions as a bitmask (compile.py), in LEVELS order."""
    return tuple((level, mask_of(a.name for a in s3_actions() if a.level == level))
                 for level in LEVELS)


@lru_cache(maxsize=8192)
def _names(mask: int) -> tuple[str, ...]:
    """A mask's action names in catalogue order (a few masks recur in every export)."""
    return tuple(a.name for a in actions_in(mask))


def _class_groups(res: ClassAnswers, include_denied: bool) -> list[Group]:
    """`_summary` of each (level, outcome) straight from the class answers: the members of
    a class share outcome, conditions, evidence and prefixes, so each class's are read once
    (in the order of its first action, as a walk over the actions in catalogue order would).
    Masks do the grouping: a level's actions are one bitmask, so a class's part of a level
    is one AND, and the group's actions come out of one OR in catalogue order."""
    by: dict[tuple[str, Outcome], tuple[list[int], list[tuple[int, ClassAnswer]]]] = {}
    levels = _level_masks()
    for entry in res.entries:
        outcome = entry.answer.outcome
        if outcome is Outcome.DENIED and not include_denied:
            continue
        for level, level_mask in levels:
            part = entry.mask & level_mask
            if not part:
                continue
            slot = by.get((level, outcome))
            if slot is None:
                by[(level, outcome)] = ([part], [(part & -part, entry)])
            else:
                slot[0][0] |= part
                slot[1].append((part & -part, entry))
    out: list[Group] = []
    for (level, outcome), ((mask,), members) in by.items():
        members.sort(key=lambda m: m[0])
        # Each class once, by its actions (a class's mask is its own), in order of first action.
        firsts = [e.answer for e in {e.mask: e for _, e in members}.values()]
        out.append(Group(
            level=level,
            outcome=outcome,
            actions=_names(mask),
            conditions=tuple(dict.fromkeys(str(c) for a in firsts for c in a.conditions)),
            granted_by=tuple(dict.fromkeys(e.label for a in firsts for e in a.evidence)),
            prefixes=tuple(dict.fromkeys(p for a in firsts for p in a.prefixes)),
            unknown_because=unknown_reasons(firsts) if outcome is Outcome.UNKNOWN else (),
        ))
    return out


class Summaries:
    """Row groups per shared answer: kept with the answer (`ClassAnswers.view`) under the
    values that make them (denied rows or not, per action or not, the chain's hops)."""

    def __init__(self, include_denied: bool, per_action: bool) -> None:
        self.include_denied = include_denied
        self.per_action = per_action
        self._interned: dict[Group, Group] = {}

    def groups(self, res: Mapping[str, ActionAccess], hops: tuple[AssumeEdge, ...] = ()
               ) -> list[Group]:
        """The rows' groups for one shared answer, reached through `hops`."""
        if isinstance(res, ClassAnswers):
            answers = res
            return answers.view(("rows", self.include_denied, self.per_action, hops),
                                lambda: self._groups(answers, hops))
        return self._groups(res, hops)

    def _groups(self, res: Mapping[str, ActionAccess], hops: tuple[AssumeEdge, ...]
                ) -> list[Group]:
        if hops:
            res = actions_through(res, hops)
        if isinstance(res, ClassAnswers) and not self.per_action:
            out = [self._interned.setdefault(g, g)
                   for g in _class_groups(res, self.include_denied)]
            out.sort(key=_group_order)
            return out
        buckets: dict[tuple[str, Outcome], list[ActionAccess]] = {}
        for a in res.values():
            if a.outcome is Outcome.DENIED and not self.include_denied:
                continue
            if self.per_action:
                buckets[(a.action, a.outcome)] = [a]
            else:
                buckets.setdefault((a.level, a.outcome), []).append(a)
        # Equal groups become one object: fewer objects, and lookups by value find the very
        # same object first (a dict compares identity before equality).
        out = [self._interned.setdefault(g, g) for g in map(_summary, buckets.values())]
        out.sort(key=_group_order)
        return out


@dataclass(frozen=True)
class Head:
    """The leading columns of a row (instance fields + role, or role + its instances)."""

    fields: tuple[tuple[str, Any], ...]


#: Rows before encoding: (leading columns, bucket names, groups, role chain); one row per
#: bucket and group. Writers encode each shared part once, so millions of rows cost
#: millions of string joins, not millions of dicts.
Block = tuple[Head, list[str], list[Group], tuple[str, ...]]


def _instance_head(inst: Instance, role_arn: str, network: str) -> Head:
    profile = inst.instance_profile_arn or ""
    return Head((
        ("instance_id", inst.instance_id),
        ("instance_name", inst.name),
        ("region", inst.region),
        ("state", inst.state),
        ("instance_profile", profile.split("/")[-1] if profile else ""),
        ("role", role_arn),
        ("network", network),
    ))


def _classes(g: AccessGraph, role_arn: str, only_bucket: str | None,
             instance: Instance | None) -> Iterable[tuple[Mapping[str, ActionAccess], list[str]]]:
    if only_bucket is not None:
        return [(g.role_bucket(role_arn, only_bucket, instance), [only_bucket])]
    return g.role_classes(role_arn, instance)


def _merged(head: Head, classes: Iterable[tuple[Mapping[str, ActionAccess], list[str]]],
            sums: Summaries, hops: tuple[AssumeEdge, ...], via: tuple[str, ...]
            ) -> Iterator[Block]:
    """One block per row group for one head: the buckets of every class sharing the group.

    A role that names hundreds of buckets one by one has hundreds of one-bucket classes with
    the same few groups; merged, each group's rows are one join instead of hundreds.
    """
    merged: dict[Group, list[str]] = {}
    for res, names in classes:
        for group in sums.groups(res, hops):
            found = merged.get(group)
            if found is None:
                merged[group] = list(names)
            else:
                found.extend(names)
    for group, names in sorted(merged.items(), key=lambda gn: _group_order(gn[0])):
        yield head, names, [group], via


def _group_order(g: Group) -> tuple[int, int, tuple[str, ...]]:
    return LEVELS.index(g.level), OUTCOME_ORDER.index(g.outcome), g.actions


#: Instance classes whose rows a source keeps (then it starts afresh): a class's rows are a
#: few hundred blocks at most, and instances of one class come in no particular order.
_BODIES = 512

_NO_HEAD = Head(())


class BlockSource:
    """The blocks of one export, unit by unit: a unit is an instance (default and per-action
    shapes) or a role (by-role). Units can be written in spans (`blocks(start, stop)`), so
    an export can be split between processes and the spans' rows put back in unit order
    (shards.py); one source keeps its summaries across spans."""

    def __init__(self, g: AccessGraph, mode: str = "default", *, include_denied: bool = False,
                 instance: str | None = None, role: str | None = None,
                 bucket: str | None = None, keep: bool = True) -> None:
        self.g = g
        self.by_role = mode == "by-role"
        #: False: drop each role's decided reach and facts once its by-role rows are made,
        #: for a caller that ends with the export (the command line), so memory holds the
        #: answers roles share, not every role written.
        self.keep = keep
        self.sums = Summaries(include_denied, per_action=mode == "per-action")
        self._paths: dict[tuple[str, str], str] = {}
        #: Rows by instance class (query/instance_class.py), without the leading columns.
        self._bodies: dict[tuple[object, ...], list[tuple[str, list[Block]]]] = {}
        snap = g.snapshot
        self.only_bucket = g.find_bucket(bucket).name if bucket is not None else None
        self.role_arn = find_role(snap, role).arn if role is not None else None
        #: The instances (or roles, by-role) the export covers, in the order it writes them.
        self.units: list[Any]
        if self.by_role:
            # IAM users have rows of their own (no instance, so IAM gates only).
            roles = [*snap.roles, *g.data.users]
            if role is not None:
                roles = [find_role(snap, role)]
            if instance is not None:
                wanted = set(g.data.instance_roles(find_instance(snap, instance)))
                roles = [r for r in roles if r.arn in wanted]
            self.units = roles
            self._instances = g.data.instances_by_role()
        else:
            self.units = ([find_instance(snap, instance)] if instance is not None
                          else list(snap.instances))

    def blocks(self, start: int = 0, stop: int | None = None) -> Iterator[Block]:
        """The blocks of units[start:stop], in order."""
        units = self.units[start:stop]
        return self._role_blocks(units) if self.by_role else self._instance_blocks(units)

    def _instance_blocks(self, instances: list[Instance]) -> Iterator[Block]:
        g = self.g
        classes = g.instance_classes
        for inst in instances:
            for i, chain in enumerate(g.instance_chains(inst)):
                if self.role_arn is not None and self.role_arn not in chain.roles:
                    continue
                target = chain.roles[-1]
                # The chains are the profile's: its class as the chain's role names the rows
                # of every instance of that class, only the leading columns differ.
                cls = classes.key(inst, target, len(chain.roles) == 1)
                key = None if cls is None else (inst.instance_profile_arn, i, cls)
                body = self._bodies.get(key) if key is not None else None
                if body is None:
                    body = self._body(inst, chain)
                    if key is not None:
                        if len(self._bodies) >= _BODIES:
                            self._bodies.clear()
                        self._bodies[key] = body
                for label, parts in body:
                    head = _instance_head(inst, target, label)
                    for _, names, groups, via in parts:
                        yield head, names, groups, via

    def _body(self, inst: Instance, chain: Chain) -> list[tuple[str, list[Block]]]:
        """The instance's rows as the chain's last role, by way out, without its columns."""
        g = self.g
        own = inst if len(chain.roles) == 1 else None
        target = chain.roles[-1]
        # The instance's network path and endpoint policy (query/network_gate.py).
        classes = g.network_classes(inst, target,
                                    _classes(g, target, self.only_bucket, own), own)
        # One head per way out: the path is per bucket region (the network column).
        by_path: dict[str, list[tuple[Mapping[str, ActionAccess], list[str]]]] = {}
        for res, names in classes:
            split: dict[str, list[str]] = {}
            for name in names:
                split.setdefault(self._network(inst, name), []).append(name)
            for label, part in split.items():
                by_path.setdefault(label, []).append((res, part))
        return [(label, list(_merged(_NO_HEAD, parts, self.sums, chain.hops, chain.roles)))
                for label, parts in by_path.items()]

    def _network(self, inst: Instance, bucket: str) -> str:
        key = (inst.instance_id, self.g.data.bucket_region(bucket))
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = path_label(self.g.network.path(inst, bucket))
        return found

    def _role_blocks(self, roles: list[Any]) -> Iterator[Block]:
        g = self.g
        for r in roles:
            instances = self._instances.get(r.arn, ())
            for chain in g.data.chains_from(r.arn):
                target = chain.roles[-1]
                head = Head((("role", target), ("role_name", target.rsplit("/", 1)[-1]),
                             ("instances", instances)))
                yield from _merged(head, _classes(g, target, self.only_bucket, None), self.sums,
                                   chain.hops, chain.roles)
            if not self.keep:
                g.data.forget(r.arn)


def blocks(g: AccessGraph, mode: str = "default", **filters: Any) -> Iterator[Block]:
    """Every block of the export (one row per bucket and group of each block)."""
    return BlockSource(g, mode, **filters).blocks()


def group_fields(group: Group, per_action: bool) -> tuple[tuple[str, Any], ...]:
    """The grouped columns of a row, in column order (bucket and via excluded)."""
    what = ("action", group.actions[0]) if per_action else ("actions", list(group.actions))
    return (
        ("access_level", group.level),
        ("outcome", group.outcome.value),
        what,
        ("conditions", list(group.conditions)),
        ("granted_by", list(group.granted_by)),
        ("prefixes", list(group.prefixes)),
        ("unknown_because", list(group.unknown_because)),
    )


def rows(g: AccessGraph, mode: str = "default", **filters: Any) -> Iterator[dict[str, Any]]:
    """Rows as dicts with the documented keys (for Markdown, the app and tests)."""
    per_action = mode == "per-action"
    for head, names, groups, via in blocks(g, mode, **filters):
        lead = {k: list(v) if isinstance(v, tuple) else v for k, v in head.fields}
        for name in names:
            for group in groups:
                row = dict(lead)
                row["bucket"] = name
                row.update(group_fields(group, per_action))
                row["via"] = list(via)
                yield row

""""Could gain" paths by what they lead to: one entry per (role, target role).

A role that may pass a stronger role to EC2 usually may do so by several launch calls
(RunInstances, AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation…), and many
instances run as that role: listed path by path, one cause reads as dozens of rows. The
reviewer's question is "which role could it become, and how"; the ways are the detail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graph.findings.context import short
from graph.findings.escalation_model import Escalation


@dataclass(frozen=True)
class GainGroup:
    """Every way one role could gain another role's access."""

    role: str
    target: str
    #: The paths, strongest first (as `escalations` orders them).
    ways: tuple[Escalation, ...]

    @property
    def label(self) -> str:
        verb = "can" if all(w.kind == "assume" for w in self.ways) else "could"
        vias = list(dict.fromkeys(w.via for w in self.ways))
        shown = ", ".join(vias[:3]) + (f" (+{len(vias) - 3} more ways)" if len(vias) > 3 else "")
        return f"{verb} gain {self.ways[0].target_kind} {short(self.target)} via {shown}"

    @property
    def instances(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for w in self.ways for i in w.instances))

    @property
    def everything(self) -> bool:
        return any(w.everything for w in self.ways)

    @property
    def gains(self) -> Mapping[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for w in self.ways:
            for bucket, actions in w.gains.items():
                out[bucket] = out.get(bucket, frozenset()) | actions
        return out

    @property
    def gains_text(self) -> str:
        return self.ways[0].gains_text


def by_target(paths: Iterable[Escalation]) -> list[GainGroup]:
    """The paths grouped by (role, target), in the order their first path comes."""
    groups: dict[tuple[str, str], list[Escalation]] = {}
    for e in paths:
        groups.setdefault((e.role, e.target), []).append(e)
    return [GainGroup(role, target, tuple(ways)) for (role, target), ways in groups.items()]

"""Who-can's instances, grouped under the role they run as: "web-server: 212 of 230 instances".

On a large account thousands of instances reach a bucket, but they run as a few dozen roles and
share their answers: one line per role says how many of the role's instances reach the bucket,
with what and which risk marks; opening it lists the instances (a page at a time).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import cached_property

from rich.text import Text

from graph.access import AccessGraph, ActionAccess, PrincipalAccess
from graph.glance import open_door, sorted_marks
from graph.policy import Outcome
from graph.risk import Risk, actions_risks, rank
from tui.views.answers import answers_key
from tui.widgets.access_tree import labelled
from tui.widgets.outcome import OUTCOME_ORDER, best, summary
from tui.widgets.risk import with_risks


@dataclass(frozen=True)
class RoleGroup:
    """The instances running as one role (the first role of their chains) that reach a bucket."""

    role_arn: str
    name: str
    members: list[PrincipalAccess]
    #: Instances of the account running as the role, whether they reach the bucket or not.
    wearing: int
    #: Members with a public IP and IMDSv1 (an SSRF away from the role's credentials).
    doors: int = 0

    @cached_property
    def answers(self) -> Mapping[str, ActionAccess]:
        """Each action's strongest answer over the members (the line reads it three times)."""
        return strongest(self.members)

    @property
    def risks(self) -> list[Risk]:
        door = [Risk.PUBLIC_IMDSV1] if self.doors else []
        return sorted_marks(door + actions_risks(self.answers))

    @property
    def rank(self) -> int:
        return rank(self.risks)

    @property
    def allowed(self) -> int:
        return sum(a.outcome is not Outcome.DENIED for a in self.answers.values())

    def label(self) -> Text:
        """"✔  web-server: 212 of 230 instances  4 ✔ allowed  [WRITE]"."""
        outcomes = [a.outcome for a in self.answers.values()]
        noun = "instance" if self.wearing == 1 else "instances"
        extra = summary(outcomes)
        if self.doors:
            extra.append(f"  {self.doors} with a public IP and IMDSv1", style="dim")
        return marked_label(best(outcomes), f"{self.name}: {len(self.members)} of "
                            f"{self.wearing} {noun}", self.risks, extra)


def marked_label(outcome: Outcome, name: str, risks: list[Risk], extra: Text | str) -> Text:
    """Outcome, name, then its marks before the rest: a narrow tree cuts the end of a line,
    and the marks must not be what it cuts."""
    text = with_risks(labelled(outcome, name), risks)
    if extra:
        text.append("  ")
        text.append_text(extra if isinstance(extra, Text) else Text(extra, style="dim"))
    return text


def strongest(members: list[PrincipalAccess]) -> Mapping[str, ActionAccess]:
    """Each action's strongest answer over the members (an answer map known by its value is
    read once: merging equal answers again changes nothing; see `answers_key`)."""
    merged: dict[str, ActionAccess] = {}
    seen: set[Hashable] = set()
    for member in members:
        key = answers_key(member.actions)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        for name, access in member.actions.items():
            current = merged.get(name)
            if current is None or OUTCOME_ORDER.index(access.outcome) < OUTCOME_ORDER.index(
                    current.outcome):
                merged[name] = access
    return merged


def group_instances(graph: AccessGraph, instances: list[PrincipalAccess]) -> list[RoleGroup]:
    """Instance principals by the role they run as, in the order their roles first appear."""
    by_role: dict[str, list[PrincipalAccess]] = {}
    for principal in instances:
        role = principal.paths[0][0] if principal.paths else ""
        by_role.setdefault(role, []).append(principal)
    wearing = graph.data.instances_by_role()
    roles = graph.snapshot.role_by_arn
    instances = graph.snapshot.instance_by_id
    groups = []
    for arn, members in by_role.items():
        name = roles[arn].name if arn in roles else (arn.rsplit("/", 1)[-1] or "(no role)")
        doors = sum(1 for m in members if m.id in instances and open_door(instances[m.id]))
        groups.append(RoleGroup(arn, name, members, len(wearing.get(arn, ())) or len(members),
                                doors))
    return groups

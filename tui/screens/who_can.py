"""Who can reach a bucket: instances, roles and the public, per access level and action.

The reverse of a trace. `v` switches between grouping by principal (what can this instance do
here?) and by action (which principals can do s3:GetObject?); leaves are the same action
answers, with the same evidence panel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets.tree import TreeNode

from graph.access import ActionAccess, PrincipalAccess
from graph.access.model import chain_label
from graph.findings import Finding, escalations_to_bucket
from graph.findings.context import verbs
from graph.glance import open_door
from graph.model_compute import COMPUTE_TITLES
from graph.policy import Outcome
from graph.risk import Risk, action_risk, actions_risks, bucket_risks, principal_risks, rank
from tui.screens.access_screen import AccessTreeScreen
from tui.views.answers import AnswerMemo, access_json, outcomes_of, reaches
from tui.views.who_can_groups import group_instances, marked_label
from tui.widgets.access_tree import PAGE, AccessTree, NodeData, add_levels, by_level, labelled
from tui.widgets.evidence import Selection
from tui.widgets.outcome import OUTCOME_ORDER, best, summary
from tui.widgets.risk import with_risks
from tui.workspace import Workspace

#: A principal group opens by itself up to this many members (thousands would not be read).
_OPEN_GROUP_UP_TO = 50

#: Principals opened by themselves when a filter is typed.
_OPEN_WHEN_FILTERED = 20

#: Principal kinds in display order, with their group titles.
KIND_TITLES = {
    "public": "The public",
    "instance": "Instances",
    "role": "Roles",
    "user": "IAM users",
    "account": "Other accounts",
    "service": "Services",
    **COMPUTE_TITLES,
}


def principal_context(principal: PrincipalAccess) -> str:
    """What the filter matches for a principal: its label, kind, id and risk marks."""
    marks = " ".join(r.value for r in principal_risks(principal.kind))
    return f"{principal_label(principal)} {principal.kind} {principal.id} {marks}"


def principal_label(principal: PrincipalAccess) -> str:
    """How a principal reads in the tree; an instance that reaches the bucket through
    assumed roles shows the whole chain ("via ci-runner → website-deployer")."""
    via = chains_text(principal)
    return f"{_name_label(principal)} {via}" if via else _name_label(principal)


def chains_text(principal: PrincipalAccess) -> str:
    """"via ci-runner → website-deployer" for an instance or role reaching through assumed
    roles (every chain, "|" between them); "" for one reaching through its own role only."""
    if principal.kind in COMPUTE_TITLES and principal.paths:  # name the role it runs as
        return "as role " + " | ".join(chain_label(c) for c in principal.paths)
    if principal.kind not in ("instance", "role") or (
            len(principal.via) < 2 and len(principal.paths) < 2):
        return ""
    return "via " + " | ".join(chain_label(c) for c in principal.paths)


def _name_label(principal: PrincipalAccess) -> str:
    if principal.kind == "public":
        return "anyone (public)"
    if principal.kind == "role" and principal.name:
        return f"role {principal.name}"  # the ARN is one `c` away; the name is what people read
    if principal.name and principal.id not in principal.name:
        return f"{principal.kind} {principal.name} ({principal.id})"
    if principal.name:
        return f"{principal.kind} {principal.name}"
    return f"{principal.kind} {principal.id}"


class WhoCanScreen(AccessTreeScreen):
    """Every principal with any access to one bucket; Esc goes back."""

    HELP_TITLE = "who-can view"
    ID_PREFIX = "who-can"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_grouping", "Regroup", id="who_can.group"),
    ]

    def __init__(self, workspace: Workspace, bucket: str, focus: Finding | None = None) -> None:
        super().__init__(workspace, focus)
        self.bucket = bucket
        """The bucket's name."""
        self.by_principal = True
        """Group by principal (True) or by access level and action (False)."""

    def aim(self, workspace: Workspace, bucket: str, focus: Finding | None = None) -> None:
        """Show another bucket on this (kept) screen."""
        self.bucket = bucket
        self.by_principal = True
        self.focus_finding = focus
        self._aimed(workspace)

    def focus_matches(self, data: NodeData) -> bool:
        """The principal the finding is about (the public, an account, a service)."""
        finding = self.focus_finding
        if finding is None or not isinstance(data, str):
            return False
        source = finding.path[0].source if finding.path else "public"
        return data == source.partition(":")[2] if ":" in source else data == source

    @property
    def heading(self) -> str:
        return f"who can reach {self.bucket}"

    def subject_resource(self) -> tuple[str, str]:
        return "buckets", self.bucket

    @property
    def root_label(self) -> str:
        return self.bucket

    @property
    def principals(self) -> list[PrincipalAccess]:
        """Principals with any access; the public is listed even when denied, whenever a
        statement or ACL grant names it (so a blocked public grant is visible)."""
        everyone = self.workspace.decided.who_can(self.bucket, include_denied=True)
        # Thousands of instances share a few answer sets: decided once per set (AnswerMemo).
        reaching = AnswerMemo(reaches)
        return [p for p in everyone if p.kind == "public" or reaching(p.actions)]

    def action_toggle_grouping(self) -> None:
        self.by_principal = not self.by_principal
        self._rebuild()

    def _filtered(self, principals: list[PrincipalAccess]) -> list[PrincipalAccess]:
        """Principals the filter keeps, each with only its matching answers (all of them
        when the principal itself matches)."""
        if not self.tree_filter:
            return principals
        kept = []
        for principal in principals:
            actions = self.tree_filter.actions(principal.actions, principal_context(principal))
            if actions is principal.actions:
                kept.append(principal)
            elif actions is not None:
                kept.append(replace(principal, actions=actions))
        return kept

    def _ordered(self, principals: list[PrincipalAccess]) -> list[PrincipalAccess]:
        def allowed(p: PrincipalAccess) -> int:
            return sum(a.outcome is not Outcome.DENIED for a in p.actions.values())

        def risk(p: PrincipalAccess) -> int:
            return rank(principal_risks(p.kind) + actions_risks(p.actions))

        return self.sorted_by(principals, name=lambda p: f"{p.name} {p.id}", access=allowed,
                              risk=risk)

    def _build(self) -> None:
        tree = self.query_one(AccessTree)
        tree.reset()
        tree.root.expand()
        bucket = self.workspace.snapshot.bucket_by_name.get(self.bucket)
        root = Text(self.root_label, style="bold")
        if bucket is not None:
            with_risks(root, bucket_risks(bucket, self.workspace.snapshot))
        tree.root.set_label(root)
        principals = self._filtered(self.principals)
        if not principals and self.tree_filter:
            tree.root.add_leaf(f"no match for “{self.tree_filter.text}”", data=None)
        elif not principals:
            tree.root.add_leaf("nobody: no principal is allowed any action", data=None)
        elif self.by_principal:
            self._build_by_principal(principals)
        else:
            rank = {kind: n for n, kind in enumerate(KIND_TITLES)}
            self._build_by_action(sorted(principals, key=lambda p: (rank[p.kind], p.name, p.id)))
        self._add_access_points()
        self._add_escalations()

    def _add_access_points(self) -> None:
        """Who reaches the bucket through one of its access points: a group of its own, each
        path named by its point (the point's policy statement is the evidence)."""
        paths = self.workspace.decided.points.who_can(self.bucket)
        if not paths:
            return
        tree = self.query_one(AccessTree)
        heading = tree.root.add(Text(f"Through access points ({len(paths)})", style="bold"),
                                data=None, expand=len(paths) <= _OPEN_GROUP_UP_TO)
        for path in paths:
            who = f"{path.kind} {path.name}"
            if path.kind == "instance" and path.via:
                who += f" as {chain_label(path.via)}"
            label = Text(f"{who}  via access point {path.point_name}")
            label.append("  ")
            label.append_text(summary([a.outcome for a in path.reaching]))
            tree.add_lazy(heading, label, path.point_arn, partial(
                self._add_levels, {a.action: a for a in path.reaching},
                f"{who} via access point {path.point_name}"))

    def _add_escalations(self) -> None:
        """Instances that could gain access here by escalating: their own group, apart from
        (and never counted with) the principals that are allowed."""
        if not self.workspace.analysed:
            return  # found over the whole account: they come (and redraw) with the analysis
        from graph.findings.gain_groups import by_target

        paths = escalations_to_bucket(self.workspace.graph, self.bucket)
        if not paths:
            return
        tree = self.query_one(AccessTree)
        snapshot = self.workspace.snapshot
        # One row per (role, target role): the launch calls and instances that share it are
        # one cause, not a row each.
        groups = by_target(paths)
        title = Text(f"Could gain (escalation, not allowed now) ({len(groups)})",
                     style="bold yellow")
        heading = tree.root.add(title, data=None, expand=True)
        for group in groups:
            instances = group.instances
            first = snapshot.instance_by_id.get(instances[0]) if instances else None
            who = first.label if first else group.role.rsplit("/", 1)[-1]
            if len(instances) > 1:
                who += f" (+{len(instances) - 1})"
            gained = group.gains.get(self.bucket, frozenset())
            what = f"could {verbs(gained)}" if gained else "could write its own policy"
            label = Text(f"⚠ {who}: {group.label}", style="yellow")
            label.append(f"  {what}", style="dim")
            heading.add_leaf(label, data=group.ways[0])

    def _build_by_principal(self, principals: list[PrincipalAccess]) -> None:
        """Groups of principals; a group opens by itself when it is short enough to read.
        Members are sorted and built when their group is opened, a page at a time."""
        tree = self.query_one(AccessTree)
        groups: dict[str, list[PrincipalAccess]] = {kind: [] for kind in KIND_TITLES}
        for principal in principals:
            groups[principal.kind].append(principal)
        for kind, title in KIND_TITLES.items():
            group = groups[kind]
            if not group:
                continue
            label = Text(f"{title} ({len(group)})", style="bold")
            with_risks(label, principal_risks(kind))
            build = self._open_roles if kind == "instance" else self._open_group
            node = tree.add_lazy(tree.root, label, None, partial(build, group))
            if len(group) <= _OPEN_GROUP_UP_TO or self.tree_filter:
                tree.open(node)
                if self.tree_filter:
                    for child in node.children[:_OPEN_WHEN_FILTERED]:
                        if child.data is not None:
                            tree.open(child)
            if kind == "instance" and len(group) <= _OPEN_GROUP_UP_TO:
                for child in node.children:
                    tree.open(child)  # few instances: show them under their roles

    def _open_roles(self, group: list[PrincipalAccess], parent: TreeNode[NodeData]) -> None:
        """Instances under the role they run as: one line per role, its instances inside."""
        tree = self.query_one(AccessTree)
        roles = group_instances(self.workspace.decided, group)
        ordered = self.sorted_by(roles, name=lambda g: g.name, access=lambda g: g.allowed,
                                 risk=lambda g: g.rank)
        if self.sort is None:
            ordered = sorted(roles, key=lambda g: g.name, reverse=self.sort_reverse)
        for role in ordered:
            tree.add_lazy(parent, role.label(), role.role_arn,
                          partial(self._open_group, role.members))

    def _open_group(self, group: list[PrincipalAccess], parent: TreeNode[NodeData]) -> None:
        if self.sort is None:
            group.sort(key=lambda p: (p.name, p.id), reverse=self.sort_reverse)
        else:
            group[:] = self._ordered(group)
        self._add_principals(group, parent)

    def _add_principals(self, group: list[PrincipalAccess], parent: TreeNode[NodeData]) -> None:
        """One page of principals, then a node that opens the next: an account where
        thousands of instances reach a bucket opens its group as fast as a few."""
        tree = self.query_one(AccessTree)
        instances = self.workspace.snapshot.instance_by_id
        for principal in group[:PAGE]:
            outcomes = outcomes_of(principal.actions)
            label = principal_label(principal)
            via = chains_text(principal)
            risks = principal_risks(principal.kind) + actions_risks(principal.actions)
            instance = instances.get(principal.id) if principal.kind == "instance" else None
            if instance is not None and open_door(instance):
                risks.insert(0, Risk.PUBLIC_IMDSV1)
            extra = summary(outcomes)
            if via:
                extra.append(f"  {via}", style="dim")
            tree.add_lazy(
                parent,
                marked_label(best(outcomes), _name_label(principal), risks, extra),
                principal.id,
                partial(self._add_levels, principal.actions, label),
            )
        rest = group[PAGE:]
        if rest:
            tree.add_lazy(parent, Text(f"… {len(rest)} more", style="italic"), None,
                          partial(self._add_principals, rest))

    def _add_levels(
        self, actions: Mapping[str, ActionAccess], who: str, node: TreeNode[NodeData]
    ) -> None:
        add_levels(node, actions, who, self.bucket)

    def _build_by_action(self, principals: list[PrincipalAccess]) -> None:
        tree = self.query_one(AccessTree)
        every_action = [a for p in principals for a in p.actions.values()]
        for level, accesses in by_level(every_action).items():
            names = sorted({a.action for a in accesses})
            label = Text(f"{level}: {len(names)} action(s)", style="bold")
            tree.add_lazy(tree.root, label, None, partial(self._add_actions, principals, names))

    def _add_actions(
        self, principals: list[PrincipalAccess], names: list[str], parent: TreeNode[NodeData]
    ) -> None:
        tree = self.query_one(AccessTree)
        for name in names:
            answers = [(p, p.actions[name]) for p in principals if name in p.actions]
            answers.sort(key=lambda pa: (OUTCOME_ORDER.index(pa[1].outcome), pa[0].name))
            shown = [pa for pa in answers if pa[1].outcome is not Outcome.DENIED]
            public = [pa for pa in answers if pa[0].kind == "public" and pa not in shown]
            outcomes = [a.outcome for _, a in shown] or [Outcome.DENIED]
            tree.add_lazy(
                parent,
                labelled(best(outcomes), name, f"{len(shown)} principal(s)"),
                None,
                partial(self._add_answers, shown + public),
            )

    def _add_answers(
        self, answers: list[tuple[PrincipalAccess, ActionAccess]], parent: TreeNode[NodeData]
    ) -> None:
        for principal, access in answers:
            label = principal_label(principal)
            risk = action_risk(access)
            risks = principal_risks(principal.kind) + ([risk] if risk else [])
            parent.add_leaf(with_risks(labelled(access.outcome, label), risks),
                            data=Selection(label, self.bucket, access))

    # -- copy and export ------------------------------------------------------------------------

    def view_json(self) -> tuple[str, str]:
        body = {
            "bucket": self.bucket,
            "context": dict(self.workspace.assumed),
            "principals": [
                {
                    "kind": p.kind,
                    "id": p.id,
                    "name": p.name,
                    "via": list(p.via),
                    "chains": [list(c) for c in p.paths],
                    "actions": access_json(p.actions),
                }
                for p in self.principals
            ],
            "access_point_paths": [
                {"kind": p.kind, "id": p.id, "name": p.name, "access_point": p.point_arn,
                 "via": list(p.via), "network": p.network or None,
                 "actions": access_json({a.action: a for a in p.reaching})}
                for p in self.workspace.decided.points.who_can(self.bucket)
            ],
        }
        return json.dumps(body, indent=2), f"who can reach {self.bucket} as JSON"

    def export_scopes(self) -> list[tuple[str, str]]:
        return [("bucket", self.bucket)]

"""Trace: from an instance (or a role) to every bucket it can reach, and why.

The tree reads top-down the way access happens: instance → profile → role (→ roles it can
assume) → buckets → access levels → actions; the panel on the right shows the deciding
statements of the selected action.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

from rich.text import Text
from textual.widgets.tree import TreeNode

from graph.access import BucketAccess
from graph.access.decide.gates.ownership import ownership_note
from graph.access.model import unique_refs
from graph.access.query.no_role import no_role_reason
from graph.findings import Escalation, Finding, escalations_of_roles
from graph.findings.context import verbs
from graph.glance import glance
from graph.model import AccountSnapshot
from graph.policy import Outcome
from graph.risk import Risk, actions_risks, bucket_risks, rank
from graph.text import printable
from tui.screens.access_screen import AccessTreeScreen
from tui.views.answers import AnswerMemo, access_json, reaches
from tui.widgets.access_tree import PAGE, AccessTree, NodeData, add_levels
from tui.widgets.outcome import OUTCOME_ORDER, summary
from tui.widgets.risk import with_risks
from tui.workspace import Workspace

#: Buckets opened by themselves when a filter is typed (their matching answers show at once).
_OPEN_WHEN_FILTERED = 20


def best_per_action(paths: list[BucketAccess]) -> dict[str, Outcome]:
    """Each action's strongest outcome over all role paths (an action counts once)."""
    found: dict[str, Outcome] = {}
    for path in paths:
        for name, access in path.actions.items():
            current = found.get(name)
            if current is None or OUTCOME_ORDER.index(access.outcome) < OUTCOME_ORDER.index(
                current
            ):
                found[name] = access.outcome
    return found


class TraceScreen(AccessTreeScreen):
    """Everything one instance or role can reach; Esc goes back to the explorer."""

    HELP_TITLE = "trace"
    ID_PREFIX = "trace"

    def __init__(self, workspace: Workspace, kind: str, key: str,
                 focus: Finding | None = None) -> None:
        super().__init__(workspace, focus)
        self.kind = kind
        """"instance" or "role"."""
        self.key = key
        """Instance id or role ARN."""

    def aim(self, workspace: Workspace, kind: str, key: str,
            focus: Finding | None = None) -> None:
        """Show another instance or role on this (kept) screen."""
        self.kind, self.key = kind, key
        self.focus_finding = focus
        self._aimed(workspace)

    @property
    def accesses(self) -> list[BucketAccess]:
        if self.kind == "instance":
            return self.workspace.decided.reachable_from_instance(self.key, include_denied=True)
        return self.workspace.decided.reachable_from_role(self.key, include_denied=True)

    @property
    def subject(self) -> str:
        snapshot = self.workspace.snapshot
        if self.kind == "instance":
            return snapshot.instance_by_id[self.key].label
        return snapshot.role_by_arn[self.key].name

    @property
    def heading(self) -> str:
        return f"trace {self.subject}"

    @property
    def root_label(self) -> str:
        return self.subject

    def _role_label(self, arn: str) -> str:
        role = self.workspace.snapshot.role_by_arn.get(arn)
        return role.name if role else arn

    def _build(self) -> None:
        tree = self.query_one(AccessTree)
        tree.reset()
        tree.root.data = None
        tree.root.expand()
        snapshot = self.workspace.snapshot
        accesses = self.accesses
        role_arns: list[str] = []
        if self.kind == "instance":
            instance = snapshot.instance_by_id[self.key]
            profile_arn = instance.instance_profile_arn
            profile = snapshot.profile_by_arn.get(profile_arn or "")
            if profile_arn is None:
                # Names come from the account: a Text, never read as markup.
                tree.root.add_leaf(Text(printable(no_role_reason(snapshot, instance) or "")),
                                   data=None)
            else:
                name = profile.name if profile else f"{profile_arn} (not in the account)"
                node = tree.root.add(f"profile {name}", data=profile_arn, expand=True)
                role_arns = list(profile.role_arns) if profile else []
                for arn in role_arns:
                    self._add_role(node, arn, accesses)
            role_arns = [*role_arns, *(a.role_arn for a in accesses)]
        else:
            self._add_role(tree.root, self.key, accesses)
            role_arns = [self.key, *(a.role_arn for a in accesses)]
        self._add_buckets(tree.root, accesses)
        self._add_escalations(tree.root, set(role_arns))

    def _add_escalations(self, root: TreeNode[NodeData], roles: set[str]) -> None:
        """Paths the instance's roles could take to more access: their own kind of node,
        never counted as reachable (role chains are already above, as "can assume")."""
        if not self.workspace.analysed:
            return  # found over the whole account: they come (and redraw) with the analysis
        from graph.findings.gain_groups import by_target

        paths = escalations_of_roles(self.workspace.graph, roles)
        if not paths:
            return
        tree = self.query_one(AccessTree)
        # One entry per (role, target role); the launch calls that lead there are its detail.
        groups = by_target(paths)
        title = Text(f"could gain (escalation, not allowed now): {len(groups)} role(s)",
                     style="bold yellow")
        heading = root.add(title, data=None, expand=True)
        for group in groups:
            e = group.ways[0]
            label = Text(f"⚠ {group.label}", style="yellow")
            label.append(f"  {e.gains_text}", style="dim")
            if not e.gains:
                heading.add_leaf(label, data=e)
                continue
            tree.add_lazy(heading, label, e, partial(self._add_gains, e))

    def _add_gains(self, e: Escalation, node: TreeNode[NodeData]) -> None:
        for bucket, actions in sorted(e.gains.items())[:PAGE]:
            node.add_leaf(Text(f"{bucket}: could {verbs(actions)} ({len(actions)} action(s))",
                               style="yellow"), data=bucket)

    def focus_matches(self, data: NodeData) -> bool:
        finding = self.focus_finding
        if finding is None:
            return False
        if finding.category == "privilege-escalation" and finding.principal:
            return isinstance(data, Escalation) and data.role == finding.role \
                and data.target == finding.principal
        return isinstance(data, str) and data == finding.role

    def _add_role(self, parent: TreeNode[NodeData], arn: str, accesses: list[BucketAccess]) -> None:
        role = self.workspace.snapshot.role_by_arn.get(arn)
        label = Text(f"role {self._role_label(arn)}")
        if role is not None:
            with_risks(label, glance(self.workspace.decided).role_marks(role))
        node = parent.add(label, data=arn, expand=True)
        assumed = sorted({a.role_arn for a in accesses if a.role_arn != arn and arn in a.via})
        for other in assumed:
            chain = next(a.via for a in accesses if a.role_arn == other)
            path = " → ".join(self._role_label(r) for r in chain)
            node.add_leaf(f"can assume {self._role_label(other)}  ({path})", data=other)

    def _add_buckets(self, root: TreeNode[NodeData], accesses: list[BucketAccess]) -> None:
        """Buckets any action reaches first, then those where every named action is denied
        (a deny the user may want to see, e.g. a boundary cutting off a grant)."""
        accesses = self._filtered(accesses)
        by_bucket: dict[str, list[BucketAccess]] = {}
        for access in sorted(accesses, key=lambda a: (a.bucket, len(a.via))):
            by_bucket.setdefault(access.bucket, []).append(access)
        # Buckets sharing one answer set: decided once per set (see AnswerMemo).
        reaching_set = AnswerMemo(reaches)
        reaching = [b for b, paths in by_bucket.items()
                    if any(reaching_set(p.actions) for p in paths)]
        reached = set(reaching)
        denied = [b for b in by_bucket if b not in reached]
        order = self._ordered(reaching + denied, by_bucket)
        title = f"buckets reachable: {len(reaching)}"
        if denied:
            title += f" (and {len(denied)} where every named action is denied)"
        tree = self.query_one(AccessTree)
        heading = root.add(Text(title, style="bold"), data=None, expand=True)
        if not by_bucket:
            heading.add_leaf(f"no match for “{self.tree_filter.text}”" if self.tree_filter
                             else "none: no policy grants any S3 action", data=None)
        self._add_bucket_page(by_bucket, order, heading)
        opened = _OPEN_WHEN_FILTERED if self.tree_filter else int(bool(reaching))
        for node in heading.children[:opened]:
            if node.data is not None:
                tree.open(node)

    def _filtered(self, accesses: list[BucketAccess]) -> list[BucketAccess]:
        """The paths the filter keeps, each with only its matching answers (all of them when
        the bucket or a role on the path matches)."""
        if not self.tree_filter:
            return accesses
        kept = []
        for access in accesses:
            context = " ".join([access.bucket, *(self._role_label(r) for r in access.via)])
            actions = self.tree_filter.actions(access.actions, context)
            if actions is access.actions:
                kept.append(access)
            elif actions is not None:
                kept.append(replace(access, actions=actions))
        return kept

    def _ordered(self, order: list[str], by_bucket: dict[str, list[BucketAccess]]) -> list[str]:
        """Buckets in the order `s` chose: by name, by allowed actions, riskiest first."""
        snapshot = self.workspace.snapshot

        def reaching_actions(bucket: str) -> int:
            return sum(o is not Outcome.DENIED
                       for o in best_per_action(by_bucket[bucket]).values())

        def risk(bucket: str) -> int:
            return rank(self._bucket_risks(bucket, by_bucket[bucket], snapshot))

        return self.sorted_by(order, name=str, access=reaching_actions, risk=risk)

    @staticmethod
    def _bucket_risks(bucket: str, paths: list[BucketAccess],
                      snapshot: AccountSnapshot) -> list[Risk]:
        found = [r for p in paths for r in actions_risks(p.actions)]
        record = snapshot.bucket_by_name.get(bucket)
        if record is not None:
            found += bucket_risks(record, snapshot)
        return sorted(set(found), key=lambda r: r.rank)

    def _add_bucket_page(self, by_bucket: dict[str, list[BucketAccess]], order: list[str],
                         parent: TreeNode[NodeData]) -> None:
        """One page of bucket nodes, and a node that opens the next page: a role reaching
        thousands of buckets opens as fast as one reaching a few."""
        tree = self.query_one(AccessTree)
        # Buckets with the same count of each outcome read the same: one summary per count.
        summaries: dict[tuple[int, ...], Text] = {}
        for bucket in order[:PAGE]:
            paths = by_bucket[bucket]
            outcomes = list(best_per_action(paths).values())
            counts = tuple(outcomes.count(o) for o in OUTCOME_ORDER)
            found = summaries.get(counts)
            if found is None:
                found = summaries[counts] = summary(outcomes)
            label = Text(bucket, style="bold")
            label.append("  ")
            label.append_text(found)
            with_risks(label, self._bucket_risks(bucket, paths, self.workspace.snapshot))
            tree.add_lazy(parent, label, bucket, partial(self._add_paths, bucket, paths))
        rest = order[PAGE:]
        if rest:
            tree.add_lazy(parent, Text(f"… {len(rest)} more bucket(s)", style="italic"), None,
                          partial(self._add_bucket_page, by_bucket, rest))

    def _add_paths(self, bucket: str, paths: list[BucketAccess], node: TreeNode[NodeData]) -> None:
        found = self.workspace.snapshot.bucket_by_name.get(bucket)
        note = ownership_note(found) if found is not None else None
        if note:  # a gate of the bucket itself: its ACL disabled (or maybe)
            node.add_leaf(Text(printable(note), style="italic"), data=None)
        if self.kind == "instance":
            self._add_network(bucket, paths, node)
        for path in paths:
            via = " → ".join(self._role_label(r) for r in path.via)
            target = node
            if len(paths) > 1 or len(path.via) > 1:
                target = node.add(f"via {via}", data=path.role_arn, expand=True)
            add_levels(target, path.actions, via or self._role_label(path.role_arn), bucket)
        self._add_point_paths(bucket, node)

    def _add_network(self, bucket: str, paths: list[BucketAccess],
                     node: TreeNode[NodeData]) -> None:
        """The network step, as `rolemap trace` shows it: route table → endpoint, NAT,
        internet gateway or no path, and the endpoint policy's statements."""
        g = self.workspace.decided
        instance = self.workspace.snapshot.instance_by_id[self.key]
        hops = [g.network.hop(instance, p.role_arn, bucket, a)
                for p in paths for a in list(p.actions.values())[:1]]
        hop = next((h for h in hops if h is not None), None)
        if hop is None:
            return  # a snapshot without network facts: its load warning says so
        label = Text("network path: ", style="bold")
        label.append(printable(hop.reasons[0]))
        step = node.add(label, data=None, expand=True)
        for reason in dict.fromkeys(r for h in hops if h is not None for r in h.reasons[1:]):
            step.add_leaf(Text(printable(reason)), data=None)
        evidence = unique_refs(e for p in paths for a in p.actions.values() for e in a.evidence
                               if e.policy_name.startswith("route table "))
        for ref in evidence:
            step.add_leaf(Text(f"by {printable(ref.label)}"), data=None)

    def _add_point_paths(self, bucket: str, node: TreeNode[NodeData]) -> None:
        """Paths through the bucket's access points ("via access point <arn>")."""
        g = self.workspace.decided
        if not g.points.points_of(bucket):
            return
        if self.kind == "instance":
            found = g.points.instance_paths(self.workspace.snapshot.instance_by_id[self.key],
                                            bucket)
        else:
            found = g.points.role_paths(self.key, bucket)
        for path in found:
            via = " → ".join(self._role_label(r) for r in path.via)
            actions = path.actions
            if self.tree_filter:  # the same filter as the direct paths, the point named too
                context = " ".join([bucket, *(self._role_label(r) for r in path.via),
                                    "access point", path.point_name, path.point_arn])
                kept = self.tree_filter.actions(path.actions, context)
                if kept is None:
                    continue
                actions = kept
            label = Text(f"via access point {path.point_arn}", style="bold")
            label.append(f"  as {via}  ", style="dim")
            label.append_text(summary([a.outcome for a in actions.values()]))
            target = node.add(label, data=path.point_arn, expand=False)
            if path.network:
                target.add_leaf(Text(f"network path: {printable(path.network)}"), data=None)
            point = next(p for p in g.points.points_of(bucket) if p.arn == path.point_arn)
            origin = (f"network origin VPC: answers only requests from {point.vpc_id}"
                      if point.vpc_only else "network origin Internet")
            target.add_leaf(Text(printable(origin)), data=None)
            add_levels(target, actions, f"{via} via access point {path.point_name}", bucket)

    def subject_resource(self) -> tuple[str, str]:
        return ("instances" if self.kind == "instance" else "roles"), self.key

    # -- copy and export ------------------------------------------------------------------------

    def view_json(self) -> tuple[str, str]:
        data = [
            {
                "bucket": a.bucket,
                "role": a.role_arn,
                "via": list(a.via),
                "actions": access_json(a.actions),
            }
            for a in self.accesses
        ]
        body = {"kind": self.kind, "id": self.key, "context": dict(self.workspace.assumed)}
        body["access"] = data
        g = self.workspace.decided
        points = []
        for bucket in sorted({p.bucket for p in self.workspace.snapshot.access_points or ()}):
            if self.kind == "instance":
                found = g.points.instance_paths(
                    self.workspace.snapshot.instance_by_id[self.key], bucket)
            else:
                found = g.points.role_paths(self.key, bucket)
            points += [{"bucket": bucket, "access_point": p.point_arn, "via": list(p.via),
                        "network": p.network or None, "actions": access_json(p.actions)}
                       for p in found]
        body["access_point_paths"] = points
        return json.dumps(body, indent=2), f"trace of {self.subject} as JSON"

    def export_scopes(self) -> list[tuple[str, str]]:
        return [(self.kind, self.key)]

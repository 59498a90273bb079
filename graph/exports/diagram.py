"""Access paths drawn as Mermaid flowcharts (GitHub and GitLab render them) or Graphviz DOT.

A path is a list of `PathStep`s: instance → profile → role → [chain / escalation] →
[access point] → bucket, each edge labelled with what it allows and the statements that
decide it. Escalation steps ("could gain") are drawn dashed, never like an allowed edge.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.access import AccessGraph, Explanation
from graph.findings.model import PathStep
from graph.model import Instance
from graph.model_s3 import AccessPoint
from graph.policy import Outcome
from graph.text import mermaid, printable


def node_label(node: str, graph: AccessGraph) -> str:
    """A node id as a person reads it ("instance web-1 (i-…)", "role admin-box")."""
    kind, _, ident = node.partition(":")
    snapshot = graph.snapshot
    if kind == "instance":
        inst = snapshot.instance_by_id.get(ident)
        return f"instance {inst.label if inst else ident}"
    if kind in ("role", "profile"):
        return f"{'instance profile' if kind == 'profile' else 'role'} {ident.rsplit('/', 1)[-1]}"
    if kind == "user":
        return f"IAM user {ident.rsplit('/', 1)[-1]}"
    if kind == "bucket":
        return f"bucket {ident}"
    if kind == "accesspoint":
        point = next((p for p in snapshot.access_points or () if p.arn == ident), None)
        return f"access point {point.name if point else ident.rsplit('/', 1)[-1]}"
    if kind == "compute":  # an existing function, stack, project... (by its ARN)
        found = next((r for r in (snapshot.compute.resources if snapshot.compute else ())
                      if r.arn == ident), None)
        return f"{found.kind} {found.name}" if found else ident
    if kind == "more":  # "more:<source>:<text>": what a drawing left out, counted
        return "+" + ident.rsplit(":", 1)[-1]
    if kind in ("account", "service"):
        return "any AWS account" if node == "account:*" else f"{kind} {ident}"
    return {"public": "anyone (public)", "internet": "the internet",
            "everything": "every action on every resource"}.get(node, node)


def _edge_text(step: PathStep, limit: int = 3) -> str:
    refs = [r.label for r in step.evidence[:limit]]
    if len(step.evidence) > limit:
        refs.append(f"… {len(step.evidence) - limit} more")
    return "\n".join([step.relation, *refs])


def _ids(steps: Iterable[PathStep]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for step in steps:
        for node in (step.source, step.target):
            ids.setdefault(node, f"n{len(ids)}")
    return ids


def _mermaid_text(text: str) -> str:
    """Mermaid label text (graph.text.mermaid: escaped as for a terminal, entities for quotes
    and markup), lines as <br/>."""
    return "<br/>".join(mermaid(line) for line in text.split("\n"))


def to_mermaid(steps: Iterable[PathStep], graph: AccessGraph) -> str:
    """`flowchart LR` with one node per resource; escalation edges dashed."""
    steps = list(steps)
    ids = _ids(steps)
    lines = ["flowchart LR"]
    for node, nid in ids.items():
        lines.append(f'    {nid}["{_mermaid_text(node_label(node, graph))}"]')
    for step in steps:
        label = _mermaid_text(_edge_text(step))
        arrow = f'-. "{label}" .->' if step.escalation else f'-- "{label}" -->'
        lines.append(f"    {ids[step.source]} {arrow} {ids[step.target]}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    text = printable(text, multiline=True)  # a name's ESC never reaches a terminal raw
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(steps: Iterable[PathStep], graph: AccessGraph, name: str = "path") -> str:
    """A Graphviz digraph of the same path (`dot -Tsvg`)."""
    steps = list(steps)
    ids = _ids(steps)
    lines = [f'digraph "{_dot_text(name)}" {{', "    rankdir=LR;",
             "    node [shape=box, fontname=Helvetica];"]
    for node, nid in ids.items():
        lines.append(f'    {nid} [label="{_dot_text(node_label(node, graph))}"];')
    for step in steps:
        style = ', style=dashed, color="red"' if step.escalation else ""
        lines.append(f'    {ids[step.source]} -> {ids[step.target]} '
                     f'[label="{_dot_text(_edge_text(step))}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def trace_steps(graph: AccessGraph, instance_id: str, bucket: str, action: str | None = None,
                point: AccessPoint | None = None) -> list[PathStep]:
    """One instance's paths to one bucket as steps: the explained path of `action`, or every
    role path with its granted actions, then the paths through the bucket's access points
    that grant something; "could gain" paths are added, marked as escalation. With `point`,
    only the path through that access point (as `trace --access-point` answers)."""
    from graph.findings import escalations_of_roles
    from graph.findings.context import listed

    inst = graph.snapshot.instance_by_id[instance_id]
    steps: list[PathStep] = []
    if point is not None:
        _point_steps(steps, graph, inst, bucket, action, point, every=True)
        return steps
    if action is not None:
        x = graph.explain(instance_id, bucket, action)
        _explained(steps, x, action)
        roles = {h.target_id.partition(":")[2] for h in x.hops if h.target_id.startswith("role:")}
    else:
        profile = f"profile:{inst.instance_profile_arn or ''}"
        roles = set()
        for path in graph.reachable_from_instance(instance_id):
            if path.bucket != bucket:
                continue
            granted = {k: a for k, a in path.actions.items() if a.granted}
            if not granted:
                continue
            first = path.via[0]
            roles.update(path.via)
            _add(steps, PathStep(f"instance:{instance_id}", profile, "runs as"))
            _add(steps, PathStep(profile, f"role:{first}", "runs as"))
            for a, b in zip(path.via, path.via[1:], strict=False):
                _add(steps, PathStep(f"role:{a}", f"role:{b}", "can assume"))
            evidence = tuple({(r.policy_name, r.index): r for a in granted.values()
                              for r in a.evidence}.values())
            _add(steps, PathStep(f"role:{path.role_arn}", f"bucket:{bucket}",
                                 f"can {listed(granted)}", evidence))
        roles.update(a for a in graph.data.instance_roles(inst))
    for p in graph.points.points_of(bucket):
        _point_steps(steps, graph, inst, bucket, action, p, every=False)
    for e in escalations_of_roles(graph, roles):
        if bucket not in e.gains and not e.everything:
            continue
        target = f"{e.target_kind}:{e.target}"
        _add(steps, PathStep(f"role:{e.role}", target, e.via, e.evidence, escalation=True))
        what = listed(e.gains[bucket]) if bucket in e.gains else "any action"
        _add(steps, PathStep(target, f"bucket:{bucket}", f"could {what}", escalation=True))
    return steps


def _explained(steps: list[PathStep], x: Explanation, action: str) -> None:
    for hop in x.hops:
        relation = hop.relation
        if hop.relation == "network path":  # the instance's route to S3 (its own step)
            relation = f"network: {hop.reasons[0]}" if hop.reasons else relation
        elif hop.target_id.startswith("bucket:") and x.access is not None:
            relation = f"{action}: {x.access.outcome.value}"
        _add(steps, PathStep(hop.source_id, hop.target_id, relation, hop.evidence))


def _point_steps(steps: list[PathStep], graph: AccessGraph, inst: Instance, bucket: str,
                 action: str | None, point: AccessPoint, every: bool) -> None:
    """The hops through `point`: with `action`, its explained path (only when not denied,
    unless `every`); else each role chain granting something through it, the point's policy
    statements on the role → point edge and the rest on the point → bucket edge."""
    from graph.findings.context import listed

    if action is not None:
        x = graph.points.explain(inst, bucket, action, point)
        if x.access is not None and (every or x.access.outcome is not Outcome.DENIED):
            _explained(steps, x, action)
        return
    node = f"accesspoint:{point.arn}"
    profile = f"profile:{inst.instance_profile_arn or ''}"
    own = f"access point {point.name}"
    for path in graph.points.instance_paths(inst, bucket, (point,)):
        granted = {a.action: a for a in path.granted}
        if not granted or not path.via:
            continue
        _add(steps, PathStep(f"instance:{inst.instance_id}", profile, "runs as"))
        _add(steps, PathStep(profile, f"role:{path.via[0]}", "runs as"))
        for a, b in zip(path.via, path.via[1:], strict=False):
            _add(steps, PathStep(f"role:{a}", f"role:{b}", "can assume"))
        refs = {(r.policy_name, r.index): r for a in granted.values() for r in a.evidence}
        _add(steps, PathStep(f"role:{path.via[-1]}", node, "through access point" + (
            f" ({path.network})" if path.network else ""),
            tuple(r for r in refs.values() if r.policy_name == own)))
        _add(steps, PathStep(node, f"bucket:{bucket}", f"can {listed(granted)}",
                             tuple(r for r in refs.values() if r.policy_name != own)))


def _add(steps: list[PathStep], step: PathStep) -> None:
    if all((s.source, s.target, s.relation) != (step.source, step.target, step.relation)
           for s in steps):
        steps.append(step)

"""`rolemap trace INSTANCE BUCKET [--action A]`: the path from an instance to a bucket, and why.

Exit codes (EXIT_CODES, also in `--help` and the README): 0 some action asked about is
allowed; 1 none is allowed, conditional or unknown (denied, or no path at all); 3 none is
allowed, but some is conditional (it depends on a request condition not `--assume`d) or
unknown (a fact could not be read), so rolemap can say neither yes nor no; 2 bad input
(unknown instance, bucket or action, with close matches).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterable
from typing import Any

from graph.access import AccessGraph, ActionAccess, Explanation
from graph.access.decide.gates.ownership import ownership_note
from graph.access.decide.network import NO_PATH, ONLY_FOR_CLIENTS
from graph.access.model import PointPath
from graph.access.query.lookup import find_bucket, find_instance
from graph.access.query.no_role import no_role_reason
from graph.catalog import require_action
from graph.findings import Escalation, escalation_json, escalations_of_roles
from graph.findings.gain_groups import by_target
from graph.model import Instance
from graph.model_s3 import AccessPoint
from graph.org.queries import analyse_for_instance, resolve_bucket
from graph.policy.clock import time_notes
from graph.policy.decision import Outcome
from tui.commands.access_options import (
    add_access_options,
    graph_from_args,
    org_from_args,
    parse_assumed,
)
from tui.commands.path_arg import name_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trace", help="show how an instance reaches a bucket, with the deciding statements",
        description=textwrap.fill(
            "Show every path from INSTANCE (id or Name tag) to BUCKET and the evidence for each "
            "action (all S3 actions, or the one --action names). The context taken as known "
            "(--assume) is said first: a header line in text, \"assumed_context\" in JSON.",
            78),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes:\n" + "\n".join(
            textwrap.fill(meaning, 78, initial_indent=f"  {code}  ", subsequent_indent="     ")
            for code, meaning in sorted(EXIT_CODES.items())))
    parser.add_argument("instance", help="instance id or Name tag")
    parser.add_argument("bucket", help="bucket name")
    parser.add_argument("--action", help="one S3 action, e.g. s3:GetObject (explains the path)")
    parser.add_argument("--access-point", metavar="NAME", type=name_arg,
                        help="only the path through this access point of BUCKET (name, ARN "
                             "or alias); without it, paths through each of BUCKET's access "
                             "points follow the direct ones")
    parser.add_argument("--format", choices=("text", "json", "mermaid", "dot"), default="text",
                        help="text (default), json, or the path drawn as a Mermaid flowchart "
                             "or Graphviz DOT (escalation steps dashed)")
    add_access_options(parser)
    parser.set_defaults(func=run)


#: What each exit code means; the outcome words are the graph's (graph.policy.decision).
EXIT_CODES: dict[int, str] = {
    0: "allowed: at least one action asked about (every S3 action, or --action) is allowed",
    1: "not allowed: every such action is denied, or there is no path at all",
    2: "bad input (unknown instance, bucket or action: close matches are named)",
    3: "undecided: none is allowed, but one is conditional (it depends on a request "
       "condition; --assume decides it) or unknown (a fact could not be read)",
}


def exit_code(outcomes: Iterable[Outcome]) -> int:
    """0 allowed, 3 undecided, 1 not allowed (see EXIT_CODES)."""
    seen = set(outcomes)
    if Outcome.ALLOWED in seen:
        return 0
    return 3 if seen & {Outcome.CONDITIONAL, Outcome.UNKNOWN} else 1


def assumed_line(g: AccessGraph) -> list[str]:
    """The header of a text answer: the context taken as known, when any was."""
    if not g.assumed:
        return []
    return ["assumed: " + ", ".join(f"{k}={v}" for k, v in sorted(g.assumed.items()))]


def _could_gain(g: AccessGraph, instance: Instance, bucket: str) -> list[Escalation]:
    """Escalation paths of the instance's roles that add access to the bucket."""
    roles = {r for c in g.instance_chains(instance) for r in c.roles
             if r in g.snapshot.role_by_arn}  # escalations within the instance's account
    return [e for e in escalations_of_roles(g, roles) if bucket in e.gains or e.everything]


def _could_gain_text(paths: list[Escalation], bucket: str, g: AccessGraph) -> list[str]:
    """One entry per (role, target role): the ways under it, each with its statements."""
    if not paths:
        return []
    lines = ["could gain (escalation, not allowed now):"]
    for group in by_target(paths):
        gained = sorted(group.gains.get(bucket, ())) or ["any action (writes its own policy)"]
        lines.append(f"  {group.label}: {', '.join(gained[:6])}"
                     + (f" … +{len(gained) - 6}" if len(gained) > 6 else ""))
        for e in group.ways:
            if len(group.ways) > 1:
                lines.append(f"    via {e.via}:")
            for s in e.steps:
                lines.extend(f"      {s.action} by {r.label}" for r in s.evidence)
                lines.extend(f"        {n}" for n in time_notes(s.evidence, g.decided_at,
                                                                g.assumed))
    return lines


def access_json(a: ActionAccess, g: AccessGraph | None = None) -> dict[str, Any]:
    notes = time_notes(a.evidence, g.decided_at, g.assumed) if g is not None else []
    return {
        "action": a.action,
        "level": a.level,
        "outcome": a.outcome.value,
        "prefixes": list(a.prefixes),
        "conditions": [str(c) for c in a.conditions],
        "granted_by": [e.label for e in a.evidence],
        "blocked_by": a.blocked_by.value if a.blocked_by else None,
        "reasons": list(a.reasons),
        # Only where a time condition decided (older readers see the same keys as before).
        **({"time_decided": notes} if notes else {}),
    }


def _line(a: ActionAccess, g: AccessGraph) -> list[str]:
    extra = f" (only objects under {', '.join(a.prefixes)})" if a.prefixes else ""
    lines = [f"  {a.action:<34} {a.outcome.value}{extra}"]
    for c in a.conditions:
        lines.append(f"      if {c}")
    for e in a.evidence:
        lines.append(f"      by {e.label}")
    lines.extend(f"      {n}" for n in time_notes(a.evidence, g.decided_at, g.assumed))
    if a.outcome.value in ("denied", "unknown"):
        lines.extend(f"      {r}" for r in a.reasons[:3])
    elif a.outcome is Outcome.CONDITIONAL:
        # A way out only some clients take (decide/network.py): no statement's condition.
        lines.extend(f"      {r}" for r in a.reasons if r.startswith(ONLY_FOR_CLIENTS))
    return lines


def _node_name(node_id: str, instance: Instance) -> str:
    """A graph node id ("role:arn:aws:iam::…:role/ops/x") as a person reads it ("role x")."""
    kind, _, ident = node_id.partition(":")
    if kind == "instance" and ident == instance.instance_id:
        return f"instance {instance.label}"
    if ident.startswith("arn:"):
        ident = ident.rsplit("/", 1)[-1]
    return f"{kind} {ident}"


def _explain_text(x: Explanation, instance: Instance, no_role: str | None,
                  g: AccessGraph) -> list[str]:
    lines: list[str] = []
    for hop in x.hops:
        lines.append(f"{_node_name(hop.source_id, instance)} --{hop.relation}--> "
                     f"{_node_name(hop.target_id, instance)}")
        for e in hop.evidence:
            lines.append(f"    by {e.label}")
        if not hop.evidence:
            lines.extend(f"    {r}" for r in hop.reasons[:2])
    if x.access is None:
        lines.append(no_role or "no path: the instance gets no credentials for this")
    else:
        lines.extend(_line(x.access, g))
    return lines


def point_path_json(p: PointPath, action: str | None = None) -> dict[str, Any]:
    """A path through an access point, as trace and who-can write it in JSON."""
    acts = [a for a in p.actions.values() if action is None or a.action == action]
    return {"access_point": p.point_arn, "access_point_name": p.point_name,
            "via": list(p.via), "network": p.network or None,
            "actions": [access_json(a) for a in acts]}


def _point_text(p: PointPath, instance: Instance, bucket: str, action: str | None,
                g: AccessGraph) -> list[str]:
    chain = " -> ".join(a.rsplit("/", 1)[-1] for a in p.via)
    lines = [f"{instance.label} -> {chain} -> via access point {p.point_arn} -> {bucket}"]
    if p.network:
        lines.append(f"    network: {p.network}")
    for a in p.actions.values():
        if action is None or a.action == action:
            lines.extend(_line(a, g))
    return lines


def _point_explain(x: Explanation, instance: Instance, no_role: str | None,
                   g: AccessGraph) -> list[str]:
    lines = _explain_text(x, instance, no_role, g)
    return [line.replace("accesspoint ", "access point ") for line in lines]


def run(args: argparse.Namespace) -> int:
    org = org_from_args(args)
    if org is not None:
        # An organisation folder: the instance's account, with what it reaches elsewhere.
        folder, index = org
        _, name = resolve_bucket(index, args.bucket)
        g, iid = analyse_for_instance(folder, index, args.instance,
                                      parse_assumed(getattr(args, "assume", []) or []))
        args.loaded_graph = g
        instance = find_instance(g.snapshot, iid)
        bucket = g.find_bucket(name)
    else:
        g = graph_from_args(args)
        instance = find_instance(g.snapshot, args.instance)
        bucket = find_bucket(g.snapshot, args.bucket)
    no_role = no_role_reason(g.snapshot, instance)
    action = require_action(args.action).name if args.action else None
    chosen = g.points.find(bucket.name, args.access_point) if args.access_point else None
    points = g.points.instance_paths(instance, bucket.name,
                                     (chosen,) if chosen is not None else None)
    through = [a.outcome for p in points for a in p.actions.values()
               if action is None or a.action == action]
    if chosen is not None:
        return _through_point(g, args, instance, bucket.name, chosen, points, no_role,
                             exit_code(through))
    if args.action:
        x = g.explain(instance.instance_id, bucket.name, args.action)
        code = exit_code(([x.access.outcome] if x.access else []) + through)
    else:
        paths = [b for b in g.reachable_from_instance(instance.instance_id)
                 if b.bucket == bucket.name]
        code = exit_code([a.outcome for p in paths for a in p.actions.values()] + through)
    if args.format in ("mermaid", "dot"):
        from graph.exports.diagram import to_dot, to_mermaid, trace_steps

        steps = trace_steps(g, instance.instance_id, bucket.name, args.action)
        draw = to_mermaid if args.format == "mermaid" else to_dot
        sys.stdout.write(draw(steps, g))
        return code
    gain = _could_gain(g, instance, bucket.name)
    net = g.network.path(instance, bucket.name)
    if no_role is None and net.kind == NO_PATH:
        no_role = f"{instance.label} cannot reach {bucket.name} ({net.reason}: {net.evidence})"
    # A gate on the bucket itself (Object Ownership disabling its ACL), said once.
    notes = [n for n in (ownership_note(bucket),) if n]
    head = {"instance": instance.instance_id, "bucket": bucket.name,
            "assumed_context": dict(g.assumed), "bucket_notes": notes,
            "network_path": {"kind": net.kind, "evidence": net.evidence,
                             "reason": net.reason or None,
                             **({"note": net.note} if net.note else {}),
                             **({"alternative": {
                                 "kind": net.alternative.kind,
                                 "evidence": net.alternative.evidence,
                                 "only_with": net.alternative.only_with}}
                                if net.alternative is not None else {})}}
    if args.action:
        if args.format == "json":
            json.dump({
                **head, "action": args.action,
                "hops": [{"from": h.source_id, "to": h.target_id, "relation": h.relation,
                          "reasons": list(h.reasons), "evidence": [e.label for e in h.evidence]}
                         for h in x.hops],
                "access": access_json(x.access, g) if x.access else None,
                "no_path_because": no_role if x.access is None else None,
                "access_point_paths": [point_path_json(p, action) for p in points],
                "could_gain": [escalation_json(e, bucket.name) for e in gain],
            }, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print("\n".join(assumed_line(g) + notes + _explain_text(x, instance, no_role, g)
                            + [line for p in points for line in _point_text(
                                p, instance, bucket.name, action, g)]
                            + _could_gain_text(gain, bucket.name, g)))
        return code
    if args.format == "json":
        json.dump({**head,
                   "paths": [{"via": list(p.via),
                              "actions": [access_json(a, g) for a in p.actions.values()]}
                             for p in paths],
                   "no_path_because": no_role,
                   "access_point_paths": [point_path_json(p) for p in points],
                   "could_gain": [escalation_json(e, bucket.name) for e in gain]},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return code
    for line in assumed_line(g) + notes:
        print(line)
    if not paths:
        print(no_role or f"{instance.label} cannot reach {bucket.name} (no statement grants it)")
    for p in paths:
        chain = " -> ".join(a.rsplit("/", 1)[-1] for a in p.via)
        print(f"{instance.label} -> {chain} -> {bucket.name}")
        for a in p.actions.values():
            print("\n".join(_line(a, g)))
    for pp in points:
        print("\n".join(_point_text(pp, instance, bucket.name, None, g)))
    for line in _could_gain_text(gain, bucket.name, g):
        print(line)
    return code


def _through_point(g: AccessGraph, args: argparse.Namespace, instance: Instance, bucket: str,
                   point: AccessPoint, points: list[PointPath], no_role: str | None,
                   code: int) -> int:
    """`--access-point`: only the path through that point (its hops with --action)."""
    head = {"instance": instance.instance_id, "bucket": bucket, "access_point": point.arn,
            "assumed_context": dict(g.assumed)}
    if args.format in ("mermaid", "dot"):
        from graph.exports.diagram import to_dot, to_mermaid, trace_steps

        steps = trace_steps(g, instance.instance_id, bucket, args.action, point)
        sys.stdout.write((to_mermaid if args.format == "mermaid" else to_dot)(steps, g))
        return code
    if args.action:
        x = g.points.explain(instance, bucket, args.action, point)
        if args.format == "json":
            json.dump({**head, "action": args.action,
                       "hops": [{"from": h.source_id, "to": h.target_id,
                                 "relation": h.relation, "reasons": list(h.reasons),
                                 "evidence": [e.label for e in h.evidence]} for h in x.hops],
                       "access": access_json(x.access, g) if x.access else None,
                       "no_path_because": no_role if x.access is None else None},
                      sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print("\n".join(assumed_line(g) + _point_explain(x, instance, no_role, g)))
        return code
    if args.format == "json":
        json.dump({**head, "access_point_paths": [point_path_json(p) for p in points],
                   "no_path_because": no_role if not points else None}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return code
    for line in assumed_line(g):
        print(line)
    if not points:
        print(no_role or f"{instance.label} gets no role to act through {point.name}")
    for p in points:
        print("\n".join(_point_text(p, instance, bucket, None, g)))
    return code

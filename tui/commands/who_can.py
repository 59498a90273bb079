"""`rolemap who-can BUCKET [--action A | --level L]`: instances, roles, IAM users, the public,
other accounts and services, each with its actions, key prefixes, role chain and evidence.

The context taken as known (`--assume`) is said first: a header line in text,
`"assumed_context"` in JSON (`{}` when none), as every export records it."""

from __future__ import annotations

import argparse
import json
import sys

from graph.access import PrincipalAccess
from graph.access.model import chain_label
from graph.catalog import LEVEL_ALIASES, find_action, normalize_level
from graph.findings import Escalation, escalation_json, escalations_to_bucket
from graph.findings.context import level_of
from graph.findings.gain_groups import by_target
from graph.model_users import USER_GATES_NOTE
from tui.commands.access_options import add_access_options, graph_from_args
from tui.commands.trace import access_json, assumed_line


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "who-can", help="list who can reach a bucket (instances, roles, the public)",
        description="List every instance, role and the public that can act on BUCKET.")
    parser.add_argument("bucket", help="bucket name")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--action", help="only this S3 action, e.g. s3:PutObject")
    which.add_argument("--level", choices=sorted({k for k in LEVEL_ALIASES if " " not in k}),
                       help="only actions of this access level")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default) or json")
    add_access_options(parser)
    parser.set_defaults(func=run)


def _text(p: PrincipalAccess) -> list[str]:
    counts: dict[str, int] = {}
    for a in p.actions.values():
        counts[a.outcome.value] = counts.get(a.outcome.value, 0) + 1
    summary = ", ".join(f"{n} {o}" for o, n in counts.items())
    # A role's own chain goes without saying; one through assumed roles is named.
    chained = p.kind == "instance" or len(p.via) > 1
    via = f"  via {chain_label(p.via)}" if p.via and chained else ""
    lines = [f"{p.kind:<9} {p.name:<40} {summary}{via}"]
    if p.kind == "user":
        lines.append(f"{'':<10}{USER_GATES_NOTE}")
    for chain in p.chains:
        if chain != p.via:
            lines.append(f"{'':<10}also via {chain_label(chain)}")
    limited: dict[tuple[str, ...], list[str]] = {}
    for a in p.actions.values():
        if a.prefixes:
            limited.setdefault(a.prefixes, []).append(a.action)
    for prefixes, names in limited.items():
        lines.append(f"{'':<10}{', '.join(names)} only under {', '.join(prefixes)}")
    return lines


def run(args: argparse.Namespace) -> int:
    g = graph_from_args(args)
    found = g.who_can(args.bucket, action=args.action, level=args.level)
    # Escalation: who could gain access here; listed apart, never among the principals.
    gain = [e for e in escalations_to_bucket(g, args.bucket) if _wanted(e, args)]
    if args.format == "json":
        json.dump({"bucket": args.bucket, "assumed_context": dict(g.assumed), "principals": [
            {"kind": p.kind, "id": p.id, "name": p.name,
             "actions": {k: a.outcome.value for k, a in p.actions.items()},
             "via": list(p.via), "chains": [list(c) for c in p.paths],
             "details": [access_json(a) for a in p.actions.values()],
             **({"note": USER_GATES_NOTE} if p.kind == "user" else {})}
            for p in found],
            "could_gain": [escalation_json(e, args.bucket) for e in gain]},
            sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for line in assumed_line(g):
        print(line)
    if not found:
        print(f"nobody can reach {args.bucket} with that")
    for p in found:
        print("\n".join(_text(p)))
    # One line per (role, target role), however many instances and launch calls share it.
    for group in by_target(gain):
        names = [g.snapshot.instance_by_id[i].label for i in group.instances[:2]]
        more = len(group.instances) - 2
        who = ", ".join(names) + (f" +{more}" if more > 0 else "")
        role = group.role.rsplit("/", 1)[-1]
        print(f"{'could gain':<9} {who:<40} as role {role}: {group.label} (escalation, "
              "not allowed now)")
    return 0


def _wanted(e: Escalation, args: argparse.Namespace) -> bool:
    """An escalation matters for --action/--level when it gains such an action here."""
    if e.everything or (args.action is None and args.level is None):
        return True
    gained = e.gains.get(args.bucket, frozenset())
    if args.action is not None:
        entry = find_action(args.action)
        return entry is not None and entry.name in gained
    return any(level_of(a) == normalize_level(args.level) for a in gained)

"""`rolemap who-can BUCKET [--action A | --level L]`: instances, roles, IAM users, the public,
other accounts and services, each with its actions, key prefixes, role chain and evidence.

The context taken as known (`--assume`) is said first: a header line in text,
`"assumed_context"` in JSON (`{}` when none), as every export records it."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from graph.access import ActionAccess, PrincipalAccess
from graph.access.model import PointPath, chain_label, unique_refs
from graph.catalog import LEVEL_ALIASES, find_action, normalize_level
from graph.findings import Escalation, escalation_json, escalations_to_bucket
from graph.findings.context import level_of
from graph.findings.gain_groups import by_target
from graph.model_compute import COMPUTE_TITLES
from graph.model_users import USER_GATES_NOTE
from graph.org.index import OrgIndex, build_index
from graph.org.queries import who_can_org
from graph.sources.org.folder import OrgFolder
from tui.commands.access_options import (
    add_access_options,
    fresh_results,
    graph_from_args,
    org_folder_from_args,
    parse_assumed,
)
from tui.commands.trace import access_json, assumed_line, point_path_json


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
    if p.kind in COMPUTE_TITLES and p.via:  # the role it runs as is what a reader checks
        via = f"  as role {chain_label(p.via)}"
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


#: A who-can row of an organisation as printed: account, principal, inside/outside the
#: organisation, and each action's details (`access_json`).
OrgRow = tuple[str, PrincipalAccess, str, list[dict[str, Any]]]


def run_org(args: argparse.Namespace, folder: OrgFolder, index: OrgIndex) -> int:
    """who-can on an organisation folder: every account's rows, each with its account."""
    rows = who_can_org(folder, index, args.bucket,
                       parse_assumed(getattr(args, "assume", []) or []),
                       action=args.action, level=args.level)
    return print_org(args, [(r.account, r.principal, r.membership,
                             [access_json(a) for a in r.principal.actions.values()])
                            for r in rows])


def run_stored(args: argparse.Namespace, folder: OrgFolder) -> int | None:
    """who-can from the stored results (None: a row needs deciding live)."""
    from graph.org.results.stored import stored_who_can

    found = stored_who_can(folder.path, folder.loaded, args.bucket, args.action, args.level)
    if found is None:
        return None
    print(f"(answered from {folder.path / 'results'}, current)", file=sys.stderr)
    return print_org(args, [(r.account, r.principal, r.membership, list(r.details))
                            for r in found])


def print_org(args: argparse.Namespace, rows: list[OrgRow]) -> int:
    if args.format == "json":
        json.dump({"bucket": args.bucket, "principals": [
            {"account": account, "kind": p.kind, "id": p.id,
             "name": p.name, "organisation": membership or None,
             "actions": {k: a.outcome.value for k, a in p.actions.items()},
             "via": list(p.via), "chains": [list(c) for c in p.paths],
             "details": details}
            for account, p, membership, details in rows]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(f"nobody can reach {args.bucket} with that")
    for account, p, membership, _ in rows:
        lines = _text(p)
        where = f" ({membership} the organisation)" if membership else ""
        lines[0] = f"{account}  {lines[0]}{where}"
        print("\n".join([lines[0], *(f"{'':<14}{line}" for line in lines[1:])]))
    return 0


def run(args: argparse.Namespace) -> int:
    folder = org_folder_from_args(args)
    if folder is not None:
        if fresh_results(args, folder):
            code = run_stored(args, folder)
            if code is not None:
                return code
        return run_org(args, folder, build_index(folder))
    g = graph_from_args(args)
    found = g.who_can(args.bucket, action=args.action, level=args.level)
    # Escalation: who could gain access here; listed apart, never among the principals.
    gain = [e for e in escalations_to_bucket(g, args.bucket) if _wanted(e, args)]
    through = [p for p in g.points.who_can(args.bucket) if any(_kept(a, args)
                                                                for a in p.reaching)]
    if args.format == "json":
        json.dump({"bucket": args.bucket, "assumed_context": dict(g.assumed), "principals": [
            {"kind": p.kind, "id": p.id, "name": p.name,
             "actions": {k: a.outcome.value for k, a in p.actions.items()},
             "via": list(p.via), "chains": [list(c) for c in p.paths],
             "details": [access_json(a, g) for a in p.actions.values()],
             **({"note": USER_GATES_NOTE} if p.kind == "user" else {})}
            for p in found],
            "access_point_paths": [
                {"kind": p.kind, "id": p.id, "name": p.name,
                 **point_path_json(replace(p, actions={
                     a.action: a for a in p.reaching if _kept(a, args)}))}
                for p in through],
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
    for pp in through:
        print("\n".join(_point_text(pp, args)))
    # One line per (role, target role), however many instances and launch calls share it.
    for group in by_target(gain):
        names = [g.snapshot.instance_by_id[i].label for i in group.instances[:2]]
        more = len(group.instances) - 2
        who = ", ".join(names) + (f" +{more}" if more > 0 else "")
        role = group.role.rsplit("/", 1)[-1]
        print(f"{'could gain':<9} {who:<40} as role {role}: {group.label} (escalation, "
              "not allowed now)")
    return 0


def _kept(a: ActionAccess, args: argparse.Namespace) -> bool:
    """An answer --action/--level keeps."""
    if args.action is not None:
        entry = find_action(args.action)
        return entry is not None and a.action == entry.name
    return args.level is None or level_of(a.action) == normalize_level(args.level)


def _point_text(p: PointPath, args: argparse.Namespace) -> list[str]:
    """One path through an access point: who, the point, the granted actions' counts."""
    kept = [a for a in p.reaching if _kept(a, args)]
    counts: dict[str, int] = {}
    for a in kept:
        counts[a.outcome.value] = counts.get(a.outcome.value, 0) + 1
    summary = ", ".join(f"{n} {o}" for o, n in counts.items())
    via = f"  as {chain_label(p.via)}" if p.via and p.kind == "instance" else ""
    lines = [f"{p.kind:<9} {p.name:<40} {summary}  via access point {p.point_arn}{via}"]
    evidence = unique_refs(e for a in kept for e in a.evidence
                           if e.policy_name == f"access point {p.point_name}")
    lines.extend(f"{'':<10}by {e.label}" for e in evidence)
    return lines


def _wanted(e: Escalation, args: argparse.Namespace) -> bool:
    """An escalation matters for --action/--level when it gains such an action here."""
    if e.everything or (args.action is None and args.level is None):
        return True
    gained = e.gains.get(args.bucket, frozenset())
    if args.action is not None:
        entry = find_action(args.action)
        return entry is not None and entry.name in gained
    return any(level_of(a) == normalize_level(args.level) for a in gained)

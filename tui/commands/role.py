"""`rolemap role plan|create`: the role wizard without the app, for scripts and reviews.

`plan` prints the documents (JSON, AWS CLI script, CloudFormation, Terraform) and needs no
account unless a source is named (then the name is checked against it). `create` writes to the
account, so it shows the API calls first and proceeds only on `--yes` or an explicit "y" typed
on a terminal; without either it refuses rather than guess.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from graph.access.query.lookup import find_instance
from graph.errors import RolemapError
from graph.model import AccountSnapshot, Instance
from graph.sources import AwsConnection, LoadedSource
from graph.wizard import (
    FORMATS,
    BucketGrant,
    PlanInputError,
    RolePlan,
    TrustCondition,
    api_calls,
    apply_plan,
    check,
    lint,
    parse_tag,
    render,
)
from graph.wizard.apply import preflight, undo_journal
from graph.wizard.interrupts import SignalGuard
from graph.wizard.journal import Journal, default_journal_path, load_journal
from graph.wizard.kms import with_kms
from tui.commands.path_arg import path_arg
from tui.commands.source_options import add_source_options, load_from_args, spec_from_args

_SOURCE_KEYS = ("demo", "profile", "snapshot", "regions")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("role", help="plan or create a least-privilege role")
    actions = parser.add_subparsers(dest="role_command", metavar="ACTION", required=True)
    plan = actions.add_parser("plan", help="print the role's documents; nothing is written")
    _plan_options(plan)
    plan.add_argument("--format", choices=FORMATS, default="json",
                      help="json (default), cli (bash script), cloudformation, terraform")
    plan.set_defaults(func=run_plan)
    create = actions.add_parser("create", help="create the role (shows the plan, then asks)")
    _plan_options(create)
    create.add_argument("--attach", action="append", default=[], metavar="INSTANCE",
                        help="instance id or Name tag to give the new profile (replaces its "
                             "current one); repeatable")
    create.add_argument("--yes", action="store_true", help="create without asking")
    create.add_argument("--journal", metavar="PATH", type=path_arg,
                        help="where to record each call before it is sent (default: "
                             "~/.local/state/rolemap/journals/ROLE-TIME.json); if rolemap is "
                             "killed half-way, `rolemap role undo PATH` removes what it made")
    create.set_defaults(func=run_create)
    undo = actions.add_parser(
        "undo", help="undo what a role create journal recorded (after a killed create)",
        description="Runs the undo calls a `role create` journal recorded, last first; a call "
                    "that may not have happened counts as undone when its target is not there. "
                    "Only the inverses of role create's own writes, on the role and profile "
                    "it created (still carrying its rolemap:creation tag), in the journal's "
                    "account, are run; a journal asking for anything else is refused whole.")
    undo.add_argument("journal", metavar="JOURNAL", type=path_arg,
                      help="the journal file role create named")
    add_source_options(undo)
    undo.set_defaults(func=run_undo)


def _plan_options(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser)
    parser.add_argument("--name", required=True, help="role name (also the instance profile's)")
    parser.add_argument("--trust", action="append", default=[], metavar="PRINCIPAL",
                        help="service principal (ec2.amazonaws.com), account id or role ARN; "
                             "repeatable")
    parser.add_argument("--external-id", help="require sts:ExternalId in the trust policy")
    parser.add_argument("--source-account", help="require aws:SourceAccount in the trust policy")
    parser.add_argument("--grant", action="append", default=[], metavar="TASK:BUCKET[/PREFIX]",
                        help="what the role may do on a bucket, e.g. read:data or "
                             "list,read:data/reports/. Tasks grant the fewest actions: list "
                             "(ListBucket, narrowed to the prefix), read (GetObject, "
                             "GetObjectVersion), write (PutObject), delete (DeleteObject); add "
                             "single actions by name (read,s3:GetObjectTagging:data) or, "
                             "advanced, a whole AWS access level (level-read, level-write, "
                             "tagging, permissions-management); repeatable")
    parser.add_argument("--require-tls", action="store_true",
                        help="grants hold only over TLS (aws:SecureTransport)")
    parser.add_argument("--managed", action="append", default=[], metavar="ARN",
                        help="attach an existing managed policy; repeatable")
    parser.add_argument("--boundary", metavar="ARN", help="permissions boundary policy ARN")
    parser.add_argument("--path", default="/", help="role path (default /)")
    parser.add_argument("--description", default="", help="the role's description")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE",
                        help="a tag on the role and its instance profile; repeatable")
    parser.add_argument("--max-session", type=int, default=3600, metavar="SECONDS",
                        help="max session duration, 3600-43200 (default 3600)")
    parser.add_argument("--no-instance-profile", action="store_true",
                        help="do not create an instance profile even though EC2 is trusted")


def plan_from_args(args: argparse.Namespace) -> RolePlan:
    """The RolePlan the options describe (syntax only; check() applies AWS's rules)."""
    services = tuple(t for t in args.trust if ".amazonaws.com" in t)
    principals = tuple(t for t in args.trust if ".amazonaws.com" not in t)
    conditions = []
    if args.external_id is not None:
        conditions.append(TrustCondition("StringEquals", "sts:ExternalId", (args.external_id,)))
    if args.source_account is not None:
        conditions.append(TrustCondition("StringEquals", "aws:SourceAccount",
                                         (args.source_account,)))
    return RolePlan(
        name=args.name,
        trusted_services=services,
        trusted_principals=principals,
        trust_conditions=tuple(conditions),
        grants=tuple(BucketGrant.parse(g, require_tls=args.require_tls) for g in args.grant),
        managed_policy_arns=tuple(args.managed),
        boundary_arn=args.boundary,
        path=args.path,
        description=args.description,
        tags=tuple(parse_tag(t) for t in args.tag),
        max_session_duration=args.max_session,
        create_instance_profile=not args.no_instance_profile,
    )


def _source_named(args: argparse.Namespace) -> bool:
    return any(hasattr(args, key) for key in _SOURCE_KEYS)


def run_plan(args: argparse.Namespace) -> int:
    snapshot = load_from_args(args).snapshot if _source_named(args) else None
    plan = with_kms(plan_from_args(args), snapshot)
    check(plan, snapshot)
    sys.stdout.write(render(plan, args.format))
    for finding in lint(plan, snapshot):
        print(f"rolemap: {finding}", file=sys.stderr)
    return 0


def find_instances(snapshot: AccountSnapshot, keys: list[str]) -> list[Instance]:
    """The instances named by id or Name tag, as every other command takes them
    (LookupFailed with close matches, or with the ids when a Name tag is not unique)."""
    return list({i.instance_id: i for i in (find_instance(snapshot, k) for k in keys)}.values())


def confirm(prompt: str, stdin: TextIO | None = None) -> bool:
    """Ask on a terminal; refuse (RolemapError) when nobody can answer."""
    stream = stdin if stdin is not None else sys.stdin
    if stream is None or not stream.isatty():
        raise RolemapError("refusing to create the role without confirmation: "
                           "run in a terminal or pass --yes")
    sys.stdout.write(prompt)
    sys.stdout.flush()
    return stream.readline().strip().lower() in ("y", "yes")


def run_create(args: argparse.Namespace) -> int:
    loaded: LoadedSource = load_from_args(args)
    plan = with_kms(plan_from_args(args), loaded.snapshot)
    if loaded.connection is None:
        raise RolemapError("role create needs a live account or --demo, not a snapshot file")
    check(plan, loaded.snapshot)
    attach = find_instances(loaded.snapshot, args.attach)
    if attach and plan.instance_profile_name is None:
        raise PlanInputError("--attach needs an instance profile: trust ec2.amazonaws.com "
                             "and drop --no-instance-profile")
    print(f"Plan for role {plan.name} in account {loaded.snapshot.account_id}:")
    for number, call in enumerate(api_calls(plan, attach), start=1):
        print(f"  {number}. {call.describe()}")
    for finding in lint(plan, loaded.snapshot):
        print(f"  {finding}")
    preflight(plan, loaded.connection)
    if not args.yes and not confirm("Create it? [y/N] "):
        print("nothing created")
        return 1
    journal = Journal(Path(args.journal) if args.journal else default_journal_path(plan.name),
                      plan.name, loaded.snapshot.account_id)
    print(f"journal: {journal.path} (if this is killed: rolemap role undo {journal.path})",
          file=sys.stderr)
    with SignalGuard(str(journal.path)) as guard:
        result = apply_plan(plan, loaded.connection, attach, journal=journal, guard=guard)
    for line in result.lines():
        print(line)
    if result.interrupted:
        return 128 + (result.signal_number or 2)
    return 0 if result.ok else 1


def run_undo(args: argparse.Namespace) -> int:
    journal = load_journal(args.journal)
    spec = spec_from_args(args)
    if spec.snapshot:
        raise RolemapError("role undo needs the live account (or --demo) the role was created in")
    if spec.demo:
        from graph.sources.demo import demo_connection

        connection = demo_connection()  # the running emulator, not a fresh one
    else:
        connection = AwsConnection.from_profile(spec.profile, timeout=spec.timeout,
                                                max_attempts=spec.max_attempts)
    lines, errors = undo_journal(journal, connection)
    for line in lines:
        print(line)
    for error in errors:
        print(f"NOT UNDONE: {error}")
    if not lines and not errors:
        print("nothing left to undo")
    return 1 if errors else 0

"""`--org --member-role NAME [--accounts ID,ID] [--ous OU,OU] [--jobs N]`: a whole organisation.

Shared by `snapshot save` (and the app): the command line names the organisation and how to
reach its accounts; graph.sources.org loads it. One line per finished account goes to stderr
(an organisation takes minutes, and a log should say which account failed and why); the
account being loaded is shown on the rewritten progress line when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import sys

from graph.errors import SourceError
from graph.sources.connection import AwsConnection
from graph.sources.org.events import LOADED, STARTED, AccountEvent
from graph.sources.org.export import save_org_export
from graph.sources.org.folder import OrgFolder
from graph.sources.org.live import DEFAULT_JOBS, OrgLoadOptions, save_org_live
from graph.sources.spec import SourceSpec
from graph.text import printable
from tui.commands.path_arg import name_arg
from tui.commands.source_options import spec_from_args, stderr_progress


def add_org_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "organisation (with the management account's or a delegated administrator's "
        "credentials)")
    group.add_argument("--org", action="store_true", default=argparse.SUPPRESS,
                       help="load the whole AWS Organization: its OU tree, SCPs and RCPs, and "
                            "every ACTIVE account through --member-role")
    group.add_argument("--member-role", metavar="NAME", default=argparse.SUPPRESS, type=name_arg,
                       help="with --org: the role to assume in each member account (e.g. "
                            "OrganizationAccountAccessRole or a read-only audit role); with "
                            "--snapshot EXPORT (collect-script --org's folder) not needed")
    group.add_argument("--accounts", dest="org_accounts", metavar="ID,ID",
                       type=_list, default=argparse.SUPPRESS,
                       help="with --org: load only these accounts (with --ous: these and "
                            "those)")
    group.add_argument("--ous", dest="org_ous", metavar="OU,OU", type=_list,
                       default=argparse.SUPPRESS,
                       help="with --org: load only the accounts under these OUs (id or "
                            "unique name; sub-OUs included)")
    group.add_argument("--jobs", dest="org_jobs", metavar="N", type=_jobs,
                       default=argparse.SUPPRESS,
                       help=f"with --org: accounts loaded at once (default {DEFAULT_JOBS}; "
                            "IAM throttles per account, so more jobs do not slow each other)")


def _list(text: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in text.split(",") if part.strip())
    if not items:
        raise argparse.ArgumentTypeError(f"expected ID,ID,...: {text!r}")
    return items


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def wants_org(args: argparse.Namespace) -> bool:
    """Whether --org was given; the options that need it, without it, are an error."""
    if getattr(args, "org", False):
        return True
    alone = [option for option, dest in (("--member-role", "member_role"),
                                         ("--accounts", "org_accounts"), ("--ous", "org_ous"),
                                         ("--jobs", "org_jobs")) if hasattr(args, dest)]
    if alone:
        verb = "goes" if len(alone) == 1 else "go"
        raise SourceError(f"{', '.join(alone)} {verb} with --org (load a whole organisation)")
    return False


def org_options_from_args(args: argparse.Namespace, spec: SourceSpec) -> OrgLoadOptions:
    role = getattr(args, "member_role", None)
    if not role or not role.strip("/"):
        raise SourceError("--org needs --member-role NAME: the role to assume in each member "
                          "account")
    if spec.demo:
        raise SourceError("--org reads a live organisation (or, with --snapshot, the folder "
                          "collect-script --org wrote): not --demo")
    if spec.org_policies:
        raise SourceError("--org reads every account's SCPs and RCPs itself: drop "
                          "--org-policies")
    label = f"profile {spec.profile}" if spec.profile else "default credentials"
    return OrgLoadOptions(role, getattr(args, "org_accounts", ()), getattr(args, "org_ous", ()),
                          getattr(args, "org_jobs", DEFAULT_JOBS), spec.regions,
                          spec.workers, spec.timeout, spec.max_attempts, label)


def announce_account(event: AccountEvent) -> None:
    """One line per finished account on stderr (the one loading on the progress line)."""
    who = f"account {event.account_id}" + (f" ({event.name})" if event.name else "")
    if event.state == STARTED:
        stderr_progress(f"organisation: loading {who}", event.done, event.total)
        return
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")
    what = "loaded" if event.state == LOADED else "FAILED"
    print(printable(f"rolemap: [{event.done}/{event.total}] {who} {what}: {event.detail}"),
          file=sys.stderr)


def save_org_from_args(args: argparse.Namespace, out: str) -> OrgFolder:
    """Load the organisation the options name into the folder `out`."""
    spec = spec_from_args(args)
    if spec.snapshot:  # the organisation collect-script --org wrote
        if spec.demo or spec.org_policies:
            raise SourceError("--org --snapshot EXPORT reads the folder collect-script --org "
                              "wrote: drop --demo and --org-policies")
        return save_org_export(spec.snapshot, out, getattr(args, "org_accounts", ()),
                               getattr(args, "org_ous", ()), announce_account)
    options = org_options_from_args(args, spec)
    conn = AwsConnection.from_profile(spec.profile, timeout=spec.timeout,
                                      max_attempts=spec.max_attempts)
    return save_org_live(conn, out, options, announce_account)

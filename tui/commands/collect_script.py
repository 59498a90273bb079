"""`rolemap collect-script [--regions R ...]`: print the AWS CLI script writing an export folder.

For audits where the reviewer holds no credentials: the account owner runs the script, sends
the folder back, and the reviewer opens it with `rolemap --snapshot DIR`. With `--org
[--member-role NAME] [--accounts ID,ID]` the script collects a whole organisation (run with
the management account's credentials); `rolemap snapshot save ORG_DIR --org --snapshot DIR`
turns its folder into an organisation folder.
"""

from __future__ import annotations

import argparse
from typing import Any

from graph.errors import SourceError
from graph.sources.collect_script import collect_script
from graph.sources.org.collect_script import DEFAULT_MEMBER_ROLE, org_collect_script
from tui.commands.path_arg import name_arg


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "collect-script", help="print a read-only AWS CLI script that writes an export folder",
        description="Print a bash script of read-only AWS CLI commands that writes the export "
                    "folder `rolemap --snapshot DIR` reads.",
    )
    parser.add_argument("--regions", dest="script_regions", nargs="+", metavar="REGION",
                        default=[],
                        help="EC2 regions to read (default: every enabled region)")
    parser.add_argument("--org", dest="script_org", action="store_true",
                        help="collect a whole AWS Organization: the OU tree, SCPs and RCPs "
                             "(run with the management account's or a delegated "
                             "administrator's credentials), then one export folder per ACTIVE "
                             "account, read through --member-role")
    parser.add_argument("--member-role", dest="script_member_role", metavar="NAME",
                        default=DEFAULT_MEMBER_ROLE, type=name_arg,
                        help=f"with --org: the role assumed in each member account (default "
                             f"{DEFAULT_MEMBER_ROLE}; MEMBER_ROLE=NAME when running the "
                             "script overrides it)")
    parser.add_argument("--accounts", dest="script_accounts", metavar="ID,ID", default=None,
                        type=name_arg,
                        help="with --org: collect only these accounts")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # `rolemap --region R collect-script` (the source option) means the same thing.
    regions = args.script_regions or getattr(args, "regions", None) or []
    accounts = [a.strip() for a in (args.script_accounts or "").split(",") if a.strip()]
    if not args.script_org:
        if accounts or args.script_member_role != DEFAULT_MEMBER_ROLE:
            raise SourceError("--member-role and --accounts go with --org")
        print(collect_script(regions), end="")
        return 0
    print(org_collect_script(regions, args.script_member_role, accounts), end="")
    return 0

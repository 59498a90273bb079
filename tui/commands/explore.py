"""`rolemap` without a sub-command: open the explorer on the source the options name.

The source is only named here; the app opens it in a worker so the loading screen shows
progress instead of a frozen terminal.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from graph.errors import SourceError
from graph.sources import SourceSpec, snapshot_is_folder
from graph.sources.org.folder import is_org_folder
from graph.temp_files import scratch_folder
from graph.text import printable
from tui.commands.org_options import save_org_from_args, wants_org
from tui.commands.source_options import spec_from_args


def run_explorer(args: argparse.Namespace) -> int:
    if wants_org(args):
        return _run_org_explorer(args)
    spec = spec_from_args(args)  # conflicting options fail here, before the screen opens
    if spec.demo:
        from graph.sources.demo import emulator_installed, require_emulator
        from graph.sources.demo_cache import needs_build

        # A missing extra is a one-line error, not a screen; a cached demo is checked
        # without importing the emulator (about 2 s), which starts only for the wizard.
        if needs_build(spec) or not emulator_installed():
            require_emulator()
    return _explore(spec, args)


def _explore(spec: SourceSpec, args: argparse.Namespace) -> int:
    from tui.app import RolemapApp

    compare = getattr(args, "compare", None)
    if compare is not None and spec.snapshot and is_org_folder(spec.snapshot):
        raise SourceError(f"--compare: {spec.snapshot} is an organisation folder; compare "
                          "organisations with: rolemap diff OLD_DIR NEW_DIR")
    if compare is not None:
        try:
            snapshot_is_folder(compare)
        except SourceError as exc:
            raise SourceError(f"--compare {exc}") from None
    app = RolemapApp(spec, compare=compare)
    app.run()
    if app.load_error is not None:
        # The screen that showed why is gone: say it where the shell can see it, and fail.
        reason = app.load_error.strip().splitlines() or ["unknown error"]
        print(f"rolemap: error: could not load the account: {printable(reason[0])}",
              file=sys.stderr)
        return 2
    return app.return_code or 0


def _run_org_explorer(args: argparse.Namespace) -> int:
    """`rolemap --org --member-role NAME`: the organisation is loaded (one line per account on
    stderr) into an organisation folder for this session, and the app opens the management
    account's view of it (the first account loaded when the management account was not)."""
    with scratch_folder(Path(tempfile.gettempdir()), "rolemap-org") as tmp:
        folder = save_org_from_args(args, str(tmp / "organization"))
        if not folder.loaded:
            raise SourceError("no account of the organisation could be loaded (see the lines "
                              "above)")
        management = folder.tree.management_account_id
        account = management if management in folder.loaded else folder.loaded[0]
        which = "the management account" if account == management else "the first account loaded"
        print(printable(f"rolemap: organisation {folder.tree.organization_id}: "
                        f"{len(folder.loaded)} accounts loaded, {len(folder.failed)} failed; "
                        f"opening {which}, {account} (to keep the organisation: rolemap "
                        "snapshot save DIR --org ...)"), file=sys.stderr)
        spec = SourceSpec(snapshot=str(folder.path))  # the Accounts tab opens the others
        return _explore(spec, args)


"""`rolemap` without a sub-command: open the explorer on the source the options name.

The source is only named here; the app opens it in a worker so the loading screen shows
progress instead of a frozen terminal.
"""

from __future__ import annotations

import argparse
import sys

from graph.errors import SourceError
from graph.sources import snapshot_is_folder
from graph.text import printable
from tui.commands.source_options import spec_from_args


def run_explorer(args: argparse.Namespace) -> int:
    from tui.app import RolemapApp

    spec = spec_from_args(args)  # conflicting options fail here, before the screen opens
    if spec.demo:
        from graph.sources.demo import emulator_installed, require_emulator
        from graph.sources.demo_cache import needs_build

        # A missing extra is a one-line error, not a screen; a cached demo is checked
        # without importing the emulator (about 2 s), which starts only for the wizard.
        if needs_build(spec) or not emulator_installed():
            require_emulator()
    compare = getattr(args, "compare", None)
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

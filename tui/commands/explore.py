"""`rolemap` without a sub-command: open the explorer on the source the options name.

The source is only named here; the app opens it in a worker so the loading screen shows
progress instead of a frozen terminal.
"""

from __future__ import annotations

import argparse

from graph.errors import SourceError
from graph.sources import snapshot_is_folder
from tui.commands.source_options import spec_from_args


def run_explorer(args: argparse.Namespace) -> int:
    from tui.app import RolemapApp

    spec = spec_from_args(args)  # conflicting options fail here, before the screen opens
    if spec.demo:
        from graph.sources.demo import require_emulator

        require_emulator()  # a missing extra is a one-line error, not a screen
    compare = getattr(args, "compare", None)
    if compare is not None:
        try:
            snapshot_is_folder(compare)
        except SourceError as exc:
            raise SourceError(f"--compare {exc}") from None
    result = RolemapApp(spec, compare=compare).run()
    return int(result or 0)

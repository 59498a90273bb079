"""Write the README's screenshots from the demo account: explorer, a finding, a trace, who-can.

    python tests/screenshots.py [output-dir]

Run it again whenever a screen changes. The emulator's generated ids and addresses are
replaced by stable ones (tests/tui/masked.py, as for the snapshot tests), so only real
changes show up in the diff, whichever moto release made the account.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from typing import Any

from graph.sources import LoadedSource, SourceSpec, open_source
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen

SIZE = (130, 36)
THEME = "textual-dark"


async def capture(loaded: LoadedSource, out: Path) -> list[Path]:
    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return loaded

    app = RolemapApp(SourceSpec(demo=True), opener=opener)
    written: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        app.theme = THEME
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)

        def save(name: str) -> None:
            path = out / name
            app.save_screenshot(filename=path.name, path=str(out))
            written.append(path)

        save("explorer.svg")
        # The top finding opened: its trace, the finding and its statements beside it.
        await pilot.press("enter")
        await pilot.pause()
        save("finding.svg")
        await pilot.press("escape")
        await pilot.pause()
        screen.jump_to(("instances", _instance_id(loaded, "ci-runner-1")))
        await pilot.press("t")
        await pilot.pause()
        # profile, role, assumed role, buckets, first bucket (open), its network step, Read,
        # s3:GetObject
        await pilot.press(*["down"] * 8)
        await pilot.pause()
        save("trace.svg")
        await pilot.press("escape")
        await pilot.pause()
        screen.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        # The public, anyone (opened), Read, s3:GetObject
        await pilot.press("down", "down", "enter", "down", "down")
        await pilot.pause()
        save("who-can.svg")
    return written


def _instance_id(loaded: LoadedSource, name: str) -> str:
    return next(i.instance_id for i in loaded.snapshot.instances if i.name == name)


def _masked(loaded: LoadedSource) -> LoadedSource:
    # Loaded by path: run as a script, tests/ is first on sys.path and `tui` would be tests/tui.
    spec = importlib.util.spec_from_file_location(
        "masked", Path(__file__).parent / "tui" / "masked.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.masked(loaded)  # type: ignore[no-any-return]


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    loaded = _masked(open_source(SourceSpec(demo=True)))
    for path in asyncio.run(capture(loaded, out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

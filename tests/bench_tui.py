"""How the explorer feels on a large account: filter keystrokes and opening a trace.

    /work/venv/bin/python tests/bench_tui.py [--roles 1000] [--instances 10000] [--buckets 1000]

Writes a synthetic account with `rolemap snapshot synth` (seeded, so runs compare), loads it
the way the app does, then drives the app with Pilot: each keystroke typed into the filter is
timed from the key press until the table has re-filtered and redrawn, and opening a trace is
timed from `t` until the trace tree is built and drawn.

Two clocks: "to first frame" stops when Textual has composed the first frame that shows the
answer (what a person sees; a hook on the screen's compositor refresh records it), and
"round trip" when Pilot finds the app idle again, which adds Pilot's own polling (measured
with a key bound to nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen

from graph.access import build_access_graph
from graph.sources import LoadedSource, SourceSpec, open_source
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.views.rows import build_rows
from tui.widgets.header import AccountHeader
from tui.widgets.key_bar import KeyBar

#: Traces opened (each on another instance); the first composes the screen, later ones reuse it.
TRACES = 15

#: Who-can views opened (each on another bucket).
WHO_CAN = 9

#: What a user types into the filter: a synthetic instance name, one character at a time.
TYPED = "data-prod-0001"


def synth(out: Path, roles: int, instances: int, buckets: int) -> None:
    cmd = [sys.executable, "-m", "tui.cli", "snapshot", "synth", str(out), "--roles", str(roles),
           "--instances", str(instances), "--buckets", str(buckets), "--seed", "7"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class FrameClock:
    """When each screen composed a frame (the moment its update is handed to the terminal)."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, Screen[Any]]] = []
        original = Screen._compositor_refresh
        frames = self.frames

        def refresh(screen: Screen[Any]) -> None:
            original(screen)
            frames.append((time.perf_counter(), screen))

        Screen._compositor_refresh = refresh  # type: ignore[method-assign]

    def first(self, after: float, kind: type[Screen[Any]]) -> float:
        """Seconds from `after` to the first frame of a `kind` screen drawn since."""
        return next(t for t, screen in self.frames if t > after and isinstance(screen, kind)) \
            - after


async def round_trip(pilot: Pilot[int], *keys: str) -> float:
    start = time.perf_counter()
    await pilot.press(*keys)
    await pilot.pause()
    return time.perf_counter() - start


async def drive(loaded: LoadedSource) -> dict[str, Any]:
    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return loaded

    app = RolemapApp(SourceSpec(snapshot="synthetic"), opener=opener)
    figures: dict[str, Any] = {}
    clock = FrameClock()
    async with app.run_test(size=(160, 48)) as pilot:
        start = time.perf_counter()
        await app.workers.wait_for_complete()
        await pilot.pause()
        figures["app load (graph + tables)"] = time.perf_counter() - start
        screen = app.screen
        assert isinstance(screen, ExplorerScreen), screen
        await pilot.press("right_square_bracket")  # the Findings tab comes first: Instances
        await pilot.pause()
        table = screen.table
        # Pilot's own cost per key (it waits for the app to go idle): a key bound to nothing.
        figures["key round trip, no-op key"] = statistics.median(
            [await round_trip(pilot, "f12") for _ in range(5)]
        )
        applied: list[float] = []
        apply_filter = table.apply_filter

        def recording(text: str) -> None:
            apply_filter(text)
            applied.append(time.perf_counter())

        table.apply_filter = recording  # type: ignore[method-assign]
        await pilot.press("slash")
        keystrokes, shown = [], []

        async def keystroke(key: str) -> None:
            start = time.perf_counter()
            keystrokes.append(await round_trip(pilot, key))
            filtered = next(t for t in applied if t > start)
            shown.append(clock.first(filtered, ExplorerScreen) + (filtered - start))

        for char in TYPED:
            await keystroke(char)
        figures["rows shown after filter"] = len(table.model.visible)
        for _ in TYPED:
            await keystroke("backspace")
        table.apply_filter = apply_filter  # type: ignore[method-assign]
        figures["filter key to first frame (median)"] = statistics.median(shown)
        figures["filter key to first frame (max)"] = max(shown)
        figures["filter key round trip (median)"] = statistics.median(keystrokes)
        figures["filter key round trip (max)"] = max(keystrokes)
        # The app's own work per keystroke: filter every row, draw the visible ones.
        region = Region(0, 0, table.size.width, table.size.height)
        work = []
        for end in [*range(1, len(TYPED) + 1), *range(len(TYPED) - 1, -1, -1)]:
            start = time.perf_counter()
            table.apply_filter(TYPED[:end])
            table.render_lines(region)
            work.append(time.perf_counter() - start)
        figures["filter work per key (max)"] = max(work)
        await pilot.press("escape")
        traces, first_frames, buckets = [], [], []
        graph = app.workspace.graph if app.workspace else None
        assert graph is not None
        query = []
        for step in range(TRACES):
            table.cursor = step * 997 % len(table.model.visible)
            await pilot.pause()  # the cursor move is drawn before `t`, as when a person moves
            start = time.perf_counter()
            found = graph.reachable_from_instance(str(table.current_key), include_denied=True)
            query.append(time.perf_counter() - start)
            buckets.append(len({a.bucket for a in found}))
            start = time.perf_counter()
            traces.append(await round_trip(pilot, "t"))
            first_frames.append(clock.first(start, TraceScreen))
            assert isinstance(app.screen, TraceScreen)
            await pilot.press("escape")
            await pilot.pause()
        figures["traces opened"] = f"{TRACES} (buckets per instance: {min(buckets)}-{max(buckets)})"
        figures["trace query (max)"] = max(query)
        figures["open trace, first (fresh screen)"] = first_frames[0]
        figures["open trace to first frame (median)"] = statistics.median(first_frames)
        figures["open trace to first frame (max)"] = max(first_frames)
        figures["open trace round trip (median)"] = statistics.median(traces)
        figures["open trace round trip (max)"] = max(traces)
        who, who_frames, reached = [], [], []
        names = [b.name for b in app.workspace.snapshot.buckets]
        for step in range(WHO_CAN):
            name = names[step * 97 % len(names)]
            app.screen.jump_to(("buckets", name))  # type: ignore[attr-defined]
            await pilot.pause()
            start = time.perf_counter()
            reached.append(len(graph.who_can(name, include_denied=True)))
            who.append(time.perf_counter() - start)
            start = time.perf_counter()
            await round_trip(pilot, "t")
            who_frames.append(clock.first(start, WhoCanScreen))
            assert isinstance(app.screen, WhoCanScreen)
            await pilot.press("escape")
            await pilot.pause()
        figures["who-can views opened"] = (
            f"{WHO_CAN} (principals per bucket: {min(reached)}-{max(reached)})")
        figures["who-can query (max)"] = max(who)
        figures["open who-can to first frame (median)"] = statistics.median(who_frames)
        figures["open who-can to first frame (max)"] = max(who_frames)
        figures["push an empty screen (baseline)"] = await _empty_screen(app, pilot)
    return figures


class _Empty(Screen[None]):
    """What Textual alone costs to show a screen with a header and footer."""

    def compose(self) -> ComposeResult:
        yield AccountHeader("baseline")
        yield KeyBar()


async def _empty_screen(app: RolemapApp, pilot: Pilot[int]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        await app.push_screen(_Empty())
        await pilot.pause()
        times.append(time.perf_counter() - start)
        await app.pop_screen()
        await pilot.pause()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--snapshot", help="reuse an already written synthetic account")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.snapshot) if args.snapshot else Path(tmp) / "synth"
        if not args.snapshot:
            synth(folder, args.roles, args.instances, args.buckets)
        start = time.perf_counter()
        loaded = open_source(SourceSpec(snapshot=str(folder)))
        load = time.perf_counter() - start
        snapshot = loaded.snapshot
        start = time.perf_counter()
        graph = build_access_graph(snapshot)
        analyse = time.perf_counter() - start
        start = time.perf_counter()
        build_rows(graph, lambda step, done, total: None)
        tables = time.perf_counter() - start
        figures = asyncio.run(drive(loaded))
    print(f"account: {len(snapshot.roles)} roles, {len(snapshot.instances)} instances, "
          f"{len(snapshot.buckets)} buckets")
    print(f"  {'read snapshot folder:':<40}{ms(load)}")
    print(f"  {'access graph:':<40}{ms(analyse)}")
    print(f"  {'explorer tables (all rows):':<40}{ms(tables)}")
    for name, value in figures.items():
        shown = ms(value) if isinstance(value, float) else value
        print(f"  {name + ':':<40}{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SVG snapshots of the main screens on the demo account (fixed size, theme and ids).

The emulator's generated ids and addresses are replaced by stable ones (tests/tui/masked.py), so
an upgrade of moto cannot turn these red.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen

SIZE = (120, 36)
THEME = "textual-dark"


def instance_id(app: RolemapApp, name: str) -> str:
    assert app.workspace is not None
    return next(i.instance_id for i in app.workspace.snapshot.instances if i.name == name)


async def loaded(pilot: Pilot[int]) -> ExplorerScreen:
    pilot.app.theme = THEME
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExplorerScreen)
    return screen


def test_explorer(
    snap_compare: Callable[..., bool], make_masked_app: Callable[[], RolemapApp]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await loaded(pilot)

    assert snap_compare(make_masked_app(), terminal_size=SIZE, run_before=run_before)


def test_explorer_filtered_at_80x24(
    snap_compare: Callable[..., bool], make_masked_app: Callable[[], RolemapApp]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await loaded(pilot)
        await pilot.press("right_square_bracket", "slash", *"us-east", "enter", "s")

    assert snap_compare(make_masked_app(), terminal_size=(80, 24), run_before=run_before)


def test_trace_with_evidence(
    snap_compare: Callable[..., bool], make_masked_app: Callable[[], RolemapApp]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        screen = await loaded(pilot)
        app = pilot.app
        assert isinstance(app, RolemapApp)
        screen.jump_to(("instances", instance_id(app, "etl-worker-1")))
        await pilot.press("t")
        await pilot.pause()
        # buckets heading -> first bucket (acme-customer-data, expanded) -> List -> action
        await pilot.press("down", "down", "down", "down", "down", "down", "down")
        await pilot.pause()

    assert snap_compare(make_masked_app(), terminal_size=SIZE, run_before=run_before)


def test_who_can(
    snap_compare: Callable[..., bool], make_masked_app: Callable[[], RolemapApp]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        screen = await loaded(pilot)
        screen.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(make_masked_app(), terminal_size=SIZE, run_before=run_before)

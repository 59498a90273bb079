"""The bottom key line: the keys that work where the user is, and clicking one presses it."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.help import HelpScreen
from tui.screens.trace import TraceScreen
from tui.widgets.key_bar import KeyBar

MakeApp = Callable[[], RolemapApp]


def shown(app: RolemapApp) -> dict[str, str]:
    return {key.description: key.display for key in app.screen.query_one(KeyBar).keys}


async def test_keys_follow_the_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)
        explorer = shown(app)
        assert explorer["Trace"] == "t" and explorer["Filter"] == "/" and explorer["Quit"] == "q"
        text = str(app.screen.query_one(KeyBar).render())
        assert "t Trace" in text and "/ Filter" in text
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        trace = shown(app)
        assert trace["Back"] == "esc" and "Trace" not in trace and trace["Filter"] == "/"
        await pilot.press("escape")
        await pilot.pause()
        assert shown(app) == explorer


async def test_typing_in_the_filter_hides_single_letter_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        # The Input swallows letters, so the bar must not advertise them while typing.
        keys = shown(app)
        assert "Trace" not in keys, keys


async def test_clicking_a_key_presses_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        bar.render()  # lay out the spans
        start = next(s for _, s, _, key in bar._spans if key == "question_mark")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_at_80_columns_every_key_shown_is_whole(make_app: MakeApp) -> None:
    """The issue saw `q Qu…` at 80x24: keys now wrap to a second line, never cut."""
    from .screen_text import screen_rows

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        assert bar.region.height == 2
        bottom = " ".join(screen_rows(app)[-2:])
        assert "…" not in bottom
        for key in bar.keys:
            assert f"{key.display} {key.description}" in bottom, key

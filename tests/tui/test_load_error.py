"""A source that cannot be read: a readable message, Retry and Quit, never a traceback."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from graph.sources import SourceSpec
from tui.app import RolemapApp
from tui.screens.load_error import LoadErrorScreen


async def test_missing_snapshot_file_shows_the_path_and_a_way_out(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    app = RolemapApp(SourceSpec(snapshot=str(missing)))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LoadErrorScreen)
        message = str(app.screen.query_one("#error-message", Static).render())
        assert "nope.json" in message and "Traceback" not in message
        # Retry after fixing the problem: write a file that is still not a snapshot.
        missing.write_text("{not json")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LoadErrorScreen)
        assert "nope.json" in str(app.screen.query_one("#error-message", Static).render())
        await pilot.click("#quit")
        await pilot.pause()
    assert app.return_code == 2  # the account could not be loaded


async def test_hostile_files_are_a_message_in_the_app(tmp_path: Path) -> None:
    """Issue #13: a FIFO at the snapshot path (which used to block the loader forever) and a
    file nested 100,000 deep (RecursionError) each end on the error screen with one line."""
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for path, expected in ((fifo, "FIFO"), (deep, "nested too deeply")):
        app = RolemapApp(SourceSpec(snapshot=str(path)))
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, LoadErrorScreen)
            message = str(app.screen.query_one("#error-message", Static).render())
            assert path.name in message and expected in message, message
            assert "Traceback" not in message and "Error:" not in message

"""An export started in the app shows how much it has written and can be stopped midway,
leaving nothing at the path (and an existing file there as it was)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from graph.errors import Cancelled
from graph.exports import export
from tui.app import RolemapApp
from tui.screens import export as export_screen
from tui.screens.explorer import ExplorerScreen
from tui.screens.export import ExportScreen

MakeApp = Callable[[], RolemapApp]


def test_a_watch_that_raises_stops_the_export_and_writes_nothing(tmp_path: Path) -> None:
    from graph.access import build_access_graph
    from graph.sources import SourceSpec, open_source

    g = build_access_graph(open_source(SourceSpec(demo=True)).snapshot)
    target = tmp_path / "out.csv"
    target.write_text("the old export\n")
    seen: list[int] = []

    def watch(written: int) -> None:
        seen.append(written)
        if len(seen) == 3:
            raise Cancelled("export cancelled: nothing was written")

    with pytest.raises(Cancelled):
        export(g, "csv", target, watch=watch)
    assert target.read_text() == "the old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert seen == sorted(seen) and seen[0] > 0


async def test_escape_stops_an_export_being_written(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_export(*args: Any, watch: Callable[[int], None], **kwargs: Any) -> int:
        def held(written: int) -> None:
            started.set()
            release.wait(10)  # the user reads the progress, then presses Escape
            watch(written)
        return export(*args, watch=held, **kwargs)

    monkeypatch.setattr(export_screen, "export", slow_export)
    monkeypatch.setattr(export_screen, "PROGRESS_EVERY", 0.0)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        out = tmp_path / "account.json"
        dialog.query_one("#export-path", Input).value = str(out)
        dialog.query_one("#export-path", Input).focus()
        await pilot.press("enter")
        assert started.wait(10)
        await pilot.pause()
        assert "Writing…" in str(dialog.query_one("#export-progress", Static).content)
        await pilot.press("escape")  # stops the export; the dialog stays to say so
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is dialog
        assert "cancelled" in str(dialog.query_one("#export-error", Static).content)
        assert not out.exists() and list(tmp_path.iterdir()) == []
        await pilot.press("escape")  # nothing being written now: Escape closes
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)

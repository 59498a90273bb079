"""`rolemap` (the app) exits 2 when the account could not be loaded, however it is left:
a script or a shell `&&` must not take a failed load for success."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.app import RolemapApp
from tui.cli import main
from tui.screens.explorer import ExplorerScreen
from tui.screens.load_error import LoadErrorScreen

LAYERS = Path(__file__).resolve().parents[1] / "fixtures" / "accounts" / "layers"


def _drive(monkeypatch: pytest.MonkeyPatch, screen: type, key: str) -> None:
    """`main` runs the app headless; once `screen` shows, `key` is pressed to leave."""
    run = RolemapApp.run

    async def leave(pilot: Pilot[Any]) -> None:
        for _ in range(200):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if isinstance(pilot.app.screen, screen):
                break
        assert isinstance(pilot.app.screen, screen)
        await pilot.press(key)

    def headless(self: RolemapApp, **_: Any) -> Any:
        return run(self, headless=True, size=(100, 30), auto_pilot=leave)

    monkeypatch.setattr(RolemapApp, "run", headless)


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
def test_leaving_after_a_failed_load_exits_2_with_the_reason(
        key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _drive(monkeypatch, LoadErrorScreen, key)
    assert main(["--snapshot", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("rolemap: error: could not load the account: ") and "nope.json" in err


def test_leaving_a_loaded_account_exits_0(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _drive(monkeypatch, ExplorerScreen, "q")
    assert main(["--snapshot", str(LAYERS)]) == 0
    assert "error" not in capsys.readouterr().err



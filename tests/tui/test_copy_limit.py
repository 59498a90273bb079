"""A copy larger than terminals accept over OSC 52 is not sent; a file is offered instead."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyperclip
import pytest
from textual.widgets import Input

from tui import clipboard
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.save_text import SaveTextScreen


def _no_clipboard(text: str) -> None:
    raise pyperclip.PyperclipException("could not find a copy/paste mechanism")


def test_the_limit_counts_encoded_bytes() -> None:
    assert clipboard.fits_osc52("x" * 75_000)
    assert not clipboard.fits_osc52("x" * 75_003)
    assert not clipboard.fits_osc52("é" * 40_000)  # two bytes each: 80,000 bytes of text


async def test_a_large_view_is_offered_as_a_file(
    make_app: Callable[[], RolemapApp], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(pyperclip, "copy", _no_clipboard)
    monkeypatch.setattr(clipboard, "OSC52_LIMIT", 200)  # the demo's views are small
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)
        written: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", written.append)
        await pilot.press("right_square_bracket", "C")
        await pilot.pause()
        assert not [w for w in written if w.startswith("\x1b]52;")]  # nothing sent
        assert any(n.title == "Too large to copy" and "Nothing was sent" in n.message
                   for n in app._notifications)
        assert all("Sent" not in n.message for n in app._notifications)
        screen = app.screen
        assert isinstance(screen, SaveTextScreen)
        target = tmp_path / "view.json"
        screen.query_one("#save-text-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert json.loads(target.read_text()) == json.loads(screen.text)
        assert not isinstance(app.screen, SaveTextScreen)

"""Screens reach each other only through tui.navigation's requests, which tui.navigator opens.

A request nobody handles would do nothing when its key is pressed, and a screen left out of
the independence contract could import another screen again unnoticed: both are checked here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import tomllib
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.screen import Screen

from tui import navigation
from tui.app import RolemapApp
from tui.navigation import (
    AskConfirm,
    AskJump,
    DecideFirst,
    OfferFile,
    OpenAccount,
    OpenChange,
    OpenResource,
    OpenTrace,
    OpenWhoCan,
    OpenWizard,
    ShowChange,
)
from tui.screens.access_screen import AccessTreeScreen
from tui.screens.change_details import ChangeDetailsScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.details import DetailsScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.jump import JumpScreen
from tui.screens.raw_json import RawJsonScreen
from tui.screens.save_text import SaveTextScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.wizard.screen import RoleWizardScreen

ROOT = Path(__file__).resolve().parents[2]
MakeApp = Callable[[], RolemapApp]

#: Requests whose flows other tests drive from the keys (they need a diff, or an analysis
#: still running, or an organisation folder): Enter on a Changes row (test_changes_tab), `t`
#: while the background analysis runs (test_background_analysis), Enter on an account of
#: the Accounts tab (test_org_app).
COVERED_ELSEWHERE = {OpenChange, DecideFirst, OpenAccount}


def _requests() -> set[type[Message]]:
    return {cls for _, cls in inspect.getmembers(navigation, inspect.isclass)
            if issubclass(cls, Message) and cls.__module__ == navigation.__name__}


async def test_every_request_opens_its_screen(make_app: MakeApp) -> None:
    app = make_app()
    answers: list[object] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.screen
        assert isinstance(explorer, ExplorerScreen)
        workspace = app.workspace
        assert workspace is not None
        web = next(i.instance_id for i in workspace.snapshot.instances if i.name == "web-1")
        cases: list[tuple[Message, type[Screen[object]]]] = [
            (OpenTrace(workspace, "instance", web), TraceScreen),
            (OpenWhoCan(workspace, "acme-app-logs"), WhoCanScreen),
            (OpenResource(workspace, "buckets", "acme-app-logs"), DetailsScreen),
            (OpenResource(workspace, "buckets", "acme-app-logs", raw=True), RawJsonScreen),
            (ShowChange(Text("a change")), ChangeDetailsScreen),
            (AskJump(workspace, answers.append), JumpScreen),
            (AskConfirm("Sure?", "It cannot be undone.", "Yes", "No", answers.append),
             ConfirmScreen),
            (OfferFile("{}", "the view", "too large", "out.json"), SaveTextScreen),
            (OpenWizard(workspace.snapshot, workspace.decided, workspace.loaded.connection),
             RoleWizardScreen),
        ]
        tested = {type(request) for request, _ in cases}
        assert tested | COVERED_ELSEWHERE == _requests()
        for request, expected in cases:
            app.post_message(request)
            await pilot.pause()
            assert isinstance(app.screen, expected), type(request).__name__
            await app.pop_screen()
            await pilot.pause()
            assert app.screen is explorer
        # The answers of the questions reach the asker's callback (Escape on each: None/False).
        app.post_message(AskConfirm("Sure?", "", "Yes", "No", answers.append))
        await pilot.pause()
        await pilot.press("n")
        assert answers == [False]


async def test_details_y_replaces_the_card_with_its_json(make_app: MakeApp) -> None:
    """OpenResource(replace=True): `y` on a details card switches to the JSON, and Esc then
    goes back to the explorer, not to the card."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.screen
        await pilot.press("]", "]", "]")  # the Buckets tab
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RawJsonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is explorer


def _screen_modules() -> set[str]:
    """Every tui module that defines a Screen (the wizard's too)."""
    found = set()
    for info in pkgutil.walk_packages([str(ROOT / "tui")], prefix="tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == info.name:
                found.add(info.name)
    return found


def test_every_screen_is_in_the_independence_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    independent = next(c for c in contracts if c["type"] == "independence"
                       and any(m.startswith("tui.") for m in c["modules"]))
    # The frame both access views extend is a screen class but never shown by itself.
    base = AccessTreeScreen.__module__
    assert set(independent["modules"]) == _screen_modules() - {base}
    assert any(c["type"] == "acyclic_siblings" and c["ancestors"] == ["tui"]
               for c in contracts)

"""Export from the app: the current instance or the whole account, to a typed path."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Select

from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.export import ExportScreen

MakeApp = Callable[[], RolemapApp]


async def test_export_the_selected_instance_as_json(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        web1 = next(i.instance_id for i in app.workspace.snapshot.instances if i.name == "web-1")
        screen.jump_to(("instances", web1))
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        out = tmp_path / "web-1.json"
        field = app.screen.query_one("#export-path", Input)
        field.value = str(out)
        field.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        data = json.loads(out.read_text())
        text = json.dumps(data)
        assert web1 in text and "acme-public-website" in text
        assert "legacy-reports" not in text  # only the selected instance
        assert any(str(out) in n.message for n in app._notifications)


async def test_export_the_whole_account_as_csv(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-scope", Select).value = len(dialog.scopes) - 1  # account
        dialog.query_one("#format", Select).value = "csv"
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value == "rolemap-account.csv"
        out = tmp_path / "account.csv"
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.click("#write")
        await app.workers.wait_for_complete()
        await pilot.pause()
        names = {row["instance_name"] for row in csv.DictReader(out.open())}
        assert {"web-1", "legacy-reports", "etl-worker-1"} <= names


async def test_unwritable_path_is_reported_in_the_dialog(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        bad = tmp_path / "no-such-dir" / "x.json"
        field = app.screen.query_one("#export-path", Input)
        field.value = str(bad)
        field.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert "no-such-dir" in str(app.screen.query_one("#export-error").render())


async def test_dialog_starts_on_the_format_and_the_extension_follows_it(
        make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert app.focused is dialog.query_one("#format", Select)
        path = dialog.query_one("#export-path", Input)
        path.value = str(tmp_path / "review.json")  # a name of the user's own
        dialog.query_one("#format", Select).value = "md"
        await pilot.pause()
        assert path.value == str(tmp_path / "review.md")
        dialog.query_one("#format", Select).value = "csv"
        await pilot.pause()
        assert path.value == str(tmp_path / "review.csv")


async def test_an_existing_file_is_not_overwritten_without_asking(
        make_app: MakeApp, tmp_path: Path) -> None:
    """The issue: a Markdown review was replaced by JSON without a word."""
    from tui.screens.confirm import ConfirmScreen

    review = tmp_path / "review.md"
    review.write_text("# my review notes\n")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#format", Select).value = "md"
        await pilot.pause()
        dialog.query_one("#export-path", Input).value = str(review)
        await pilot.click("#write")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the focused answer keeps the file
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.screen is dialog
        assert review.read_text() == "# my review notes\n"
        await pilot.click("#write")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert review.read_text().startswith("#") and "my review notes" not in review.read_text()
        assert isinstance(app.screen, ExplorerScreen)

"""The role wizard driven by the keyboard alone, as issue 21 found it wanting: keys for Next and
Back in the key bar, focus on each step's first field, ticks drawn as [x]/[ ], no empty step
passing, the wizard's own help and a preview without Python lists.

Only keys are pressed here (no clicks, no values set on widgets); what the tests read is what
the screen shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.widgets import Static

from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.help import HelpScreen
from tui.widgets.key_bar import KeyBar
from tui.wizard.screen import RoleWizardScreen

from .screen_text import screen_text

MakeApp = Callable[[], RolemapApp]

#: What a Python list, tuple, dict or set looks like when printed.
PYTHON_VALUE = re.compile(r"\[\]|\['|\('|\{'|frozenset\(|\bset\(|\bNone\b")


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def open_wizard(app: RolemapApp, pilot, on: str | None = None) -> RoleWizardScreen:
    """Wait for the account, jump to `on` with `:` (keys), then `w`."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ExplorerScreen)
    if on is not None:
        await press(pilot, "colon", *on, "enter")
    await press(pilot, "w")
    await pilot.pause()
    assert isinstance(app.screen, RoleWizardScreen)
    return app.screen


def focused_id(app: RolemapApp) -> str | None:
    return app.focused.id if app.focused is not None else None


def step_title(wizard: RoleWizardScreen) -> str:
    return str(wizard.query_one("#wizard-title", Static).content)


def errors(wizard: RoleWizardScreen) -> str:
    return str(wizard.query_one("#wizard-errors", Static).content)


def shown_keys(app: RolemapApp) -> dict[str, tuple[str, bool]]:
    return {k.description: (k.display, k.enabled) for k in app.screen.query_one(KeyBar).keys}


def step_texts(wizard: RoleWizardScreen, step_id: str) -> list[str]:
    return [str(s.content) for s in wizard.query_one(f"#{step_id}").query(Static)]


async def test_the_whole_wizard_by_keys_to_a_saved_export(
        make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(app, pilot, on="bastion")
        bastion = next(i for i in app.workspace.snapshot.instances if i.name == "bastion")
        keys = shown_keys(app)
        assert keys["Next"] == ("^n", True) and keys["Back"] == ("^b", False)
        assert keys["Help"][0] == "f1"

        # Step 1: typing goes to the filter at once; Enter moves into the list, space ticks.
        assert "step 1 of 6" in step_title(wizard) and focused_id(app) == "service-filter"
        await type_text(pilot, "lambda")
        await press(pilot, "enter")
        assert focused_id(app) == "services"
        await press(pilot, "space")
        assert "[x] lambda.amazonaws.com" in screen_text(app)
        await press(pilot, "ctrl+n")

        # Step 2: nothing granted does not pass; the step says so and keeps the cursor there.
        assert "step 2 of 6" in step_title(wizard) and focused_id(app) == "buckets"
        await press(pilot, "ctrl+n")
        assert "step 2 of 6" in step_title(wizard)
        assert "nothing granted yet" in errors(wizard)
        assert focused_id(app) == "buckets"
        buckets = [b.name for b in app.workspace.snapshot.buckets]
        await press(pilot, *["down"] * buckets.index("acme-customer-data"), "space")
        assert "[x] acme-customer-data" in screen_text(app)
        assert "[ ] acme-app-logs" in screen_text(app)
        assert shown_keys(app)["Back"] == ("^b", True)
        await press(pilot, "ctrl+n")

        # Step 3: no boundary is a choice; Enter in its last field moves on.
        assert "step 3 of 6" in step_title(wizard) and focused_id(app) == "boundary-select"
        await press(pilot, "tab", "enter")

        # Step 4: the name is asked for, then Enter walks the fields and leaves from the last.
        assert "step 4 of 6" in step_title(wizard) and focused_id(app) == "name"
        await press(pilot, "ctrl+n")
        assert "step 4 of 6" in step_title(wizard) and "role name must be 1-64" in errors(wizard)
        assert focused_id(app) == "name"
        await type_text(pilot, "keys-reader")
        assert errors(wizard) == ""  # the refusal goes once the field is edited
        await press(pilot, "enter")
        assert focused_id(app) == "instance-profile"
        await press(pilot, "enter")  # Enter moves on from a checkbox; it never unticks it
        assert "[x] Create an instance profile" in screen_text(app)
        await press(pilot, "enter", "enter", "enter")
        assert focused_id(app) == "max-session"
        await press(pilot, "enter")

        # Step 5: the bastion the wizard was opened on is ticked; Enter reaches Preview.
        assert "step 5 of 6: Review" in step_title(wizard)
        assert focused_id(app) == "trust-json"
        await press(pilot, "tab", "tab", "tab", "tab")
        assert focused_id(app) == "instances"
        assert f"[x] {bastion.label}" in screen_text(app)
        await press(pilot, "enter")
        assert focused_id(app) == "preview"
        await press(pilot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = str(wizard.query_one("#whatif", Static).content)
        assert (f"{bastion.label}: 0 -> 2 bucket(s); +2 buckets: acme-customer-data, "
                "acme-public-website") in preview, preview
        assert "  + acme-customer-data: GetObject, GetObjectVersion, ListBucket" in preview
        assert "public exposure unchanged" in preview
        for text in step_texts(wizard, "step-review"):
            assert not PYTHON_VALUE.search(text), text
        await press(pilot, "ctrl+n")

        # Step 6: Create is first (its first press only arms it); then export by keys.
        assert "step 6 of 6" in step_title(wizard) and focused_id(app) == "create"
        assert shown_keys(app)["Next"] == ("^n", False)
        calls = str(wizard.query_one("#calls", Static).content)
        assert "1. iam:create_role(RoleName=keys-reader" in calls
        await press(pilot, "enter")
        assert "Press again to create" in screen_text(app)
        target = tmp_path / "keys-reader.json"
        await press(pilot, "tab", "tab")
        assert focused_id(app) == "export-path"
        await press(pilot, "ctrl+u")
        await type_text(pilot, str(target))
        await press(pilot, "enter")
        assert focused_id(app) == "save"
        await press(pilot, "enter")
        for text in step_texts(wizard, "step-finish"):
            assert not PYTHON_VALUE.search(text), text

        # Back by key keeps what was chosen and lands on the step's first field.
        await press(pilot, "ctrl+b")
        assert "step 5 of 6" in step_title(wizard) and focused_id(app) == "trust-json"
    exported = json.loads(target.read_text())
    assert "keys-reader" in json.dumps(exported)
    assert "arn:aws:s3:::acme-customer-data" in json.dumps(exported)


async def test_an_empty_step_does_not_pass(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard(app, pilot)
        # The step opens at its top, its first question whole on the second row.
        assert screen_text(app).splitlines()[1].rstrip().endswith("(type to filter; space ticks)")
        # Untick the preselected ec2.amazonaws.com: nobody may assume the role.
        await press(pilot, "enter", "space", "ctrl+n")
        assert "step 1 of 6" in step_title(wizard)
        assert "choose at least one service or account" in errors(wizard)
        assert "choose at least one service" in screen_text(app)  # in view at 80x24
        assert focused_id(app) == "services"
        await press(pilot, "space", "ctrl+n")
        assert "step 2 of 6" in step_title(wizard) and errors(wizard) == ""
        # Add grant with no bucket says what is missing instead of adding nothing.
        await press(pilot, *["tab"] * 7)
        assert focused_id(app) == "add-grant"
        await press(pilot, "enter")
        assert "no bucket picked" in errors(wizard) and focused_id(app) == "buckets"
        assert "No grants yet." in step_texts(wizard, "step-permissions")
        await press(pilot, "ctrl+n")
        assert "step 2 of 6" in step_title(wizard) and "nothing granted yet" in errors(wizard)
        # A managed policy alone is a permission: the step passes.
        await press(pilot, *["tab"] * 9)
        assert focused_id(app) == "managed"
        await press(pilot, "space", "ctrl+n")
        assert "step 3 of 6" in step_title(wizard)


async def test_each_step_opens_on_its_first_field(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard(app, pilot, on="web-1")
        await press(pilot, "ctrl+n")
        assert focused_id(app) == "buckets"
        await press(pilot, "space", "ctrl+n")
        assert focused_id(app) == "boundary-select"
        await press(pilot, "ctrl+n")
        assert focused_id(app) == "name"
        # The label above the first field is in view (the step opens at its top).
        assert "Role name" in screen_text(app).splitlines()[1]
        await press(pilot, "ctrl+b")
        assert focused_id(app) == "boundary-select"
        await press(pilot, "ctrl+b", "ctrl+b")
        assert "step 1 of 6" in step_title(wizard) and focused_id(app) == "service-filter"
        assert shown_keys(app)["Back"] == ("^b", False)  # dimmed on the first step


async def test_the_help_is_the_wizards(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(app, pilot)
        assert focused_id(app) == "service-filter"
        await press(pilot, "f1")  # works in a text field, where ? is typed
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        text = screen_text(app)
        assert "Keys on the role wizard" in text and "explorer" not in text
        rows = {binding_id: (keys, does) for keys, does, binding_id in help_screen.rows}
        assert rows["wizard.next"] == ("^n", "Next")
        assert rows["wizard.help"] == ("f1", "Help")  # ? types into the field here
        notes = str(help_screen.query_one("#help-notes", Static).content)
        assert "ctrl+n goes to the next step" in notes and "[x] ticked" in notes
        await press(pilot, "escape")
        assert app.screen is wizard
        await press(pilot, "enter", "question_mark")  # outside a text field, ? works too
        assert isinstance(app.screen, HelpScreen)
        assert ("f1 ?", "Help", "wizard.help") in app.screen.rows
        await press(pilot, "f1")
        assert app.screen is wizard


async def test_ticks_read_without_colour(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(app, pilot)
        await press(pilot, "ctrl+n", *["tab"] * 5)
        assert focused_id(app) == "tls"
        assert "[x] Require TLS" in screen_text(app)
        await press(pilot, "space")
        assert "[ ] Require TLS" in screen_text(app)
        await press(pilot, "tab")
        assert "[ ] Advanced: grant whole AWS access levels" in screen_text(app)
        await press(pilot, "space", "tab")
        assert "[x] Advanced: grant whole AWS access levels" in screen_text(app)
        assert focused_id(app) == "levels"  # shown once ticked, and next in Tab order
        await press(pilot, "space")
        assert "[x] List" in screen_text(app) and "[ ] Read" in screen_text(app)


async def test_reload_is_not_offered_inside_the_wizard(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Reload" in shown_keys(app)  # the explorer offers it
        wizard = await open_wizard(app, pilot)
        assert "Reload" not in shown_keys(app)
        await press(pilot, "ctrl+r")
        assert app.screen is wizard


async def test_preview_and_export_name_follow_changes(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(app, pilot, on="bastion")
        await press(pilot, "ctrl+n", "space", "ctrl+n", "ctrl+n")
        await type_text(pilot, "follow-reader")
        await press(pilot, "ctrl+n", *["tab"] * 5)
        assert focused_id(app) == "preview"
        await press(pilot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        whatif = wizard.query_one("#whatif", Static)
        assert "bastion" in str(whatif.content)
        # Ticking another instance: the preview shown no longer holds, and says so.
        await press(pilot, "shift+tab", "space")
        assert "Preview access again" in str(whatif.content)
        assert "bastion" not in str(whatif.content)
        # The export's file name keeps its extension in step with the format.
        await press(pilot, "ctrl+n", "tab")
        assert focused_id(app) == "format"
        path = wizard.query_one("#export-path")
        assert path.value == "follow-reader.json"  # type: ignore[attr-defined]
        await press(pilot, "enter", "down", "enter")
        assert path.value == "follow-reader.sh"  # type: ignore[attr-defined]


async def test_a_filter_that_matches_nothing_is_not_a_dead_end(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard(app, pilot)
        await type_text(pilot, "zzz")
        await press(pilot, "enter")  # the list is empty: Enter goes past it
        assert focused_id(app) == "other-services"
        await press(pilot, "ctrl+n")  # ec2, ticked before the filter hid it, still counts
        assert "step 2 of 6" in step_title(wizard)


async def test_unreadable_text_puts_the_cursor_on_its_field(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard(app, pilot)
        await press(pilot, "ctrl+n", "space", "ctrl+n", "ctrl+n")
        await type_text(pilot, "tagged-role")
        await press(pilot, *["tab"] * 4)
        assert focused_id(app) == "tags"
        await type_text(pilot, "team")
        await press(pilot, "tab", "ctrl+n")
        assert "step 4 of 6" in step_title(wizard)
        assert "tags: tag 'team': expected KEY=VALUE" in errors(wizard)
        assert focused_id(app) == "tags"
        await press(pilot, "end")  # the field's text is selected on arriving, as on Tab
        await type_text(pilot, "=data")
        await press(pilot, "ctrl+n")
        assert "step 5 of 6" in step_title(wizard)


async def test_keys_typed_at_once_after_next_land_in_the_new_step(make_app: MakeApp) -> None:
    """A fast typist's keys are queued behind ctrl+n: they must reach the step it opens, not
    the hidden field of the step before."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(app, pilot)
        for key, character in (("ctrl+n", None), ("space", " ")):
            app.post_message(events.Key(key, character))  # queued together, as typed
        await pilot.pause()
        assert "step 2 of 6" in step_title(wizard)
        first = app.workspace.snapshot.buckets[0].name
        assert f"[x] {first}" in screen_text(app)
        await press(pilot, "ctrl+b")
        assert "[x] ec2.amazonaws.com" in screen_text(app)  # the filter got no space

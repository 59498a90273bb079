"""The role wizard at 80x24, opened from an instance, as issue 14 found it wanting."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Button, Input, SelectionList

from tui.app import RolemapApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.explorer import ExplorerScreen
from tui.wizard.screen import RoleWizardScreen

from .screen_text import screen_rows, screen_text

MakeApp = Callable[[], RolemapApp]


async def open_wizard_on(app: RolemapApp, pilot, instance: str) -> RoleWizardScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    explorer = app.screen
    assert isinstance(explorer, ExplorerScreen)
    key = next(i.instance_id for i in app.workspace.snapshot.instances if i.name == instance)
    explorer.jump_to(("instances", key))
    await pilot.press("w")
    await pilot.pause()
    assert isinstance(app.screen, RoleWizardScreen)
    return app.screen


async def next_step(pilot, wizard: RoleWizardScreen) -> None:
    await pilot.pause()
    wizard.action_next()
    await pilot.pause()


async def test_wizard_at_80x24_keeps_title_and_errors_in_view(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard_on(app, pilot, "bastion")
        await next_step(pilot, wizard)
        # A long step scrolled to its end: the title is still the first row.
        wizard.query_one("#step-permissions").scroll_end(animate=False)
        await pilot.pause()
        assert "step 2 of 6: Permissions" in screen_rows(app)[0]
        wizard.query_one("#buckets", SelectionList).select("acme-app-logs")
        await next_step(pilot, wizard)
        await next_step(pilot, wizard)
        # A taken name: the error is on screen, whole, above the buttons.
        wizard.query_one("#name", Input).value = "web-server"
        await next_step(pilot, wizard)
        assert "step 4 of 6" in screen_rows(app)[0]
        flat = " ".join(screen_text(app).split())
        assert "'web-server' already exists" in flat
        errors = wizard.query_one("#wizard-errors")
        nav = wizard.query_one("#wizard-nav")
        assert errors.region.height >= 1 and errors.region.bottom <= nav.region.y
        assert nav.region.bottom <= 23  # the key bar keeps the last row


async def test_wizard_preselects_the_instance_and_shows_actions_gained(
        make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard_on(app, pilot, "bastion")
        bastion = next(i.instance_id for i in app.workspace.snapshot.instances
                       if i.name == "bastion")
        await next_step(pilot, wizard)
        wizard.query_one("#buckets", SelectionList).select("acme-app-logs")
        wizard.query_one("#prefix", Input).value = "reports/"
        await next_step(pilot, wizard)
        await next_step(pilot, wizard)
        wizard.query_one("#name", Input).value = "reports-reader-80"
        await next_step(pilot, wizard)
        assert list(wizard.query_one("#instances", SelectionList).selected) == [bastion]
        wizard.query_one("#preview", Button).press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = str(wizard.query_one("#whatif").content)
        assert "+ acme-app-logs: GetObject, GetObjectVersion, ListBucket" in preview


async def test_escape_asks_before_discarding_and_the_export_row_fits(
        make_app: MakeApp) -> None:
    app = make_app()
    for width in (80, 160, 240):
        async with app.run_test(size=(width, 24)) as pilot:
            wizard = await open_wizard_on(app, pilot, "web-1")
            await next_step(pilot, wizard)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("enter")  # the focused, safe answer: keep editing
            await pilot.pause()
            assert app.screen is wizard
            wizard.query_one("#typed-buckets", Input).value = "acme-app-logs"
            await next_step(pilot, wizard)
            await next_step(pilot, wizard)
            wizard.query_one("#name", Input).value = f"export-{width}"
            await next_step(pilot, wizard)
            await next_step(pilot, wizard)
            assert "step 6 of 6" in screen_rows(app)[0]
            row = [wizard.query_one(f"#{w}") for w in ("format", "export-path", "save", "copy")]
            for widget in row:
                assert widget.region.width >= 6, widget
            lefts = [w.region.x for w in row]
            assert lefts == sorted(lefts)
            assert all(a.region.right <= b.region.x for a, b in zip(row, row[1:], strict=False))
            assert row[-1].region.right <= width
            create = wizard.query_one("#create", Button)
            create.press()
            await pilot.pause()
            label = str(create.label)
            assert label == "Press again to create"
            assert create.region.width >= len(label) + 2
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, ExplorerScreen)
        app = make_app()


async def test_focus_is_drawn_with_a_thick_border(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard_on(app, pilot, "bastion")
        field = wizard.query_one("#service-filter", Input)
        field.focus()
        await pilot.pause()
        assert field.styles.border_top[0] == "thick"
        other = wizard.query_one("#other-services", Input)
        assert other.styles.border_top[0] != "thick"


async def test_q_in_the_wizard_asks_instead_of_quitting(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await open_wizard_on(app, pilot, "web-1")
        await next_step(pilot, wizard)
        wizard.query_one("#buckets", SelectionList).focus()
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is wizard
        bastion = next(i for i in app.workspace.snapshot.instances if i.name == "bastion")
        await next_step(pilot, wizard)  # the review lists instances with their state
        wizard.query_one("#typed-buckets", Input).value = "acme-app-logs"
        await next_step(pilot, wizard)
        await next_step(pilot, wizard)
        wizard.query_one("#name", Input).value = "q-test"
        await next_step(pilot, wizard)
        listing = wizard.query_one("#instances", SelectionList)
        prompts = [str(listing.get_option_at_index(n).prompt)
                   for n in range(listing.option_count)]
        assert f"{bastion.label}  [{bastion.state}]" in prompts  # not eaten as markup

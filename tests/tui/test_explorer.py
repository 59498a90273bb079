"""The explorer as a user drives it on the demo account: tables, filter, jump, details, help."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from textual.widgets import Input, Markdown, TabbedContent

import tui.app as app_module
from tui.app import RolemapApp
from tui.screens.details import DetailsScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.help import HelpScreen
from tui.screens.raw_json import RawJsonScreen
from tui.screens.trace import TraceScreen
from tui.widgets.header import AccountHeader
from tui.widgets.resource_table import ResourceTable

MakeApp = Callable[[], RolemapApp]


def names(screen: ExplorerScreen) -> list[str]:
    return [str(row.values[0]) for row in screen.table.model.visible]


async def test_loads_the_demo_into_tables_with_the_account_in_the_header(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        # Findings first, worst on top (under its category's header), the cursor on it: the
        # planted escalation of the CI runner.
        assert screen.tab_id == "findings"
        assert screen.table.model.visible[0].key == "group:privilege-escalation"
        top = screen.table.model.visible[screen.table.cursor]
        assert top.values[:2] == ("critical", "privilege-escalation")
        assert "ci-runner-1" in str(top.values[2])
        await pilot.press("right_square_bracket")
        assert sorted(names(screen)) == [
            "analytics-1",
            "bastion",
            "ci-runner-1",
            "etl-worker-1",
            "legacy-reports",
            "web-1",
            "web-2",
            "worker-no-path",  # the data VPC's (demo_gates)
            "worker-private",
        ]
        header = str(screen.query_one(AccountHeader).render())
        assert "123456789012" in header and "demo" in header and "us-east-1" in header
        row = next(r for r in screen.table.model.visible if r.values[0] == "bastion")
        assert row.values[4] == "-" and row.values[5] == 0  # no profile, no bucket
        legacy = next(r for r in screen.table.model.visible if r.values[0] == "legacy-reports")
        assert legacy.values[5] == 7  # s3:* on * reaches every bucket
        graph = app.workspace.graph
        for row in screen.table.model.visible:  # the count is what a trace lists
            assert row.values[5] == len({a.bucket for a in graph.reachable_from_instance(row.key)})


async def test_filter_as_you_type_and_escape_clears(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        await pilot.press("right_square_bracket", "slash", "w", "e", "b")
        assert sorted(names(screen)) == ["web-1", "web-2"]
        await pilot.press("backspace", "backspace", "backspace", "q")  # q is text here, not quit
        assert app.is_running
        assert screen.query_one("#filter", Input).value == "q"
        assert names(screen) == []
        await pilot.press("escape")
        assert len(names(screen)) == 9  # the cast's 7 and the data VPC's 2 (demo_gates)
        assert not screen.query_one("#filter", Input).display


async def test_roles_and_buckets_tabs_show_the_columns_users_scan(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.tab_id == "roles"
        analytics = next(r for r in screen.table.model.visible if r.values[0] == "analytics")
        assert "ecs-tasks.amazonaws.com" in str(analytics.values[1])
        assert analytics.values[2] == 1  # one instance wears it
        await pilot.press("right_square_bracket")
        assert screen.tab_id == "buckets"
        public = {str(r.values[0]): str(r.values[2]) for r in screen.table.model.visible}
        assert public["acme-public-website"] == "yes"
        assert public["acme-customer-data"] == "no"
        # The Who can column agrees with the who-can view's principals.
        graph = app.workspace.graph
        for row in screen.table.model.visible:
            assert row.values[3] == len(graph.who_can(row.key)), row.key


async def test_jump_to_a_bucket_by_name(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        await pilot.press("colon", *"customer", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(TabbedContent).active == "tab-buckets"
        assert screen.table.current_key == "acme-customer-data"


async def test_details_then_raw_json_of_a_role(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        screen.jump_to(("roles", "arn:aws:iam::123456789012:role/batch-etl"))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = app.screen.query_one(Markdown).source
        assert "## Trust policy" in text and "ec2.amazonaws.com" in text
        assert "AcmeS3Boundary" in text  # the permissions boundary
        assert "etl-customer-data" in text  # the inline policy
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RawJsonScreen)
        assert '"permissions_boundary_arn"' in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_bucket_details_say_block_public_access_and_policy(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        screen.jump_to(("buckets", "acme-customer-data"))
        await pilot.press("d")  # Enter opens who-can; d the details
        await pilot.pause()
        text = app.screen.query_one(Markdown).source
        assert "DenyInsecureTransport" in text
        assert "RestrictPublicBuckets: on" in text


async def test_help_lists_the_active_bindings_with_ids(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = [binding_id for _key, _does, binding_id in app.screen.rows]
        for binding_id in ("filter", "jump", "trace", "findings.group", "findings.severity",
                           "quit", "reload"):
            assert binding_id in keys  # the Findings tab (Enter and t open a finding)
        await pilot.press("escape", "right_square_bracket", "question_mark")
        await pilot.pause()
        keys = [binding_id for _key, _does, binding_id in app.screen.rows]
        for binding_id in ("filter", "jump", "trace", "details", "raw_json", "quit", "reload"):
            assert binding_id in keys
        assert "who_can" not in keys  # only on the Buckets tab
        assert "findings.group" not in keys  # only on the Findings tab
        await pilot.press("escape")
        assert isinstance(app.screen, ExplorerScreen)


async def test_layout_holds_at_80x24(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        table = screen.table
        assert table.region.height >= 10 and table.region.width == 80
        await pilot.press("G")
        assert table.current_key == table.model.visible[-1].key


def test_every_binding_has_an_id() -> None:
    from textual.binding import Binding

    from tui.screens.context import AssumedContextScreen
    from tui.screens.jump import JumpScreen
    from tui.screens.load_error import LoadErrorScreen
    from tui.screens.trace import TraceScreen
    from tui.screens.who_can import WhoCanScreen
    from tui.widgets.access_tree import AccessTree

    classes = [
        RolemapApp,
        ExplorerScreen,
        TraceScreen,
        WhoCanScreen,
        DetailsScreen,
        RawJsonScreen,
        HelpScreen,
        JumpScreen,
        AssumedContextScreen,
        LoadErrorScreen,
        ResourceTable,
        AccessTree,
    ]
    for cls in classes:
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding) and binding.id, f"{cls.__name__}: {binding}"


async def test_w_opens_the_role_wizard_and_escape_returns(make_app: MakeApp) -> None:
    from tui.wizard.screen import RoleWizardScreen

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.screen
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, RoleWizardScreen)
        assert app.screen.snapshot is app.workspace.snapshot
        assert app.check_action("export", ()) is False  # explorer actions stay out of it
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is explorer


async def test_ctrl_r_reloads_the_same_source_and_keeps_the_filter(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.screen
        assert isinstance(explorer, ExplorerScreen)
        before = app.workspace
        await pilot.press("right_square_bracket", "slash", *"web", "enter", "ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is explorer
        assert app.workspace is not before  # a new load, not the old answers
        assert sorted(names(explorer)) == ["web-1", "web-2"]


async def test_after_a_new_role_the_reload_opens_its_access_paths(make_app: MakeApp) -> None:
    # What the wizard asks for once it has created a role (here: one the demo already has).
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        arn = app.workspace.snapshot.role_by_name["web-server"].arn
        await app.run_action(f"reload_and_show({arn!r})")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        assert (app.screen.kind, app.screen.key) == ("role", arn)
        assert app.show_after_load is None  # once only
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)


async def test_themes_switch_without_breaking_the_layout(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for theme in ("textual-light", "nord", "textual-dark"):
            app.theme = theme
            await pilot.pause()
            assert isinstance(app.screen, ExplorerScreen)
            assert app.screen.table.region.height > 10


async def test_loading_screen_names_the_step_and_counts() -> None:
    from textual.events import Mount
    from textual.widgets import Label

    from graph.sources import SourceSpec
    from tui.messages import LoadProgress
    from tui.screens.loading import LoadingScreen

    class Host(RolemapApp):
        def on_mount(self, event: Mount) -> None:
            event.prevent_default()  # no load: only the screen under test
            self.push_screen(LoadingScreen("the demo account"))

    app = Host(SourceSpec(demo=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        screen.show_progress(LoadProgress("buckets", 3, 5))
        await pilot.pause()
        assert str(screen.query_one("#loading-step", Label).render()) == "buckets (3/5)"


async def test_reload_lets_the_previous_account_go(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loaded account is frozen out of the garbage collector for speed; a reload must not
    # freeze the previous one (kept alive by cycles in the screens that showed it) for good.
    monkeypatch.setattr(app_module, "SETTLE_AFTER_CHANGE", 0.05)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("t", "escape")  # a kept trace screen now holds the account too
        await pilot.pause()
        assert app.workspace is not None
        previous = weakref.ref(app.workspace.graph)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        assert app.workspace is not None and app.workspace.graph is not previous()
        gc.collect()
        assert previous() is None
        assert gc.get_freeze_count() > 0  # the new account is frozen again

"""The app on an organisation folder, as a user drives it: the Accounts tab (OU tree, counts,
worst finding, failed account), Enter on an account, the Account column, `:` across accounts
and `/` on the tree. The folder is tests/org/scenario.py's organisation written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from org.scenario import DATA, LOST, MGMT, READER, WORK, scenario
from textual.widgets import TabbedContent

from graph.sources import SourceSpec
from graph.sources.org.folder import save_org_folder
from tui.app import RolemapApp
from tui.cli import main
from tui.screens.explorer import ExplorerScreen
from tui.widgets.accounts_tree import AccountsTree
from tui.widgets.resource_table import ResourceTable

from .screen_text import screen_text


@pytest.fixture
def org_dir(tmp_path: Path) -> Path:
    org = scenario()
    save_org_folder(tmp_path / "org", org.tree, org.snapshots.values(), (), org.failed)
    return tmp_path / "org"


def accounts_shown(tree: AccountsTree) -> list[str]:
    return [n.data for n in tree._leaves() if n.data is not None]


async def settle(app: RolemapApp, pilot: object) -> ExplorerScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ExplorerScreen)
    return screen


async def test_accounts_tab_shows_the_ou_tree_counts_worst_finding_and_failed_account(
        org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Accounts" in text
        for ou in ("workloads  ou-work", "data  ou-data", "Root  r-root"):
            assert ou in text
        assert f"workload  {WORK}  worst: high  1 instances · 1 roles · 1 buckets" in text
        assert f"data  {DATA}  worst: high  0 instances · 1 roles · 3 buckets" in text
        # The management account opens first; the failed one says why.
        assert f"management  {MGMT}  (open)" in text
        assert f"lost  {LOST}  FAILED: sts:AssumeRole into OrganizationAccountAccessRole" in text
        assert app.workspace is not None and app.workspace.snapshot.account_id == MGMT
        # The worst finding is the account's own organisation-wide analysis's.
        assert app.org is not None and app.org.ranks[MGMT].findings == len(app.workspace.findings)


async def test_enter_opens_an_account_and_another_without_restarting(org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        tree = screen.query_one(AccountsTree)
        assert tree.move_to_key(WORK)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.workspace is not None and app.workspace.snapshot.account_id == WORK
        assert app.screen is screen and screen.tab_id == "findings"
        # Its cross-account analysis: the instance reaches the data account's buckets.
        instances = screen.query_one("#instances", ResourceTable).model.visible
        assert [r.values[:3] for r in instances] == [(f"{WORK} (workload)", "web", "i-0web")]
        reached = {b.bucket for b in app.workspace.reachable("i-0web")}
        assert {"data-lake", "org-shared"} <= reached
        # Its findings say whether the other accounts they name are in the organisation.
        details = [line for f in app.workspace.findings.values() for line in f.detail]
        assert any("is inside the organisation" in line for line in details)
        # Back to the Accounts tab; Enter on another.
        screen.query_one(TabbedContent).active = "tab-accounts"
        await pilot.pause()
        assert f"workload  {WORK}  (open)" in screen_text(app)
        assert tree.move_to_key(DATA)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.workspace.snapshot.account_id == DATA
        roles = screen.query_one("#roles", ResourceTable).model.visible
        assert [r.values[:2] for r in roles] == [(f"{DATA} (data)", "data-reader")]


async def test_failed_account_does_not_open(org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        assert screen.query_one(AccountsTree).move_to_key(LOST)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.workspace is not None and app.workspace.snapshot.account_id == MGMT
        assert "AccessDenied" in screen_text(app)  # the notification says why


async def test_bucket_table_names_each_buckets_account_foreign_ones_included(
        org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        screen.open_account(WORK)
        await settle(app, pilot)
        rows = {r.key: r.values[0] for r in
                screen.query_one("#buckets", ResourceTable).model.visible}
        assert rows["work-tmp"] == f"{WORK} (workload)"
        assert rows["data-lake"] == f"{DATA} (data)"
        assert rows["mgmt-logs"] == f"{MGMT} (management)"
        screen.query_one(TabbedContent).active = "tab-buckets"
        await pilot.pause()
        assert "Account" in screen_text(app)


async def test_jump_across_accounts_by_account_and_name_or_unique_name(org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("colon", *f"{DATA}/partner", "enter")
        await settle(app, pilot)
        assert app.workspace is not None and app.workspace.snapshot.account_id == DATA
        assert screen.tab_id == "buckets" and screen.table.current_key == "partner-drop"
        # A name unique in the organisation: the role in the data account, from the workload.
        screen.open_account(WORK)
        await settle(app, pilot)
        await pilot.press("colon", *"data-reader", "enter")
        await settle(app, pilot)
        assert app.workspace.snapshot.account_id == DATA
        assert screen.tab_id == "roles" and screen.table.current_key == READER


async def test_filter_the_accounts_by_ou_or_account(org_dir: Path) -> None:
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        tree = screen.query_one(AccountsTree)
        await pilot.press("slash", *"workloads")
        await pilot.pause()
        assert sorted(accounts_shown(tree)) == [WORK, LOST]
        assert "data  ou-data" not in screen_text(app)
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert sorted(accounts_shown(tree)) == sorted([MGMT, WORK, DATA, LOST])
        await pilot.press("slash", *DATA[:6])
        await pilot.pause()
        assert accounts_shown(tree) == [DATA]
        assert tree.current_key == DATA


def test_compare_with_an_organisation_folder_is_one_line(
        org_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--snapshot", str(org_dir), "--compare", str(org_dir)]) == 2
    err = capsys.readouterr().err
    assert "is an organisation folder" in err and "rolemap diff" in err


async def test_counts_reach_the_tree_once_and_the_app_then_idles(
        org_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app forwards each account's counts to the explorer; the copy must stop there. It
    used to bubble back to the app, which forwarded it again: redrawing at full CPU forever."""
    from tui.org_app import OrgAccounts

    seen: list[str] = []
    sized = OrgAccounts.on_account_sized

    def counting(self: OrgAccounts, message: object) -> None:
        seen.append(message.account)  # type: ignore[attr-defined]
        sized(self, message)  # type: ignore[arg-type]

    monkeypatch.setattr(OrgAccounts, "on_account_sized", counting)
    app = RolemapApp(SourceSpec(snapshot=str(org_dir)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        for _ in range(20):
            await pilot.pause()
        loaded = len(app.org.folder.loaded) if app.org is not None else 0
        assert loaded and len(seen) == loaded, seen

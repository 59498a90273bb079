"""The app on an organisation folder whose `rolemap analyse` results are current (issue 28,
item 4): the Accounts tab and each account's tables come from the stored Parquet results, the
same as a live open shows them, and no account is analysed until a trace needs one; stale
results say so and the app analyses live as before."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from org.scenario import DATA, LOST, MGMT, WORK, scenario
from textual.pilot import Pilot

import tui.org_app
from graph.findings.model import Finding
from graph.org.executor import LocalPool
from graph.org.findings import org_findings
from graph.org.index import build_index
from graph.org.results.schema import account_dir
from graph.org.run import analyse_org
from graph.sources import SourceSpec
from graph.sources.org.folder import open_org_folder, save_org_folder
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.widgets.accounts_tree import AccountsTree, account_line
from tui.widgets.resource_table import ResourceTable

from .test_background_analysis import until

TABLES = ("instances", "roles", "buckets")


@pytest.fixture
def analysed(tmp_path: Path) -> Path:
    org = scenario()
    save_org_folder(tmp_path / "org", org.tree, org.snapshots.values(), (), org.failed)
    with LocalPool(1) as pool:
        report = analyse_org(tmp_path / "org", pool)
    assert not report.failed
    return tmp_path / "org"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The accounts the app analyses (its cross-account analysis and the survey's ranks)."""
    seen: list[str] = []

    def counting(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(source: Any, index: Any, account: str, *args: Any, **kw: Any) -> Any:
            seen.append(account)
            return fn(source, index, account, *args, **kw)
        return wrapper

    monkeypatch.setattr(tui.org_app, "analyse_account", counting(tui.org_app.analyse_account))
    monkeypatch.setattr(tui.org_app, "account_rank", counting(tui.org_app.account_rank))
    return seen


async def settle(app: RolemapApp, pilot: Pilot[None]) -> ExplorerScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ExplorerScreen)
    return app.screen


def tables(screen: ExplorerScreen) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(r.values for r in screen.query_one(f"#{t}", ResourceTable).model.rows)
            for t in TABLES}


def counts(line: str) -> str:
    """An Accounts line less its worst finding: the live app ranks an account by its
    cross-account analysis, the results store `rolemap findings`' (the account's own)."""
    return re.sub(r"  worst: \S+", "", line)


def cli_findings(folder: Path) -> dict[str, list[Finding]]:
    source = open_org_folder(folder)
    return {a: list(found) for a, _, found in org_findings(source, build_index(source))}


async def live_open(folder: Path, account: str) -> tuple[dict[str, str], dict[str, Any],
                                                         set[str]]:
    """A live open's Accounts lines, the account's tables and its findings' ids."""
    app = RolemapApp(SourceSpec(snapshot=str(folder)))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await settle(app, pilot)
        if account != MGMT:
            screen.open_account(account)
            screen = await settle(app, pilot)
        assert app.org is not None and app.workspace is not None and app.workspace.analysed
        lines = {a: counts(account_line(app.org, a).plain.replace("  (open)", ""))
                 for a in (MGMT, WORK, DATA, LOST)}
        return lines, tables(screen), set(app.workspace.findings)


async def test_tables_come_from_the_results_and_only_a_trace_analyses_its_account(
        analysed: Path, tmp_path: Path, calls: list[str]) -> None:
    live = tmp_path / "live"
    shutil.copytree(analysed, live, ignore=shutil.ignore_patterns("results"))
    live_lines, live_mgmt, live_findings = await live_open(live, MGMT)
    _, live_work, _ = await live_open(live, WORK)
    calls.clear()

    app = RolemapApp(SourceSpec(snapshot=str(analysed)))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await settle(app, pilot)
        assert app.org is not None and app.org.stored
        assert any("stored results" in n.message for n in app._notifications)
        # The Accounts tab: the live open's counts and worst findings, nothing analysed.
        lines = {a: account_line(app.org, a).plain.replace("  (open)", "")
                 for a in (MGMT, WORK, DATA, LOST)}
        assert {a: counts(line) for a, line in lines.items()} == live_lines
        cli = cli_findings(live)
        for account in (MGMT, WORK, DATA):
            worst = max((f.severity for f in cli[account]), key=lambda s: s.rank)
            assert f"worst: {worst.value}" in lines[account]
        assert app.workspace is not None and app.workspace.graph is None
        assert tables(screen) == live_mgmt
        findings = screen.query_one("#findings", ResourceTable).model.rows
        assert [r.key for r in findings] == [f.id for f in cli[MGMT]]
        assert live_findings  # the live Findings tab had rows too (its own analysis)
        # Another account from the Accounts tab: its tables, still nothing analysed.
        tree = screen.query_one(AccountsTree)
        assert tree.move_to_key(WORK)
        await pilot.press("enter")
        screen = await settle(app, pilot)
        assert app.workspace.snapshot.account_id == WORK
        assert tables(screen) == live_work
        assert calls == []
        # A trace needs the account's analysis: that one account, once.
        screen.jump_to(("instances", "i-0web"))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TraceScreen))
        assert calls == [WORK]
        reached = {b.bucket for b in app.workspace.reachable("i-0web")}
        assert {"data-lake", "org-shared"} <= reached
        await pilot.press("escape")
        await pilot.pause()
        screen.jump_to(("buckets", "work-tmp"))
        await pilot.press("t")
        await until(pilot, lambda: app.screen is not screen)
        assert calls == [WORK]  # the account's graph is set up once


async def test_stale_results_say_so_and_the_app_analyses_live(
        analysed: Path, calls: list[str]) -> None:
    (account_dir(analysed, DATA) / "summary.json").unlink()
    app = RolemapApp(SourceSpec(snapshot=str(analysed)))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.org is not None and not app.org.stored
        said = [n.message for n in app._notifications]
        assert any("stale" in m and f"rolemap analyse {analysed}" in m for m in said), said
        # Today's behaviour: every account ranked by its analysis.
        assert sorted(set(calls)) == sorted([MGMT, WORK, DATA])
        assert app.org.ranks[WORK].worst is not None


async def test_results_that_cannot_be_read_are_said_and_the_app_analyses_live(
        analysed: Path) -> None:
    (analysed / "results" / "accounts.parquet").write_bytes(b"not parquet")
    app = RolemapApp(SourceSpec(snapshot=str(analysed)))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.org is not None and not app.org.stored
        said = [n.message for n in app._notifications]
        assert any("could not be read" in m for m in said), said
        assert app.workspace is not None and app.workspace.analysed

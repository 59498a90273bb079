"""The Findings tab: first, ranked; Enter opens the finding's trace or who-can with its
statements in the evidence panel and the cursor on its path; escalation shown apart."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from textual.widgets import Static, TabbedContent

from graph.findings import Escalation
from graph.model import InlinePolicy, Role
from graph.sources import LoadedSource, SourceSpec
from graph.sources.demo_cast import PARTNER_ACCOUNT
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree

from .test_access_flows import as_text, open_explorer, tree_labels

MakeApp = Callable[[], RolemapApp]


async def _select_row(pilot, screen: ExplorerScreen, category: str) -> None:  # type: ignore[no-untyped-def]
    """Move down the Findings table to the first row of `category`, as a user would."""
    rows = screen.table.model.visible
    index = next(i for i, r in enumerate(rows) if r.values[1] == category
                 and not r.key.startswith("group:"))
    for _ in range(index - screen.table.cursor):
        await pilot.press("j")
    assert screen.table.model.visible[screen.table.cursor].values[1] == category


async def test_findings_first_ranked_and_enter_opens_the_escalation(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        assert explorer.tab_id == "findings"
        order = ["critical", "high", "medium", "low", "info"]
        rows = [r for r in explorer.table.model.visible if not r.key.startswith("group:")]
        ranks = [order.index(str(r.values[0])) for r in rows]
        assert len(ranks) == len(app.workspace.findings)
        # Grouped by category, each group ranked, the group with the worst finding first.
        groups: dict[str, list[int]] = {}
        for row, rank in zip(rows, ranks, strict=True):
            groups.setdefault(str(row.values[1]), []).append(rank)
        assert all(g == sorted(g) for g in groups.values())
        assert [g[0] for g in groups.values()] == sorted(g[0] for g in groups.values())
        await pilot.press("enter")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen) and trace.key.startswith("i-")
        assert app.workspace.snapshot.instance_by_id[trace.key].name == "ci-runner-1"
        panel = as_text(trace.query_one("#evidence", Static))
        assert "critical" in panel and "PassRole + RunInstances → role admin-box" in panel
        assert "Deciding statements" in panel and '"iam:PassRole"' in panel  # the JSON
        assert "Fix" in panel and "iam:PassedToService" in panel
        tree = trace.query_one(AccessTree)
        node = tree.cursor_node
        assert node is not None and isinstance(node.data, Escalation)
        assert node.data.target.endswith(":role/admin-box")
        labels = tree_labels(tree)
        # Its own kind of path: never counted among the buckets the instance reaches.
        assert any(lb.startswith("could gain (escalation, not allowed now)") for lb in labels)
        assert any(lb.startswith("buckets reachable: 2") for lb in labels)


async def test_enter_on_a_public_bucket_opens_who_can_on_the_public(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        await _select_row(pilot, explorer, "public-bucket")
        await pilot.press("enter")
        await pilot.pause()
        who = app.screen
        assert isinstance(who, WhoCanScreen) and who.bucket == "acme-public-website"
        node = who.query_one(AccessTree).cursor_node
        assert node is not None and node.data == "public"
        panel = as_text(who.query_one("#evidence", Static))
        assert "anyone can read" in panel and "PublicRead" in panel
        assert "Fix" in panel and "put-public-access-block" in panel.replace("\n", "")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is explorer


async def test_who_can_lists_escalation_apart(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-app-logs"))
        await pilot.press("t")
        await pilot.pause()
        who = app.screen
        assert isinstance(who, WhoCanScreen)
        labels = tree_labels(who.query_one(AccessTree))
        group = next(i for i, lb in enumerate(labels) if lb.startswith("Could gain"))
        gains = labels[group + 1:group + 3]  # one per role ci-runner could become
        assert all("ci-runner-1" in lb for lb in gains)
        assert any("admin-box" in lb for lb in gains) and any("analytics" in lb for lb in gains)
        # Allowed principals do not include it: the instance cannot reach the logs now.
        allowed = labels[:group]
        assert not any("ci-runner-1" in lb for lb in allowed)


async def test_enter_on_access_through_an_assumed_role_opens_the_role(
        demo_loaded: LoadedSource) -> None:
    """Another account may assume a role that reads a bucket: the finding opens the role's
    trace, cursor on the role, with the trust and identity statements in the panel."""
    snap = demo_loaded.snapshot
    arn = f"arn:aws:iam::{snap.account_id}:role/partner-etl"
    role = Role(arn, "partner-etl", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}]}, inline_policies=(InlinePolicy("etl-read", {
             "Version": "2012-10-17", "Statement": [{
                 "Sid": "ReadLogs", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::acme-app-logs/*"}]}),))
    loaded = dataclasses.replace(demo_loaded,
                                 snapshot=dataclasses.replace(snap, roles=snap.roles + (role,)))

    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return loaded

    app = RolemapApp(loaded.spec, opener=opener)
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        rows = explorer.table.model.visible
        index = next(i for i, r in enumerate(rows) if r.values[1] == "cross-account"
                     and "role partner-etl" in str(r.values[2]))
        for _ in range(index - explorer.table.cursor):
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen) and trace.key == arn
        node = trace.query_one(AccessTree).cursor_node
        assert node is not None and node.data == arn
        panel = as_text(trace.query_one("#evidence", Static))
        assert f"acme-app-logs: account {PARTNER_ACCOUNT} can assume role partner-etl" in panel
        assert "trust policy partner-etl, statement 1" in panel and "ReadLogs" in panel
        assert "Fix" in panel and "sts:ExternalId" in panel


async def test_findings_grouped_by_category_fold_and_filter_by_severity(
        make_app: MakeApp) -> None:
    """Categories are header rows (worst first) that Enter folds; `f` raises the severity
    floor and the title says how many are shown; `v` ranks them all in one list. Both keys are
    on the key bar of the Findings tab, and only there."""
    from tui.widgets.key_bar import KeyBar

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        findings = list(app.workspace.findings.values())
        table = explorer.table
        headers = [r for r in table.model.visible if r.key.startswith("group:")]
        assert {h.values[1] for h in headers} == {f.category for f in findings}
        escalation = next(h for h in headers if h.values[1] == "privilege-escalation")
        count = sum(f.category == "privilege-escalation" for f in findings)
        assert f"{count} findings" in str(escalation.values[2])
        shown = {k.description for k in explorer.query_one(KeyBar).keys}
        assert {"Group", "Severity"} <= shown
        # Enter on a header folds its category, and again unfolds it.
        delta = table.model.visible.index(escalation) - table.cursor
        for _ in range(abs(delta)):
            await pilot.press("j" if delta > 0 else "k")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is explorer
        assert not any(r.values[1] == "privilege-escalation" and not r.key.startswith("group:")
                       for r in table.model.visible)
        assert str(table.model.visible[table.cursor].values[2]).startswith("▶")
        await pilot.press("enter")
        assert sum(r.values[1] == "privilege-escalation" for r in table.model.visible) == count + 1
        # f: at least low, medium, high, critical, then all again.
        title = explorer.query_one(TabbedContent).get_tab("tab-findings")
        for floor in ("low", "medium", "high", "critical"):
            await pilot.press("f")
            await pilot.pause()
            rank = ["info", "low", "medium", "high", "critical"].index(floor)
            kept = [f for f in findings if f.severity.rank >= rank]
            rows = [r for r in table.model.visible if not r.key.startswith("group:")]
            assert {r.key for r in rows} == {f.id for f in kept}
            assert f"({len(kept)} of {len(findings)}, ≥ {floor})" in str(title.label)
        await pilot.press("f")
        assert str(title.label).endswith(f"({len(findings)})")
        # v: one ranked list, no headers.
        await pilot.press("v")
        assert not any(r.key.startswith("group:") for r in table.model.visible)
        order = ["critical", "high", "medium", "low", "info"]
        ranks = [order.index(str(r.values[0])) for r in table.model.visible]
        assert ranks == sorted(ranks) and len(ranks) == len(findings)
        await pilot.press("right_square_bracket")  # Instances: not its keys
        await pilot.pause()
        shown = {k.description for k in explorer.query_one(KeyBar).keys}
        assert "Group" not in shown and "Severity" not in shown

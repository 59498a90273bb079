"""`rolemap --snapshot NEW --compare OLD`: the Changes tab (a tree of causes), its filter,
and Enter."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from graph.model import Account, AccountSnapshot, InlinePolicy
from graph.sources import LoadedSource, SourceSpec
from graph.sources.snapshot_file import save_snapshot
from tui.app import RolemapApp
from tui.screens.changes_tree import ChangesTree
from tui.screens.explorer import ExplorerScreen
from tui.screens.load_error import LoadErrorScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree
from tui.widgets.evidence import Selection

READ_CUSTOMERS = {"Sid": "ReadCustomers", "Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::acme-customer-data/*"}
PUBLIC_DOWNLOADS = {"Version": "2012-10-17", "Statement": [{
    "Sid": "PublicDownloads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::acme-build-artifacts/releases/*"}]}


def changed(snapshot: AccountSnapshot) -> AccountSnapshot:
    """web-server may read acme-customer-data; acme-build-artifacts serves releases/ to all."""
    roles = []
    for role in snapshot.roles:
        if role.name == "web-server":
            first = role.inline_policies[0]
            document = {**first.document,
                        "Statement": [*first.document["Statement"], READ_CUSTOMERS]}
            role = replace(role, inline_policies=(InlinePolicy(first.name, document),
                                                  *role.inline_policies[1:]))
        roles.append(role)
    buckets = tuple(replace(b, policy=PUBLIC_DOWNLOADS) if b.name == "acme-build-artifacts"
                    else b for b in snapshot.buckets)
    return replace(snapshot, roles=tuple(roles), buckets=buckets)


@pytest.fixture
def pair(tmp_path: Path, demo_loaded: LoadedSource) -> tuple[str, str]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    save_snapshot(demo_loaded.snapshot, old)
    save_snapshot(changed(demo_loaded.snapshot), new)
    return str(old), str(new)


async def _explorer(app: RolemapApp, pilot) -> ExplorerScreen:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ExplorerScreen)
    return app.screen


def _tree(screen: ExplorerScreen) -> ChangesTree:
    return screen.query_one("#changes", ChangesTree)


def _open_all(tree: ChangesTree) -> None:
    """Open every node (building lazy children), as pressing Enter on each would."""
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        if node.allow_expand:
            tree.ensure_built(node)
            node.expand()
            stack.extend(node.children)


def _lines(tree: ChangesTree) -> list[str]:
    return [tree.get_node_at_line(i).label.plain  # type: ignore[union-attr]
            for i in range(tree.last_line + 1)]


def _rows(screen: ExplorerScreen) -> list[tuple[str, ...]]:
    """Every row the tree shows (through the filter), as (kind, who, bucket, action)."""
    tree = _tree(screen)
    assert tree.diff is not None
    return sorted((row.kind, row.subject, row.bucket, row.action)
                  for _, refs in tree.visible() for row in (tree.row(r) for r in refs))


async def _cursor_to(tree: ChangesTree, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the tree and move the cursor (with j) to the first line containing `text`."""
    _open_all(tree)
    await pilot.pause()
    target = next(i for i, line in enumerate(_lines(tree)) if text in line)
    tree.focus()
    await pilot.press("g", *["j"] * target)
    assert tree.cursor_line == target


async def test_changes_tab_is_a_tree_of_causes_and_filters(pair: tuple[str, str]) -> None:
    old, new = pair
    app = RolemapApp(SourceSpec(snapshot=new), compare=old)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _explorer(app, pilot)
        assert screen.tab_id == "changes"
        tree = _tree(screen)
        causes = [n.label.plain for n in tree.root.children]
        # Two edits, two causes: the public one first.
        assert causes == [
            "[PUBLIC] bucket acme-build-artifacts: bucket policy added",
            "role web-server: inline policy web-least-privilege: statement 3 (ReadCustomers) added"]
        # t on a cause (not a row) has nothing to trace: the explorer stays.
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen
        rows = _rows(screen)
        assert ("gained", "anyone (public)", "acme-build-artifacts", "s3:GetObject") in rows
        web = [r for r in rows if r[1].startswith("web-")]
        assert sorted(r[2:] for r in web) == [
            ("acme-build-artifacts", "s3:GetObject"), ("acme-build-artifacts", "s3:GetObject"),
            ("acme-customer-data", "s3:GetObject"), ("acme-customer-data", "s3:GetObject")]
        assert {r[0] for r in rows} == {"gained"}
        await pilot.press("slash", *"anyone")
        await pilot.pause()
        assert _rows(screen) == [
            ("gained", "anyone (public)", "acme-build-artifacts", "s3:GetObject")]
        assert len(tree.root.children) == 1


async def test_enter_opens_the_trace_with_the_change_marked(pair: tuple[str, str]) -> None:
    old, new = pair
    app = RolemapApp(SourceSpec(snapshot=new), compare=old)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _explorer(app, pilot)
        await pilot.press("slash", *"web-1 customer", "enter")
        rows = _rows(screen)
        assert [r[0] for r in rows] == ["gained"] and rows[0][1].startswith("web-1 (i-")
        assert rows[0][2:] == ("acme-customer-data", "s3:GetObject")
        await _cursor_to(_tree(screen), pilot, "web-1 (i-")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen) and trace.subject.startswith("web-1")
        node = trace.query_one(AccessTree).cursor_node
        assert node is not None and isinstance(node.data, Selection)
        assert (node.data.bucket, node.data.access.action) == ("acme-customer-data",
                                                               "s3:GetObject")
        assert "◀ gained: denied → conditional" in str(node.label)


async def test_enter_on_a_public_row_opens_who_can_marked(pair: tuple[str, str]) -> None:
    old, new = pair
    app = RolemapApp(SourceSpec(snapshot=new), compare=old)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _explorer(app, pilot)
        await _cursor_to(_tree(screen), pilot, "gained   anyone (public)")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        who = app.screen
        assert isinstance(who, WhoCanScreen) and who.bucket == "acme-build-artifacts"
        node = who.query_one(AccessTree).cursor_node
        assert node is not None and isinstance(node.data, Selection)
        assert node.data.who == "anyone (public)"
        assert node.data.access.action == "s3:GetObject"
        assert "◀ gained: denied → allowed" in str(node.label)


async def test_no_changes_tab_without_compare(pair: tuple[str, str]) -> None:
    app = RolemapApp(SourceSpec(snapshot=pair[1]))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _explorer(app, pilot)
        assert not screen.query("#changes") and screen.tab_id != "changes"


async def test_another_account_is_refused_with_a_message(
        tmp_path: Path, pair: tuple[str, str], demo_loaded: LoadedSource) -> None:
    other = tmp_path / "other.json"
    save_snapshot(replace(demo_loaded.snapshot, account=Account("999999999999")), other)
    app = RolemapApp(SourceSpec(snapshot=pair[1]), compare=str(other))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LoadErrorScreen)
        assert "comparing two different accounts is refused" in app.screen.message


async def test_the_same_snapshot_says_nothing_changed(pair: tuple[str, str]) -> None:
    app = RolemapApp(SourceSpec(snapshot=pair[0]), compare=pair[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _explorer(app, pilot)
        assert _lines(_tree(screen)) == ["Nothing changed since the old snapshot."]
        await pilot.press("d", "t")  # nothing under the cursor to show or trace
        await pilot.pause()
        assert app.screen is screen

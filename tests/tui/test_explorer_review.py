"""Issue 14's explorer items, driven as a user would: Enter opens reach, filter and sort in a
trace or who-can, risk marks, no stale evidence, 80x24, copy ARNs, the small items."""

from __future__ import annotations

import io

import pyperclip
import pytest
from rich.console import Console
from textual.widgets import Input, Markdown, Static, TextArea

from graph.policy import Outcome
from tui.screens.details import DetailsScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree
from tui.widgets.evidence import EvidencePanel, Selection

from .screen_text import screen_rows, screen_text
from .test_access_flows import (
    MakeApp,
    _nodes,
    as_text,
    instance_id,
    leaves,
    open_explorer,
    tree_labels,
)


async def test_enter_opens_what_a_row_reaches_and_d_keeps_the_details(
        make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        web1 = instance_id(app, "web-1")
        explorer.jump_to(("instances", web1))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen.key == web1
        await pilot.press("escape")
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        assert app.screen.bucket == "acme-public-website"
        await pilot.press("escape")
        explorer.jump_to(("roles", "arn:aws:iam::123456789012:role/batch-etl"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen.kind == "role"
        await pilot.press("escape")
        # d: the card, with a reach summary, and t from there opens the trace.
        explorer.jump_to(("instances", web1))
        await pilot.press("d")
        await pilot.pause()
        card = app.screen
        assert isinstance(card, DetailsScreen)
        text = card.query_one(Markdown).source
        assert "## Reach" in text and "Reaches **2** bucket(s)" in text
        assert "`acme-app-logs`" in text
        await pilot.press("G")  # g/G work in dialogs too
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen.key == web1


async def test_the_bucket_card_says_who_reaches_it_and_t_opens_who_can(
        make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("d")
        await pilot.pause()
        text = app.screen.query_one(Markdown).source
        assert "the public" in text and "[PUBLIC]" in text and "[NO BPA]" in text
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)


async def test_slash_filters_a_trace_and_s_sorts_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", instance_id(app, "legacy-reports")))
        await pilot.press("t")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen)
        tree = trace.query_one(AccessTree)
        assert len({s.bucket for s in leaves(tree)}) == 7
        await pilot.press("slash", *"customer")
        await pilot.pause()
        assert {s.bucket for s in leaves(tree)} == {"acme-customer-data"}
        assert "filter: customer" in screen_rows(app)[0]
        await pilot.press("escape")  # clears the filter, stays in the trace
        await pilot.pause()
        assert app.screen is trace and len({s.bucket for s in leaves(tree)}) == 7
        await pilot.press("slash", *"deleteobject allowed", "enter")
        await pilot.pause()
        found = leaves(tree)
        assert found and all("deleteobject" in s.access.action.lower() for s in found)
        assert all(s.access.outcome is not Outcome.DENIED for s in found)
        await pilot.press("escape")
        await pilot.press("slash", *"nothing-like-this")
        await pilot.pause()
        assert any("no match for" in label for label in tree_labels(tree))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("s")  # by name
        names = [n.data for n in tree.root.children[-1].children]
        assert names == sorted(names)
        await pilot.press("S")
        names = [n.data for n in tree.root.children[-1].children]
        assert names == sorted(names, reverse=True)
        assert "sorted by name, reversed" in screen_rows(app)[0]


async def test_who_can_filters_by_principal_and_sorts_riskiest_first(
        make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        who = app.screen
        assert isinstance(who, WhoCanScreen)
        tree = who.query_one(AccessTree)
        await pilot.press("slash", *"web-1")
        await pilot.pause()
        assert {s.who for s in leaves(tree)} == {
            label for label in {s.who for s in leaves(tree)} if "web-1" in label}
        await pilot.press("escape")
        await pilot.press("slash", *"anyone")
        await pilot.pause()
        labels = tree_labels(tree)
        assert any(label.startswith("The public") for label in labels)
        assert not any(label.startswith("Instances") for label in labels)
        await pilot.press("escape")
        await pilot.press("v")  # by action: the filter and sort apply there too
        await pilot.press("slash", *"getobject")
        await pilot.pause()
        assert {s.access.action for s in leaves(tree)} == {"s3:GetObject"} or all(
            "getobject" in s.access.action.lower() for s in leaves(tree))


async def test_risk_is_marked_where_a_reviewer_looks(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        labels = tree_labels(tree)
        assert "[NO BPA]" in labels[0]  # the bucket itself
        assert any(label.startswith("The public") and "[PUBLIC]" in label for label in labels)
        await pilot.press("escape")
        explorer.jump_to(("buckets", "acme-partner-exchange"))
        await pilot.press("t")
        await pilot.pause()
        labels = tree_labels(app.screen.query_one(AccessTree))
        assert any("210987654321" in label and "[OTHER ACCOUNT]" in label for label in labels)
        await pilot.press("escape")
        explorer.jump_to(("instances", instance_id(app, "legacy-reports")))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        labels = tree_labels(tree)
        assert any(label.startswith("role legacy-reporting") and "[s3:*]" in label
                   for label in labels)
        for selection in leaves(tree):
            label = next(str(n.label) for n in _nodes(tree) if n.data is selection)
            if selection.access.outcome is Outcome.DENIED:
                # A denied answer exposes nothing (e.g. through the VPC-only access point).
                assert "[" not in label.split(selection.access.action, 1)[1]
                continue
            if selection.access.action == "s3:PutBucketPolicy":
                assert "[PERMISSIONS]" in label
            elif selection.access.action == "s3:DeleteObject":
                assert "[DELETE]" in label
            elif selection.access.action == "s3:PutObject":
                assert "[WRITE]" in label
            elif selection.access.action == "s3:GetObject":
                assert "[" not in label.split("s3:GetObject", 1)[1]


async def test_conditions_read_in_plain_words_in_the_evidence(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", instance_id(app, "etl-worker-1")))
        await pilot.press("t")
        await pilot.pause()
        trace = app.screen
        tree = trace.query_one(AccessTree)
        target = next(s for s in leaves(tree) if s.bucket == "acme-customer-data"
                      and s.access.action == "s3:GetObject")
        assert target.access.outcome is Outcome.CONDITIONAL
        tree.move_cursor(next(n for n in _nodes(tree) if n.data is target))
        await pilot.pause()
        evidence = " ".join(as_text(trace.query_one("#evidence", Static)).split())
        assert "Allowed only if" in evidence
        assert "only over TLS" in evidence
        assert "aws:SecureTransport" in evidence  # the raw form stays, to check against


async def test_regroup_and_new_context_never_leave_a_stale_panel(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", instance_id(app, "etl-worker-1")))
        await pilot.press("t")
        await pilot.pause()
        trace = app.screen
        tree = trace.query_one(AccessTree)
        bucket = next(n for n in _nodes(tree) if n.data == "acme-customer-data")
        tree.open(bucket)
        await pilot.pause()
        leaf = next(n for n in _nodes(tree) if isinstance(n.data, Selection)
                    and n.data.bucket == "acme-customer-data"
                    and n.data.access.action == "s3:GetObject")
        tree.move_cursor(leaf)
        await pilot.pause()
        assert "conditional" in as_text(trace.query_one("#evidence", Static))
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "aws:SecureTransport=true"
        await pilot.press("ctrl+s")
        # The dialog's callback starts the re-decision after the key press, so waiting for the
        # workers at once can return before it began: wait for the answer itself.
        for _ in range(600):  # the new answers arrive as a message, then a refresh
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if "✔ allowed" in as_text(trace.query_one("#evidence", Static)):
                break
        assert app.screen is trace
        # The bucket the user opened is still open, the cursor on the same action, and the
        # panel shows its new answer.
        bucket = next(n for n in _nodes(tree) if n.data == "acme-customer-data")
        assert bucket.is_expanded
        node = tree.cursor_node
        assert isinstance(node.data, Selection)
        assert node.data.access.action == "s3:GetObject"
        assert node.data.bucket == "acme-customer-data"
        assert node.data.access.outcome is Outcome.ALLOWED
        evidence = as_text(trace.query_one("#evidence", Static))
        assert "✔ allowed" in evidence and "conditional" not in evidence
        await pilot.press("escape")
        # Who-can: v regroups; the panel follows the cursor, not the last leaf.
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        who = app.screen
        tree = who.query_one(AccessTree)
        first = leaves(tree)[0]  # opens every node, as a user pressing Enter would
        leaf = next(n for n in _nodes(tree) if n.data is first)
        await pilot.pause()  # the opened nodes get their lines
        tree.move_cursor(leaf)
        await pilot.pause()
        assert "Select an action" not in as_text(who.query_one("#evidence", Static))
        await pilot.press("v")
        await pilot.pause()
        await pilot.pause()
        cursor = tree.cursor_node
        shown = as_text(who.query_one("#evidence", Static))
        if isinstance(cursor.data, Selection):
            assert cursor.data.access.action in shown
        else:
            assert "Select an action" in shown


async def test_80x24_never_cuts_identifiers(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", None))
        await pilot.pause()
        text = screen_text(app)
        for instance in app.workspace.snapshot.instances:
            assert instance.instance_id in text and (instance.name or "") in text
        await pilot.press("right_square_bracket")
        text = screen_text(app)
        for role in app.workspace.snapshot.roles:
            assert role.name in text
        await pilot.press("right_square_bracket")
        table = explorer.table
        table.sort_by(3)  # Who can, with its arrow
        await pilot.pause()
        assert "Who can ▲" in screen_rows(app)[3]
        for bucket in app.workspace.snapshot.buckets:
            assert bucket.name in screen_text(app)
        # A trace: the evidence goes under the tree, full width, so ARNs are not split.
        explorer.jump_to(("instances", instance_id(app, "etl-worker-1")))
        await pilot.press("t")
        await pilot.pause()
        trace = app.screen
        panel = trace.query_one(EvidencePanel)
        tree = trace.query_one(AccessTree)
        assert panel.region.width >= 78 and panel.region.y > tree.region.y
        leaf = next(n for n in _nodes(tree) if isinstance(n.data, Selection)
                    and n.data.bucket == "acme-customer-data")
        tree.move_cursor(leaf)
        await pilot.pause()
        body = trace.query_one("#evidence", Static)
        console = Console(width=body.content_region.width, record=True, file=io.StringIO())
        console.print(body.content)
        assert "arn:aws:s3:::acme-customer-data/*" in console.export_text()  # one line


async def test_empty_filter_says_no_match(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", None))
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        assert "No match for “zzz”" in screen_text(app)
        assert "No instances in this account" not in screen_text(app)
        assert explorer.query_one("#filter", Input).value == "zzz"


@pytest.mark.parametrize("tab, key, expected", [
    ("buckets", "acme-app-logs", "arn:aws:s3:::acme-app-logs"),
    ("roles", "arn:aws:iam::123456789012:role/web-server",
     "arn:aws:iam::123456789012:role/web-server"),
])
async def test_c_copies_the_arn_of_every_kind(
        make_app: MakeApp, monkeypatch: pytest.MonkeyPatch,
        tab: str, key: str, expected: str) -> None:
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to((tab, key))
        await pilot.press("c")
        assert copied[-1] == expected
        assert app._notifications and list(app._notifications)[-1].title == "Copied"


async def test_c_in_trees_copies_arns(make_app: MakeApp,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("instances", instance_id(app, "web-1")))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        for data, expected in (
            ("arn:aws:iam::123456789012:role/web-server",
             "arn:aws:iam::123456789012:role/web-server"),
            ("acme-app-logs", "arn:aws:s3:::acme-app-logs"),
        ):
            tree.move_cursor(next(n for n in _nodes(tree) if n.data == data))
            await pilot.pause()
            await pilot.press("c")
            assert copied[-1] == expected
        leaf = next(n for n in _nodes(tree) if isinstance(n.data, Selection))
        tree.move_cursor(leaf)
        await pilot.pause()
        await pilot.press("c")
        assert copied[-1] == f"arn:aws:s3:::{leaf.data.bucket}"
        await pilot.press("escape")
        explorer.jump_to(("buckets", "acme-partner-exchange"))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        tree_labels(tree)
        await pilot.pause()
        account = next(n for n in _nodes(tree) if isinstance(n.data, str)
                       and "210987654321" in n.data)
        tree.move_cursor(account)
        await pilot.pause()
        await pilot.press("c")
        assert copied[-1] == "arn:aws:iam::210987654321:root"


async def test_loading_header_and_review_header_say_things_once(
        make_app: MakeApp, tmp_path) -> None:
    from graph.exports import export
    from tui.widgets.header import header_text

    assert header_text(None, "loading").plain.count("loading") == 1
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_explorer(app, pilot)
        out = tmp_path / "review.md"
        export(app.workspace.graph, "md", out)
        text = out.read_text()
        assert "demo demo" not in text and "demo account (moto)" in text


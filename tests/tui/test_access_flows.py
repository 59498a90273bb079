"""Trace, who-can, drill-down, copy and assumed context on the demo account."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable

import pyperclip
import pytest
from rich.console import Console
from textual.widgets import Static, TextArea

from graph.policy import Outcome
from tui import clipboard
from tui.app import RolemapApp
from tui.screens.context import AssumedContextScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree
from tui.widgets.evidence import Selection
from tui.widgets.header import AccountHeader

MakeApp = Callable[[], RolemapApp]


def instance_id(app: RolemapApp, name: str) -> str:
    assert app.workspace is not None
    return next(i.instance_id for i in app.workspace.snapshot.instances if i.name == name)


def as_text(widget: Static) -> str:
    """What the widget shows, as plain text (rich renderables rendered at a fixed width)."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def show_trace(  # type: ignore[no-untyped-def]
    app: RolemapApp, pilot, explorer: ExplorerScreen, name: str
) -> TraceScreen:
    """Select the instance called `name` in the explorer and press `t`, as a user would."""
    explorer.jump_to(("instances", instance_id(app, name)))
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(app.screen, TraceScreen)
    return app.screen


def tree_labels(tree: AccessTree) -> list[str]:
    open_all(tree)
    labels: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        labels.append(str(node.label))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return labels


def open_all(tree: AccessTree) -> None:
    """Expand every node, as a user pressing Enter on each would (children build lazily)."""
    stack = [tree.root]
    while stack:
        node = stack.pop()
        if node.allow_expand:
            tree.open(node)
        stack.extend(node.children)


def leaves(tree: AccessTree) -> list[Selection]:
    open_all(tree)
    found: list[Selection] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        if isinstance(node.data, Selection):
            found.append(node.data)
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


async def open_explorer(app: RolemapApp, pilot) -> ExplorerScreen:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ExplorerScreen)
    return screen


async def test_trace_shows_role_chain_and_buckets_with_words(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        tree = (await show_trace(app, pilot, screen, "ci-runner-1")).query_one(AccessTree)
        labels = tree_labels(tree)
        assert "profile ci-runner" in labels
        assert any(label.startswith("can assume website-deployer") for label in labels)
        assert any("acme-build-artifacts" in label for label in labels)
        assert any("acme-public-website" in label for label in labels)
        # Every answer is readable without colour: a word next to each action.
        words = {s.access.outcome for s in leaves(tree)}
        assert Outcome.ALLOWED in words
        for label in labels:
            if label.startswith(("✔", "?", "✘", "!")):
                assert any(w in label for w in ("allowed", "conditional", "denied", "unknown"))


async def test_selecting_an_action_shows_the_deciding_statement(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        tree = (await show_trace(app, pilot, screen, "web-1")).query_one(AccessTree)
        target = next(
            s
            for s in leaves(tree)
            if s.bucket == "acme-app-logs" and s.access.action == "s3:PutObject"
        )
        node = next(n for n in _nodes(tree) if n.data is target)
        node.parent.parent.expand()
        node.parent.expand()
        await pilot.pause()
        tree.move_cursor(node)
        await pilot.pause()
        evidence = as_text(app.screen.query_one("#evidence", Static))
        assert "s3:PutObject on acme-app-logs" in evidence
        assert "web-least-privilege" in evidence  # the inline policy that grants it
        assert "acme-app-logs/web/*" in evidence  # the statement JSON


def _nodes(tree: AccessTree) -> list:  # type: ignore[type-arg]
    found = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        found.append(node)
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


async def test_who_can_lists_the_public_and_instances(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        screen.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        tree = app.screen.query_one(AccessTree)
        get_object = [s for s in leaves(tree) if s.access.action == "s3:GetObject"]
        who = {s.who: s.access.outcome for s in get_object}
        assert who["anyone (public)"] is Outcome.ALLOWED
        assert any("web-1" in w for w in who)
        labels = tree_labels(tree)  # grouped by principal first
        assert any(label.startswith("The public") for label in labels)
        assert any(label.startswith("Instances") for label in labels)
        await pilot.press("v")  # then by access level and action
        labels = tree_labels(tree)
        assert any(label.startswith("Read: ") for label in labels)
        by_action = [s for s in leaves(tree) if s.access.action == "s3:GetObject"]
        assert {s.who for s in by_action} == set(who)


async def test_copy_falls_back_to_osc52_and_says_so(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        screen = await open_explorer(app, pilot)
        web1 = instance_id(app, "web-1")
        screen.jump_to(("instances", web1))
        written: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", written.append)
        await pilot.press("c")
        arn = f"arn:aws:ec2:us-east-1:123456789012:instance/{web1}"
        assert app.clipboard == arn
        # What the terminal receives: OSC 52 "set clipboard" with the ARN, base64-encoded.
        osc52 = [w for w in written if w.startswith("\x1b]52;c;")]
        assert osc52 and base64.b64decode(osc52[-1][len("\x1b]52;c;"):-1]).decode() == arn
        # Honest: sent to the terminal, not "copied" (nothing confirms the terminal took it).
        said = [n for n in app._notifications if "OSC 52" in n.message]
        assert said and said[-1].message.startswith("Sent instance ARN to the terminal (OSC 52)")
        assert all(n.title != "Copied" for n in app._notifications)


async def test_copy_view_json_uses_the_system_clipboard(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_explorer(app, pilot)
        await pilot.press("right_square_bracket", "slash", *"web", "enter", "C")
        rows = json.loads(copied[-1])
        assert sorted(r["name"] for r in rows) == ["web-1", "web-2"]
        assert any(clipboard.SYSTEM in n.message for n in app._notifications)


async def test_assumed_context_redecides_and_shows_in_header(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        etl = instance_id(app, "etl-worker-1")
        screen.jump_to(("instances", etl))
        await pilot.press("t")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen)

        def get_object() -> Outcome:
            tree = trace.query_one(AccessTree)
            return next(
                s.access.outcome
                for s in leaves(tree)
                if s.bucket == "acme-customer-data" and s.access.action == "s3:GetObject"
            )

        assert get_object() is Outcome.CONDITIONAL  # depends on aws:SecureTransport
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssumedContextScreen)
        app.screen.query_one(TextArea).text = "aws:SecureTransport=true"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is trace
        assert get_object() is Outcome.ALLOWED
        header = str(trace.query_one(AccountHeader).render())
        assert "context: aws:SecureTransport=true" in header


async def test_context_panel_rejects_a_line_without_key_value(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_explorer(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "SecureTransport true"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AssumedContextScreen)
        assert "line 1" in str(app.screen.query_one("#context-error", Static).render())


async def test_second_trace_reuses_the_screen_and_shows_only_the_new_instance(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        first = await show_trace(app, pilot, screen, "ci-runner-1")
        tree = first.query_one(AccessTree)
        # Leave the trace with something selected and the evidence panel filled in.
        target = next(s for s in leaves(tree) if s.bucket == "acme-build-artifacts")
        tree.move_cursor(next(n for n in _nodes(tree) if n.data is target))
        await pilot.pause()
        assert "acme-build-artifacts" in as_text(first.query_one("#evidence", Static))
        await pilot.press("escape")
        await pilot.pause()
        await show_trace(app, pilot, screen, "web-1")
        assert app.screen is first  # the same screen, aimed at the new instance
        labels = tree_labels(tree)
        assert labels[0].startswith("web-1")
        assert "profile ci-runner" not in labels
        assert not any(label.startswith("can assume website-deployer") for label in labels)
        assert {s.bucket for s in leaves(tree)} >= {"acme-app-logs"}
        assert "acme-build-artifacts" not in {s.bucket for s in leaves(tree) if s.access.granted}
        assert "trace web-1" in str(first.query_one(AccountHeader).render())
        evidence = as_text(first.query_one("#evidence", Static))
        assert "Select an action" in evidence  # no stale statement from the last trace
        assert tree.cursor_line == 0 and tree.has_focus


async def test_reload_drops_the_kept_trace_and_the_next_one_uses_the_new_account(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        first = await show_trace(app, pilot, screen, "web-1")
        await pilot.press("escape", "ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.is_screen_installed("trace")  # the old account is not kept alive
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen is not first
        assert app.screen.workspace is app.workspace


async def test_a_trace_on_the_stack_is_not_reaimed_under_the_user(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_explorer(app, pilot)
        assert app.workspace is not None
        web = instance_id(app, "web-1")
        await pilot.press("t")
        await pilot.pause()
        first = app.screen
        assert isinstance(first, TraceScreen)
        shown = (first.kind, first.key)
        # e.g. the wizard's "show the new role" while a trace is open
        from tui.navigator import open_trace

        open_trace(app, app.workspace, "instance", web)
        await pilot.pause()
        assert app.screen is not first and isinstance(app.screen, TraceScreen)
        assert (first.kind, first.key) == shown
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is first


async def test_a_kept_trace_follows_a_theme_change_made_while_it_was_hidden(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_explorer(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        dark = app.screen.query_one(AccessTree).styles.background
        await pilot.press("escape")
        await pilot.pause()
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        light = app.screen.query_one(AccessTree).styles.background
        assert light != dark and light.brightness > dark.brightness


async def test_d_and_y_in_a_trace_describe_the_node_under_the_cursor(make_app: MakeApp) -> None:
    from tui.screens.details import DetailsScreen
    from tui.screens.raw_json import RawJsonScreen

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_explorer(app, pilot)
        trace = await show_trace(app, pilot, screen, "web-1")
        tree = trace.query_one(AccessTree)
        role = next(n for n in _nodes(tree) if str(n.label) == "role web-server")
        tree.move_cursor(role)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert (app.screen.kind, app.screen.key) == ("roles", role.data)
        await pilot.press("escape")
        await pilot.pause()
        bucket = next(n for n in _nodes(tree) if n.data == "acme-app-logs")
        tree.move_cursor(bucket)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RawJsonScreen)
        assert '"name": "acme-app-logs"' in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        # On an action, d reads its evidence: the statement panel takes the focus.
        target = next(s for s in leaves(tree) if s.bucket == "acme-app-logs")
        tree.move_cursor(next(n for n in _nodes(tree) if n.data is target))
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is trace and app.focused is not None
        assert app.focused.id == "trace-evidence"
        # A level heading is not a resource: a message, no dialog.
        level = next(n for n in _nodes(tree) if str(n.label).startswith("Read:"))
        tree.focus()
        tree.move_cursor(level)
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is trace

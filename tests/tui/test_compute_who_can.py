"""The app's who-can lists the demo's Lambda function where its role reaches the bucket,
naming the role it runs as; Enter on it opens that role (a function has no record of its own
in the explorer), and `c` copies the function's own ARN."""

from __future__ import annotations

from collections.abc import Callable

from tui.app import RolemapApp
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree

from .test_access_flows import open_explorer

MakeApp = Callable[[], RolemapApp]


async def test_who_can_lists_the_function_under_lambda_functions(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_explorer(app, pilot)
        screen.jump_to(("buckets", "acme-app-logs"))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        tree = app.screen.query_one(AccessTree)
        # The group opens by itself (one member): the function, naming its role.
        groups = [str(n.label) for n in tree.root.children]
        assert "Lambda functions (1)" in groups
        node = next(n for n in _nodes(tree) if isinstance(n.data, str)
                    and n.data.endswith(":function:log-digest"))
        assert str(node.label).startswith("✔ allowed  lambda function log-digest (")
        assert "as role analytics" in str(node.label)
        tree.move_cursor(node)
        await pilot.pause()
        assert app.screen.resource_at_cursor() == (
            "roles", f"arn:aws:iam::{app.workspace.snapshot.account_id}:role/analytics")
        text, what = app.screen.copy_target() or ("", "")
        assert text.endswith(":function:log-digest") and what == "lambda function ARN"


def _nodes(tree: AccessTree) -> list:  # type: ignore[type-arg]
    out = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out

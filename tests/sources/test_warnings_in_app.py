"""A live load that was refused something: the app says so, lists it, and answers "unknown".

The refusal is a real AccessDenied answer to the loader's boto3 call against the demo
emulator; the app is then driven as a person would (the warnings tab, a who-can view).
"""

from __future__ import annotations

from sources_faults import fresh_connection, inject_error
from textual.widgets import TabbedContent

from graph.policy import Outcome
from graph.sources import LoadedSource, SourceSpec
from graph.sources.connection import AwsConnection
from graph.sources.demo_cast import REGIONS, SHARED_BUCKET
from graph.sources.live import load_live
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree
from tui.widgets.evidence import Selection


def _refused_policy_account() -> LoadedSource:
    conn = fresh_connection()
    inject_error(conn, "before-send.s3.GetBucketPolicy", status=403, code="AccessDenied",
                 message="Access Denied", when=lambda request: SHARED_BUCKET in request.url)
    spec = SourceSpec(profile="auditor", regions=REGIONS)
    return LoadedSource(spec, load_live(conn, REGIONS), conn)


async def test_refused_bucket_policy_is_shown_and_its_answers_are_unknown(
    demo_conn: AwsConnection,
) -> None:
    loaded = _refused_policy_account()
    app = RolemapApp(loaded.spec, opener=lambda spec, progress=None: loaded)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        assert any("1 load warning" in n.message for n in app._notifications)
        await pilot.press("colon", *"warnings", "enter")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-warnings"
        rows = screen.table.model.visible
        assert len(rows) == 1
        shown = " ".join(str(value) for value in rows[0].values)
        assert "s3:GetBucketPolicy" in shown and SHARED_BUCKET in shown
        assert "AccessDenied" in shown
        # The bucket whose policy could not be read (no Block Public Access): that policy may
        # grant anyone anything or deny it, so no answer there is "allowed" or "denied".
        screen.jump_to(("buckets", SHARED_BUCKET))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        tree = app.screen.query_one(AccessTree)
        stack = [tree.root]
        answers: list[Selection] = []
        while stack:
            node = stack.pop()
            if node.allow_expand:
                tree.open(node)
            if isinstance(node.data, Selection):
                answers.append(node.data)
            stack.extend(node.children)
        public = [s for s in answers if s.who == "anyone (public)"]
        assert public and {s.access.outcome for s in public} == {Outcome.UNKNOWN}
        analytics = [s for s in answers if s.who.startswith("instance analytics-1")]
        # Its role grants s3:GetObject here, but an unread bucket policy could deny it.
        assert any(s.access.action == "s3:GetObject" for s in analytics)
        assert {s.access.outcome for s in answers} == {Outcome.UNKNOWN}

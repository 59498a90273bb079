"""The app's trace of an instance without an instance profile says exactly that, in the same
words as `rolemap trace` (not "no statement grants it": there is no role to grant anything)."""

from __future__ import annotations

from tui.widgets.access_tree import AccessTree

from .test_access_flows import MakeApp, instance_id, open_explorer, show_trace, tree_labels


async def test_bastion_has_no_instance_profile(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        screen = await show_trace(app, pilot, explorer, "bastion")
        labels = tree_labels(screen.query_one(AccessTree))
        bastion = instance_id(app, "bastion")
        assert (f"instance bastion ({bastion}) has no instance profile (no role): it can reach "
                "nothing through IAM") in labels

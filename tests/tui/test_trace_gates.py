"""The app's trace shows the network step and paths through access points as `rolemap trace`
does, and its who-can view lists who reaches a bucket through an access point (the demo:
worker-private behind the gateway endpoint, worker-no-path without a route, the VPC-only
access point on acme-finance-reports)."""

from __future__ import annotations

import json

from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import AccessTree

from .test_access_flows import MakeApp, leaves, open_explorer, show_trace, tree_labels


async def test_trace_shows_the_network_step_with_the_endpoint_policy(make_app: MakeApp
                                                                     ) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        screen = await show_trace(app, pilot, explorer, "worker-private")
        labels = tree_labels(screen.query_one(AccessTree))
        step = [la for la in labels if la.startswith("network path: route table rtb-")]
        # acme-customer-data (eu-west-1) through the endpoint; us-east-1 buckets: no route.
        assert any(la.endswith("(gateway endpoint)") for la in step)
        assert any(la.endswith("no route to S3 in us-east-1") for la in step)
        assert any(la.startswith("by route table rtb-") and "(endpoint policy), statement 1 "
                   "(OnlyCustomerData)" in la for la in labels)
        await pilot.press("escape")
        await pilot.pause()
        screen = await show_trace(app, pilot, explorer, "worker-no-path")
        labels = tree_labels(screen.query_one(AccessTree))
        assert any(la.startswith("network path: route table rtb-")
                   and "no route to S3 in eu-west-1" in la for la in labels)
        assert "no network path to S3 in eu-west-1" in labels


async def test_trace_and_who_can_show_paths_through_the_access_point(make_app: MakeApp
                                                                     ) -> None:
    app = make_app()
    point = "accesspoint/finance-reports-vpc"
    async with app.run_test(size=(120, 36)) as pilot:
        explorer = await open_explorer(app, pilot)
        screen = await show_trace(app, pilot, explorer, "legacy-reports")
        labels = tree_labels(screen.query_one(AccessTree))
        through = [la for la in labels if la.startswith("via access point arn:aws:s3:eu-west-1")]
        assert through and point in through[0] and "denied" in through[0]
        assert any(la.startswith("network origin VPC: answers only requests from vpc-")
                   for la in labels)
        get = next(s for s in leaves(screen.query_one(AccessTree))
                   if "via access point" in s.who and s.access.action == "s3:GetObject")
        assert "answers only requests from vpc-" in get.access.reasons[0]
        body, _ = screen.view_json()
        [path] = json.loads(body)["access_point_paths"]
        assert path["access_point"].endswith(point)
        assert path["actions"]["s3:GetObject"]["outcome"] == "denied"
        await pilot.press("escape")
        await pilot.pause()
        explorer.jump_to(("buckets", "acme-finance-reports"))
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhoCanScreen)
        labels = tree_labels(app.screen.query_one(AccessTree))
        assert any(la.startswith("Through access points (") for la in labels)
        assert any(la.startswith("role legacy-reporting  via access point finance-reports-vpc")
                   for la in labels)

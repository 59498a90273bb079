"""`Request.on`: the decider asks one request of a bucket, its objects and each key prefix
(issue 24 item 3), copied per resource instead of derived again; the copy must be the very
request a fresh one would be, derived fields included."""

from __future__ import annotations

import pytest

from graph.policy import Request


@pytest.mark.parametrize(("principal", "action", "resource"), [
    ("arn:aws:iam::111111111111:role/app", "s3:GetObject", "arn:aws:s3:::data/logs/*"),
    ("arn:aws:iam::111111111111:role/aws-service-role/x", "s3:ListBucket", "arn:aws:s3:::data"),
    ("arn:aws:iam::111111111111:role/app", "sts:AssumeRole", "arn:aws:iam::222222222222:role/t"),
    (None, "s3:GetObject", "arn:aws:s3:::open/*"),
])
def test_request_on_another_resource_equals_a_fresh_request(
        principal: str | None, action: str, resource: str) -> None:
    base = Request(principal_arn=principal, action=action, resource_arn="arn:aws:s3:::other",
                   resource_account="111111111111", context={"aws:SourceVpce": "vpce-1"},
                   principal_tags={"team": "a"}, partial=True)
    fresh = Request(principal_arn=principal, action=action, resource_arn=resource,
                    resource_account="111111111111", context={"aws:SourceVpce": "vpce-1"},
                    principal_tags={"team": "a"}, partial=True)
    moved = base.on(resource)
    assert moved == fresh
    assert vars(moved) == vars(fresh)  # the derived fields too (explicit_grant reads the ARN)
    assert base.resource_arn == "arn:aws:s3:::other"  # the original is left as it was

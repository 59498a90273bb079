"""Applying a plan against moto: exactly the planned resources, or nothing at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from graph.wizard import BucketGrant, RolePlan, api_calls, apply_plan, inline_policy, trust_policy

from .conftest import MotoAccount


def make_plan(acct: MotoAccount) -> RolePlan:
    return RolePlan(
        name="app-reader",
        trusted_services=("ec2.amazonaws.com",),
        grants=(BucketGrant.parse("list,read:data-bucket/reports/"),),
        managed_policy_arns=(acct.policy_arn,),
        boundary_arn=acct.boundary_arn,
        description="reads reports",
        tags=(("team", "data"),),
        max_session_duration=7200,
    )


def account_state(acct: MotoAccount) -> dict[str, Any]:
    """Everything apply may touch, as comparable data."""
    iam = acct.connection.client("iam")
    ec2 = acct.connection.client("ec2", acct.bare.region)
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        roles[name] = {
            "inline": iam.list_role_policies(RoleName=name)["PolicyNames"],
            "attached": [p["PolicyArn"] for p in
                         iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]],
            "boundary": iam.get_role(RoleName=name)["Role"].get("PermissionsBoundary", {})
            .get("PermissionsBoundaryArn"),
        }
    profiles = {p["InstanceProfileName"]: [r["RoleName"] for r in p["Roles"]]
                for p in iam.list_instance_profiles()["InstanceProfiles"]}
    associations = sorted(
        (a["InstanceId"], a["IamInstanceProfile"]["Arn"])
        for a in ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
        if a["State"] == "associated"
    )
    return {"roles": roles, "profiles": profiles, "associations": associations}


def test_apply_creates_exactly_the_planned_resources(moto_account: MotoAccount) -> None:
    acct = moto_account
    plan = make_plan(acct)
    before = account_state(acct)
    result = apply_plan(plan, acct.connection, attach=[acct.bare, acct.profiled])
    assert result.ok, result.lines()
    assert result.role_arn == f"arn:aws:iam::{acct.account_id}:role/app-reader"
    after = account_state(acct)

    iam = acct.connection.client("iam")
    role = iam.get_role(RoleName="app-reader")["Role"]
    assert role["AssumeRolePolicyDocument"] == trust_policy(plan)
    assert role["MaxSessionDuration"] == 7200 and role["Description"] == "reads reports"
    assert role["Tags"][0] == {"Key": "team", "Value": "data"}
    assert [t["Key"] for t in role["Tags"][1:]] == ["rolemap:creation"]  # this apply's mark
    doc = iam.get_role_policy(RoleName="app-reader", PolicyName="app-reader-s3-access")
    assert doc["PolicyDocument"] == inline_policy(plan)

    expected_roles = dict(before["roles"])
    expected_roles["app-reader"] = {
        "inline": ["app-reader-s3-access"], "attached": [acct.policy_arn],
        "boundary": acct.boundary_arn,
    }
    assert after["roles"] == expected_roles
    assert after["profiles"] == {**before["profiles"], "app-reader": ["app-reader"]}
    new_profile = result.instance_profile_arn
    assert after["associations"] == sorted([(acct.bare.instance_id, new_profile),
                                            (acct.profiled.instance_id, new_profile)])
    ops = [c.operation for c in result.completed]
    assert ops == ["create_role", "put_role_policy", "attach_role_policy",
                   "put_role_permissions_boundary", "create_instance_profile",
                   "add_role_to_instance_profile", "associate_iam_instance_profile",
                   "replace_iam_instance_profile_association"]


def _inject(acct: MotoAccount, service: str, operation: str, region: str | None = None) -> None:
    writes = operation.startswith(("create", "put", "attach", "add", "associate", "replace"))
    connection = acct.connection
    client = (connection.write_client if writes else connection.client)(service, region)
    api_name = client.meta.method_to_api_mapping[operation]

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Injected", "Message": "injected failure"}},
                          api_name)

    client.meta.events.register(f"before-call.{client.meta.service_model.endpoint_prefix}"
                                f".{api_name}", fail)


PLANNED_STEPS = ["create_role", "put_role_policy", "attach_role_policy",
                 "put_role_permissions_boundary", "create_instance_profile",
                 "add_role_to_instance_profile", "associate_iam_instance_profile",
                 "replace_iam_instance_profile_association"]


@pytest.mark.parametrize("failing", PLANNED_STEPS)
def test_a_failure_at_any_step_leaves_the_account_as_it_was(moto_account: MotoAccount,
                                                            failing: str) -> None:
    acct = moto_account
    plan = make_plan(acct)
    assert [c.operation for c in api_calls(plan, [acct.bare, acct.profiled])] == PLANNED_STEPS
    before = account_state(acct)
    if failing.startswith(("associate", "replace")):
        _inject(acct, "ec2", failing, acct.bare.region)
    else:
        _inject(acct, "iam", failing)
    result = apply_plan(plan, acct.connection, attach=[acct.bare, acct.profiled])
    assert not result.ok
    assert result.failed is not None and result.failed.operation == failing
    assert "injected failure [Injected]" in result.error
    assert len(result.rolled_back) == PLANNED_STEPS.index(failing)
    assert result.rollback_errors == ()
    assert "the account is as it was before" in result.lines()
    assert account_state(acct) == before


def test_an_undo_that_fails_is_reported_not_hidden(moto_account: MotoAccount) -> None:
    acct = moto_account
    plan = RolePlan(name="web", trusted_services=("ec2.amazonaws.com",))
    _inject(acct, "ec2", "associate_iam_instance_profile", acct.bare.region)
    _inject(acct, "iam", "remove_role_from_instance_profile")
    result = apply_plan(plan, acct.connection, attach=[acct.bare])
    assert not result.ok
    # The role is still in the profile, so IAM refuses to delete either (DeleteConflict).
    joined = " | ".join(result.rollback_errors)
    assert "remove_role_from_instance_profile" in joined and "DeleteConflict" in joined
    assert any(line.startswith("NOT UNDONE") for line in result.lines())
    assert "the account is as it was before" not in result.lines()


def test_a_role_without_ec2_trust_gets_no_instance_profile(moto_account: MotoAccount) -> None:
    acct = moto_account
    plan = RolePlan(name="fn", trusted_services=("lambda.amazonaws.com",),
                    grants=(BucketGrant.parse("read:b-1"),))
    result = apply_plan(plan, acct.connection)
    assert result.ok and result.instance_profile_arn is None
    assert [c.operation for c in result.completed] == ["create_role", "put_role_policy"]
    state = account_state(acct)
    assert "fn" in state["roles"] and "fn" not in state["profiles"]
    assert json.loads(json.dumps(state["roles"]["fn"]["inline"])) == ["fn-s3-access"]

"""Lint findings a reviewer should see before the role exists."""

from __future__ import annotations

from graph.model import Account, AccountSnapshot, Bucket, ManagedPolicy
from graph.wizard import BucketGrant, RolePlan, TrustCondition, lint

EC2 = ("ec2.amazonaws.com",)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SNAP = AccountSnapshot(
    account=Account("111122223333"),
    buckets=(Bucket("data-bucket"),),
    managed_policies=(ManagedPolicy(ADMIN, "AdministratorAccess", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),),
)


def codes(plan: RolePlan, snapshot: AccountSnapshot | None = SNAP) -> list[str]:
    return [f.code for f in lint(plan, snapshot)]


def test_clean_plan_has_no_warnings() -> None:
    plan = RolePlan(name="r", trusted_services=EC2,
                    grants=(BucketGrant.parse("list,read:data-bucket/x/", require_tls=True),))
    assert [f for f in lint(plan, SNAP) if f.severity == "warning"] == []
    assert codes(plan) == []


def test_prefix_without_list_level() -> None:
    plan = RolePlan(name="r", trusted_services=EC2,
                    grants=(BucketGrant.parse("read:data-bucket/reports/", require_tls=True),))
    assert codes(plan) == ["prefix-without-list"]
    whole = RolePlan(name="r", trusted_services=EC2,
                     grants=(BucketGrant.parse("read:data-bucket", require_tls=True),))
    assert codes(whole) == []


def test_wildcards_in_prefix_and_attached_policies() -> None:
    plan = RolePlan(name="r", trusted_services=EC2, managed_policy_arns=(ADMIN,),
                    grants=(BucketGrant.parse("list,read:data-bucket/*/logs/",
                                              require_tls=True),))
    assert set(codes(plan)) == {"wildcard-prefix", "wildcard-action", "wildcard-resource"}


def test_over_broad_trust() -> None:
    anyone = RolePlan(name="r", trusted_principals=("*",))
    assert "broad-trust" in codes(anyone)
    account = RolePlan(name="r", trusted_principals=("444455556666",))
    root = RolePlan(name="r", trusted_principals=("arn:aws:iam::444455556666:root",))
    assert "broad-trust" in codes(account) and "broad-trust" in codes(root)
    narrowed = RolePlan(name="r", trusted_principals=("444455556666",), trust_conditions=(
        TrustCondition("StringEquals", "sts:ExternalId", ("Partner-42",)),))
    assert "broad-trust" not in codes(narrowed)
    one_role = RolePlan(name="r", trusted_principals=("arn:aws:iam::444455556666:role/ci",))
    assert "broad-trust" not in codes(one_role)


def test_unknown_bucket_and_policy_and_empty_role() -> None:
    plan = RolePlan(name="r", trusted_services=EC2,
                    managed_policy_arns=("arn:aws:iam::111122223333:policy/Gone",),
                    grants=(BucketGrant.parse("read:elsewhere", require_tls=True),))
    assert set(codes(plan)) == {"unknown-bucket", "unknown-managed-policy"}
    assert codes(RolePlan(name="r", trusted_services=EC2)) == ["no-permissions"]


def test_permissions_management_and_tls() -> None:
    plan = RolePlan(name="r", trusted_services=EC2,
                    grants=(BucketGrant.parse("permissions-management:data-bucket"),))
    found = lint(plan, SNAP)
    assert [f.code for f in found] == ["permissions-management", "tls-not-required"]
    assert found[0].severity == "warning" and found[1].severity == "info"


def test_a_whole_read_level_warns_about_bucket_configuration_reads() -> None:
    """The issue's case: `read` on reports/ granted GetBucketPolicy, GetBucketAcl and every
    Get*Configuration, and the lint said nothing. The read task grants none of them; the
    AWS Read level, chosen explicitly, is flagged."""
    task = RolePlan(name="r", trusted_services=EC2,
                    grants=(BucketGrant.parse("list,read:data-bucket/reports/",
                                              require_tls=True),))
    assert codes(task) == []
    level = RolePlan(name="r", trusted_services=EC2,
                     grants=(BucketGrant.parse("list,level-read:data-bucket/reports/",
                                               require_tls=True),))
    found = [f for f in lint(level, SNAP) if f.code == "bucket-configuration-read"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert "GetBucketAcl" in found[0].message or "GetBucketPolicy" in found[0].message


def test_a_single_permissions_management_action_is_flagged() -> None:
    plan = RolePlan(name="r", trusted_services=EC2,
                    grants=(BucketGrant.parse("read,s3:PutBucketPolicy:data-bucket",
                                              require_tls=True),))
    found = [f for f in lint(plan, SNAP) if f.code == "permissions-management"]
    assert len(found) == 1 and "PutBucketPolicy" in found[0].message

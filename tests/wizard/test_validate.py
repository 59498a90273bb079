"""Each of AWS's documented rules for a new role, as the wizard and `rolemap role` check them."""

from __future__ import annotations

import pytest

from graph.model import Account, AccountSnapshot, InstanceProfile, Role
from graph.wizard import BucketGrant, PlanInvalid, RolePlan, TrustCondition, check, validate
from graph.wizard.validate import validate_step

EC2 = ("ec2.amazonaws.com",)


def plan(**kw) -> RolePlan:
    base = dict(name="app-reader", trusted_services=EC2,
                grants=(BucketGrant.parse("list,read:data-bucket"),))
    base.update(kw)
    return RolePlan(**base)


def fields(p: RolePlan, snapshot: AccountSnapshot | None = None) -> list[str]:
    return [f"{i.step}/{i.field}: {i.message}" for i in validate(p, snapshot)]


def test_a_sensible_plan_is_valid() -> None:
    assert validate(plan()) == []
    assert check(plan()) == plan()


@pytest.mark.parametrize("name", ["a", "x" * 64, "App_Role+=,.@-1"])
def test_role_names_aws_accepts(name: str) -> None:
    assert validate(plan(name=name)) == []


@pytest.mark.parametrize("name, words", [
    ("", "1-64"), ("x" * 65, "1-64"), ("has space", "only letters"), ("slash/no", "only letters"),
    ("naïve", "only letters"),
])
def test_role_names_aws_refuses(name: str, words: str) -> None:
    issues = validate(plan(name=name))
    assert [i.field for i in issues] == ["name"]
    assert words in issues[0].message


@pytest.mark.parametrize("path, ok", [
    ("/", True), ("/apps/", True), ("/a/b-c/", True), ("apps/", False), ("/apps", False),
    ("/a b/", False), ("/" + "x" * 510 + "/", True), ("/" + "x" * 511 + "/", False),
])
def test_path_form_and_length(path: str, ok: bool) -> None:
    assert (fields(plan(path=path)) == []) is ok


@pytest.mark.parametrize("seconds, ok", [(3600, True), (43200, True), (3599, False),
                                         (43201, False)])
def test_max_session_duration_range(seconds: int, ok: bool) -> None:
    assert (validate(plan(max_session_duration=seconds)) == []) is ok


def test_tag_limits() -> None:
    assert validate(plan(tags=(("team", "data"), ("empty", ""), ("Cost Center", "é 42")))) == []
    assert validate(plan(tags=tuple((f"k{i}", "v") for i in range(49)))) == []
    too_many = validate(plan(tags=tuple((f"k{i}", "v") for i in range(50))))  # + rolemap's
    assert "at most 50, one of them rolemap's rolemap:creation" in too_many[0].message
    assert "rolemap's own" in validate(plan(tags=(("rolemap:creation", "x"),)))[0].message
    assert "1-128" in validate(plan(tags=(("", "v"),)))[0].message
    assert "1-128" in validate(plan(tags=(("k" * 129, "v"),)))[0].message
    assert "256" in validate(plan(tags=(("k", "v" * 257),)))[0].message
    assert "reserved" in validate(plan(tags=(("aws:owner", "me"),)))[0].message
    assert "reserved" in validate(plan(tags=(("AWS:owner", "me"),)))[0].message
    assert "only letters" in validate(plan(tags=(("bad!", "v"),)))[0].message
    assert "value may use" in validate(plan(tags=(("k", "a;b"),)))[0].message
    assert "twice" in validate(plan(tags=(("k", "a"), ("k", "b"))))[0].message


def test_description_limits() -> None:
    assert validate(plan(description="d" * 1000)) == []
    assert "at most 1000" in validate(plan(description="d" * 1001))[0].message


def test_trust_needs_a_principal_and_well_formed_ones() -> None:
    assert "at least one" in validate(plan(trusted_services=()))[0].message
    assert "service principal" in validate(plan(trusted_services=("ec2",)))[0].message
    assert validate(plan(trusted_services=EC2 + ("lambda.amazonaws.com",))) == []
    ok = ("123456789012", "arn:aws:iam::123456789012:root",
          "arn:aws:iam::123456789012:role/ops/Deployer", "*")
    assert validate(plan(trusted_principals=ok)) == []
    assert "account id" in validate(plan(trusted_principals=("12345",)))[0].message


def test_trust_conditions() -> None:
    good = TrustCondition("StringEquals", "sts:ExternalId", ("Partner-42",))
    assert validate(plan(trust_conditions=(good,))) == []
    short = TrustCondition("StringEquals", "sts:ExternalId", ("x",))
    assert "2-1224" in validate(plan(trust_conditions=(short,)))[0].message
    spaced = TrustCondition("StringEquals", "sts:ExternalId", ("a b",))
    assert "2-1224" in validate(plan(trust_conditions=(spaced,)))[0].message
    bad_acct = TrustCondition("StringEquals", "aws:SourceAccount", ("1234",))
    assert "12-digit" in validate(plan(trust_conditions=(bad_acct,)))[0].message


def test_trust_policy_size_limit_2048() -> None:
    accounts = tuple(f"{n:012d}" for n in range(1, 200))
    issues = validate(plan(trusted_principals=accounts))
    assert issues and "over IAM's 2048" in issues[0].message


def test_inline_policy_size_limit_10240() -> None:
    many = tuple(BucketGrant.parse(f"read:bucket-number-{n:04d}") for n in range(300))
    issues = validate(plan(grants=many))
    assert issues and "over IAM's 10240" in issues[0].message
    assert issues[0].step == "permissions"


def test_grants_and_managed_policies() -> None:
    bad = validate(plan(grants=(BucketGrant.parse("read:Bad_Bucket"),)))
    assert "bucket name" in bad[0].message
    assert "start with /" in validate(plan(grants=(BucketGrant.parse("read:b-1//x"),)))[0].message
    twice = (BucketGrant.parse("read:bkt"), BucketGrant.parse("write:bkt"))
    assert "twice" in validate(plan(grants=twice))[0].message
    arns = tuple(f"arn:aws:iam::123456789012:policy/p{i}" for i in range(11))
    assert validate(plan(managed_policy_arns=arns[:10])) == []
    assert "at most 10" in validate(plan(managed_policy_arns=arns))[0].message
    assert "not a managed policy ARN" in validate(
        plan(managed_policy_arns=("AmazonS3ReadOnlyAccess",)))[0].message


def test_boundary_arn_form() -> None:
    assert validate(plan(boundary_arn="arn:aws:iam::aws:policy/PowerUserAccess")) == []
    issues = validate_step("boundary", plan(boundary_arn="PowerUserAccess"))
    assert issues and issues[0].field == "boundary"


def test_name_taken_in_the_snapshot_ignores_case() -> None:
    snap = AccountSnapshot(
        account=Account("111122223333"),
        roles=(Role("arn:aws:iam::111122223333:role/App-Reader", "App-Reader", {}),),
        instance_profiles=(InstanceProfile("arn:aws:iam::111122223333:instance-profile/web",
                                           "web"),),
    )
    issues = validate(plan(name="app-reader"), snap)
    assert len(issues) == 1
    assert "'App-Reader' already exists in account 111122223333" in issues[0].message
    profile_taken = validate(plan(name="WEB"), snap)
    assert "instance profile named 'web' already exists" in profile_taken[0].message
    assert validate(plan(name="WEB", create_instance_profile=False), snap) == []


def test_check_raises_one_line_naming_the_first_issue() -> None:
    with pytest.raises(PlanInvalid) as err:
        check(plan(name="bad name", max_session_duration=5))
    text = str(err.value)
    assert "\n" not in text and text.startswith("name:") and "(and 1 more)" in text


def test_issues_belong_to_their_wizard_step() -> None:
    p = plan(trusted_services=(), name="")
    assert [i.step for i in validate_step("trust", p)] == ["trust"]
    assert validate_step("permissions", p) == []
    assert [i.step for i in validate_step("details", p)] == ["details"]

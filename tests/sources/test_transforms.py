"""Pure transforms on response shapes moto does not produce (real AWS and CLI variants).

moto covers the common shapes (see test_live/test_demo); these fixtures follow the API
reference for what it leaves out: named managed policies, URL-encoded documents, legacy
bucket locations, group ACL grants, terminated instances.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from graph.errors import SourceError
from graph.model import ALL_USERS_URI, UNKNOWN_POLICY
from graph.sources.transform_ec2 import transform_instances
from graph.sources.transform_iam import transform_authorization_details
from graph.sources.transform_s3 import transform_account_public_access_block, transform_bucket

ACCT = "111122223333"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "ec2.amazonaws.com"}}]}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::b/*"}]}


def _managed(arn: str, doc: object, attachments: int, name: str | None = None) -> dict:
    out = {"Arn": arn, "DefaultVersionId": "v2", "AttachmentCount": attachments,
           "PolicyVersionList": [{"Document": {"Statement": []}, "VersionId": "v1",
                                  "IsDefaultVersion": False},
                                 {"Document": doc, "VersionId": "v2", "IsDefaultVersion": True}]}
    if name:
        out["PolicyName"] = name
    return out


def _details(**role_overrides: object) -> dict:
    role = {
        "Path": "/app/", "RoleName": "app", "RoleId": "AROAEXAMPLE", "CreateDate":
        datetime(2024, 1, 2, tzinfo=UTC), "Arn": f"arn:aws:iam::{ACCT}:role/app/app",
        "AssumeRolePolicyDocument": quote(json.dumps(TRUST)),  # IAM's wire form
        "RolePolicyList": [{"PolicyName": "read", "PolicyDocument": READ}],
        "AttachedManagedPolicies": [{"PolicyName": "Shared",
                                     "PolicyArn": f"arn:aws:iam::{ACCT}:policy/Shared"}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/Boundary"},
        "Tags": [{"Key": "team", "Value": "data"}],
        "InstanceProfileList": [{"InstanceProfileName": "app", "Path": "/",
                                 "Arn": f"arn:aws:iam::{ACCT}:instance-profile/app",
                                 "Roles": [{"Arn": f"arn:aws:iam::{ACCT}:role/app/app"}]}],
    }
    role.update(role_overrides)
    return {"RoleDetailList": [role], "Policies": [
        _managed(f"arn:aws:iam::{ACCT}:policy/Shared", READ, 1),  # moto: no PolicyName
        _managed("arn:aws:iam::aws:policy/Boundary", READ, 0, "Boundary"),
        _managed("arn:aws:iam::aws:policy/Unused", READ, 0, "Unused"),
    ]}


def test_iam_roles_profiles_and_policies() -> None:
    iam = transform_authorization_details(_details())
    (role,) = iam.roles
    assert role.name == "app" and role.path == "/app/" and role.trust_policy == TRUST
    assert role.inline_policies[0].document == READ and role.tags == {"team": "data"}
    assert role.permissions_boundary_arn == "arn:aws:iam::aws:policy/Boundary"
    assert role.create_date.startswith("2024-01-02")
    assert iam.instance_profiles[0].role_arns == (role.arn,)
    names = {p.name: p for p in iam.managed_policies}
    # Unattached, unreferenced AWS managed policies are dropped; the boundary is kept.
    assert set(names) == {"Shared", "Boundary"}
    assert names["Shared"].document == READ and names["Shared"].default_version_id == "v2"


def test_iam_bad_document_strict_names_path_lenient_warns() -> None:
    details = _details(RolePolicyList=[{"PolicyName": "p", "PolicyDocument": "{not json"}])
    where = r"iam\.json: RoleDetailList\[0\]\.RolePolicyList\[0\]\.PolicyDocument"
    with pytest.raises(SourceError, match=where):
        transform_authorization_details(details, where="iam.json")
    iam = transform_authorization_details(details, strict=False)
    assert iam.roles[0].inline_policies[0].document == "{not json"
    assert iam.warnings[0].target == iam.roles[0].arn


@pytest.mark.parametrize("trust", ["{not json", None, 7])
def test_unreadable_trust_policy_is_a_warning_even_when_strict(trust: object) -> None:
    """Issue #11: a trust policy that is invalid JSON, null or a number does not stop the
    load (who may assume that role is unknown, said in a warning)."""
    iam = transform_authorization_details(_details(AssumeRolePolicyDocument=trust),
                                          where="iam.json")
    assert iam.roles[0].trust_policy == trust
    [warning] = iam.warnings
    assert warning.target == iam.roles[0].arn
    assert "AssumeRolePolicyDocument" in warning.message


def test_iam_wrong_file_and_missing_key() -> None:
    with pytest.raises(SourceError, match="get-account-authorization-details output"):
        transform_authorization_details({"Buckets": []}, where="iam.json")
    with pytest.raises(SourceError, match=r"RoleDetailList\[0\]: missing key 'Arn'"):
        transform_authorization_details({"RoleDetailList": [{"RoleName": "x"}]}, where="f")


def _instance(iid: str, state: str, profile: str | None = None) -> dict:
    out = {"InstanceId": iid, "State": {"Code": 16, "Name": state}, "VpcId": "vpc-1",
           "SubnetId": "subnet-1", "PrivateIpAddress": "10.0.0.5",
           "Tags": [{"Key": "Name", "Value": f"box-{iid}"}], "BlockDeviceMappings": []}
    if profile:
        out["IamInstanceProfile"] = {"Arn": profile, "Id": "AIPAEXAMPLE"}
    return out


def test_instances_keep_used_fields_and_skip_terminated() -> None:
    profile = f"arn:aws:iam::{ACCT}:instance-profile/app"
    exposed = {**_instance("i-1", "running", profile), "PublicIpAddress": "203.0.113.7",
               "MetadataOptions": {"State": "applied", "HttpTokens": "optional",
                                   "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1}}
    response = {"Reservations": [{"OwnerId": ACCT, "Instances": [
        exposed, _instance("i-2", "terminated", profile), _instance("i-3", "stopped")]}]}
    out = transform_instances(response, "eu-west-1", ACCT)
    # The public IP and metadata options feed the instance-exposure finding; an instance
    # whose output does not say keeps "not known", never "IMDSv2 required".
    assert (out[0].public_ip, out[0].metadata_http_tokens, out[0].imdsv1_allowed) == (
        "203.0.113.7", "optional", True)
    assert (out[1].public_ip, out[1].metadata_http_tokens, out[1].imdsv1_allowed) == (
        None, None, None)
    assert [(i.instance_id, i.state, i.instance_profile_arn) for i in out] == [
        ("i-1", "running", profile), ("i-3", "stopped", None)]
    assert out[0].name == "box-i-1" and out[0].arn.endswith(":eu-west-1:111122223333:instance/i-1")
    with pytest.raises(SourceError, match=r"r\.json: Reservations\[0\]\.Instances\[1\]"):
        transform_instances({"Reservations": [{"Instances": [_instance("i-1", "running"), {}]}]},
                            "eu-west-1", ACCT, where="r.json")


@pytest.mark.parametrize("constraint, region", [(None, "us-east-1"), ("", "us-east-1"),
                                                ("EU", "eu-west-1"), ("ap-south-1", "ap-south-1")])
def test_bucket_location_legacy_values(constraint: str | None, region: str) -> None:
    bucket, _ = transform_bucket({"Name": "b"}, location={"LocationConstraint": constraint})
    assert bucket.region == region


def test_bucket_policy_acl_and_block_public_access() -> None:
    bucket, warnings = transform_bucket(
        {"Name": "b", "CreationDate": "2024-01-01T00:00:00+00:00"},
        policy={"Policy": json.dumps(READ)},
        public_access_block={"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        acl={"Owner": {"ID": "abc", "DisplayName": "me"}, "Grants": [
            {"Grantee": {"Type": "Group", "URI": ALL_USERS_URI}, "Permission": "READ"}]},
    )
    assert bucket.policy == READ and warnings == ()
    assert bucket.public_access_block is not None and bucket.public_access_block.block_public_acls
    assert not bucket.public_access_block.restrict_public_buckets
    assert bucket.acl_grants[0].grantee == ALL_USERS_URI and bucket.owner_id == "abc"


def test_bucket_unknown_policy_is_not_no_policy() -> None:
    bucket, _ = transform_bucket({"Name": "b"}, unknown=frozenset({UNKNOWN_POLICY}))
    assert bucket.policy is None and bucket.policy_unknown


def test_bucket_policy_not_json() -> None:
    message = r"pol/b\.json: Policy: policy document is not valid JSON"
    with pytest.raises(SourceError, match=message):
        transform_bucket({"Name": "b"}, policy={"Policy": "{oops"}, where={"policy": "pol/b.json"})
    bucket, warnings = transform_bucket({"Name": "b"}, policy={"Policy": "{oops"}, strict=False)
    assert bucket.policy == "{oops" and warnings[0].operation == "s3:GetBucketPolicy"


def test_account_public_access_block() -> None:
    flags = transform_account_public_access_block(
        {"PublicAccessBlockConfiguration": {"BlockPublicPolicy": True,
                                            "RestrictPublicBuckets": True}})
    assert flags.block_public_policy and flags.restrict_public_buckets
    assert not flags.block_public_acls

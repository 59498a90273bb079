"""IAM users and groups: read by every source (live through moto, export folders, snapshot
files), and "not read" kept apart from "none" so escalation through users is never claimed
absent when they were not read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from graph.access import build_access_graph
from graph.sources import export_folder as ef
from graph.sources.collect_script import collect_script
from graph.sources.connection import AwsConnection
from graph.sources.export_folder import load_export_folder
from graph.sources.live import load_live
from graph.sources.snapshot_file import load_snapshot, save_snapshot, snapshot_to_json
from graph.sources.synth import write_synthetic
from graph.sources.transform_iam import transform_authorization_details

ACCT = "123456789012"
S3_ALL = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
READ_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}


def test_users_groups_and_their_policies_from_the_authorization_details() -> None:
    details = {"RoleDetailList": [], "Policies": [], "UserDetailList": [{
        "UserName": "alice", "Arn": f"arn:aws:iam::{ACCT}:user/team/alice", "Path": "/team/",
        "UserId": "AIDA1", "GroupList": ["devs"], "Tags": [{"Key": "team", "Value": "web"}],
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": S3_ALL}],
        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "PermissionsBoundary": {"PermissionsBoundaryArn": f"arn:aws:iam::{ACCT}:policy/b"}}],
        "GroupDetailList": [{"GroupName": "devs", "Arn": f"arn:aws:iam::{ACCT}:group/devs",
                             "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": READ_ONLY}],
                             "AttachedManagedPolicies": []}]}
    iam = transform_authorization_details(details)
    [alice] = iam.users or ()
    [devs] = iam.groups or ()
    assert (alice.name, alice.path, alice.group_names, alice.tags) == (
        "alice", "/team/", ("devs",), {"team": "web"})
    assert alice.attached_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert alice.permissions_boundary_arn == f"arn:aws:iam::{ACCT}:policy/b"
    assert [p.name for p in devs.inline_policies] == ["g"]
    # Without the lists the details say nothing about users: not read, never "none".
    assert transform_authorization_details({"RoleDetailList": [], "Policies": []}).users is None


def test_live_users_are_principals_with_their_groups_policies() -> None:
    # (moto does not store a user's permissions boundary: test_user_paths.py plants one.)
    with mock_aws():
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                region_name="us-east-1")
        iam = session.client("iam")
        everything = iam.create_policy(PolicyName="s3-all", PolicyDocument=json.dumps(
            S3_ALL))["Policy"]["Arn"]
        iam.create_group(GroupName="devs")
        iam.attach_group_policy(GroupName="devs", PolicyArn=everything)
        iam.create_user(UserName="alice")
        iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=json.dumps(
            READ_ONLY))
        iam.add_user_to_group(GroupName="devs", UserName="alice")
        iam.create_user(UserName="bob")
        session.client("s3").create_bucket(Bucket="reports")
        snap = load_live(AwsConnection(session, regions=("us-east-1",)), ("us-east-1",))
    assert {u.name for u in snap.users or ()} == {"alice", "bob"}
    assert [g.name for g in snap.groups or ()] == ["devs"]
    assert everything in snap.policy_by_arn
    graph = build_access_graph(snap)
    # bob has no policy and no group: he reaches nothing, and is not listed.
    [alice] = [p for p in graph.who_can("reports") if p.kind == "user"]
    assert alice.name == "alice" and alice.id.endswith(":user/alice")
    # s3:PutObject comes from the group's attached policy, GetObject from her own too.
    put = alice.actions["s3:PutObject"]
    assert put.granted and [r.policy_name for r in put.evidence] == ["s3-all"]
    assert {r.policy_name for r in alice.actions["s3:GetObject"].evidence} >= {"alice/own"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synth") / "acct", roles=30, instances=40,
                           buckets=10, seed=3)


def _split_users(folder: Path) -> dict:
    """The folder as the collect script writes it: users and groups in their own file."""
    main = json.loads((folder / ef.IAM).read_text())
    users = {"UserDetailList": main["UserDetailList"], "GroupDetailList": main["GroupDetailList"],
             "RoleDetailList": [], "Policies": []}
    main["UserDetailList"], main["GroupDetailList"] = [], []
    (folder / ef.IAM).write_text(json.dumps(main))
    return users


def test_export_folder_reads_the_users_file_and_says_when_there_is_none(
        template: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(template, tmp_path / "acct"))
    users = _split_users(folder)
    assert users["UserDetailList"], "the generator writes users"
    (folder / ef.IAM_USERS).write_text(json.dumps(users))
    snap = load_export_folder(folder)
    assert len(snap.users or ()) == len(users["UserDetailList"]) and not snap.warnings
    # A folder of an older collect script: users not read, and the warning says so.
    (folder / ef.IAM_USERS).unlink()
    older = load_export_folder(folder)
    assert older.users is None
    [warning] = older.warnings
    assert "not read" in warning.message and "unknown, not absent" in warning.message


def test_an_older_snapshot_file_has_users_not_read(template: Path, tmp_path: Path) -> None:
    snap = load_export_folder(template)
    path = tmp_path / "snap.json"
    save_snapshot(snap, path)
    assert load_snapshot(path).users == snap.users and not load_snapshot(path).warnings
    data = snapshot_to_json(snap)
    del data["users"], data["groups"]
    path.write_text(json.dumps(data))
    older = load_snapshot(path)
    assert older.users is None
    assert any("escalation through users" in w.message and "unknown" in w.message
               for w in older.warnings)


def test_the_collect_script_captures_users_and_groups_apart() -> None:
    script = collect_script(("us-east-1",))
    assert (f'capture "$OUT/{ef.IAM_USERS}" aws iam get-account-authorization-details '
            "--filter User Group") in script

"""Every version of a customer-managed policy is kept (iam:SetDefaultPolicyVersion can put any
of them in force): read from get-account-authorization-details live and from a collect-script
folder, written to and read from snapshots; a snapshot written before they were kept loads,
saying they were not read (None), never that there are none."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sources_faults import fresh_connection

from graph.model import Account, AccountSnapshot, Bucket, PolicyVersion
from graph.sources import SourceSpec, open_source
from graph.sources.connection import AwsConnection
from graph.sources.demo import demo_endpoint
from graph.sources.demo_cast import REGIONS
from graph.sources.live import load_live
from graph.sources.snapshot_file import load_snapshot, save_snapshot, snapshot_to_json
from graph.sources.transform_iam import transform_authorization_details
from tui.cli import main

READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}]}
WIDE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def versioned(demo_conn: AwsConnection) -> str:
    """A policy with two versions, the second not in force; and one with a single version."""
    iam = demo_conn.client("iam")
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=json.dumps(READ))[
        "Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(WIDE),
                              SetAsDefault=False)
    iam.create_policy(PolicyName="single", PolicyDocument=json.dumps(READ))
    return arn


def test_the_live_loader_keeps_the_versions_not_in_force(versioned: str) -> None:
    snapshot = load_live(fresh_connection(), REGIONS)
    policy = snapshot.policy_by_arn[versioned]
    assert policy.default_version_id == "v1" and policy.document == READ
    [other] = policy.other_versions or ()
    assert (other.version_id, other.document) == ("v2", WIDE)
    single = next(p for p in snapshot.managed_policies if p.name == "single")
    assert single.other_versions == ()


def test_a_collect_script_folder_keeps_them_too(versioned: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect-script", "--regions", *REGIONS]) == 0
    script = tmp_path / "collect.sh"
    script.write_text(capsys.readouterr().out)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=demo_endpoint(), AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    out = tmp_path / "export"
    subprocess.run(["bash", str(script), str(out)], env=env, check=True, capture_output=True,
                   timeout=300)
    offline = open_source(SourceSpec(snapshot=str(out))).snapshot
    [other] = offline.policy_by_arn[versioned].other_versions or ()
    assert (other.version_id, other.document) == ("v2", WIDE)


def _details(*versions: dict[str, Any], arn: str = "arn:aws:iam::123456789012:policy/p"
             ) -> dict[str, Any]:
    return {"RoleDetailList": [], "Policies": [{
        "Arn": arn, "PolicyName": arn.rsplit("/", 1)[-1], "DefaultVersionId": "v1",
        "AttachmentCount": 1, "PolicyVersionList": list(versions)}]}


def test_aws_managed_policies_keep_no_versions() -> None:
    # No customer can change which version of an AWS managed policy is in force.
    records = transform_authorization_details(_details(
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": READ},
        {"VersionId": "v2", "IsDefaultVersion": False, "Document": WIDE},
        arn="arn:aws:iam::aws:policy/Thing"))
    assert records.managed_policies[0].other_versions is None


def test_snapshots_keep_the_versions_and_older_ones_say_not_read(tmp_path: Path) -> None:
    records = transform_authorization_details(_details(
        {"VersionId": "v1", "IsDefaultVersion": True, "Document": READ},
        {"VersionId": "v2", "IsDefaultVersion": False, "Document": WIDE,
         "CreateDate": "2026-01-02T00:00:00Z"}))
    assert records.managed_policies[0].other_versions == (
        PolicyVersion("v2", WIDE, "2026-01-02T00:00:00+00:00"),)
    snapshot = AccountSnapshot(Account("123456789012"), buckets=(Bucket("b"),),
                               managed_policies=records.managed_policies)
    path = tmp_path / "new.json"
    save_snapshot(snapshot, path)
    assert load_snapshot(path).managed_policies == records.managed_policies
    # A snapshot written before versions were kept has no "other_versions" key at all.
    data = snapshot_to_json(snapshot)
    for policy in data["managed_policies"]:
        del policy["other_versions"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    assert load_snapshot(old).managed_policies[0].other_versions is None

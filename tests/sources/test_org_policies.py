"""--org-policies: a member account's SCPs and RCPs from the organisation folder the collect
script writes (here: the organizations answers moto gives, saved as the CLI saves them)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from graph.errors import SourceError
from graph.model import Account
from graph.model_common import GATE_ORGANIZATION, Unread
from graph.model_org import IN_ORGANIZATION, ORGANIZATION_UNREAD, RCP, SCP, Organization
from graph.sources import SourceSpec, open_source
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live
from graph.sources.org_policies import with_org_policies
from graph.sources.snapshot_file import save_snapshot

DENY_REGIONS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "*", "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]}
RCP_TLS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def _dump(path: Path, response: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    path.write_text(json.dumps(body, default=str))


@pytest.fixture
def member_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An organisation (root -> OU data -> member account) and its folder for the member."""
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="data")["OrganizationalUnit"]
        member = org.create_account(Email="d@example.com", AccountName="data")[
            "CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou["Id"])
        for name, doc, kind, target in (("region-deny", DENY_REGIONS, SCP, ou["Id"]),
                                        ("tls-only", RCP_TLS, RCP, root)):
            pid = org.create_policy(Content=json.dumps(doc), Description=name, Name=name,
                                    Type=kind)["Policy"]["PolicySummary"]["Id"]
            org.attach_policy(PolicyId=pid, TargetId=target)
        base = tmp_path / "export" / "organizations"
        _dump(base / "describe-organization.json", org.describe_organization())
        for child in (member, ou["Id"]):
            _dump(base / "list-parents" / f"{child}.json", org.list_parents(ChildId=child))
        for target in (root, ou["Id"], member):
            for kind in (SCP, RCP):
                listing = org.list_policies_for_target(TargetId=target, Filter=kind)
                _dump(base / "list-policies-for-target" / f"{target}-{kind}.json", listing)
                for summary in listing["Policies"]:
                    _dump(base / "describe-policy" / f"{summary['Id']}.json",
                          org.describe_policy(PolicyId=summary["Id"]))
        yield tmp_path / "export", member


def test_member_account_path_from_the_folder(member_folder: tuple[Path, str]) -> None:
    folder, member = member_folder
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        session.client("s3").create_bucket(Bucket="member-data")
        snapshot = load_live(AwsConnection(session, max_attempts=1), ("us-east-1",))
    # The member's own calls were refused (only the management account may list policies).
    refused = Organization(ORGANIZATION_UNREAD, unread=(
        Unread(GATE_ORGANIZATION, "organisation", "AccessDenied"),))
    snapshot = dataclasses.replace(snapshot, account=Account(member), organization=refused)
    loaded = with_org_policies(snapshot, folder)
    organization = loaded.organization
    assert organization is not None and organization.status == IN_ORGANIZATION
    assert [t.kind for t in organization.path] == ["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]
    assert organization.fully_read and not organization.is_management_account(member)
    scp_names = [[p.name for p in level] for level in organization.levels(SCP)]
    assert "region-deny" in scp_names[1] and "region-deny" not in scp_names[0]
    assert any(p.document == RCP_TLS for p in organization.levels(RCP)[0])
    # What the engine applies today: the SCP levels, root first.
    assert loaded.scps is not None and len(loaded.scps) == 3
    assert any(s.document == DENY_REGIONS for s in loaded.scps[1])


def test_cli_option_and_a_wrong_path(member_folder: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = member_folder
    with pytest.raises(SourceError, match="not an organisation folder"):
        open_source(SourceSpec(snapshot=str(tmp_path / "nothing.json"),
                               org_policies=str(tmp_path)))
    demo = open_source(SourceSpec(demo=True)).snapshot
    save_snapshot(demo, tmp_path / "demo.json")
    opened = open_source(SourceSpec(snapshot=str(tmp_path / "demo.json"),
                                    org_policies=str(folder))).snapshot
    # The demo's own calls read "not in an organisation": complete, the folder is not used.
    assert opened.organization == demo.organization
    assert [w.operation for w in opened.warnings] == ["--org-policies"]

"""An organisation loaded through boto3 (moto, one backend per account) and asked across its
accounts (issue 27, items 3 and 4): the workload's instance reaches the data account's bucket
through a role there; the data OU's RCP keeps an outside account out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws
from org_account import MEMBER_ROLE, REGION, _member, _session, build_org, management_connection

from graph.sources.org.folder import open_org_folder
from graph.sources.org.live import OrgLoadOptions, save_org_live
from tui.cli import main

OUTSIDE = "999999999999"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with mock_aws():
        org = build_org()
        admin = _session()
        reader = f"arn:aws:iam::{org.data}:role/reader"
        app = f"arn:aws:iam::{org.work}:role/app"
        work = _member(admin, org.work)
        # The instance reaches S3 through a gateway endpoint on its VPC's route tables.
        ec2 = work.client("ec2")
        vpc = ec2.describe_instances()["Reservations"][0]["Instances"][0]["VpcId"]
        tables = [t["RouteTableId"] for t in ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]]
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                                VpcEndpointType="Gateway", RouteTableIds=tables)
        work.client("iam").put_role_policy(
            RoleName="app", PolicyName="assume-reader", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reader}]}))
        data = _member(admin, org.data)
        iam = data.client("iam")
        iam.update_assume_role_policy(RoleName="reader", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": app}, "Action": "sts:AssumeRole"}]}))
        iam.put_role_policy(RoleName="reader", PolicyName="read-lake", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::data-lake/*"}]}))
        data.client("s3").put_bucket_policy(Bucket="data-lake", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-lake/*"}]}))
        path = tmp_path_factory.mktemp("live") / "org"
        save_org_live(management_connection(org), path,
                      OrgLoadOptions(MEMBER_ROLE, regions=(REGION,)), lambda event: None)
        yield path


def test_trace_crosses_into_the_data_account(folder: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    opened = open_org_folder(folder)
    work = next(a for a in opened.loaded if opened.tree.account(a).name == "work")
    instance = opened.load(work).instances[0].instance_id
    code = main(["trace", instance, "data-lake", "--action", "s3:GetObject", "--format", "json",
                 "--snapshot", str(folder)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    hops = {(h["relation"], h["from"].rsplit("/", 1)[-1], h["to"].rsplit("/", 1)[-1])
            for h in out["hops"]}
    assert ("can assume", "app", "reader") in hops
    assert ("can access", "reader", "bucket:data-lake") in hops
    assert out["access"]["outcome"] == "allowed"


def test_who_can_lists_the_workload_instance_and_not_the_outsider(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "data-lake", "--format", "json", "--snapshot", str(folder)]) == 0
    rows = json.loads(capsys.readouterr().out)["principals"]
    kinds = {(r["kind"], r["name"].rsplit("/", 1)[-1]) for r in rows}
    assert ("role", "reader") in kinds and any(k == "instance" for k, _ in kinds)
    assert all(OUTSIDE not in r["id"] for r in rows)  # the data perimeter RCP

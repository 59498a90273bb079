"""A moto account with a customer managed policy, a boundary and two instances (one already
carrying a profile), read through the same AwsConnection the app uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from graph.model import Instance
from graph.sources import AwsConnection

REGION = "eu-west-1"
READ_ANY = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@dataclass
class MotoAccount:
    connection: AwsConnection
    account_id: str
    policy_arn: str
    boundary_arn: str
    old_profile_arn: str
    bare: Instance
    profiled: Instance


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoAccount]:
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        connection = AwsConnection(boto3.Session(region_name=REGION), regions=(REGION,))
        iam = connection.client("iam")
        ec2 = connection.client("ec2", REGION)
        policy = iam.create_policy(PolicyName="ReadAnything", PolicyDocument=json.dumps(READ_ANY))
        boundary = iam.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(READ_ANY))
        iam.create_role(RoleName="old-role", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        old = iam.create_instance_profile(InstanceProfileName="old-profile")
        iam.add_role_to_instance_profile(InstanceProfileName="old-profile", RoleName="old-role")
        ids = []
        for _ in range(2):
            reservation = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
            ids.append(reservation["Instances"][0]["InstanceId"])
        ec2.associate_iam_instance_profile(InstanceId=ids[1],
                                           IamInstanceProfile={"Name": "old-profile"})
        account = connection.account_id
        old_arn = old["InstanceProfile"]["Arn"]
        yield MotoAccount(
            connection, account, policy["Policy"]["Arn"], boundary["Policy"]["Arn"], old_arn,
            Instance(ids[0], REGION, "running", account),
            Instance(ids[1], REGION, "running", account, instance_profile_arn=old_arn),
        )

"""Existing compute read live through boto3 (moto serves all five services here): each kind
with its role, read-only calls, and a refused read that leaves escalation "unknown"."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sources_faults import inject_error

from graph.access import build_access_graph
from graph.findings import escalations, find
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
)
from graph.sources.connection import AwsConnection
from graph.sources.live import load_live

REGION = "us-east-1"
ACCT = "123456789012"
READ_ONLY = re.compile(r"^(Get|List|Describe|BatchGet)[A-Z]")


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(service: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return out.getvalue()


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    """One account in moto: an instance whose role may update the function `etl`, which runs
    as the stronger role `exporter`; a stack, a project, a dev endpoint and a notebook."""
    with mock_aws():
        s = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name=REGION)
        iam = s.client("iam")
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"))
        iam.put_role_policy(RoleName="app", PolicyName="deploy", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode",
             "Resource": f"arn:aws:lambda:{REGION}:{ACCT}:function:etl"}))
        iam.create_instance_profile(InstanceProfileName="app")
        iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
        roles = {}
        for name, service in (("exporter", "lambda.amazonaws.com"),
                              ("deployer", "cloudformation.amazonaws.com"),
                              ("builder", "codebuild.amazonaws.com"),
                              ("glue-dev", "glue.amazonaws.com"),
                              ("notebook", "sagemaker.amazonaws.com")):
            roles[name] = iam.create_role(RoleName=name,
                                          AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
            iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=_doc(
                {"Effect": "Allow", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}))
        s.client("s3").create_bucket(Bucket="data")
        ec2 = s.client("ec2")
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                          IamInstanceProfile={"Name": "app"},
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [
                              {"Key": "Name", "Value": "app-1"}]}])
        s.client("lambda").create_function(
            FunctionName="etl", Runtime="python3.11", Role=roles["exporter"],
            Handler="index.handler", Code={"ZipFile": _zip()})
        s.client("cloudformation").create_stack(
            StackName="infra", RoleARN=roles["deployer"], Tags=[{"Key": "team", "Value": "x"}],
            TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
        s.client("codebuild").create_project(
            name="release", serviceRole=roles["builder"],
            source={"type": "S3", "location": "data/src.zip"}, artifacts={"type": "NO_ARTIFACTS"},
            environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                         "computeType": "BUILD_GENERAL1_SMALL"})
        s.client("glue").create_dev_endpoint(EndpointName="explore", RoleArn=roles["glue-dev"])
        s.client("sagemaker").create_notebook_instance(
            NotebookInstanceName="research", InstanceType="ml.t2.medium",
            RoleArn=roles["notebook"])
        yield s


def _conn(session: boto3.Session) -> AwsConnection:
    return AwsConnection(session, regions=(REGION,), retry_mode="standard", max_attempts=1)


def test_every_kind_is_read_with_its_role_by_read_only_calls(session: boto3.Session) -> None:
    conn = _conn(session)
    called: set[tuple[str, str]] = set()

    def record(model: Any, **_: Any) -> None:
        called.add((model.service_model.service_name, model.name))

    conn.session.events.register("before-call", record)
    snapshot = load_live(conn, (REGION,))
    assert not {c for c in called if not READ_ONLY.match(c[1])}
    assert {("lambda", "ListFunctions"), ("cloudformation", "DescribeStacks"),
            ("codebuild", "ListProjects"), ("codebuild", "BatchGetProjects"),
            ("glue", "GetDevEndpoints"), ("sagemaker", "ListNotebookInstances"),
            ("sagemaker", "DescribeNotebookInstance")} <= called
    assert snapshot.compute is not None and snapshot.compute.unread == ()
    found = {(r.kind, r.name, r.role_arn.rsplit("/", 1)[-1]) for r in snapshot.compute.resources}
    assert found == {(LAMBDA_FUNCTION, "etl", "exporter"),
                     (CLOUDFORMATION_STACK, "infra", "deployer"),
                     (CODEBUILD_PROJECT, "release", "builder"),
                     (GLUE_DEV_ENDPOINT, "explore", "glue-dev"),
                     (SAGEMAKER_NOTEBOOK, "research", "notebook")}
    by_kind = {r.kind: r for r in snapshot.compute.resources}
    assert by_kind[LAMBDA_FUNCTION].arn == f"arn:aws:lambda:{REGION}:{ACCT}:function:etl"
    assert by_kind[GLUE_DEV_ENDPOINT].arn == f"arn:aws:glue:{REGION}:{ACCT}:devEndpoint/explore"
    assert by_kind[CLOUDFORMATION_STACK].tags == {"team": "x"}
    assert by_kind[SAGEMAKER_NOTEBOOK].status == "InService"


def test_the_loaded_function_is_an_escalation_path_and_a_who_can_principal(
        session: boto3.Session) -> None:
    graph = build_access_graph(load_live(_conn(session), (REGION,)))
    [path] = [e for e in escalations(graph) if e.kind == "compute-lambda"]
    assert path.role.endswith("role/app") and path.target.endswith("role/exporter")
    assert path.via == "lambda:UpdateFunctionCode → function etl (runs at its next invocation)"
    who = {(p.kind, p.name): p for p in graph.who_can("data")}
    for kind, name, role in ((LAMBDA_FUNCTION, "etl", "exporter"),
                             (CODEBUILD_PROJECT, "release", "builder"),
                             (SAGEMAKER_NOTEBOOK, "research", "notebook")):
        assert who[(kind, name)].via == (f"arn:aws:iam::{ACCT}:role/{role}",)
        assert "s3:GetObject" in who[(kind, name)].actions


def test_a_refused_listing_is_a_warning_and_unknown_escalation(session: boto3.Session) -> None:
    conn = _conn(session)
    inject_error(conn, "before-send.lambda.ListFunctions", status=403,
                 code="AccessDeniedException", message="not authorized", protocol="json")
    snapshot = load_live(conn, (REGION,))
    [warning] = [w for w in snapshot.warnings if w.operation == "lambda:ListFunctions"]
    assert warning.target == REGION and warning.code == "AccessDeniedException"
    assert "escalation through lambda functions in us-east-1" in warning.message
    assert "unknown" in warning.message
    assert snapshot.compute is not None
    assert LAMBDA_FUNCTION not in {r.kind for r in snapshot.compute.resources}
    assert snapshot.compute.unread_kind(LAMBDA_FUNCTION, REGION) is not None
    assert snapshot.compute.unread_kind(CODEBUILD_PROJECT, REGION) is None
    graph = build_access_graph(snapshot)
    assert not [e for e in escalations(graph) if e.kind == "compute-lambda"]
    # A statement on every function of the region: escalation through them is unknown.
    session.client("iam").put_role_policy(RoleName="app", PolicyName="any", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode",
         "Resource": f"arn:aws:lambda:{REGION}:{ACCT}:function:*"}))
    graph = build_access_graph(load_live(conn, (REGION,)))
    [finding] = [f for f in find(graph) if f.category == "privilege-escalation"]
    assert finding.title.startswith("app-1 (")
    assert ("escalation via lambda:UpdateFunctionCode → lambda functions in us-east-1 unknown"
            in finding.title)
    assert "AccessDeniedException" in finding.title

"""Exports: the JSON shape, an AWS CLI script bash accepts, CloudFormation that passes cfn-lint,
Terraform that parses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from graph.model import Instance
from graph.wizard import (
    BucketGrant,
    RolePlan,
    TrustCondition,
    inline_policy,
    render,
    render_cli,
    trust_policy,
)
from graph.wizard.iac import cloudformation_template

FULL = RolePlan(
    name="app-reader",
    trusted_services=("ec2.amazonaws.com", "lambda.amazonaws.com"),
    trusted_principals=("444455556666",),
    trust_conditions=(TrustCondition("StringEquals", "sts:ExternalId", ("Partner-42",)),),
    grants=(BucketGrant.parse("list,read:data-bucket/reports/", require_tls=True),
            BucketGrant.parse("write:upload-bucket")),
    managed_policy_arns=("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",),
    boundary_arn="arn:aws:iam::111122223333:policy/Boundary",
    path="/apps/",
    description="Reads reports, writes uploads",
    tags=(("team", "data"), ("cost center", "42")),
    max_session_duration=7200,
)
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
MINIMAL = RolePlan(name="bare", trusted_services=("lambda.amazonaws.com",))


def test_json_has_exactly_the_documented_keys() -> None:
    data = json.loads(render(FULL, "json"))
    assert list(data) == ["role_name", "path", "trust_policy", "inline_policy",
                          "managed_policy_arns", "boundary_arn", "instance_profile", "tags",
                          "max_session_duration", "key_policy_statements"]
    assert data["role_name"] == "app-reader" and data["path"] == "/apps/"
    assert data["trust_policy"] == trust_policy(FULL)
    assert data["inline_policy"] == inline_policy(FULL)
    assert data["instance_profile"] == "app-reader"
    assert data["tags"] == {"team": "data", "cost center": "42"}
    assert data["max_session_duration"] == 7200
    bare = json.loads(render(MINIMAL, "json"))
    assert bare["inline_policy"] is None and bare["instance_profile"] is None
    assert bare["boundary_arn"] is None and bare["managed_policy_arns"] == []


@pytest.mark.parametrize("plan", [FULL, MINIMAL], ids=["full", "minimal"])
def test_cloudformation_passes_cfn_lint(plan: RolePlan, tmp_path: Path) -> None:
    template = tmp_path / "role.yaml"
    template.write_text(render(plan, "cloudformation"))
    result = subprocess.run([CFN_LINT, str(template)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cloudformation_yaml_means_the_same_documents(tmp_path: Path) -> None:
    import yaml  # comes with cfn-lint

    assert yaml.safe_load(render(FULL, "cloudformation")) == cloudformation_template(FULL)
    props = cloudformation_template(FULL)["Resources"]["Role"]["Properties"]
    assert props["Policies"][0]["PolicyDocument"] == inline_policy(FULL)
    assert props["PermissionsBoundary"] == FULL.boundary_arn


def test_cloudformation_lint_catches_what_it_should(tmp_path: Path) -> None:
    # The test can fail: a bad tag value (not validated here on purpose) is refused by cfn-lint.
    template = tmp_path / "bad.yaml"
    template.write_text(render(RolePlan(name="x", trusted_services=("ec2.amazonaws.com",),
                                        tags=(("k", "a;b"),)), "cloudformation"))
    result = subprocess.run([CFN_LINT, str(template)],
                            capture_output=True, text=True)
    assert result.returncode != 0


def test_terraform_parses_and_carries_the_documents() -> None:
    parsed = hcl2.loads(render(FULL, "terraform"))
    resources = {}
    for block in parsed["resource"]:
        for rtype, named in block.items():
            for name, body in named.items():
                resources[(rtype.strip('"'), name.strip('"'))] = body
    assert set(resources) == {
        ("aws_iam_role", "app_reader"), ("aws_iam_role_policy", "app_reader_s3"),
        ("aws_iam_role_policy_attachment", "app_reader_1"),
        ("aws_iam_instance_profile", "app_reader"),
    }
    role = resources[("aws_iam_role", "app_reader")]
    heredoc = role["assume_role_policy"].strip('"')
    body = heredoc.split("\n", 1)[1].rsplit("\n", 1)[0]
    assert json.loads(body) == trust_policy(FULL)
    assert role["max_session_duration"] == 7200
    policy = resources[("aws_iam_role_policy", "app_reader_s3")]["policy"].strip('"')
    assert json.loads(policy.split("\n", 1)[1].rsplit("\n", 1)[0]) == inline_policy(FULL)
    assert hcl2.loads(render(MINIMAL, "terraform"))["resource"]


def test_terraform_escapes_template_sequences() -> None:
    plan = RolePlan(name="x", trusted_services=("ec2.amazonaws.com",),
                    description="costs ${var} and %{x}")
    text = render(plan, "terraform")
    assert "$${var}" in text and "%%{x}" in text
    hcl2.loads(text)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_cli_script_is_valid_bash_and_calls_in_order(tmp_path: Path) -> None:
    web = Instance("i-0abc", "eu-west-1", "running", "111122223333")
    script = render_cli(FULL, attach=[web])
    path = tmp_path / "create.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    order = ["create-role", "put-role-policy", "attach-role-policy",
             "put-role-permissions-boundary", "create-instance-profile",
             "add-role-to-instance-profile", "associate-iam-instance-profile"]
    positions = [script.index(f"aws iam {c}" if "instance-profile " not in c else c)
                 if c != "associate-iam-instance-profile" else script.index(c) for c in order]
    assert positions == sorted(positions)
    assert "--region eu-west-1" in script and "i-0abc" in script

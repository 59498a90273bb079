"""PassRole + an EC2 launch (RunInstances, Associate/ReplaceIamInstanceProfile...): the path,
and the near misses that must not be reported (the target does not trust EC2, PassRole scoped
by iam:PassedToService to another service, a Deny on PassRole or on the launch action, in an
identity policy or an SCP)."""

from __future__ import annotations

import pytest

from graph.findings import escalations
from graph.model import Scp

from .escalation_account import DATA_ALL, allow, build, deny, doc, role, role_arn, trusts

TARGET = role_arn("runner")
EC2 = "ec2.amazonaws.com"


def _launch_paths(statements: list[dict], *, trusted: str = EC2,
                  scps: tuple[tuple[Scp, ...], ...] | None = None):
    runner = role("runner", trusts(trusted), DATA_ALL)
    graph = build(statements, [runner], profiled=("runner",), scps=scps)
    return [e for e in escalations(graph) if e.kind == "passrole-launch"
            and e.role == role_arn("app") and e.target == TARGET]


def _pass(service: str = EC2) -> dict:
    return allow("iam:PassRole", TARGET,
                 Condition={"StringEquals": {"iam:PassedToService": service}})


def test_passrole_to_ec2_and_run_instances_is_a_path() -> None:
    [path] = _launch_paths([_pass(), allow("ec2:RunInstances")])
    assert [s.action for s in path.steps] == ["iam:PassRole", "ec2:RunInstances"]


def test_a_target_that_does_not_trust_ec2_is_no_path() -> None:
    assert not _launch_paths([_pass(), allow("ec2:RunInstances")],
                             trusted="lambda.amazonaws.com")


def test_passrole_scoped_to_another_service_is_no_path() -> None:
    assert not _launch_paths([_pass("lambda.amazonaws.com"), allow("ec2:RunInstances")])


@pytest.mark.parametrize("denied", ["iam:PassRole", "ec2:RunInstances"])
def test_a_deny_on_any_step_is_no_path(denied: str) -> None:
    assert not _launch_paths([_pass(), allow("ec2:RunInstances"), deny(denied)])
    scp = Scp("guard", doc(allow("*"), deny(denied)))
    assert not _launch_paths([_pass(), allow("ec2:RunInstances")], scps=((scp,),))

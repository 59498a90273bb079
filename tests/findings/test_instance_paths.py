"""Acting on an instance that runs as a stronger role (SSM, EC2 Instance Connect, user data):
one planted account per route, and the near misses (a resource-scoped Deny or tag condition,
a stopped instance for the agent routes) that must not be reported."""

from __future__ import annotations

import pytest

from graph.findings import escalation_json, escalations, find
from graph.findings.exposure import ExposureSummary, severity_for
from graph.findings.instance_paths import ROUTES, InstanceRoute

from .escalation_account import (
    DATA_ALL,
    REGION,
    allow,
    build,
    deny,
    instance_arn,
    role,
    role_arn,
    trusts,
)

DEPLOYER = role_arn("deployer")
SHELL_DOC = f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript"
BUILD = ("i-build7", "deployer", "running", {"Name": "build-7", "team": "deploy"})


def _graph(statements: list[dict], *instances: tuple[str, str, str, dict[str, str]]):
    deployer = role("deployer", trusts("ec2.amazonaws.com"), DATA_ALL)
    return build(statements, [deployer], list(instances or (BUILD,)))


def _paths(graph, kind: str):
    return [e for e in escalations(graph) if e.kind == kind and e.role == role_arn("app")]


def _route(kind: str) -> InstanceRoute:
    return next(r for r in ROUTES if r.kind == kind)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.kind)
def test_acting_on_an_instance_with_a_stronger_role_is_a_path(route: InstanceRoute) -> None:
    graph = _graph([allow(list(route.actions))])
    [path] = _paths(graph, route.kind)
    assert path.target == DEPLOYER and path.through == ("i-build7",)
    verbs = " + ".join(a.split(":")[1] for a in route.actions)
    assert path.via == f"{verbs} → instance build-7 (i-build7)"
    assert [s.action for s in path.steps][:len(route.actions)] == list(route.actions)
    assert path.steps[0].resource == instance_arn("i-build7")
    assert all(s.evidence for s in path.steps)
    finding = next(f for f in find(graph) if f.category == "privilege-escalation"
                   and f.principal == DEPLOYER and verbs in f.title)
    assert f"could gain via {path.via} → role deployer" in finding.title
    assert finding.severity == severity_for(ExposureSummary.of(path.gains))
    assert "acts on instance(s) running as role deployer: i-build7" in finding.detail
    drawn = [(p.source, p.target) for p in finding.path]
    assert ("role:" + role_arn("app"), "instance:i-build7") in drawn
    assert ("instance:i-build7", "role:" + DEPLOYER) in drawn
    assert escalation_json(path)["through"] == ["i-build7"]


def test_send_command_is_decided_on_the_document_too() -> None:
    graph = _graph([allow("ssm:SendCommand", instance_arn("i-build7")),
                    allow("ssm:SendCommand", SHELL_DOC)])
    [path] = _paths(graph, "instance-ssm-command")
    assert [(s.action, s.resource) for s in path.steps] == [
        ("ssm:SendCommand", instance_arn("i-build7")), ("ssm:SendCommand", SHELL_DOC)]
    # The instance alone is not enough: AWS authorizes the document as well.
    only_instance = _graph([allow("ssm:SendCommand", instance_arn("i-build7"))])
    assert not _paths(only_instance, "instance-ssm-command")


def test_send_command_denied_on_the_instance_is_no_path() -> None:
    graph = _graph([allow("ssm:SendCommand"),
                    deny("ssm:SendCommand", instance_arn("i-build7"))])
    assert not _paths(graph, "instance-ssm-command")


def test_a_tag_scoped_grant_reads_the_instance_tags() -> None:
    scoped = allow("ssm:SendCommand", Condition={
        "StringEquals": {"ssm:resourceTag/team": "app"}})
    assert not _paths(_graph([scoped, allow("ssm:SendCommand", SHELL_DOC)]),
                      "instance-ssm-command")
    tagged = ("i-build7", "deployer", "running", {"Name": "build-7", "team": "app"})
    [path] = _paths(_graph([scoped, allow("ssm:SendCommand", SHELL_DOC)], tagged),
                    "instance-ssm-command")
    assert path.through == ("i-build7",)


@pytest.mark.parametrize("kind", ["instance-ssm-command", "instance-ssm-session",
                                  "instance-connect-ssh", "instance-serial-console"])
def test_a_stopped_instance_runs_no_agent(kind: str) -> None:
    stopped = ("i-build7", "deployer", "stopped", {"Name": "build-7"})
    assert not _paths(_graph([allow(list(_route(kind).actions))], stopped), kind)


def test_new_user_data_on_a_stopped_instance_needs_no_stop() -> None:
    stopped = ("i-build7", "deployer", "stopped", {"Name": "build-7"})
    route = _route("instance-user-data")
    graph = _graph([allow(["ec2:ModifyInstanceAttribute", "ec2:StartInstances"])], stopped)
    [path] = _paths(graph, route.kind)
    assert [s.action for s in path.steps] == ["ec2:ModifyInstanceAttribute",
                                              "ec2:StartInstances"]
    # A running one must be stopped first: without StopInstances there is no path.
    running = _graph([allow(["ec2:ModifyInstanceAttribute", "ec2:StartInstances"])])
    assert not _paths(running, route.kind)
    terminated = ("i-build7", "deployer", "terminated", {"Name": "build-7"})
    assert not _paths(_graph([allow(list(route.actions))], terminated), route.kind)


def test_a_deny_on_the_act_action_is_no_path() -> None:
    for route in ROUTES:
        graph = _graph([allow(list(route.actions)), deny(route.actions[-1])])
        assert not _paths(graph, route.kind), route.kind


def test_many_instances_of_one_role_are_one_path_naming_them() -> None:
    more = [(f"i-b{n}", "deployer", "running", {"Name": f"build-{n}"}) for n in range(5)]
    graph = _graph([allow("ssm:StartSession")], *more)
    [path] = _paths(graph, "instance-ssm-session")
    assert path.through == tuple(f"i-b{n}" for n in range(5))
    assert path.via == ("StartSession → instance build-0 (i-b0), build-1 (i-b1), "
                        "build-2 (i-b2) (+2 more)")


def test_an_instance_of_its_own_role_or_a_weaker_one_is_no_path() -> None:
    weak = ("i-weak", "weak", "running", {"Name": "weak-1"})
    graph = build([allow("ssm:StartSession")],
                  [role("weak", trusts("ec2.amazonaws.com"))], [weak])
    assert not _paths(graph, "instance-ssm-session")

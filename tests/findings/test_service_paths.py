"""PassRole to a service that runs code as the passed role: one planted account per service
of the table, and the near misses (no trust, PassedToService scoped elsewhere, a Deny on the
launch action) that must not be reported."""

from __future__ import annotations

import pytest

from graph.findings import escalations, find
from graph.findings.exposure import ExposureSummary, severity_for
from graph.findings.service_paths import SERVICES, ServicePath, resource_for
from graph.model import Scp

from .escalation_account import (
    ACCT,
    DATA_ALL,
    REGION,
    allow,
    build,
    deny,
    doc,
    role,
    role_arn,
    trusts,
)

TARGET = role_arn("runner")


def _pass(service: str) -> dict:
    return allow("iam:PassRole", TARGET,
                 Condition={"StringEquals": {"iam:PassedToService": service}})


def _graph(service: ServicePath, *, trusted: str | None = None, passed_to: str | None = None,
           extra: tuple[dict, ...] = ()):
    runner = role("runner", trusts(trusted or service.principal), DATA_ALL)
    statements = [_pass(passed_to or service.passed_to), allow(list(service.routes[0])),
                  *extra]
    return build(statements, [runner], profiled=("runner",))


def _paths(graph, kind: str):
    return [e for e in escalations(graph) if e.kind == kind and e.role == role_arn("app")]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.kind)
def test_passing_a_role_to_a_service_that_trusts_it_is_a_path(service: ServicePath) -> None:
    graph = _graph(service)
    [path] = _paths(graph, service.kind)
    assert path.target == TARGET
    route = service.routes[0]
    assert [s.action for s in path.steps] == ["iam:PassRole", *route]
    assert path.via == " + ".join(["PassRole", *(a.split(":")[1] for a in route)])
    assert path.steps[0].resource == TARGET
    assert path.steps[1].resource == resource_for(route[0], "aws", REGION, ACCT)
    assert all(s.evidence and s.evidence[0].label.startswith("identity policy app/app-policy")
               for s in path.steps), [s.evidence for s in path.steps]
    assert set(path.gains["data"]) >= {"s3:GetObject", "s3:PutObject"}
    finding = next(f for f in find(graph) if f.category == "privilege-escalation"
                   and f.principal == TARGET and path.via in f.title)
    assert finding.severity == severity_for(ExposureSummary.of(path.gains))
    # One statement may grant two EC2 routes (RunInstances is both a launch and part of a
    # launch template's route): one finding names both.
    assert "role runner" in finding.title and "could gain" in finding.title
    assert "iam:PassedToService" in finding.fix


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.kind)
def test_a_target_that_does_not_trust_the_service_is_no_path(service: ServicePath) -> None:
    other = "states.amazonaws.com"
    assert not _paths(_graph(service, trusted=other), service.kind)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.kind)
def test_passrole_scoped_to_another_service_is_no_path(service: ServicePath) -> None:
    graph = _graph(service, passed_to="states.amazonaws.com")
    assert not _paths(graph, service.kind)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.kind)
def test_a_deny_on_the_launch_action_is_no_path(service: ServicePath) -> None:
    graph = _graph(service, extra=(deny(service.routes[0][-1]),))
    assert not _paths(graph, service.kind)


def test_an_scp_deny_on_passrole_is_no_path() -> None:
    lam = SERVICES[0]
    runner = role("runner", trusts(lam.principal), DATA_ALL)
    statements = [_pass(lam.passed_to), allow(list(lam.routes[0]))]
    everything = Scp("FullAWSAccess", doc(allow("*")))
    assert _paths(build(statements, [runner], scps=((everything,),)), lam.kind)
    no_pass = Scp("NoPassRole", doc(allow("*"), deny("iam:PassRole")))
    assert not _paths(build(statements, [runner], scps=((no_pass,),)), lam.kind)


def test_the_first_granted_route_is_the_one_shown() -> None:
    lam = next(s for s in SERVICES if s.kind == "passrole-lambda")
    runner = role("runner", trusts(lam.principal), DATA_ALL)
    graph = build([_pass(lam.passed_to), allow(["lambda:CreateFunction",
                                                "lambda:AddPermission"])], [runner])
    [path] = _paths(graph, lam.kind)
    assert path.via == "PassRole + CreateFunction + AddPermission"
    # Without a second action no route is complete: CreateFunction alone runs nothing.
    graph = build([_pass(lam.passed_to), allow("lambda:CreateFunction")], [runner])
    assert not _paths(graph, lam.kind)


def test_an_ec2_route_needs_an_instance_profile_or_the_right_to_make_one() -> None:
    spot = next(s for s in SERVICES if s.kind == "passrole-spot")
    runner = role("runner", trusts(spot.principal), DATA_ALL)
    statements = [_pass(spot.passed_to), allow("ec2:RequestSpotInstances")]
    assert not _paths(build(statements, [runner]), spot.kind)
    graph = build([*statements, allow(["iam:CreateInstanceProfile",
                                       "iam:AddRoleToInstanceProfile"])], [runner])
    [path] = _paths(graph, spot.kind)
    assert path.via == "PassRole + CreateInstanceProfile + RequestSpotInstances"
    assert [s.action for s in path.steps][-2:] == ["iam:CreateInstanceProfile",
                                                   "iam:AddRoleToInstanceProfile"]


def test_a_target_with_nothing_more_to_give_is_no_path() -> None:
    lam = SERVICES[0]
    runner = role("runner", trusts(lam.principal))
    graph = build([_pass(lam.passed_to), allow(list(lam.routes[0]))], [runner])
    assert not _paths(graph, lam.kind)
